"""The address a request came from, as the gateway saw it."""

from __future__ import annotations

import functools
import ipaddress

from starlette.requests import Request


@functools.lru_cache(maxsize=16)
def _networks(networks: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    # Parsed once per setting, not at every request: every service calls this for every request.
    return tuple(ipaddress.ip_network(network, strict=False) for network in networks)


def _within(address: str, networks: list[str]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in _networks(tuple(networks)))


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
