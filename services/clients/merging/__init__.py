"""Merging duplicate clients (F19): the field-by-field plan, moving what hangs off a client, duplicates."""
