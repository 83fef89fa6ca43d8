"""A client's contacts and who receives its documents by e-mail."""
