"""What every identity slice needs: the account and user rows, the signed-in user, events, problems."""
