"""Exports of the client base (F7): CSV streamed for French Excel, XLSX built by a background worker."""
