"""What the other services' events tell about clients: orders, invoices, deliveries, timeline lines."""
