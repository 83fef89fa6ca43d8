"""Client search (F5): one meaning for the `q` text and the query parameters, compiled to one plan."""
