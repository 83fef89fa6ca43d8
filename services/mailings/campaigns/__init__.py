"""Paper campaigns: a selection of clients snapshotted with their addresses, its text and background image."""
