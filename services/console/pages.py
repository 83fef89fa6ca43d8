"""Every screen of the console, in the order of the left menu."""

from __future__ import annotations

from fastapi import APIRouter

from services.console.client_base.routes import router as client_base_router
from services.console.client_dealings.routes import router as client_dealings_router
from services.console.client_sheet.routes import router as client_sheet_router
from services.console.orders.routes import router as orders_router
from services.console.reminders.bell import router as bell_router
from services.console.reminders.routes import router as reminders_router
from services.console.sign_in.routes import router as sign_in_router

ROUTERS: list[APIRouter] = [
    sign_in_router,
    client_base_router,
    client_dealings_router,  # before the sheet: /clients/doublons is not a client's id
    client_sheet_router,
    orders_router,
    bell_router,
    reminders_router,
]
