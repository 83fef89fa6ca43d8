"""Négoce's common code: settings, database, events, outbox/inbox, auth, errors, logging."""
