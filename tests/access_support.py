"""Tokens for tests, signed with the identity test database's own key, and accounts every service knows.

The services under test verify tokens against the JWKS served by a real identity process
(conftest's ``identity_server``), so a token minted here is checked exactly like one from sign-in.
Announcing an account writes it into each service's copy of identity's accounts, as the
account.created consumers would; tests of that flow itself go through the broker.
"""

from __future__ import annotations

import os
import random
import socket
import time
import uuid
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, create_engine, pool, text

from shared.tokens import ALGORITHM, AUDIENCE, ISSUER

ACCESS_SERVICES = ("clients", "orders", "reminders", "mailings")
_engines: dict[str, Engine] = {}
_announced: set[uuid.UUID] = set()
_announced_users: set[tuple[uuid.UUID, str]] = set()
_decrypted: dict[str, Ed25519PrivateKey] = {}


_handed_out: set[int] = set()


def free_port() -> int:
    """A free TCP port below the kernel's ephemeral range, for a server that a test starts.

    A port from bind(0) lies in the ephemeral range, which every outgoing connection draws its local
    port from: in the seconds before the server binds it (make run applies migrations first), a new
    connection to PostgreSQL, RabbitMQ or Redis may take it, the server's bind fails with EADDRINUSE,
    and a pooled connection can hold it for the rest of the run. Below the range only listeners
    compete, and the ports handed out in this session are not handed out twice.
    """
    try:
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768
    candidates = random.SystemRandom()
    for _ in range(1000):
        port = candidates.randrange(10_000, max(low, 10_001))
        if port in _handed_out:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    raise AssertionError(f"no free port between 10000 and {low}")


def _engine(service: str) -> Engine:
    if service not in _engines:
        url = os.environ[f"NEGOCE_{service.upper()}_DATABASE_URL"].replace("+asyncpg", "+psycopg")
        _engines[service] = create_engine(url, poolclass=pool.NullPool)
    return _engines[service]


# Databases made for one test module (conftest.isolated_database) beside each service's main one.
_isolated: dict[str, dict[str, Engine]] = {service: {} for service in ACCESS_SERVICES}


def _engines_of(service: str) -> list[Engine]:
    return [_engine(service), *_isolated[service].values()]


def register_isolated_database(service: str, sync_url: str) -> None:
    """Give a freshly migrated database of a service the accounts and users announced so far, and later ones."""
    if service not in _isolated:
        return
    engine = create_engine(sync_url, poolclass=pool.NullPool)
    with _engine(service).connect() as source, engine.begin() as target:
        for table in ("known_accounts", "known_users"):
            rows = [dict(row._mapping) for row in source.execute(text(f"SELECT * FROM {table}"))]
            if rows:
                columns = ", ".join(rows[0])
                values = ", ".join(f":{name}" for name in rows[0])
                target.execute(text(f"INSERT INTO {table} ({columns}) VALUES ({values}) ON CONFLICT DO NOTHING"), rows)
    _isolated[service][sync_url] = engine  # the same name made again replaces the dropped one


def user_uuid(account_id: uuid.UUID, name: str) -> uuid.UUID:
    """The user id tests give a named user ("tester", "alice") of an account: stable, unique per account."""
    try:
        return uuid.UUID(name)
    except ValueError:
        return uuid.uuid5(account_id, name)


def announce_account(account_id: uuid.UUID, name: str = "Test account", *, closed: bool = False) -> None:
    """Make every service know the account, as identity's account.created (or account.closed) would."""
    if account_id in _announced and not closed:
        return
    for engine in _engines_of("clients"):  # the clients service opens the account's client base on account.created
        with engine.begin() as connection:
            connection.execute(
                text("INSERT INTO accounts (id, name) VALUES (:id, :name) ON CONFLICT DO NOTHING"),
                {"id": account_id, "name": name},
            )
    for engine in (e for service in ACCESS_SERVICES for e in _engines_of(service)):
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO known_accounts (account_id, name, closed_at) "
                    "VALUES (:id, :name, CASE WHEN :closed THEN now() END) "
                    "ON CONFLICT (account_id) DO UPDATE SET closed_at = excluded.closed_at, "
                    "changed_at = clock_timestamp()"
                ),
                {"id": account_id, "name": name, "closed": closed},
            )
    _announced.add(account_id)


def announce_user(account_id: uuid.UUID, name: str, role: str = "owner", *, email: str | None = None) -> None:
    """Make every service know a user of an account by name (and e-mail), as identity's user.joined would."""
    key = (account_id, name)
    if key in _announced_users and email is None:
        return
    for engine in (e for service in ACCESS_SERVICES for e in _engines_of(service)):
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO known_users (user_id, account_id, email, name, role, active, joined, as_of) "
                    "VALUES (:id, :account, :email, :name, :role, true, true, now()) ON CONFLICT (user_id) DO UPDATE "
                    "SET email = excluded.email, changed_at = clock_timestamp()"
                ),
                {
                    "id": user_uuid(account_id, name),
                    "account": account_id,
                    "email": email or f"{user_uuid(account_id, name).hex[:12]}@example.com",
                    "name": name,
                    "role": role,
                },
            )
    _announced_users.add(key)


def signing_key() -> tuple[str, Ed25519PrivateKey]:
    """The identity test database's active signing key (kid, private key)."""
    from services.identity.keys.domain import private_key
    from services.identity.settings import IdentitySettings

    with _engine("identity").connect() as connection:
        row = connection.execute(
            text("SELECT kid, private_key FROM signing_keys WHERE retired_at IS NULL ORDER BY created_at DESC LIMIT 1")
        ).one()
    if row.kid not in _decrypted:
        _decrypted[row.kid] = private_key(row.private_key, IdentitySettings().key_passphrase)
    return row.kid, _decrypted[row.kid]


def mint_token(
    *,
    account_id: uuid.UUID,
    user: str = "tester",
    role: str = "owner",
    ttl_seconds: int = 900,
    session_id: uuid.UUID | None = None,
    extra: dict[str, Any] | None = None,
) -> str:
    """An access token identity's active key signs, for a user of an account with a role."""
    kid, key = signing_key()
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": str(user_uuid(account_id, user)),
        "account_id": str(account_id),
        "role": role,
        "sid": str(session_id or uuid.uuid4()),
        "iat": now,
        "exp": now + ttl_seconds,
        "aud": AUDIENCE,
        "iss": ISSUER,
        "jti": str(uuid.uuid4()),
        **(extra or {}),
    }
    return jwt.encode(claims, key, algorithm=ALGORITHM, headers={"kid": kid})


def account_token(account_id: uuid.UUID, user: str = "tester", role: str = "owner") -> str:
    """A token for a user of an account that every service knows, by the user's name."""
    announce_account(account_id)
    announce_user(account_id, user, role)
    return mint_token(account_id=account_id, user=user, role=role)
