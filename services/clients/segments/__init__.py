"""Saved searches (segments), re-evaluated each time they are used."""
