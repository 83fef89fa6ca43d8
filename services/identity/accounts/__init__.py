"""Accounts: a tenant created together with its owner."""
