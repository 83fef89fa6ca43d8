"""The in-memory copy of a service's access tables that every request is checked against."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.access import repository
from shared.access.tables import AccessTables
from shared.errors import Unauthorized
from shared.tokens import AccessClaims, role_rank

log = logging.getLogger(__name__)
# Rows are read again this far back: a transaction that stamped changed_at before the previous read
# but committed after it is still seen.
READ_OVERLAP = timedelta(seconds=10)


class RefusedToken(Unauthorized):
    """A well-signed token that must not be honoured any more: closed account, disabled user, revoked."""


@dataclass(frozen=True, slots=True)
class _UserState:
    active: bool
    role: str
    name: str


def _user_state(row: Any) -> _UserState:
    return _UserState(active=row.active, role=row.role, name=row.name)


class AccessGuard:
    """Refuses tokens of unknown or closed accounts, disabled users and revoked sessions or API tokens.

    Reloads what changed every ``refresh_seconds`` (a background task of the API process), so a
    revocation applied by the service's consumer is honoured within about two periods.
    """

    def __init__(
        self, *, sessions: async_sessionmaker[AsyncSession], tables: AccessTables, refresh_seconds: float = 1.0
    ) -> None:
        self._sessions, self._tables, self._period = sessions, tables, refresh_seconds
        self._accounts: dict[uuid.UUID, bool] = {}  # account id -> closed
        self._users: dict[uuid.UUID, _UserState] = {}
        self._revoked: dict[uuid.UUID, float] = {}  # session or API token id -> refuse until (epoch)
        # Users not announced (yet) when last asked -> when to ask again (epoch): not a query per request.
        self._missing_users: dict[uuid.UUID, float] = {}
        self._read_until: datetime | None = None
        self._lock = asyncio.Lock()

    async def refresh(self) -> None:
        """Read the rows changed since the last read (everything the first time)."""
        async with self._lock, self._sessions() as session:
            now = await repository.database_now(session)
            since = None if self._read_until is None else self._read_until - READ_OVERLAP
            accounts = await repository.changed_accounts(session, self._tables, since=since)
            users = await repository.changed_users(session, self._tables, since=since)
            revocations = await repository.changed_revocations(session, self._tables, since=since, now=now)
        for account in accounts:
            self._accounts[account.account_id] = account.closed_at is not None
        for user in users:
            self._users[user.user_id] = _user_state(user)
            self._missing_users.pop(user.user_id, None)
        for revocation in revocations:
            self._revoked[revocation.token_id] = revocation.refuse_until.timestamp()
        epoch = now.timestamp()
        self._revoked = {token: until for token, until in self._revoked.items() if until > epoch}
        self._read_until = now

    async def run(self) -> None:
        """Refresh forever (a background task); a failed read is retried at the next period."""
        while True:
            try:
                await self.refresh()
            except Exception:
                log.warning("the access tables could not be read; keeping the last copy", exc_info=True)
            await asyncio.sleep(self._period)

    async def _account_closed(self, account_id: uuid.UUID) -> bool | None:
        closed = self._accounts.get(account_id)
        if closed is not None:
            return closed
        # Announced since the last read, or unknown: ask the table rather than refuse a new account.
        async with self._sessions() as session:
            row = await repository.get_account(session, self._tables, account_id=account_id)
        if row is None:
            return None
        self._accounts[account_id] = closed = row.closed_at is not None
        return closed

    async def _user(self, user_id: uuid.UUID) -> _UserState | None:
        user = self._users.get(user_id)
        if user is not None or self._missing_users.get(user_id, 0.0) > time.time():
            return user
        async with self._sessions() as session:
            row = await repository.get_user(session, self._tables, user_id=user_id)
        if row is None:
            self._missing_users[user_id] = time.time() + self._period
            return None
        self._users[user_id] = user = _user_state(row)
        return user

    async def check(self, claims: AccessClaims) -> str | None:
        """The user's name if known; RefusedToken unless the account, user and session or API token are still good."""
        if self._read_until is None:
            await self.refresh()
        closed = await self._account_closed(claims.account_id)
        if closed is None:
            raise RefusedToken("This token names an account this service does not know.")
        if closed:
            raise RefusedToken("This account is closed.")
        user = await self._user(claims.user_id)
        if user is not None and not user.active:
            raise RefusedToken("This user is disabled.")
        # A token issued before the user's role was lowered still carries the old one: refused, so the
        # client refreshes and gets the current role. (A token below the current role grants less: fine.)
        if user is not None and role_rank(claims.role) > role_rank(user.role):
            raise RefusedToken("This token carries a role the user no longer has: refresh it.")
        now = time.time()
        for token_id in (claims.session_id, claims.token_uuid):
            if token_id is not None and self._revoked.get(token_id, 0.0) > now:
                raise RefusedToken("This token was revoked.")
        return None if user is None else user.name
