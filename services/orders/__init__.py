"""The orders service: Catalogue, prices, reservations, orders, invoices, shipments and payments."""
