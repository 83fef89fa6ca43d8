"""Paper mailings: letters, address labels and label-sheet formats rendered to PDF (no database, no HTTP)."""
