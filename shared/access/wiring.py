"""Give a service app token checking: identity's keys, the access guard and the identity subscribers."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

from shared.access.guard import AccessGuard
from shared.access.handlers import build_access_subscribers
from shared.access.service import AccessReplica
from shared.auth import ServiceAccess
from shared.errors import Unavailable
from shared.settings import ServiceSettings
from shared.tokens import PublishedKeys


def published_keys(settings: ServiceSettings) -> PublishedKeys:
    """Identity's public keys, fetched from its JWKS address when first needed and kept a while."""

    async def fetch() -> Any:
        try:
            async with httpx.AsyncClient(timeout=5.0) as client:
                answer = await client.get(settings.identity_jwks_url)
                answer.raise_for_status()
                return answer.json()
        except (httpx.HTTPError, ValueError) as exc:
            # Only when no key is known yet (PublishedKeys keeps the known ones otherwise): 503, not 500.
            raise Unavailable("The identity service's keys cannot be fetched right now; retry shortly.") from exc

    return PublishedKeys(fetch, max_age_seconds=settings.identity_jwks_max_age_seconds)


def install_access(app: FastAPI, *, context: Any, replica: AccessReplica) -> None:
    """Check tokens in this app, and keep its copy of identity's announcements current.

    ``context`` is the app's ServiceContext: the guard rereads the tables in its background, and
    its broker gets the identity subscribers unless the process runs no consumers.
    """
    settings: ServiceSettings = context.settings
    guard = AccessGuard(
        sessions=context.sessions, tables=replica.tables, refresh_seconds=settings.access_refresh_seconds
    )
    context.background.append(guard.run)
    if settings.run_consumers:
        context.broker.include_router(
            build_access_subscribers(
                replica=replica,
                sessions=context.sessions,
                consumer=settings.service_name,
                delivery_limit=settings.consumer_delivery_limit,
            )
        )
        # FastStream types the broker's subscribers by their base class, which has no ``queue``; Rabbit's all have one.
        context.consumer_queues = [sub.queue.name for sub in context.broker.subscribers]
    app.state.access = ServiceAccess(keys=published_keys(settings), guard=guard)
