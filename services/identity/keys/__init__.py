"""Signing keys: the Ed25519 pairs that sign access tokens, their rotation and the published key set."""
