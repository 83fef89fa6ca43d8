"""Sessions: sign-in, refresh-token rotation and sign-out, and the limit on failed sign-ins."""
