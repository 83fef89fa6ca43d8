"""Prices: grids and their prices, negotiated prices, and the price each order line gets."""
