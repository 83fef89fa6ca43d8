"""Creating, editing and blocking a client, and announcing its snapshot."""
