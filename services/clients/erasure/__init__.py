"""Erasing a client's personal data (GDPR) here and, through client.erased, in every service."""
