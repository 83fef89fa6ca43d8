"""Invoices and credit notes, numbered without gaps."""
