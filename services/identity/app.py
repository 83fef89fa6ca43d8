"""App factory of the identity service."""

from __future__ import annotations

from fastapi import FastAPI

from services.identity.accounts.routes import router as accounts_router
from services.identity.api_tokens.routes import router as api_tokens_router
from services.identity.audit.handlers import build_subscribers
from services.identity.audit.routes import router as audit_router
from services.identity.keys.routes import router as keys_router
from services.identity.models import idempotency_keys, outbox
from services.identity.resets.routes import router as resets_router
from services.identity.sessions.routes import router as sessions_router
from services.identity.settings import IdentitySettings
from services.identity.users.routes import router as users_router
from shared.app import create_service_app
from shared.events.identity import IDENTITY_EVENTS


def create_app(settings: IdentitySettings | None = None) -> FastAPI:
    """Build the identity service; nothing connects until the lifespan starts."""
    return create_service_app(
        settings=settings or IdentitySettings(),
        title="Négoce identity",
        description=(
            "Accounts, users and invitations, sign-in and sessions, password resets, API tokens, the keys that "
            "sign access tokens, and the accounts' audit trail."
        ),
        outbox=outbox,
        idempotency_keys=idempotency_keys,
        routers=[
            keys_router,
            sessions_router,
            resets_router,
            users_router,
            api_tokens_router,
            accounts_router,
            audit_router,
        ],
        subscribers=build_subscribers,
        publishes=IDENTITY_EVENTS,
    )
