"""The notification feed: one entry per fired reminder in its assignee's feed, read or unread."""
