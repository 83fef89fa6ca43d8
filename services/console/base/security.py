"""What keeps the console's pages safe: CSRF tokens on every form, and headers that forbid framing and inline script."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.console.base.sessions import COOKIE_NAME

# Before sign-in the form still needs a CSRF token: it is bound to this random cookie instead of the session.
PRESESSION_COOKIE = "negoce_presession"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


def csrf_token(secret: str, cookie_value: str) -> str:
    """The CSRF token of a session (or pre-session) cookie: only the server can make it."""
    return hmac.new(secret.encode(), f"csrf:{cookie_value}".encode(), hashlib.sha256).hexdigest()


def csrf_binding(request: Request) -> str | None:
    """The cookie the request's CSRF token is bound to: the session's, else the pre-session's."""
    return request.cookies.get(COOKIE_NAME) or request.cookies.get(PRESESSION_COOKIE)


def csrf_valid(request: Request, *, secret: str, submitted: str | None) -> bool:
    """Whether a submitted token belongs to the cookie the browser sent with it."""
    binding = csrf_binding(request)
    if not binding or not submitted:
        return False
    return hmac.compare_digest(csrf_token(secret, binding), submitted)


def new_presession() -> str:
    """A random value for the pre-session cookie."""
    return secrets.token_urlsafe(24)


class SecurityHeaders:
    """Adds the security headers to every answer, and no-store to pages, which hold an account's data."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        is_asset = scope["path"].startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend(header for header in SECURITY_HEADERS if header[0] not in present)
                if not is_asset and b"cache-control" not in present:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
