"""Accounts (tenants): creating them, their client-base settings, and the demo account."""
