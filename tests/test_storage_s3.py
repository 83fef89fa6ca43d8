"""The files' flows with the S3 backend: moto's S3 server over HTTP stands in for the bucket (no real S3).

An XLSX export built by the worker and downloaded through the API, a campaign's images and its
rendered PDF, and the crashes the job fencing must survive: a worker that dies between its upload
and its commit, and one that lost its job while it wrote.
"""

from __future__ import annotations

import asyncio
import io
import os
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pdfplumber
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from services.clients.exports.worker import ExportWorker
from services.clients.models import ExportJob
from services.clients.settings import ClientsSettings
from services.mailings.campaigns.images import sweep_images
from services.mailings.renders.worker import RenderWorker
from shared.db import unit_of_work
from tests.conftest import TestAccount, database_url, new_account, running
from tests.mailings_support import campaign_api, campaign_settings, render_dir, rendered  # noqa: F401 (fixtures)
from tests.storage_support import S3Endpoint, s3  # noqa: F401 (fixture)
from tests.support import eventually, in_process
from tests.test_mailings_campaigns import BEAUNE, create, image, new_client

EXPORTS, RENDERS, IMAGES = "clients/exports", "mailings/renders", "mailings/images"


@pytest.fixture
def clients_on_s3(clients_app: FastAPI, s3: S3Endpoint, tmp_path: Path) -> Iterator[ClientsSettings]:
    """The clients API storing in the bucket for one test; the settings of a worker doing the same."""
    settings = clients_app.state.context.settings
    before = settings.storage
    settings.storage = s3.settings
    try:
        yield ClientsSettings(
            database_url=database_url("clients"),
            export_dir=tmp_path / "never-used",
            export_lease_seconds=2,
            export_poll_seconds=0.05,
            storage=s3.settings,
        )
    finally:
        settings.storage = before


async def _drain(worker: ExportWorker) -> None:
    while await worker.run_once():
        pass


async def _exporting(clients_app: FastAPI, settings: ClientsSettings) -> tuple[TestAccount, str]:
    """An account with three clients and an XLSX export of them queued alone (older jobs are run first)."""
    worker = ExportWorker(settings)
    try:
        await _drain(worker)
    finally:
        await worker.engine.dispose()
    account = await new_account(clients_app, "Sur S3")
    async with in_process(clients_app, account.headers) as api:
        for name in ("Aubert", "Bonnet", "Chevalier"):
            assert (await api.post("/api/clients", json={"last_name": name})).status_code == 201
        job = await api.post("/api/clients/exports", json={"format": "xlsx"})
        assert job.status_code == 202, job.text
    return account, job.json()["id"]


def _sheet_names(content: bytes) -> list[str]:
    sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True).active
    assert sheet is not None
    header, *rows = list(sheet.iter_rows(values_only=True))
    column = header.index("Nom")
    return sorted(str(row[column]).upper() for row in rows)


async def test_an_xlsx_export_is_built_into_the_bucket_and_downloaded_through_the_api(
    clients_app, clients_on_s3, s3: S3Endpoint
):
    account, job_id = await _exporting(clients_app, clients_on_s3)
    worker = ExportWorker(clients_on_s3)
    try:
        await _drain(worker)
    finally:
        await worker.engine.dispose()
    assert [k for k in s3.keys(EXPORTS) if k.startswith(job_id)] == [f"{job_id}.1.xlsx"]
    assert not clients_on_s3.export_dir.exists()  # nothing went to a local folder
    async with in_process(clients_app, account.headers) as api:
        done = (await api.get(f"/api/clients/exports/{job_id}")).json()
        assert done["state"] == "done", done
        download = await api.get(done["download_url"])
        assert (await api.get(done["download_url"], headers={"Authorization": "Bearer nope"})).status_code == 401
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert download.headers["content-disposition"].startswith('attachment; filename="clients-')
    assert int(download.headers["content-length"]) == len(download.content)
    assert download.content == s3.read(EXPORTS, f"{job_id}.1.xlsx")
    assert _sheet_names(download.content) == ["AUBERT", "BONNET", "CHEVALIER"]


class _Killed(BaseException):
    """The process ends here: nothing after it runs, not even the worker's error handling."""


class _DiesAfterUpload(ExportWorker):
    """A worker that dies once its file is in the bucket, before the transaction that names it."""

    async def put_in_place(self, job: Any, part: Path, key: str, finish: Any) -> bool:
        await self.storage.put_file(key, part)
        raise _Killed


class _TakenOverWhileWriting(ExportWorker):
    """A worker whose job another worker takes over (a new attempt) while it writes."""

    async def _write(self, job: ExportJob, connection: AsyncConnection, part: Path) -> tuple[int, int]:
        written = await super()._write(job, connection, part)
        async with self.engine.begin() as other:
            await other.execute(text("UPDATE export_jobs SET attempts = attempts + 1 WHERE id = :id"), {"id": job.id})
        return written


async def _job(clients_app: FastAPI, account: TestAccount, job_id: str) -> dict[str, Any]:
    async with in_process(clients_app, account.headers) as api:
        return dict((await api.get(f"/api/clients/exports/{job_id}")).json())


async def _lease_runs_out(worker: ExportWorker, job_id: str) -> None:
    async with unit_of_work(worker.sessions) as session:
        await session.execute(
            text("UPDATE export_jobs SET lease_until = now() - interval '1 second' WHERE id = :id"), {"id": job_id}
        )


async def test_a_worker_dead_between_upload_and_commit_leaves_an_object_the_next_attempt_removes(
    clients_app, clients_on_s3, s3: S3Endpoint
):
    account, job_id = await _exporting(clients_app, clients_on_s3)
    dying = _DiesAfterUpload(clients_on_s3)
    try:
        with pytest.raises(_Killed):
            await dying.run_once()
    finally:
        await dying.engine.dispose()
    # Its file is in the bucket, but no row names it: the job is still running, nothing to download.
    assert [k for k in s3.keys(EXPORTS) if k.startswith(job_id)] == [f"{job_id}.1.xlsx"]
    job = await _job(clients_app, account, job_id)
    assert (job["state"], job["attempts"], job["download_url"]) == ("running", 1, None)

    worker = ExportWorker(clients_on_s3)
    try:
        await _lease_runs_out(worker, job_id)
        await _drain(worker)
        # Objects of jobs that no longer exist go too, and a key that is no job's stays.
        gone = f"{uuid.uuid4()}.1.csv"
        for key in (gone, "README.txt"):
            s3.client.put_object(Bucket=s3.settings.s3_bucket, Key=f"{s3.settings.s3_prefix}{EXPORTS}/{key}", Body=b"x")
        await worker.remove_stale_files()
    finally:
        await worker.engine.dispose()
    keys = s3.keys(EXPORTS)
    assert [k for k in keys if k.startswith(job_id)] == [f"{job_id}.2.xlsx"]
    assert "README.txt" in keys and gone not in keys
    job = await _job(clients_app, account, job_id)
    assert (job["state"], job["attempts"]) == ("done", 2)
    async with in_process(clients_app, account.headers) as api:
        assert _sheet_names((await api.get(job["download_url"])).content) == ["AUBERT", "BONNET", "CHEVALIER"]


async def test_a_worker_that_lost_its_job_deletes_its_upload_and_never_names_it(
    clients_app, clients_on_s3, s3: S3Endpoint
):
    account, job_id = await _exporting(clients_app, clients_on_s3)
    late = _TakenOverWhileWriting(clients_on_s3)
    try:
        assert await late.run_once()
    finally:
        await late.engine.dispose()
    assert [k for k in s3.keys(EXPORTS) if k.startswith(job_id)] == []
    job = await _job(clients_app, account, job_id)
    assert (job["state"], job["attempts"], job["download_url"]) == ("running", 2, None)
    worker = ExportWorker(clients_on_s3)
    try:
        await _lease_runs_out(worker, job_id)
        await _drain(worker)
    finally:
        await worker.engine.dispose()
    assert [k for k in s3.keys(EXPORTS) if k.startswith(job_id)] == [f"{job_id}.3.xlsx"]
    assert (await _job(clients_app, account, job_id))["state"] == "done"


@pytest.mark.timeout(240)
async def test_a_worker_process_killed_mid_job_is_replaced_and_the_bucket_holds_one_file(
    clients_app, clients_on_s3, s3: S3Endpoint, sql, tmp_path: Path
):
    """SIGKILL a real worker process storing in the bucket; the next one finishes, and no trace of the first stays."""
    worker = ExportWorker(clients_on_s3)
    try:
        await _drain(worker)  # so the process only finds this test's job
    finally:
        await worker.engine.dispose()
    account = await new_account(clients_app, "Gros export S3")
    await sql(
        """
        WITH made AS (INSERT INTO clients (account_id, version, kind, last_name, billing_country, shipping_same_as_billing,
                             accounting_code, accepts_emailing, accepts_mailing, show_note_on_orders, blocked,
                             sort_first_last, sort_last_first, search_names)
        SELECT :a, 1, 'person', 'Client ' || n, 'FR', true, '411S' || n, false, true, false, false,
               'client ' || n, 'client ' || n, 'client ' || n
        FROM generate_series(1, 15000) AS n RETURNING id) SELECT count(*) FROM made""",
        a=account.id,
    )
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {
        **os.environ,
        **s3.environment(),
        "TMPDIR": str(scratch),  # where the process writes before uploading
        "NEGOCE_CLIENTS_DATABASE_URL": database_url("clients"),
        "NEGOCE_CLIENTS_EXPORT_LEASE_SECONDS": "2",
        "NEGOCE_CLIENTS_EXPORT_POLL_SECONDS": "0.05",
    }
    async with in_process(clients_app, account.headers) as api:
        job_id = (await api.post("/api/clients/exports", json={})).json()["id"]
        negoce = Path(sys.executable).parent / "negoce"
        first = await asyncio.create_subprocess_exec(str(negoce), "clients", "export-worker", env=env)
        try:

            async def writing() -> bool:
                job = (await api.get(f"/api/clients/exports/{job_id}")).json()
                return bool(job["state"] == "running" and 0 < job["rows_done"] < 15000)

            await eventually(writing, timeout=60, interval=0.02)
        finally:
            first.kill()
            await first.wait()
        # The dead attempt left a scratch folder, and no object.
        assert [p.name for p in (scratch / "negoce-clients-exports").iterdir()] == [f"{job_id}.1.part"]
        assert [k for k in s3.keys(EXPORTS) if k.startswith(job_id)] == []
        second = await asyncio.create_subprocess_exec(str(negoce), "clients", "export-worker", env=env)
        try:

            async def done() -> bool:
                return bool((await api.get(f"/api/clients/exports/{job_id}")).json()["state"] == "done")

            await eventually(done, timeout=120, interval=0.2)
        finally:
            second.terminate()
            await second.wait()
        job = (await api.get(f"/api/clients/exports/{job_id}")).json()
        download = await api.get(job["download_url"])
    assert (job["attempts"], job["rows_done"]) == (2, 15000)
    assert [k for k in s3.keys(EXPORTS) if k.startswith(job_id)] == [f"{job_id}.2.xlsx"]
    assert list((scratch / "negoce-clients-exports").iterdir()) == []
    sheet = openpyxl.load_workbook(io.BytesIO(download.content), read_only=True).active
    assert sheet is not None and sheet.max_row == 15001


# --- campaigns: images and PDFs -------------------------------------------------------------------


@pytest.fixture(scope="module")
async def campaign_app(clients_app: FastAPI, render_dir: Path, s3: S3Endpoint) -> AsyncIterator[FastAPI]:
    """The mailings service with its files in the bucket."""
    from services.mailings.app import create_app

    settings = campaign_settings(render_dir, storage=s3.settings)
    app = create_app(settings, clients_transport=httpx.ASGITransport(app=clients_app))
    async with running(app):
        yield app


async def test_a_campaign_s_images_and_pdf_live_in_the_bucket(
    api, clients_app, campaign_app, campaign_api, render_dir: Path, s3: S3Endpoint
):
    account = await new_account(clients_app)
    client_id = await new_client(api, account, first_name="Hélène", last_name="Dupré", billing_address=BEAUNE)
    campaign = await create(campaign_api, account, {"client_ids": [client_id]})
    await campaign_api.patch(campaign["href"], headers=account.headers, json={"text": "Bonjour {{first_name}}"})
    first, second = image("PNG", (300, 300)), image("JPEG", (1240, 1754))
    for data in (first, second):  # the second replaces the first
        response = await campaign_api.put(f"{campaign['href']}/background", content=data, headers=account.headers)
        assert response.status_code == 200, response.text
    assert response.json()["background"] == {
        "mime_type": "image/jpeg",
        "width": 1240,
        "height": 1754,
        "size": len(second),
    }
    ours = [k for k in s3.keys(IMAGES) if k.startswith(f"{campaign['id']}-")]
    assert sorted(s3.read(IMAGES, k) for k in ours) == sorted([first, second])  # the replaced one waits for the sweep
    assert not (render_dir / "images").exists()

    worker = RenderWorker(campaign_app.state.settings)
    try:
        async with unit_of_work(worker.sessions) as session:
            assert await sweep_images(session, images=worker.images) == 0  # an hour's grace: a request may be running
        async with unit_of_work(worker.sessions) as session:
            assert await sweep_images(session, images=worker.images, grace=timedelta(0)) >= 1
        [kept] = [k for k in s3.keys(IMAGES) if k.startswith(f"{campaign['id']}-")]
        assert s3.read(IMAGES, kept) == second and kept.endswith(".jpg")

        queued = await campaign_api.post(
            f"{campaign['href']}/renders", json={"kind": "letters"}, headers=account.headers
        )
        assert queued.status_code == 202, queued.text
        while await worker.run_once():
            pass
    finally:
        await worker.engine.dispose()
    job = await rendered(campaign_api, account, queued.json())
    assert [k for k in s3.keys(RENDERS) if k.startswith(f"{job['id']}.")] == [f"{job['id']}.1.pdf"]
    download = await campaign_api.get(job["download_url"], headers=account.headers)
    assert download.status_code == 200 and download.headers["content-type"] == "application/pdf"
    assert download.content == s3.read(RENDERS, f"{job['id']}.1.pdf")
    with pdfplumber.open(io.BytesIO(download.content)) as pdf:
        [page] = pdf.pages
        assert "Bonjour Hélène" in page.extract_text()
        assert len(page.images) == 1  # the background, read back from the bucket
    assert not any(p.name.startswith(f"{job['id']}.") for p in render_dir.iterdir())


async def test_images_held_in_the_database_are_moved_into_the_bucket(
    api, clients_app, campaign_app, campaign_api, s3: S3Endpoint
):
    account = await new_account(clients_app)
    client_id = await new_client(api, account, last_name="Ancien", billing_address=BEAUNE)
    campaign = await create(campaign_api, account, {"client_ids": [client_id]})
    data = image("PNG", (200, 200))
    async with campaign_app.state.context.engine.begin() as connection:
        # As migration 0008 leaves an image uploaded before the storage kept them.
        await connection.execute(
            text(
                "INSERT INTO campaign_images (campaign_id, mime_type, width, height, size, data) "
                "VALUES (:c, 'image/png', 200, 200, :size, :data)"
            ),
            {"c": campaign["id"], "size": len(data), "data": data},
        )
    worker = RenderWorker(campaign_app.state.settings)
    try:
        await worker.tidy_images()
        async with unit_of_work(worker.sessions) as session:
            row = (
                await session.execute(
                    text("SELECT storage_key, data FROM campaign_images WHERE campaign_id = :c"), {"c": campaign["id"]}
                )
            ).one()
    finally:
        await worker.engine.dispose()
    assert row.data is None and row.storage_key.startswith(f"{campaign['id']}-")
    assert s3.read(IMAGES, row.storage_key) == data
    body = (await campaign_api.get(campaign["href"], headers=account.headers)).json()
    assert body["background"]["size"] == len(data)
