"""App factory of the orders service."""

from __future__ import annotations

from fastapi import FastAPI

from services.orders.models import outbox
from services.orders.settings import OrdersSettings
from shared.app import create_service_app


def create_app(settings: OrdersSettings | None = None) -> FastAPI:
    """Build the orders service; nothing connects until the lifespan starts."""
    return create_service_app(
        settings=settings or OrdersSettings(),
        title="Négoce orders",
        description="Catalogue, prices, reservations, orders, invoices, shipments and payments.",
        outbox=outbox,
    )
