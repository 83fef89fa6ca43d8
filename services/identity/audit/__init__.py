"""The audit trail: identity's own actions and those the other services publish, append-only, read by owners."""
