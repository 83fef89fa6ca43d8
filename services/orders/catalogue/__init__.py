"""The catalogue: containers, products and their variants."""
