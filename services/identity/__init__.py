"""The identity service: accounts, users, invitations, passwords, sessions and signing keys."""
