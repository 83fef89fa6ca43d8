"""Négoce's services; each one owns its database and never imports another."""
