"""Password resets: a single-use link e-mailed on request, limited per address, then a new password."""
