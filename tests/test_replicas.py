"""Two of every process, one of each kind killed with SIGKILL mid-run: every read model equals the truth, nothing doubled.

Issue 3's history of orders, invoices, credit notes, shipments and payments is made through the gateway,
in front of two replicas of every API and of the console, whose relays publish for real and whose
consumers compete on every queue, beside two export workers, two render workers, two Celery workers and
two Celery beats (both ticking). Reminders come due and e-mails to clients are queued during the run,
and exports and campaign PDFs are asked for. Midway, one replica of each kind is killed with SIGKILL and
started again three seconds later, as a supervisor would. Then the clients' read models must equal the
orders database, each reminder must have fired once (one reminder.due, one feed entry, one notification
e-mail), each e-mail must have reached the SMTP server once, and each export and PDF must be done once.

SMTP is at-least-once by design (services/mailings/emails/sender.py): a sender killed after the server
took a message and before it recorded that, sends it again once its claim expires, with the same
Message-ID. Such an e-mail shows a second attempt in its row; only those may arrive twice, and the test
says how many did.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import mailbox
import random
import subprocess
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from services.orders.demo.history import build_catalogue, generate_history
from tests.conftest import AMQP_URL, RUN_ID, VHOST, _rabbitmqctl, isolated_database
from tests.consistency_support import assert_read_models_equal, clients_view, orders_truth, read_through_api
from tests.identity_support import unique_email
from tests.stack_support import BIN, ROOT, SERVICES, WEB_KINDS, WORKER_KINDS, Stack, running_stack, wait_until_ready

ORDERS = 180  # about 1,000 requests, in three writers side by side
WRITERS = 3
CLIENTS = 30
REMINDERS = 16
EMAILS = 16
# Claims and leases short enough that a killed replica's work is taken over within the test.
SETTINGS = {
    "NEGOCE_CLIENTS_EXPORT_LEASE_SECONDS": "5",
    "NEGOCE_MAILINGS_RENDER_LEASE_SECONDS": "5",
    "NEGOCE_MAILINGS_SMTP_TIMEOUT_SECONDS": "5",
    "NEGOCE_MAILINGS_EMAIL_CLAIM_SECONDS": "10",
    # Twelve API processes share the PostgreSQL of the whole suite (100 connections by default).
    "NEGOCE_DATABASE_POOL_SIZE": "2",
}
ADDRESS = {"line1": "1 rue du Chai", "postal_code": "21200", "city": "Beaune", "country_code": "FR"}


class Retrying(httpx.AsyncBaseTransport):
    """Sends a request again, with the same Idempotency-Key, when the gateway lost its answer.

    A POST in flight when its replica is killed is answered 502 by nginx (which never sends a
    non-idempotent request to a second server); whether it committed or not, its retry with the same key
    gets the kept answer or runs it now, so the history is made once. A duplicate arriving while the
    first still holds the key is a 409 with Retry-After.
    """

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.sent = 0
        self.retried = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send it, and again after a lost answer, at most 40 times."""
        if request.method in ("POST", "PATCH", "DELETE"):
            request.headers.setdefault("Idempotency-Key", str(uuid.uuid4()))
        self.sent += 1
        for _ in range(40):
            try:
                response = await self.inner.handle_async_request(request)
            except httpx.TransportError:
                response = None
            if response is None or not _lost(response):
                if response is not None:
                    return response
            else:
                await response.aread()
                await response.aclose()
            self.retried += 1
            await asyncio.sleep(0.25)
        raise AssertionError(f"{request.method} {request.url.path} kept failing")

    async def aclose(self) -> None:
        """Close the connections."""
        await self.inner.aclose()


def _lost(response: httpx.Response) -> bool:
    return response.status_code in (502, 503, 504) or (
        response.status_code == 409 and "retry-after" in response.headers
    )


@contextlib.asynccontextmanager
async def _databases(databases: dict[str, str]) -> AsyncIterator[dict[str, AsyncEngine]]:
    engines = {service: create_async_engine(url, poolclass=NullPool) for service, url in databases.items()}
    try:
        yield engines
    finally:
        for engine in engines.values():
            await engine.dispose()


async def _scalar(engine: AsyncEngine, sql: str, **values: Any) -> Any:
    async with engine.connect() as connection:
        return await connection.scalar(text(sql), values)


async def _rows(engine: AsyncEngine, sql: str, **values: Any) -> list[Any]:
    async with engine.connect() as connection:
        return list((await connection.execute(text(sql), values)).all())


async def _until(check, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        await asyncio.sleep(0.5)


async def _owner(stack: Stack) -> tuple[uuid.UUID, dict[str, str]]:
    """A new account's owner made with `negoce account create`; its id and auth header, once every service knows it."""
    address = unique_email("replicas")
    made = await asyncio.to_thread(
        subprocess.run,
        [str(BIN / "negoce"), "account", "create", "Domaine des Répliques", "--owner-email", address],
        env=stack.env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert made.returncode == 0, made.stderr[-3000:]
    created = json.loads(made.stdout.strip().splitlines()[-1])
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=30) as http:
        signed = await http.post("/api/identity/sign-in", json={"email": address, "password": created["password"]})
        assert signed.status_code == 200, signed.text
        headers = {"Authorization": f"Bearer {signed.json()['access_token']}"}

        answers: dict[str, int] = {}

        async def known_everywhere() -> bool:
            for path in ("/api/clients?limit=1", "/api/orders/containers", "/api/reminders", "/api/mailings/emails"):
                answers[path] = (await http.get(path, headers=headers)).status_code
            return set(answers.values()) == {200}

        try:
            await _until(known_everywhere, timeout=60, what="every service knows the new account")
        except AssertionError as failed:
            raise AssertionError(f"{failed}: {answers}") from failed
    return uuid.UUID(str(created["account_id"])), headers


async def _kill_one_of_each_and_restart(stack: Stack) -> list[str]:
    """SIGKILL one replica of every kind at once, start them again 3 s later, wait until they answer."""
    killed = [stack.replicas(kind)[n % 2].name for n, kind in enumerate((*WEB_KINDS, *WORKER_KINDS))]
    for name in killed:
        stack.kill(name)
    await asyncio.sleep(3)  # supervisord starts a dead process again at once, compose after its back-off
    for name in killed:
        stack.start(name)
    for name in killed:
        ready = stack.processes[name].ready_url
        if ready is not None:
            await wait_until_ready(ready, timeout=120)
    return killed


@pytest.mark.replicas
@pytest.mark.timeout(420)
async def test_two_of_every_process_one_of_each_killed_converge_with_nothing_doubled(infrastructure):
    databases = {service: isolated_database(service, "replicas") for service in SERVICES}
    vhost = f"{VHOST}_replicas"
    _rabbitmqctl("add_vhost", vhost)
    _rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    try:
        async with running_stack(
            databases=databases,
            amqp_url=AMQP_URL.rsplit("/", 1)[0] + "/" + vhost,
            run_id=f"{RUN_ID}_replicas",
            replicas=2,
            env=SETTINGS,
        ) as stack:
            try:
                async with _databases(databases) as engines:
                    await _scenario(stack, engines, vhost)
            except AssertionError as failed:
                raise AssertionError(f"{failed}\n{stack.log_tails(1500)}") from failed
    finally:
        _rabbitmqctl("delete_vhost", vhost)


async def _scenario(stack: Stack, db: dict[str, AsyncEngine], vhost: str) -> None:
    began = time.monotonic()
    account_id, headers = await _owner(stack)
    retrying = Retrying()
    async with httpx.AsyncClient(base_url=stack.base_url, headers=headers, transport=retrying, timeout=60) as http:
        client_ids = [
            (await http.post("/api/clients", json={"last_name": f"Client {n}", "billing_address": ADDRESS})).json()[
                "id"
            ]
            for n in range(CLIENTS)
        ]
        for service in ("orders", "mailings", "reminders"):
            table = "email_clients" if service == "mailings" else "client_replicas"
            await _until(
                lambda table=table, service=service: _counted(db[service], table, CLIENTS),
                timeout=60,
                what=f"{service} knows every client",
            )
        due = datetime.now(UTC) + timedelta(seconds=20)
        reminder_ids = [
            (
                await http.post(
                    "/api/reminders",
                    json={
                        "client_id": client_ids[n],
                        "due_at": (due + timedelta(seconds=4 * n)).isoformat(),
                        "text": f"Rappeler le client {n}",
                    },
                )
            ).json()["id"]
            for n in range(REMINDERS)
        ]
        variants = await build_catalogue(http, rng=random.Random(3))

        async def write(n: int) -> None:
            await generate_history(
                http, client_ids=client_ids[n::WRITERS], orders=ORDERS // WRITERS, seed=7 + n, variants=variants
            )

        async def send_emails() -> list[int]:
            ids = []
            for n in range(EMAILS):
                queued = await http.post(
                    "/api/mailings/emails",
                    json={
                        "client_id": client_ids[n],
                        "subject": f"Votre commande {n}",
                        "body": "Bonjour,\nvoici votre facture.",
                        "recipients": [f"client{n}@example.org"],
                    },
                )
                assert queued.status_code == 202, queued.text
                ids.append(queued.json()["id"])
                await asyncio.sleep(2)
            return ids

        async def chaos() -> list[str]:
            while retrying.sent < ORDERS * 2:  # about a third of the history
                await asyncio.sleep(0.2)
            jobs.extend(await _ask_for_files(http, client_ids))
            killed = await _kill_one_of_each_and_restart(stack)
            jobs.extend(await _ask_for_files(http, client_ids))
            return killed

        jobs: list[str] = []
        started = time.monotonic()
        emailing, killing = asyncio.create_task(send_emails()), asyncio.create_task(chaos())
        try:
            await asyncio.gather(*(write(n) for n in range(WRITERS)), emailing, killing)
        finally:  # a failed writer leaves nothing running into the stack's shutdown
            emailing.cancel()
            killing.cancel()
        email_ids, killed = emailing.result(), killing.result()
        history_seconds = time.monotonic() - started

        await _until(lambda: _all_published(db), timeout=90, what="every outbox is relayed")
        await _until(lambda: _all_applied(db), timeout=120, what="the clients service applied every order event")
        await _until(
            lambda: _counted(db["reminders"], "reminders WHERE fired_at IS NOT NULL", REMINDERS),
            timeout=120,
            what="every reminder fired",
        )
        await _until(
            lambda: _counted(db["mailings"], "emails WHERE status = 'sent'", EMAILS + REMINDERS),
            timeout=120,
            what="every e-mail was sent",
        )
        await _until(lambda: _files_done(http, jobs), timeout=120, what="every export and PDF is done")
        settled_seconds = time.monotonic() - started - history_seconds
        await _each_file_made_once(http, db, jobs)

        # Every read model equals the truth: list columns (no invoice counted twice), top products, figures.
        async with db["orders"].connect() as connection:
            truth = await orders_truth(connection, account_id)
        async with db["clients"].connect() as connection:
            seen = await clients_view(connection, account_id)
        await read_through_api(http, client_ids=client_ids, seen=seen)
        assert_read_models_equal(seen, truth, client_ids=client_ids)
        assert sum(1 for c in truth["columns"].values() if c[0] == "client") > CLIENTS // 2
        invoices = await _scalar(db["orders"], "SELECT count(*) FROM invoices")
        assert await _scalar(db["clients"], "SELECT count(*) FROM client_invoices") == invoices > 0

        await _each_reminder_fired_once(db, reminder_ids)
        resent = await _each_email_received_once(stack, db, email_ids)
        assert (await http.get("/connexion")).status_code == 200  # the console, through the gateway

    # Every replica runs at the end (the killed ones again), and both consume every queue.
    assert all(p.popen is not None and p.popen.poll() is None for p in stack.processes.values())
    consumers = _rabbitmqctl("list_queues", "--no-table-headers", "-p", vhost, "name", "consumers")
    served = {queue: int(n) for queue, n in (line.split("\t") for line in consumers.splitlines() if "\t" in line)}
    assert served and all(n == 2 for queue, n in served.items() if not queue.endswith(".dead")), served
    print(  # the figures of the run, in the test's output
        f"replicas: set up in {started - began:.0f} s, settled {settled_seconds:.0f} s after the history;"
        f" {ORDERS} orders in {history_seconds:.0f} s through 2 of each of {len(WEB_KINDS + WORKER_KINDS)}"
        f" process kinds; killed {', '.join(killed)}; {retrying.retried} requests retried with their"
        f" Idempotency-Key; {len(resent)} e-mails delivered twice after a killed sender ({resent})"
    )


async def _counted(engine: AsyncEngine, table: str, expected: int) -> bool:
    return await _scalar(engine, f"SELECT count(*) FROM {table}") == expected


async def _all_published(db: dict[str, AsyncEngine]) -> bool:
    for engine in db.values():
        if await _scalar(engine, "SELECT count(*) FROM outbox WHERE published_at IS NULL"):
            return False
    return True


async def _all_applied(db: dict[str, AsyncEngine]) -> bool:
    events = [
        row[0] for row in await _rows(db["orders"], "SELECT id FROM outbox WHERE routing_key NOT LIKE 'reservation.%'")
    ]
    applied = await _scalar(
        db["clients"], "SELECT count(DISTINCT event_id) FROM inbox WHERE event_id = ANY(:ids)", ids=events
    )
    return applied == len(events)


async def _ask_for_files(http: httpx.AsyncClient, client_ids: list[int]) -> list[str]:
    """Queue two spreadsheets and a campaign's letters; returns where to follow each."""
    hrefs = []
    for _ in range(2):
        export = await http.post("/api/clients/exports", json={"format": "xlsx"})
        assert export.status_code == 202, export.text
        hrefs.append(f"/api/clients/exports/{export.json()['id']}")
    campaign = await http.post(
        "/api/mailings/campaigns", json={"name": "Primeurs", "selection": {"client_ids": client_ids[:10]}}
    )
    assert campaign.status_code == 201, campaign.text
    render = await http.post(f"{campaign.json()['href']}/renders", json={"kind": "letters"})
    assert render.status_code == 202, render.text
    hrefs.append(render.json()["href"])
    return hrefs


async def _files_done(http: httpx.AsyncClient, hrefs: list[str]) -> bool:
    for href in hrefs:
        if (await http.get(href)).json()["state"] != "done":
            return False
    return True


async def _each_file_made_once(http: httpx.AsyncClient, db: dict[str, AsyncEngine], hrefs: list[str]) -> None:
    """Each export and PDF can be downloaded, and each campaign announced its printing once."""
    for href in hrefs:
        job = (await http.get(href)).json()
        assert (await http.get(job["download_url"])).status_code == 200, job
    renders = sum("/api/mailings/" in href for href in hrefs)
    printed = await _rows(
        db["mailings"],
        "SELECT body->'payload'->>'campaign_id', count(*) FROM outbox WHERE routing_key = 'mailing.rendered' GROUP BY 1",
    )
    assert len(printed) == renders and all(row[1] == 1 for row in printed), printed


async def _each_reminder_fired_once(db: dict[str, AsyncEngine], reminder_ids: list[int]) -> None:
    due = Counter(
        row[0]
        for row in await _rows(
            db["reminders"],
            "SELECT (body->'payload'->>'reminder_id')::bigint FROM outbox WHERE routing_key = 'reminder.due'",
        )
    )
    assert due == dict.fromkeys(reminder_ids, 1)
    feed = Counter(row[0] for row in await _rows(db["reminders"], "SELECT reminder_id FROM notifications"))
    assert feed == dict.fromkeys(reminder_ids, 1)
    asked = await _rows(db["reminders"], "SELECT count(*) FROM outbox WHERE routing_key = 'reminder.email_requested'")
    assert asked[0][0] == len(reminder_ids)
    assert await _scalar(db["mailings"], "SELECT count(*) FROM emails WHERE user_id IS NOT NULL") == len(reminder_ids)
    assert await _scalar(db["clients"], "SELECT count(*) FROM timeline_entries WHERE kind = 'reminder.due'") == len(
        reminder_ids
    )


async def _each_email_received_once(stack: Stack, db: dict[str, AsyncEngine], email_ids: list[int]) -> list[int]:
    """Every e-mail reached the SMTP server; twice only if a killed sender's claim made a second attempt.

    Returns the ids of the e-mails delivered twice.
    """
    rows = await _rows(db["mailings"], "SELECT id, attempts, user_id FROM emails")
    assert sorted(r[0] for r in rows if r[2] is None) == sorted(email_ids)
    received = Counter(message["Message-ID"] for message in mailbox.Maildir(stack.maildir))
    expected = {f"<email-{row[0]}@negoce.localhost>": row for row in rows}
    assert set(received) == set(expected)
    resent = []
    for message_id, (email_id, attempts, _) in expected.items():
        copies = received[message_id]
        if copies > 1:
            # Only a second attempt, after a claim that a killed sender never recorded, may send again.
            assert attempts >= copies, (email_id, attempts, copies)
            resent.append(email_id)
    return resent
