"""App factory of the orders service."""

from __future__ import annotations

from fastapi import FastAPI

from services.orders.catalogue.routes import router as catalogue_router
from services.orders.client_life.handlers import build_subscribers
from services.orders.client_life.routes import router as client_life_router
from services.orders.fulfilment.routes import router as fulfilment_router
from services.orders.invoicing.routes import router as invoicing_router
from services.orders.models import access_tables, idempotency_keys, inbox, outbox
from services.orders.ordering.routes import router as ordering_router
from services.orders.pricing.routes import router as pricing_router
from services.orders.seller.routes import router as seller_router
from services.orders.settings import OrdersSettings
from shared.access.service import AccessReplica
from shared.app import create_service_app
from shared.events.orders import ORDER_EVENTS


def create_app(settings: OrdersSettings | None = None) -> FastAPI:
    """Build the orders service; nothing connects until the lifespan starts."""
    return create_service_app(
        settings=settings or OrdersSettings(),
        title="Négoce orders",
        description="Catalogue, prices, reservations, orders, invoices, shipments and payments.",
        outbox=outbox,
        access=AccessReplica(tables=access_tables, inbox=inbox),
        idempotency_keys=idempotency_keys,
        # Fixed paths first (/api/orders/products, /reservations, /client-choices...): the ordering
        # slice's /api/orders/{order_id} would otherwise take them for an order id.
        routers=[
            catalogue_router,
            pricing_router,
            seller_router,
            fulfilment_router,
            client_life_router,
            ordering_router,
            invoicing_router,
        ],
        subscribers=build_subscribers,
        publishes=ORDER_EVENTS,
    )
