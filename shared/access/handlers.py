"""The subscriber that keeps a service's access tables in step with identity's events.

One queue per service takes every identity event ("#") and applies those about accounts, users and
revocations: a queue per event type would cost each service seven quorum queues and their
dead-letter queues, and RabbitMQ's file handles are few.
"""

from __future__ import annotations

import logging
from typing import Any

from faststream import AckPolicy
from faststream.rabbit import RabbitRouter

from shared.access.service import ACCESS_EVENTS, AccessReplica, Sessions
from shared.messaging import IDENTITY_EXCHANGE, named_queue

log = logging.getLogger(__name__)


def build_access_subscribers(
    *, replica: AccessReplica, sessions: Sessions, consumer: str, delivery_limit: int
) -> RabbitRouter:
    """The service's queue of identity's accounts, users and revocations."""
    router = RabbitRouter()
    queue = named_queue(f"{consumer}.identity-access", routing_key="#", delivery_limit=delivery_limit)

    @router.subscriber(
        queue,
        IDENTITY_EXCHANGE,
        ack_policy=AckPolicy.NACK_ON_ERROR,
        title=f"{consumer}.identity-access",
        description="account.created, account.closed, user.invited, user.joined, user.updated, "
        "user.disabled and token.revoked, applied to the service's copy; other identity events are skipped",
    )
    async def on_identity_event(body: dict[str, Any]) -> None:
        """A new or closed account, a user's new state, or a revoked session or API token."""
        event_class = ACCESS_EVENTS.get(str(body.get("type")))
        if event_class is None:
            return  # e.g. sign_in_email.requested: for the mailings service
        await replica.apply(sessions=sessions, consumer=consumer, event=event_class.model_validate(body))

    return router
