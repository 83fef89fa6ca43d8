"""Client search: one meaning for the `q` text and the query parameters, compiled to one plan."""
