"""Message subscribers of the audit trail: the audit.recorded events of the other services."""

from __future__ import annotations

from faststream.rabbit import RabbitRouter

from services.identity.audit import service
from shared.app import ServiceContext
from shared.events.audit import AuditRecorded
from shared.messaging import EXCHANGE_OF_SERVICE, Handler, subscriptions

# The services whose exchanges carry audit.recorded; identity records its own actions directly.
AUDITED_SERVICES = ("clients", "orders", "reminders", "mailings")


def subscribe(router: RabbitRouter, context: ServiceContext) -> None:
    """One queue per audited service (identity.<service>.audit.recorded), bound to that service's exchange."""
    limit = context.settings.consumer_delivery_limit
    for source in AUDITED_SERVICES:
        on = subscriptions(
            router, consumer=f"identity.{source}", exchange=EXCHANGE_OF_SERVICE[source], delivery_limit=limit
        )
        on(AuditRecorded)(_recorder(context, source))


def _recorder(context: ServiceContext, source: str) -> Handler:
    sessions = context.sessions

    async def on_audit_recorded(event: AuditRecorded) -> None:
        """Another service's audited action joins the account's trail."""
        await service.apply_recorded(sessions=sessions, source=source, event=event)

    # Distinct names: the AsyncAPI document titles each subscriber by its handler.
    on_audit_recorded.__name__ = on_audit_recorded.__qualname__ = f"on_{source}_audit_recorded"
    return on_audit_recorded


def build_subscribers(context: ServiceContext) -> RabbitRouter:
    """The identity service's subscribers."""
    router = RabbitRouter()
    subscribe(router, context)
    return router
