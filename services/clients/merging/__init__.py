"""Merging duplicate clients: the field-by-field plan, moving what hangs off a client, finding duplicates."""
