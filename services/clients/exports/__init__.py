"""Exports of the client base or a selection: CSV streamed for French Excel, XLSX built by a background worker."""
