"""The clients service: client base, contacts, categories, tags and the client read models."""
