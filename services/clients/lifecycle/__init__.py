"""How a client leaves the base and comes back: delete, archive, restore."""
