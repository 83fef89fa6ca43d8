"""Segments (saved selections) and exports of the base or a selection.

CSV for French Excel, XLSX jobs, the same clients as the list.
"""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from services.clients.exports.worker import ExportWorker
from services.clients.settings import ClientsSettings
from tests.conftest import AMQP_URL, database_url, new_account
from tests.support import eventually, in_process, invoice_issued, publish_event

BOM = "\ufeff"


@pytest.fixture
async def shop(clients_app):
    """An account with a few clients whose fields test every formatting rule."""
    account = await new_account(clients_app, "Exports")
    async with in_process(clients_app, account.headers) as api:
        tag = (await api.post("/api/clients/tags", json={"name": "VIP"})).json()["id"]
        ids = {}
        for nick, body in {
            "ain": {
                "first_name": "Éloïse",
                "last_name": "Œuvray",
                "phone": "0612345678",
                "tag_ids": [tag],
                "billing_address": {"line1": "1 rue", "postal_code": "01000", "city": "Bourg-en-Bresse"},
            },
            "evil": {
                "company_name": '=HYPERLINK("http://x")',
                "phone": "+33 5 56 00 00 00",
                "note": "@SUM(1+1)",
                "email": "evil@exemple.fr",
                "billing_address": {"line1": "-2 rue", "postal_code": "33000", "city": "Bordeaux"},
            },
            "quote": {"company_name": 'Cave; "la bonne"', "note": "ligne 1\nligne 2", "tag_ids": [tag]},
        }.items():
            response = await api.post("/api/clients", json=body)
            assert response.status_code == 201, response.text
            ids[nick] = response.json()["id"]
        await api.post(
            f"/api/clients/{ids['ain']}/contacts",
            json={"first_name": "Jean", "last_name": "Contact", "email": "jean@ain.fr", "receives_invoices": True},
        )
        await publish_event(
            AMQP_URL,
            exchange="negoce.orders",
            event_type="invoice.issued",
            account_id=account.id,
            payload=invoice_issued(
                client_id=ids["ain"],
                invoice_id=account.id.int % 10**9,
                order_id=account.id.int % 10**9,
                total_cents=123_456,
                issued_at=datetime(2026, 3, 31, 22, 30, tzinfo=UTC),
            ),
        )

        async def invoiced():
            return (await api.get(f"/api/clients/{ids['ain']}")).json()["status"] == "client"

        await eventually(invoiced)
        yield api, ids


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith(BOM)
    return list(csv.reader(io.StringIO(text[len(BOM) :]), delimiter=";"))


async def test_csv_is_made_for_french_excel(shop):
    api, ids = shop
    rows = _csv(await api.get("/api/clients/exports/clients.csv"))
    header, body = rows[0], {int(r[0]): dict(zip(rows[0], r, strict=False)) for r in rows[1:]}
    assert len(header) == len(set(header)) and "Total facturé (€)" in header
    ain, evil, quote = body[ids["ain"]], body[ids["evil"]], body[ids["quote"]]
    assert (ain["Prénom"], ain["Nom"], ain["Ville"]) == ("Éloïse", "Œuvray", "Bourg-en-Bresse")
    assert ain["Code postal"] == '="01000"' and ain["Téléphone"] == '="0612345678"'
    assert ain["Total facturé (€)"] == "1234,56" and ain["Commandes facturées"] == "1"
    # Invoiced 2026-03-31 22:30 UTC: April 1st in Paris, the account's time zone.
    assert ain["Dernière facturation le"] == "01/04/2026"
    assert ain["Créé le"] == datetime.now(ZoneInfo("Europe/Paris")).strftime("%d/%m/%Y")
    assert ain["Statut"] == "Client" and ain["Étiquettes"] == "VIP" and ain["Bloqué"] == "Non"
    assert evil["Société"] == '\'=HYPERLINK("http://x")'
    assert evil["Note"] == "'@SUM(1+1)" and evil["Adresse 1"] == "'-2 rue"
    assert evil["Téléphone"] == "'+33 5 56 00 00 00" and evil["Code postal"] == '="33000"'
    assert quote["Société"] == 'Cave; "la bonne"' and quote["Note"] == "ligne 1\nligne 2"
    assert quote["Statut"] == "Prospect" and quote["Total facturé (€)"] == "0,00"
    every_cell = [cell for row in rows[1:] for cell in row]
    assert not [c for c in every_cell if c and c[0] in "=+-@" and not c.startswith('="')]


async def test_contacts_csv_lists_each_contact_with_its_client(shop):
    api, ids = shop
    rows = _csv(await api.get("/api/clients/exports/contacts.csv"))
    assert rows[0][:4] == ["N° client", "Code comptable", "Client", "N° contact"]
    assert [(int(r[0]), r[2], r[5], r[6], r[8], r[13]) for r in rows[1:]] == [
        (ids["ain"], "Éloïse Œuvray", "Jean", "Contact", "jean@ain.fr", "Oui")
    ]


async def _listed(api, **params) -> list[int]:
    found, cursor = [], None
    while True:
        page = (
            await api.get("/api/clients", params={**params, "limit": 2, **({"cursor": cursor} if cursor else {})})
        ).json()
        found += [r["id"] for r in page["items"]]
        if not (cursor := page["next_cursor"]):
            return found


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": "tag:vip"},
        {"q": "-has:address"},
        {"tab": "prospects"},
        {"sort": "created_at", "direction": "desc"},
        {"q": "cp:0", "has_phone": True},
        {"q": "nothing-matches-this"},
        {"q": "0"},
        {"q": "bourg 0612"},
        {"q": "0", "sort": "relevance", "direction": "desc"},
    ],
)
async def test_csv_of_a_search_holds_exactly_what_the_list_shows_in_its_order(shop, params):
    api, _ = shop
    rows = _csv(await api.get("/api/clients/exports/clients.csv", params=params))
    assert [int(r[0]) for r in rows[1:]] == await _listed(api, **params)


async def test_segments_are_saved_searches_evaluated_each_time(shop):
    api, ids = shop
    created = await api.post("/api/clients/segments", json={"name": "VIP", "search": {"q": "tag:vip"}})
    assert created.status_code == 201, created.text
    segment = created.json()
    assert set(await _listed(api, segment_id=segment["id"])) == {ids["ain"], ids["quote"]}
    assert (await api.post("/api/clients/segments", json={"name": "VIP", "search": {}})).status_code == 409
    tag = (await api.get("/api/clients/tags")).json()[0]["id"]
    newcomer = (await api.post("/api/clients", json={"last_name": "Nouveau", "tag_ids": [tag]})).json()["id"]
    assert set(await _listed(api, segment_id=segment["id"])) == {ids["ain"], ids["quote"], newcomer}
    assert set(await _listed(api, segment_id=segment["id"], q="nouveau")) == {newcomer}
    renamed = await api.patch(
        f"/api/clients/segments/{segment['id']}", json={"name": "Best", "search": {"q": "tag:vip", "has_phone": True}}
    )
    assert renamed.json()["name"] == "Best" and renamed.json()["search"] == {"q": "tag:vip", "has_phone": True}
    assert await _listed(api, segment_id=segment["id"]) == [ids["ain"]]
    csv_rows = _csv(await api.get("/api/clients/exports/clients.csv", params={"segment_id": segment["id"]}))
    assert [int(r[0]) for r in csv_rows[1:]] == [ids["ain"]]
    assert [s["name"] for s in (await api.get("/api/clients/segments")).json()] == ["Best"]
    assert (await api.delete(f"/api/clients/segments/{segment['id']}")).status_code == 204
    assert (await api.get("/api/clients", params={"segment_id": segment["id"]})).status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x", "search": {"q": "orders>>3"}}, "search.q"),
        ({"name": "x", "search": {"q": "tag:unknown"}}, "search.q"),
        ({"name": "x", "search": {"colour": "red"}}, "search.colour"),
        ({"name": "", "search": {}}, "name"),
        ({"name": "x"}, "search"),
    ],
)
async def test_a_bad_segment_is_refused_and_not_saved(shop, body, field):
    api, _ = shop
    response = await api.post("/api/clients/segments", json=body)
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert (await api.get("/api/clients/segments")).json() == []


async def test_other_accounts_segments_and_exports_are_not_found(shop, clients_app):
    api, ids = shop
    segment = (await api.post("/api/clients/segments", json={"name": "mine", "search": {}})).json()
    job = (await api.post("/api/clients/exports", json={})).json()
    other = await new_account(clients_app, "Other")
    async with in_process(clients_app, other.headers) as stranger:
        assert (await stranger.get(f"/api/clients/segments/{segment['id']}")).status_code == 404
        assert (await stranger.get("/api/clients", params={"segment_id": segment["id"]})).status_code == 404
        assert (await stranger.get(f"/api/clients/exports/{job['id']}")).status_code == 404
        assert (
            await stranger.get("/api/clients/exports/clients.csv", params={"client_ids": [ids["ain"]]})
        ).status_code == 422


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"q": "orders>=x"}, 422, "q"),
        ({"segment_id": 999_999_999}, 404, None),
        ({"client_ids": [999_999_999]}, 422, "client_ids"),
        ({"client_ids": ["abc"]}, 422, "client_ids"),
    ],
)
async def test_a_bad_csv_request_is_refused_before_any_byte(shop, params, status, field):
    api, _ = shop
    response = await api.get("/api/clients/exports/clients.csv", params=params)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    if field:
        assert any(field in e["field"] for e in response.json()["errors"])


@pytest.fixture
def worker_settings(tmp_path) -> ClientsSettings:
    """Settings of an export worker on the test database, writing into a temporary folder."""
    return ClientsSettings(
        database_url=database_url("clients"), export_dir=tmp_path, export_lease_seconds=2, export_poll_seconds=0.05
    )


async def _run_jobs(settings: ClientsSettings) -> None:
    worker = ExportWorker(settings)
    try:
        while await worker.run_once():
            pass
    finally:
        await worker.engine.dispose()


async def test_xlsx_job_reports_progress_and_serves_the_same_clients_as_the_list(shop, worker_settings, clients_app):
    api, ids = shop
    clients_app.state.context.settings.export_dir = worker_settings.export_dir
    queued = await api.post("/api/clients/exports", json={"selection": {"search": {"q": "tag:vip"}}})
    assert queued.status_code == 202, queued.text
    job = queued.json()
    assert (job["state"], job["percent"], job["download_url"]) == ("queued", 0, None)
    assert (await api.get(f"/api/clients/exports/{job['id']}/file")).status_code == 409
    await _run_jobs(worker_settings)
    done = (await api.get(f"/api/clients/exports/{job['id']}")).json()
    assert (done["state"], done["percent"], done["rows_done"], done["rows_total"]) == ("done", 100, 2, 2)
    download = await api.get(done["download_url"])
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(download.content), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    by_id = {row[0]: dict(zip(header, row, strict=False)) for row in rows[1:]}
    assert list(by_id) == await _listed(api, q="tag:vip")
    ain = by_id[ids["ain"]]
    assert ain["Code postal"] == "01000" and ain["Téléphone"] == "0612345678"
    assert ain["Total facturé (€)"] == 1234.56 and ain["Dernière facturation le"] == datetime(2026, 4, 1)
    assert ain["Prénom"] == "Éloïse" and by_id[ids["quote"]]["Note"] == "ligne 1\nligne 2"
    assert [j["id"] for j in (await api.get("/api/clients/exports")).json()] == [job["id"]]


async def test_csv_job_and_id_list_selection(shop, worker_settings, clients_app):
    api, ids = shop
    clients_app.state.context.settings.export_dir = worker_settings.export_dir
    job = (
        await api.post(
            "/api/clients/exports",
            json={"format": "csv", "kind": "clients", "selection": {"client_ids": [ids["evil"], ids["ain"]]}},
        )
    ).json()
    await _run_jobs(worker_settings)
    done = (await api.get(f"/api/clients/exports/{job['id']}")).json()
    assert done["state"] == "done", done
    rows = _csv(await api.get(done["download_url"]))
    assert sorted(int(r[0]) for r in rows[1:]) == sorted([ids["evil"], ids["ain"]])


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"selection": {"segment_id": 1, "client_ids": [1]}}, "selection"),
        ({"selection": {"client_ids": [999_999_999]}}, "selection.client_ids"),
        ({"selection": {"search": {"q": "dept:1"}}}, "selection.search.q"),
        ({"selection": {"search": {"created_to": "9999-12-31"}}}, "selection.search.created_to"),
        ({"format": "pdf"}, "format"),
        ({"kind": "orders"}, "kind"),
    ],
)
async def test_a_bad_export_request_queues_nothing(shop, body, field):
    api, _ = shop
    response = await api.post("/api/clients/exports", json=body)
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert (await api.get("/api/clients/exports")).json() == []


async def test_a_worker_that_lost_its_lease_cannot_finish_the_job(shop, worker_settings, sql):
    """The fencing: after a takeover, the first worker's progress and result are refused."""
    from services.clients.exports import repository as exports_repository
    from shared.db import create_engine, create_sessionmaker, unit_of_work

    api, _ = shop
    await _run_jobs(worker_settings)  # jobs other tests left: this one must be the oldest in the queue
    job_id = (await api.post("/api/clients/exports", json={})).json()["id"]
    engine = create_engine(database_url("clients"), pool_size=1)
    sessions = create_sessionmaker(engine)
    lease = timedelta(seconds=30)
    try:
        async with unit_of_work(sessions) as session:
            first = await exports_repository.EXPORT_JOBS.claim(session, lease=lease)
        assert first is not None and str(first.id) == job_id and first.attempts == 1
        await sql(
            "UPDATE export_jobs SET lease_until = now() - interval '1 second' WHERE id = :id RETURNING id", id=job_id
        )
        async with unit_of_work(sessions) as session:
            second = await exports_repository.EXPORT_JOBS.claim(session, lease=lease)
        assert second is not None and second.id == first.id and second.attempts == 2
        async with unit_of_work(sessions) as session:
            assert not await exports_repository.record_rows(session, job=first, rows_done=1, rows_total=3, lease=lease)
            assert not await exports_repository.finish_export(
                session, job=first, file_name="x.csv", file_size=1, rows=1
            )
            assert await exports_repository.EXPORT_JOBS.finish(session, second, state="failed", error="test")
    finally:
        await engine.dispose()


async def test_a_worker_killed_mid_job_is_replaced_and_the_job_completes(clients_app, worker_settings, sql, tmp_path):
    """SIGKILL a worker process while it writes; the next worker takes the job over after the lease."""
    await _run_jobs(worker_settings)  # so the process only finds this test's job
    account = await new_account(clients_app, "Big export")
    await sql(
        """
        WITH made AS (INSERT INTO clients (account_id, version, kind, last_name, billing_country, shipping_same_as_billing,
                             accounting_code, accepts_emailing, accepts_mailing, show_note_on_orders, blocked,
                             sort_first_last, sort_last_first, search_names)
        SELECT :a, 1, 'person', 'Client ' || n, 'FR', true, '411C' || n, false, true, false, false,
               'client ' || n, 'client ' || n, 'client ' || n
        FROM generate_series(1, 15000) AS n RETURNING id) SELECT count(*) FROM made""",
        a=account.id,
    )
    async with in_process(clients_app, account.headers) as api:
        job_id = (await api.post("/api/clients/exports", json={})).json()["id"]
        env = {
            "NEGOCE_CLIENTS_DATABASE_URL": database_url("clients"),
            "NEGOCE_CLIENTS_EXPORT_DIR": str(tmp_path),
            "NEGOCE_CLIENTS_EXPORT_LEASE_SECONDS": "2",
            "NEGOCE_CLIENTS_EXPORT_POLL_SECONDS": "0.05",
        }
        first = await _worker_process(env)
        try:

            async def writing():
                job = (await api.get(f"/api/clients/exports/{job_id}")).json()
                return job["state"] == "running" and 0 < job["rows_done"] < 15000

            await eventually(writing, timeout=60, interval=0.02)
        finally:
            first.kill()
            await first.wait()
        second = await _worker_process(env)
        try:

            async def done():
                return (await api.get(f"/api/clients/exports/{job_id}")).json()["state"] == "done"

            await eventually(done, timeout=90, interval=0.2)
        finally:
            second.terminate()
            await second.wait()
        job = (await api.get(f"/api/clients/exports/{job_id}")).json()
        assert (job["attempts"], job["rows_done"], job["percent"]) == (2, 15000, 100)
        assert sorted(p.name for p in tmp_path.iterdir()) == [f"{job_id}.2.xlsx"]
        sheet = openpyxl.load_workbook(Path(tmp_path, f"{job_id}.2.xlsx"), read_only=True).active
        assert sheet.max_row == 15001


async def _worker_process(env: dict[str, str]) -> asyncio.subprocess.Process:
    import os
    import sys

    negoce = Path(sys.executable).parent / "negoce"
    return await asyncio.create_subprocess_exec(str(negoce), "clients", "export-worker", env={**os.environ, **env})
