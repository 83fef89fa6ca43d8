"""Access tokens for the benchmarks: a key of the bench's own, published as JWKS the way identity does.

The clients service under test fetches the keys from this small HTTP server and verifies every
request's token exactly as in production; only the signer differs (no identity process is needed).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import create_engine, pool, text

from services.identity.keys.domain import public_jwk
from shared.tokens import ALGORITHM, AUDIENCE, ISSUER


class BenchKeys:
    """An Ed25519 key, its JWKS served on a local port, and tokens it signs."""

    def __init__(self) -> None:
        self._key = Ed25519PrivateKey.generate()
        self._jwk = public_jwk(self._key)
        body = json.dumps({"keys": [self._jwk]}).encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def jwks_url(self) -> str:
        """Where the services fetch the key set."""
        return f"http://127.0.0.1:{self._server.server_address[1]}/jwks.json"

    def token(self, *, account_id: uuid.UUID, user: str, ttl_seconds: int = 3_600) -> str:
        """An owner's access token for a user of the bench account."""
        now = int(time.time())
        claims = {
            "sub": str(uuid.uuid5(account_id, user)),
            "account_id": str(account_id),
            "role": "owner",
            "iat": now,
            "exp": now + ttl_seconds,
            "aud": AUDIENCE,
            "iss": ISSUER,
            "jti": str(uuid.uuid4()),
        }
        return jwt.encode(claims, self._key, algorithm=ALGORITHM, headers={"kid": self._jwk["kid"]})

    def close(self) -> None:
        """Stop serving the key set."""
        self._server.shutdown()


def announce_account(sync_database_url: str, *, account_id: uuid.UUID, name: str) -> None:
    """Make the clients service know the bench account, as identity's account.created would."""
    engine = create_engine(sync_database_url, poolclass=pool.NullPool)
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO known_accounts (account_id, name) VALUES (:id, :name) ON CONFLICT DO NOTHING"),
            {"id": account_id, "name": name},
        )
    engine.dispose()
