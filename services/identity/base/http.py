"""What identity reads from a request beyond its body: the client's address."""

from __future__ import annotations

import ipaddress

from starlette.requests import Request


def _within(address: str, networks: list[str]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(network, strict=False) for network in networks)


def client_address(request: Request, *, trusted_proxies: list[str]) -> str:
    """The caller's IP address: the gateway's X-Real-IP when the request came through it, else the peer's."""
    peer = request.client.host if request.client else "unknown"
    forwarded = request.headers.get("x-real-ip", "").strip()
    if forwarded and _within(peer, trusted_proxies):
        try:
            return str(ipaddress.ip_address(forwarded))
        except ValueError:
            # Not an address: the header did not come from our gateway, which always sets one.
            return peer
    return peer


def caller_address(request: Request) -> str:
    """The caller's address, trusting X-Real-IP only from the configured proxies (the app's settings)."""
    return client_address(request, trusted_proxies=request.app.state.settings.trusted_proxies)
