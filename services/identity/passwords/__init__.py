"""Password credentials: the strength rule and argon2id hashes."""
