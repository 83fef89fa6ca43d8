"""Console sessions: identity's tokens kept in Redis under a random id that only the cookie holds."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import time
from dataclasses import asdict, dataclass, field

import orjson
from redis.asyncio import Redis
from redis.exceptions import RedisError

COOKIE_NAME = "negoce_session"
_PREFIX = "negoce:console:session:"
_LOCK_PREFIX = "negoce:console:refresh:"


@dataclass
class SignedInUser:
    """Who is signed in, as identity described them."""

    id: str
    account_id: str
    email: str
    name: str
    role: str


@dataclass
class ConsoleSession:
    """One browser's sign-in: the tokens, who they are for, and the user's language."""

    access_token: str
    access_expires_at: float
    refresh_token: str
    user: SignedInUser
    language: str = "fr"
    # The account's time zone (reminders' settings): instants are shown in it.
    time_zone: str = "Europe/Paris"
    flashes: list[str] = field(default_factory=list)

    @classmethod
    def from_tokens(cls, tokens: dict, *, language: str = "fr") -> ConsoleSession:
        """A session from identity's answer to a sign-in or a refresh."""
        user = tokens["user"]
        return cls(
            access_token=tokens["access_token"],
            access_expires_at=time.time() + int(tokens["expires_in"]),
            refresh_token=tokens["refresh_token"],
            user=SignedInUser(
                id=str(user["id"]),
                account_id=str(user["account_id"]),
                email=user["email"],
                name=user["name"],
                role=user["role"],
            ),
            language=language,
        )

    def with_tokens(self, tokens: dict) -> ConsoleSession:
        """The same session after a refresh: new tokens, the same language."""
        renewed = ConsoleSession.from_tokens(tokens, language=self.language)
        renewed.time_zone = self.time_zone
        renewed.flashes = self.flashes
        return renewed


def _key(session_id: str) -> str:
    # Only a digest is stored: whoever reads Redis cannot replay a cookie from it.
    return _PREFIX + hashlib.sha256(session_id.encode()).hexdigest()


class SessionStore:
    """Sessions in Redis, each living as long as its refresh token."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def reachable(self) -> bool:
        """Whether Redis answers."""
        try:
            return bool(await self._redis.ping())
        except RedisError:
            return False

    async def load(self, session_id: str) -> ConsoleSession | None:
        """The session of a cookie, or None when it ended or never existed."""
        raw = await self._redis.get(_key(session_id))
        if raw is None:
            return None
        data = orjson.loads(raw)
        data["user"] = SignedInUser(**data["user"])
        return ConsoleSession(**data)

    async def save(self, session_id: str, session: ConsoleSession, *, lifetime_seconds: int) -> None:
        """Keep a session for as long as its refresh token lives."""
        await self._redis.set(_key(session_id), orjson.dumps(asdict(session)), ex=max(lifetime_seconds, 1))

    async def update(self, session_id: str, session: ConsoleSession) -> None:
        """Write a changed session back, keeping its remaining lifetime."""
        await self._redis.set(_key(session_id), orjson.dumps(asdict(session)), keepttl=True)

    async def create(self, session: ConsoleSession, *, lifetime_seconds: int) -> str:
        """Keep a new session; returns the id the cookie carries."""
        session_id = secrets.token_urlsafe(32)
        await self.save(session_id, session, lifetime_seconds=lifetime_seconds)
        return session_id

    async def delete(self, session_id: str) -> None:
        """Forget a session."""
        await self._redis.delete(_key(session_id))

    async def refresh_lock(self, session_id: str) -> bool:
        """Take the right to refresh this session's tokens for 10 s (one request at a time spends them)."""
        return bool(await self._redis.set(_LOCK_PREFIX + _key(session_id), b"1", nx=True, px=10_000))

    async def release_refresh_lock(self, session_id: str) -> None:
        """Give the refresh right back."""
        await self._redis.delete(_LOCK_PREFIX + _key(session_id))

    async def wait_for_refresh(
        self, session_id: str, *, previous_token: str, timeout: float = 10.0
    ) -> ConsoleSession | None:
        """The session once another request has refreshed it (None if it ended meanwhile)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            session = await self.load(session_id)
            if session is None or session.access_token != previous_token:
                return session
            await asyncio.sleep(0.05)
        return await self.load(session_id)
