"""The client sheet's dealings (orders, prices, reservations, products, statistics) and its heavy actions."""

from __future__ import annotations

from fastapi import APIRouter

from services.console.client_dealings import (
    duplicates,
    merging,
    orders_tab,
    prices,
    products,
    removal,
    reservations,
    statistics,
)

router = APIRouter()
# Doublons first: /clients/doublons must not be taken for a client's id.
for part in (duplicates, orders_tab, prices, reservations, products, statistics, merging, removal):
    router.include_router(part.router)
