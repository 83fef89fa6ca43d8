"""The client base list: tabs, sorts, keyset pages and tab counts."""
