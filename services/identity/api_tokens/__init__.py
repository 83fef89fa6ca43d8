"""API tokens: long-lived access tokens owners make for integrations, listed and revoked."""
