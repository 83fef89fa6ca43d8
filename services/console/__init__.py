"""The web console: the screens wine merchants use, rendered on the server from the public API."""
