"""What follows an order: shipments, payments, and the reservations shipments consume."""
