"""The client sheet: every field and the summary, the orders history, top products and statistics."""
