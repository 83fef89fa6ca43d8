"""Fixtures and builders for the mailings tests: a real SMTP server, client events, the running apps, renders."""

from __future__ import annotations

import asyncio
import socket
import threading
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from fastapi import FastAPI
from pydantic import BaseModel
from sqlalchemy import text

from services.mailings.settings import MailingsSettings
from shared.events.clients import ClientCreated, ClientSnapshot, ClientUpdated, ClientUpdatedPayload
from shared.events.envelope import Event, new_event
from shared.messaging import CLIENTS_EXCHANGE, create_broker
from tests.access_support import account_token
from tests.conftest import AMQP_URL, TestAccount, running
from tests.support import eventually, in_process

# Local parts that make the test relay misbehave, so each test picks its failure by address.
REFUSED = "refuse"  # 550 at RCPT: a permanent refusal of that recipient
BUSY = "busy"  # 451 at DATA, every time: a transient failure that never ends
HELD = "hold"  # stored, then the reply waits while SmtpRecorder.hold is set: "accepted, no answer yet"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Received:
    """A message as the SMTP server got it: envelope and parsed content."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def message_id(self) -> str:
        """The Message-ID header."""
        return str(self.message["Message-ID"])


@dataclass
class SmtpRecorder:
    """An aiosmtpd handler that keeps every message and fails on purpose for some addresses."""

    port: int = field(default_factory=free_port)
    received: list[Received] = field(default_factory=list)
    hold: threading.Event = field(default_factory=threading.Event)
    controller: Controller | None = None

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        """Refuse the 'refuse' addresses for good; accept the others."""
        if address.startswith(REFUSED):
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        """Keep the message, unless a 'busy' recipient asks for a temporary failure."""
        if any(r.startswith(BUSY) for r in envelope.rcpt_tos):
            return "451 4.3.0 Mailbox busy, try again later"
        # The ignore: aiosmtpd types content as bytes or str; without decode_data it is always bytes.
        message: Any = message_from_bytes(envelope.content, policy=policy.default)  # type: ignore[arg-type]
        self.received.append(Received(str(envelope.mail_from), list(envelope.rcpt_tos), message))
        while self.hold.is_set() and any(r.startswith(HELD) for r in envelope.rcpt_tos):
            await asyncio.sleep(0.02)
        return "250 Message accepted for delivery"

    def start(self) -> None:
        """Listen on the recorder's port (again, after a stop)."""
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        """Stop listening: the relay is down."""
        assert self.controller is not None
        self.controller.stop()

    def to(self, address: str) -> list[Received]:
        """Messages whose envelope included this recipient."""
        return [r for r in self.received if address in r.rcpt_tos]


def mailings_settings(smtp: SmtpRecorder, **overrides: Any) -> MailingsSettings:
    """Settings of a mailings app sending through the test relay, with short waits between attempts."""
    values: dict[str, Any] = {
        "smtp_port": smtp.port,
        "email_poll_seconds": 0.05,
        "email_max_attempts": 6,
        "email_retry_base_seconds": 0.1,
        "email_retry_max_seconds": 1.0,
        "smtp_timeout_seconds": 5.0,
        "email_claim_seconds": 10.0,
        "outbox_poll_seconds": 0.2,
    }
    return MailingsSettings(**{**values, **overrides})


@pytest.fixture(scope="module")
def smtp() -> Any:
    """A real SMTP server (aiosmtpd) on a free port for the module's tests."""
    recorder = SmtpRecorder()
    recorder.start()
    yield recorder
    recorder.hold.clear()
    if recorder.controller is not None and recorder.controller.server is not None:
        recorder.stop()


@pytest.fixture(scope="module")
async def mailings_app(smtp: SmtpRecorder) -> AsyncIterator[FastAPI]:
    """The mailings service with its consumers, relay and sender running against the real servers."""
    from services.mailings.app import create_app

    async with running(create_app(mailings_settings(smtp))) as app:
        yield app


@pytest.fixture(scope="module")
async def mailings_api(mailings_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client speaking to the mailings service in process."""
    async with in_process(mailings_app) as client:
        yield client


@pytest.fixture(scope="module")
async def client_events() -> AsyncIterator[ClientEvents]:
    """Publishes client events on the clients exchange as the clients service's relay would."""
    events = ClientEvents()
    await events.broker.start()
    yield events
    await events.broker.stop()


def mail_account() -> TestAccount:
    """A fresh account: the mailings service needs no account row, only the token naming it."""
    account_id = uuid.uuid4()
    return TestAccount(id=account_id, token=account_token(account_id, "tester"))


@pytest.fixture
def account() -> TestAccount:
    """A fresh account per test (overrides conftest's, which needs the clients service)."""
    return mail_account()


class ClientEvents:
    """A broker publishing enveloped client events, persistent and with the event id as message id."""

    def __init__(self) -> None:
        self.broker = create_broker(AMQP_URL)

    async def publish(self, event_class: type[Event], *, account: TestAccount, payload: BaseModel) -> Event:
        """Publish one event of the given class; returns it (so a test can redeliver it)."""
        event = new_event(event_class, account_id=account.id, payload=payload, correlation_id="test")
        await self.republish(event)
        return event

    async def republish(self, event: Event) -> None:
        """Publish an existing event again, as a redelivery would."""
        await self.broker.publish(
            event.model_dump_json().encode(),
            exchange=CLIENTS_EXCHANGE,
            routing_key=event.type,
            persist=True,
            message_id=str(event.event_id),
            content_type="application/json",
        )


def contact(contact_id: int, email: str | None, *kinds: str) -> dict[str, Any]:
    """A contact receiving the given kinds of document."""
    return {
        "contact_id": contact_id,
        "first_name": "Contact",
        "last_name": f"N{contact_id}",
        "email": email,
        **{f"receives_{kind}": True for kind in kinds},
    }


def snapshot(
    client_id: int,
    *,
    version: int = 1,
    email: str | None = None,
    name: str = "Domaine Client",
    contacts: list[dict[str, Any]] | None = None,
    **fields: Any,
) -> ClientSnapshot:
    """A client snapshot as client.created and client.updated carry it."""
    now = datetime.now(UTC)
    return ClientSnapshot.model_validate(
        {
            "client_id": client_id,
            "version": version,
            "kind": "company",
            "company_name": name,
            "display_name": name,
            "email": email,
            "billing_address": {"line1": "1 rue des Vignes", "postal_code": "21200", "city": "Beaune"},
            "accounting_code": f"411C{client_id}",
            "accepts_emailing": True,
            "accepts_mailing": True,
            "contacts": contacts or [],
            "created_at": now.isoformat(),
            "updated_at": now.isoformat(),
            **fields,
        }
    )


def updated(payload: ClientSnapshot, *changed: str) -> ClientUpdatedPayload:
    """The payload of a client.updated carrying this snapshot."""
    return ClientUpdatedPayload(**payload.model_dump(), changed_fields=list(changed) or ["contacts"])


async def replica_row(app: FastAPI, account: TestAccount, client_id: int) -> Any:
    """The mailings service's replica row of a client, or None."""
    async with app.state.context.engine.connect() as connection:
        rows = await connection.execute(
            text("SELECT * FROM email_clients WHERE account_id = :a AND client_id = :c"),
            {"a": account.id, "c": client_id},
        )
        return rows.mappings().first()


async def known_client(app: FastAPI, events: ClientEvents, account: TestAccount, client_id: int, **fields: Any) -> int:
    """Create a client through client.created (or client.updated for a later version) and wait until it is known."""
    payload = snapshot(client_id, **fields)
    if payload.version == 1:
        await events.publish(ClientCreated, account=account, payload=payload)
    else:
        await events.publish(ClientUpdated, account=account, payload=updated(payload))

    async def stored() -> bool:
        row = await replica_row(app, account, client_id)
        return row is not None and row["version"] >= payload.version

    await eventually(stored)
    return client_id


async def send(api: httpx.AsyncClient, account: TestAccount, **body: Any) -> dict[str, Any]:
    """POST an e-mail and return its body, asserting it was accepted."""
    response = await api.post("/api/mailings/emails", json=body, headers=account.headers)
    assert response.status_code == 202, response.text
    return response.json()


async def settled(
    api: httpx.AsyncClient, account: TestAccount, email_id: int, status: str, timeout: float = 15.0
) -> dict[str, Any]:
    """Wait until the e-mail reaches a status and return it."""

    async def reached() -> dict[str, Any] | None:
        body = (await api.get(f"/api/mailings/emails/{email_id}", headers=account.headers)).json()
        return body if body.get("status") == status else None

    return await eventually(reached, timeout=timeout)


# Paper campaigns: the mailings app resolving selections through the in-process clients app.

CAMPAIGN_LEASE_SECONDS = 2.0


def campaign_settings(render_dir: Path, **overrides: Any) -> MailingsSettings:
    """Settings of a mailings app for campaigns: no e-mail sender, a short render lease, PDFs in ``render_dir``."""
    values: dict[str, Any] = {
        "run_email_sender": False,
        "render_dir": render_dir,
        "render_lease_seconds": CAMPAIGN_LEASE_SECONDS,
        "render_poll_seconds": 0.1,
        "outbox_poll_seconds": 0.2,
    }
    return MailingsSettings(**{**values, **overrides})


@pytest.fixture(scope="module")
def render_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where this module's render jobs put their PDFs."""
    return tmp_path_factory.mktemp("renders")


@pytest.fixture(scope="module")
async def campaign_app(clients_app: FastAPI, render_dir: Path) -> AsyncIterator[FastAPI]:
    """The mailings service calling the clients service in process, with consumers and relay running."""
    from services.mailings.app import create_app

    app = create_app(campaign_settings(render_dir), clients_transport=httpx.ASGITransport(app=clients_app))
    async with running(app):
        yield app


@pytest.fixture(scope="module")
async def campaign_api(campaign_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client speaking to the campaigns' mailings app in process."""
    async with in_process(campaign_app) as client:
        yield client


@pytest.fixture
async def render_worker(campaign_app: FastAPI) -> AsyncIterator[Any]:
    """A render worker running in this process for one test (tests that kill a worker start their own)."""
    from services.mailings.renders.worker import RenderWorker

    worker = RenderWorker(campaign_app.state.settings)
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    yield worker
    stop.set()
    await task
    await worker.engine.dispose()


async def rendered(
    api: httpx.AsyncClient, account: TestAccount, render: dict[str, Any], timeout: float = 30.0
) -> dict[str, Any]:
    """Wait until a render job is done (failing at once if it failed) and return it."""

    async def finished() -> dict[str, Any] | None:
        body = (await api.get(render["href"], headers=account.headers)).json()
        assert body["state"] != "failed", body
        return body if body["state"] == "done" else None

    return await eventually(finished, timeout=timeout)
