"""Selections of clients (the whole base, a search, a segment or ids) and their postal addresses."""
