"""What identity reads from a request beyond its body: the client's address."""

from __future__ import annotations

from starlette.requests import Request

from shared.client_address import client_address

__all__ = ["caller_address", "client_address"]


def caller_address(request: Request) -> str:
    """The caller's address, trusting X-Real-IP only from the configured proxies (the app's settings)."""
    return client_address(request, trusted_proxies=request.app.state.settings.trusted_proxies)
