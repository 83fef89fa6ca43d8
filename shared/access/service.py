"""Identity's events applied, once each, to a service's access tables."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.access import repository
from shared.access.tables import AccessTables
from shared.consumer import apply_once
from shared.events.envelope import Event
from shared.events.identity import (
    AccountClosed,
    AccountCreated,
    TokenRevoked,
    UserDisabled,
    UserInvited,
    UserJoined,
    UserPayload,
    UserUpdated,
)

Sessions = async_sessionmaker[AsyncSession]
ACCESS_EVENTS: dict[str, type[Event]] = {
    event.TYPE: event
    for event in (AccountCreated, AccountClosed, UserInvited, UserJoined, UserUpdated, UserDisabled, TokenRevoked)
}
OnAccountCreated = Callable[[AsyncSession, AccountCreated], Awaitable[None]]
# Access tokens live at most 15 minutes, plus the minute of clock margin services allow.
ACCESS_TOKEN_HORIZON = timedelta(minutes=16)


@dataclass(frozen=True)
class AccessReplica:
    """A service's access tables, its inbox, and what the service itself does when an account appears."""

    tables: AccessTables
    inbox: Table
    on_account_created: OnAccountCreated | None = None

    async def _once(
        self, sessions: Sessions, consumer: str, event: Event, effect: Callable[..., Awaitable[None]]
    ) -> bool:
        return await apply_once(sessions=sessions, inbox=self.inbox, consumer=consumer, event=event, effect=effect)

    async def apply(self, *, sessions: Sessions, consumer: str, event: Event) -> bool:
        """Apply one of ACCESS_EVENTS once; True when applied."""
        match event:
            case AccountCreated():
                return await self.apply_account_created(sessions=sessions, consumer=consumer, event=event)
            case AccountClosed():
                return await self.apply_account_closed(sessions=sessions, consumer=consumer, event=event)
            case UserInvited() | UserJoined() | UserUpdated() | UserDisabled():
                return await self.apply_user(sessions=sessions, consumer=consumer, event=event, payload=event.payload)
            case TokenRevoked():
                return await self.apply_token_revoked(sessions=sessions, consumer=consumer, event=event)
        raise TypeError(f"not an access event: {event.type}")

    async def apply_account_created(self, *, sessions: Sessions, consumer: str, event: AccountCreated) -> bool:
        """Know a new account, and let the service set it up."""

        async def effect(session: AsyncSession) -> None:
            await repository.add_account(
                session, self.tables, account_id=event.payload.account_id, name=event.payload.name
            )
            if self.on_account_created is not None:
                await self.on_account_created(session, event)

        return await self._once(sessions, consumer, event, effect)

    async def apply_account_closed(self, *, sessions: Sessions, consumer: str, event: AccountClosed) -> bool:
        """Refuse a closed account's tokens from now on."""

        async def effect(session: AsyncSession) -> None:
            p = event.payload
            await repository.close_account(session, self.tables, account_id=p.account_id, closed_at=p.closed_at)

        return await self._once(sessions, consumer, event, effect)

    async def apply_user(self, *, sessions: Sessions, consumer: str, event: Event, payload: UserPayload) -> bool:
        """Store a user's announced state (a later one already stored wins)."""

        async def effect(session: AsyncSession) -> None:
            values = {
                "user_id": payload.user_id,
                "account_id": event.account_id,
                "email": payload.email,
                "name": payload.name,
                "role": payload.role,
                "active": payload.active,
                "joined": payload.joined,
                "as_of": event.occurred_at,
            }
            await repository.save_user(session, self.tables, values=values)

        return await self._once(sessions, consumer, event, effect)

    async def apply_token_revoked(self, *, sessions: Sessions, consumer: str, event: TokenRevoked) -> bool:
        """Refuse a revoked session's or API token's access tokens until they would have expired anyway."""
        p = event.payload
        token_id = p.session_id or p.api_token_id
        if token_id is None:  # the contract sets one of them; an event without either revokes nothing
            return False

        async def effect(session: AsyncSession) -> None:
            await repository.add_revocation(
                session,
                self.tables,
                values={
                    "token_id": token_id,
                    "kind": "session" if p.session_id else "api_token",
                    "user_id": p.user_id,
                    "account_id": event.account_id,
                    "revoked_at": p.revoked_at,
                    "refuse_until": p.refuse_until or p.revoked_at + ACCESS_TOKEN_HORIZON,
                },
            )

        return await self._once(sessions, consumer, event, effect)
