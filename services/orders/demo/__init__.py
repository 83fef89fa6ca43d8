"""A realistic order history for the demo account and the consistency tests, driven through the API."""
