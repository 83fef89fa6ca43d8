"""Users of an account: invitations, joining, names and roles, disabling."""
