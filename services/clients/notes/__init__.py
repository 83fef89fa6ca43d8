"""A client's notes: comments, calls and meetings, each on the timeline at its date."""
