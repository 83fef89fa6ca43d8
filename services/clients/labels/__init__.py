"""Categories and tags an account sorts its clients with."""
