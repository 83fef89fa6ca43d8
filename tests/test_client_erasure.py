"""Erasure in the clients service (GDPR): no copy of the client's data stays behind, whatever comes later.

Lines of other clients' timelines that name the erased client, merges both ways, events sent before
the erasure and applied after it, the outbox, and the export files.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from services.clients.exports.worker import ExportWorker
from services.clients.models import ExportJob, outbox
from services.clients.settings import ClientsSettings
from shared.db import unit_of_work
from shared.outbox import erase_client_events
from tests.conftest import AMQP_URL, database_url, new_account
from tests.support import (
    EventTap,
    container,
    eventually,
    files_mentioning,
    in_process,
    product_line,
    publish_event,
    rows_mentioning,
    shipment_line,
    shipment_shipped,
)

JAN = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)
NBSP = "\u00a0"


def mark() -> str:
    """A word found nowhere else in the test databases."""
    return f"Zq{secrets.token_hex(4)}"


async def _client(api, account, **fields) -> int:
    response = await api.post("/api/clients", json={"last_name": "Martin", **fields}, headers=account.headers)
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def _timeline(api, account, client_id, **params) -> list[dict]:
    response = await api.get(f"/api/clients/{client_id}/timeline", params=params, headers=account.headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def _erase(api, account, client_id) -> dict:
    response = await api.post(f"/api/clients/{client_id}/erase", headers=account.headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_the_billed_clients_shipment_line_names_the_ship_to_as_it_is_now(api, account, clients_app):
    word = mark()
    billed = await _client(api, account, last_name=f"Payeur{word}")
    ship_to = await _client(api, account, first_name="Hélène", last_name=f"Destinataire{word}")
    order_id = account.id.int % 10**9
    line = product_line(order_line_id=1, variant_id=401, container=container(11), quantity="12")
    await publish_event(
        AMQP_URL,
        exchange="negoce.orders",
        event_type="shipment.shipped",
        account_id=account.id,
        payload=shipment_shipped(
            shipment_id=order_id,
            order_id=order_id,
            client_id=billed,
            ship_to_client_id=ship_to,
            shipped_at=JAN,
            lines=[shipment_line(line)],
        ),
    )

    async def shipment_text() -> str | None:
        lines = await _timeline(api, account, billed, kind="shipment")
        return lines[0]["text"] if lines else None

    expected = f"Expédition de la commande C-{order_id:06d} vers {{}} : 12 unités, 9{NBSP}L"
    assert await eventually(shipment_text) == expected.format(f"Hélène Destinataire{word}")
    renamed = await api.patch(f"/api/clients/{ship_to}", json={"last_name": f"Renommée{word}"}, headers=account.headers)
    assert renamed.status_code == 200, renamed.text
    assert await shipment_text() == expected.format(f"Hélène Renommée{word}")

    await _erase(api, account, ship_to)
    assert await shipment_text() == expected.format(f"ANONYME-{ship_to}")
    assert await rows_mentioning(clients_app.state.context.engine, [f"Destinataire{word}", f"Renommée{word}"]) == []


@pytest.mark.parametrize("erased", ["kept", "merged"])
async def test_the_merge_line_and_record_forget_the_absorbed_client_when_either_side_is_erased(
    api, account, clients_app, erased
):
    word, digits = mark(), f"{secrets.randbelow(10**8):08d}"
    phone = "05 " + " ".join(digits[i : i + 2] for i in range(0, 8, 2))
    kept = await _client(
        api,
        account,
        first_name="Paul",
        last_name=f"Garde{word}",
        email=f"garde{word}@exemple.fr",
        phone=phone,
        billing_address={"line1": "1 quai", "postal_code": "33000", "city": "Bordeaux"},
    )
    # Every field of the absorbed client differs from the kept one's: none of them moves to it.
    merged = await _client(
        api,
        account,
        first_name="Hélène",
        last_name=f"Dupont{word}",
        email=f"helene.{word}@exemple.fr",
        billing_address={"line1": f"3 rue {word}", "postal_code": "33000", "city": "Bordeaux"},
    )
    merge = await api.post(
        "/api/clients/merge", json={"kept_client_id": kept, "merged_client_id": merged}, headers=account.headers
    )
    assert merge.status_code == 200, merge.text
    [line] = await _timeline(api, account, kept, kind="merge")
    assert line["text"] == f"Fiche « Hélène Dupont{word} » (n° {merged}) fusionnée dans celle-ci par tester"

    async with EventTap(AMQP_URL, "negoce.clients", "client.erased") as tap:
        body = await _erase(api, account, kept if erased == "kept" else merged)
        # Erasing a client erases the clients merged into it: every service hears of each.
        expected = {kept, merged} if erased == "kept" else {merged}
        await eventually(
            lambda: {b["payload"]["client_id"] for b in tap.bodies() if b["account_id"] == str(account.id)} == expected
        )
    [line] = await _timeline(api, account, kept, kind="merge")
    assert line["text"] == f"Fiche « ANONYME-{merged} » (n° {merged}) fusionnée dans celle-ci par tester"
    # The absorbed client's name, e-mail and address: nowhere, its row, the merge record and the outbox included.
    absorbed = [f"Dupont{word}", f"helene.{word}", f"3 rue {word}"]
    engine = clients_app.state.context.engine
    if erased == "kept":
        assert body["display_name"] == f"ANONYME-{kept}"
        assert await rows_mentioning(engine, [*absorbed, f"Garde{word}", f"garde{word}", phone, "05" + digits]) == []
    else:
        # Only the absorbed record goes: what the merge gave the kept client is the kept client's.
        assert body["display_name"] == f"ANONYME-{merged}"
        assert await rows_mentioning(engine, absorbed) == []
        sheet = (await api.get(f"/api/clients/{kept}", headers=account.headers)).json()
        assert (sheet["display_name"], sheet["erased_at"]) == (f"Paul Garde{word}", None)
        gone = await api.get(f"/api/clients/{merged}", headers=account.headers)
        assert gone.status_code == 404 and gone.json()["merged_into"] == kept
    # Erasing again changes nothing.
    assert (await api.post(f"/api/clients/{merged}/erase", headers=account.headers)).status_code == 200


async def test_events_sent_before_an_erasure_and_applied_after_it_write_no_personal_text(
    api, account, clients_app, sql
):
    word = mark()
    kept = await _client(api, account, last_name=f"Garde{word}")
    merged = await _client(api, account, last_name=f"Fusion{word}")
    merge = await api.post(
        "/api/clients/merge", json={"kept_client_id": kept, "merged_client_id": merged}, headers=account.headers
    )
    assert merge.status_code == 200, merge.text
    await _erase(api, account, kept)

    sent = []
    for number, client_id in enumerate((kept, merged), start=1):
        email = {
            "email_id": number,
            "client_id": client_id,
            "subject": f"Facture {word}",
            "recipients": [f"{word}@exemple.fr"],
            "attempts": 1,
            "by_user": "tester",
            "sent_at": JAN.isoformat(),
        }
        reminder = {
            "reminder_id": number,
            "client_id": client_id,
            "version": 1,
            "due_at": JAN.isoformat(),
            "text": f"Rappeler {word}",
            "assigned_user": "alice",
        }
        sent.append(
            await publish_event(
                AMQP_URL, exchange="negoce.mailings", event_type="email.sent", account_id=account.id, payload=email
            )
        )
        sent.append(
            await publish_event(
                AMQP_URL,
                exchange="negoce.reminders",
                event_type="reminder.created",
                account_id=account.id,
                payload=reminder,
            )
        )
    sent.append(
        await publish_event(
            AMQP_URL,
            exchange="negoce.mailings",
            event_type="mailing.rendered",
            account_id=account.id,
            payload={
                "campaign_id": 9,
                "name": "Vœux",
                "client_ids": [kept],
                "pages": 1,
                "rendered_at": JAN.isoformat(),
            },
        )
    )

    async def applied() -> bool:
        rows = await sql("SELECT count(*) FROM inbox WHERE consumer = 'clients' AND event_id = ANY(:ids)", ids=sent)
        return rows[0][0] == len(sent)

    await eventually(applied)
    # A printed letter is no personal text: it still shows.
    assert [e["category"] for e in await _timeline(api, account, kept, kind=["email", "reminder", "mailing"])] == [
        "mailing"
    ]
    assert await rows_mentioning(clients_app.state.context.engine, [word]) == []


async def test_relayed_events_of_an_erased_client_go_and_pending_ones_leave_redacted(clients_app, account):
    """The outbox rows that name the client: relayed ones are history and go; pending ones keep their place."""
    word = mark()
    rows = {
        "relayed": ({"client_id": 41, "email": word}, datetime.now(UTC)),
        "pending": ({"client_id": 41, "email": word}, None),
        "listed": ({"client_ids": [40, 41], "name": "Vœux"}, datetime.now(UTC)),
        "other": ({"client_id": 42, "email": word}, None),
    }
    async with clients_app.state.context.engine.connect() as connection:
        transaction = await connection.begin()
        try:
            session = AsyncSession(bind=connection)
            ids = {}
            for name, (payload, published_at) in rows.items():
                ids[name] = uuid.uuid4()
                await session.execute(
                    outbox.insert().values(
                        id=ids[name],
                        account_id=account.id,
                        routing_key="client.updated",
                        published_at=published_at,
                        body={"event_id": str(ids[name]), "type": "client.updated", "payload": payload},
                    )
                )
            await erase_client_events(
                session,
                outbox,
                account_id=account.id,
                client_ids=[41],
                redact=lambda kind, payload: {**payload, "email": None},
            )
            left: dict[uuid.UUID, dict[str, Any]] = dict(
                (
                    await session.execute(
                        text("SELECT id, body -> 'payload' FROM outbox WHERE account_id = :a"), {"a": account.id}
                    )
                ).all()
            )
        finally:
            await transaction.rollback()
    # An event about several clients (a printed mailing) carries no personal data: it stays.
    assert left == {
        ids["pending"]: {"client_id": 41, "email": None},
        ids["other"]: {"client_id": 42, "email": word},
        ids["listed"]: {"client_ids": [40, 41], "name": "Vœux"},
    }


# --- export files ------------------------------------------------------------------------------


@pytest.fixture
def export_settings(tmp_path: Path) -> ClientsSettings:
    """An export worker on the test database, writing into a temporary folder."""
    return ClientsSettings(
        database_url=database_url("clients"), export_dir=tmp_path, export_lease_seconds=5, export_poll_seconds=0.05
    )


async def _run_jobs(worker: ExportWorker) -> None:
    while await worker.run_once():
        pass


async def test_an_erasure_builds_again_the_finished_exports_that_may_hold_the_client(
    clients_app, export_settings: ClientsSettings
):
    word = mark()
    account = await new_account(clients_app, "Exports effacés")
    worker = ExportWorker(export_settings)
    async with in_process(clients_app, account.headers) as api:
        erased = await _client(
            api,
            account,
            first_name="Hélène",
            last_name=f"Effacée{word}",
            email=f"helene.{word}@exemple.fr",
            billing_address={"line1": f"7 impasse {word}", "postal_code": "21200", "city": "Beaune"},
        )
        await api.post(f"/api/clients/{erased}/contacts", json={"last_name": f"Contact{word}"})
        other = await _client(api, account, last_name="Reste")
        jobs = {
            name: (await api.post("/api/clients/exports", json=body)).json()["id"]
            for name, body in {
                "whole": {},
                "contacts": {"kind": "contacts", "format": "csv"},
                "with_it": {"format": "csv", "selection": {"client_ids": [erased, other]}},
                "without_it": {"format": "csv", "selection": {"client_ids": [other]}},
            }.items()
        }
        try:
            await _run_jobs(worker)
            assert len(files_mentioning([export_settings.export_dir], [word])) == 3
            await _erase(api, account, erased)
            states = {n: (await api.get(f"/api/clients/exports/{j}")).json() for n, j in jobs.items()}
            assert {n: s["state"] for n, s in states.items()} == {
                "whole": "queued",
                "contacts": "queued",
                "with_it": "queued",
                "without_it": "done",
            }
            assert (await api.get(f"/api/clients/exports/{jobs['whole']}/file")).status_code == 409
            await _run_jobs(worker)
        finally:
            await worker.engine.dispose()
        done = {n: (await api.get(f"/api/clients/exports/{j}")).json() for n, j in jobs.items()}
    assert {n: (d["state"], d["attempts"]) for n, d in done.items()} == {
        "whole": ("done", 2),
        "contacts": ("done", 2),
        "with_it": ("done", 2),
        "without_it": ("done", 1),
    }
    assert done["whole"]["rows_done"] == 1
    names = {p.name for p in export_settings.export_dir.iterdir()}
    assert {f"{jobs['whole']}.2.xlsx", f"{jobs['with_it']}.2.csv", f"{jobs['without_it']}.1.csv"} <= names
    assert f"{jobs['whole']}.1.xlsx" not in names
    assert files_mentioning([export_settings.export_dir], [word]) == []


class _ErasedWhileWriting(ExportWorker):
    """A worker during whose writing an erasure commits in the account without seeing this job.

    That happens when the job is asked for while the erasure runs: it is queued after the erasure
    looked for the account's jobs, and claimed before the erasure commits.
    """

    async def _write(self, job: ExportJob, connection: AsyncConnection, part: Path) -> tuple[int, int]:
        written = await super()._write(job, connection, part)
        async with self.engine.begin() as other:
            await other.execute(
                text("UPDATE accounts SET erasures = erasures + 1 WHERE id = :a"), {"a": job.account_id}
            )
        return written


async def test_an_export_written_from_a_snapshot_older_than_an_erasure_is_built_again(
    clients_app, export_settings: ClientsSettings
):
    account = await new_account(clients_app, "Instantané")
    async with in_process(clients_app, account.headers) as api:
        await _client(api, account, last_name="Quelconque")
        job_id = (await api.post("/api/clients/exports", json={})).json()["id"]
        late = _ErasedWhileWriting(export_settings)
        try:
            await _run_until(late, job_id)
        finally:
            await late.engine.dispose()
        job = (await api.get(f"/api/clients/exports/{job_id}")).json()
        assert (job["state"], job["attempts"], job["download_url"]) == ("queued", 1, None)
        assert list(export_settings.export_dir.iterdir()) == []
        worker = ExportWorker(export_settings)
        try:
            await _run_until(worker, job_id)
        finally:
            await worker.engine.dispose()
        job = (await api.get(f"/api/clients/exports/{job_id}")).json()
    assert (job["state"], job["attempts"]) == ("done", 2)
    assert [p.name for p in export_settings.export_dir.iterdir()] == [f"{job_id}.2.xlsx"]


async def _run_until(worker: ExportWorker, job_id: str) -> None:
    """Run jobs (other tests' too) until this one has had an attempt by this worker."""
    async with unit_of_work(worker.sessions) as session:
        before = (await session.get_one(ExportJob, uuid.UUID(job_id))).attempts
    while await worker.run_once():
        async with unit_of_work(worker.sessions) as session:
            if (await session.get_one(ExportJob, uuid.UUID(job_id))).attempts > before:
                return


async def test_files_no_attempt_owns_are_removed(clients_app, export_settings: ClientsSettings):
    account = await new_account(clients_app, "Fichiers orphelins")
    async with in_process(clients_app, account.headers) as api:
        job_id = (await api.post("/api/clients/exports", json={})).json()["id"]
    worker = ExportWorker(export_settings)
    try:
        async with unit_of_work(worker.sessions) as session:
            await session.execute(text("UPDATE export_jobs SET attempts = 2 WHERE id = :id"), {"id": job_id})
        folder = export_settings.export_dir
        # A worker that lost attempt 1 and died before removing its file and its work folder.
        (folder / f"{job_id}.1.xlsx").write_bytes(b"stale")
        (folder / f"{job_id}.1.part").mkdir()
        (folder / f"{job_id}.1.part" / "export.xlsx").write_bytes(b"stale")
        (folder / f"{job_id}.2.xlsx").write_bytes(b"current")
        (folder / f"{uuid.uuid4()}.1.csv").write_bytes(b"of a job deleted since")
        (folder / "README.txt").write_bytes(b"not a job's")
        await worker.remove_stale_files()
    finally:
        await worker.engine.dispose()
    assert sorted(p.name for p in folder.iterdir()) == sorted([f"{job_id}.2.xlsx", "README.txt"])
