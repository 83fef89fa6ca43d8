"""App factory of the orders service."""

from __future__ import annotations

from fastapi import FastAPI

from services.orders.handlers import build_subscribers
from services.orders.models import idempotency_keys, outbox
from services.orders.routes_catalogue import router as catalogue_router
from services.orders.routes_orders import router as orders_router
from services.orders.settings import OrdersSettings
from shared.app import create_service_app
from shared.events.orders import ORDER_EVENTS


def create_app(settings: OrdersSettings | None = None) -> FastAPI:
    """Build the orders service; nothing connects until the lifespan starts."""
    return create_service_app(
        settings=settings or OrdersSettings(),
        title="Négoce orders",
        description="Catalogue, prices, reservations, orders, invoices, shipments and payments.",
        outbox=outbox,
        idempotency_keys=idempotency_keys,
        # Catalogue and picker routes first: /api/orders/products must not be taken for an order id.
        routers=[catalogue_router, orders_router],
        subscribers=build_subscribers,
        publishes=ORDER_EVENTS,
    )
