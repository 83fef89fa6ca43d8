"""The client record every slice shares: the caller's account, loading a client, its API body and event snapshot."""
