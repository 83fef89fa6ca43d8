"""A client's timeline: the entries every slice writes, and the page the sheet reads."""
