"""Pure rules of what follows an order: when a shipment or a payment may be dated."""

from __future__ import annotations

from datetime import datetime, timedelta

# A shipment or a payment records something that happened; a day ahead leaves room for clocks and for
# writing down tonight what leaves first thing tomorrow, and anything later is a typing error.
FUTURE_SLACK = timedelta(days=1)


def fact_date_problem(at: datetime, *, order_created_at: datetime, now: datetime) -> str | None:
    """Why a shipment's or payment's date cannot be (before its order, or too far ahead), or None."""
    if at < order_created_at:
        return f"is before the order was created ({order_created_at.isoformat()})"
    if at > now + FUTURE_SLACK:
        return "is more than a day ahead: record a shipment or a payment once it has happened"
    return None
