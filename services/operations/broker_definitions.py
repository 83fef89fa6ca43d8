"""The RabbitMQ definitions of Négoce's virtual host: exchanges, queues, bindings and policies.

Read and written through the management plugin's HTTP API when it answers (the production way:
the broker runs elsewhere), else through ``rabbitmqctl`` when the broker runs on this machine.
Users, passwords and permissions are left out: they come from the deployment's secrets. Whatever
is restored, ``negoce restore`` then declares the topology from code as ``negoce broker declare``
does, so a backup without definitions still gives a working broker.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import httpx

# What a virtual host is made of; the rest of a broker's definitions is the broker's, not ours.
KINDS = ("exchanges", "queues", "bindings", "policies")
RABBITMQCTL_SECONDS = 120


@dataclass(frozen=True)
class Broker:
    """Where the broker and its management API are, read from the AMQP URL."""

    amqp_url: str
    management_url: str = ""

    @property
    def vhost(self) -> str:
        """The virtual host the AMQP URL names ("/" when none)."""
        return unquote(urlsplit(self.amqp_url).path[1:]) or "/"

    @property
    def api(self) -> str:
        """The management API's base address: the setting, else the AMQP host on the plugin's port."""
        return self.management_url.rstrip("/") or f"http://{urlsplit(self.amqp_url).hostname}:15672"

    @property
    def credentials(self) -> tuple[str, str]:
        """The AMQP URL's user and password, which the management API accepts too."""
        parts = urlsplit(self.amqp_url)
        return unquote(parts.username or "guest"), unquote(parts.password or "guest")


def export_definitions(broker: Broker) -> tuple[dict[str, list[Any]], str] | None:
    """The virtual host's definitions and how they were read ("management-api", "rabbitmqctl"); None if neither can."""
    try:
        answer = httpx.get(f"{broker.api}/api/definitions/{quote(broker.vhost, safe='')}", auth=broker.credentials)
        answer.raise_for_status()
        return {kind: answer.json().get(kind, []) for kind in KINDS}, "management-api"
    except httpx.HTTPError:
        pass
    if shutil.which("rabbitmqctl") is None:
        return None
    exported = subprocess.run(
        ["rabbitmqctl", "-q", "export_definitions", "-"],
        capture_output=True,
        text=True,
        timeout=RABBITMQCTL_SECONDS,
    )
    if exported.returncode != 0:
        return None
    everything = json.loads(exported.stdout)
    return {
        kind: [_without_vhost(item) for item in everything.get(kind, []) if item.get("vhost") == broker.vhost]
        for kind in KINDS
    }, "rabbitmqctl"


def import_definitions(broker: Broker, definitions: dict[str, list[Any]]) -> str:
    """Create what the definitions describe in the virtual host (made when missing); returns the way used."""
    try:
        answer = httpx.post(
            f"{broker.api}/api/definitions/{quote(broker.vhost, safe='')}", auth=broker.credentials, json=definitions
        )
        answer.raise_for_status()
        return "management-api"
    except httpx.HTTPError as unreachable:
        if shutil.which("rabbitmqctl") is None:
            raise RuntimeError(
                f"the broker's definitions cannot be restored: no management API at {broker.api} and no rabbitmqctl here"
            ) from unreachable
    _rabbitmqctl("add_vhost", broker.vhost, allowed=("already exists",))
    whole = {kind: [{**item, "vhost": broker.vhost} for item in definitions.get(kind, [])] for kind in KINDS}
    # Through standard input: the broker node, another user, reads a file argument itself.
    _rabbitmqctl("import_definitions", "--format", "json", given=json.dumps(whole))
    return "rabbitmqctl"


def _without_vhost(item: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in item.items() if key != "vhost"}


def _rabbitmqctl(*args: str, allowed: tuple[str, ...] = (), given: str | None = None) -> None:
    done = subprocess.run(
        ["rabbitmqctl", "-q", *args], input=given, capture_output=True, text=True, timeout=RABBITMQCTL_SECONDS
    )
    if done.returncode != 0 and not any(text in done.stderr + done.stdout for text in allowed):
        raise RuntimeError(f"rabbitmqctl {args[0]} failed: {done.stderr.strip() or done.stdout.strip()}")
