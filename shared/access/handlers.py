"""Subscribers that keep a service's access tables in step with identity's events."""

from __future__ import annotations

from faststream.rabbit import RabbitRouter

from shared.access.service import AccessReplica, Sessions
from shared.events.identity import (
    AccountClosed,
    AccountCreated,
    TokenRevoked,
    UserDisabled,
    UserInvited,
    UserJoined,
    UserUpdated,
)
from shared.messaging import IDENTITY_EXCHANGE, subscriptions


def build_access_subscribers(
    *, replica: AccessReplica, sessions: Sessions, consumer: str, delivery_limit: int
) -> RabbitRouter:
    """The service's queues for identity's accounts, users and revocations."""
    router = RabbitRouter()
    on = subscriptions(router, consumer=consumer, exchange=IDENTITY_EXCHANGE, delivery_limit=delivery_limit)

    @on(AccountCreated)
    async def on_account_created(event: AccountCreated) -> None:
        """A new account's tokens are accepted."""
        await replica.apply_account_created(sessions=sessions, consumer=consumer, event=event)

    @on(AccountClosed)
    async def on_account_closed(event: AccountClosed) -> None:
        """A closed account's tokens are refused."""
        await replica.apply_account_closed(sessions=sessions, consumer=consumer, event=event)

    @on(UserInvited)
    async def on_user_invited(event: UserInvited) -> None:
        """An invited user is known by name and e-mail."""
        await replica.apply_user(sessions=sessions, consumer=consumer, event=event, payload=event.payload)

    @on(UserJoined)
    async def on_user_joined(event: UserJoined) -> None:
        """A user who set their password can be given work."""
        await replica.apply_user(sessions=sessions, consumer=consumer, event=event, payload=event.payload)

    @on(UserUpdated)
    async def on_user_updated(event: UserUpdated) -> None:
        """A renamed user, or one whose role changed (their older tokens are refused)."""
        await replica.apply_user(sessions=sessions, consumer=consumer, event=event, payload=event.payload)

    @on(UserDisabled)
    async def on_user_disabled(event: UserDisabled) -> None:
        """A disabled user's tokens are refused."""
        await replica.apply_user(sessions=sessions, consumer=consumer, event=event, payload=event.payload)

    @on(TokenRevoked)
    async def on_token_revoked(event: TokenRevoked) -> None:
        """A signed-out session's or a revoked API token's access tokens are refused."""
        await replica.apply_token_revoked(sessions=sessions, consumer=consumer, event=event)

    return router
