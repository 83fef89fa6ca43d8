"""A render worker process killed in the middle of a job: another takes it over after its lease.

The PDF that is finally offered is complete, and no temporary file of the dead attempt is left.
"""

from __future__ import annotations

import asyncio
import io
import os
import signal
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pdfplumber
from fastapi import FastAPI
from sqlalchemy import text

from services.mailings.campaigns.images import image_storage
from services.mailings.renders import repository as queries
from services.mailings.renders.service import finish_render, job_printing
from services.mailings.renders.worker import RenderWorker
from shared.db import unit_of_work
from tests.conftest import TestAccount
from tests.mailings_support import CAMPAIGN_LEASE_SECONDS, campaign_api, campaign_app, render_dir  # noqa: F401
from tests.support import eventually
from tests.test_mailings_campaigns import BEAUNE, account, create, image, new_client  # noqa: F401

LETTERS = 20_000


async def add_recipients(app: FastAPI, campaign_id: int, count: int) -> None:
    """More recipients in the campaign's snapshot, copied from its first one (enough pages to kill mid-job)."""
    async with app.state.context.engine.begin() as connection:
        await connection.execute(
            text("""
            INSERT INTO campaign_recipients (campaign_id, client_id, account_id, position, display_name, kind,
                                             title, first_name, last_name, company_name, address)
            SELECT r.campaign_id, 1000000 + g, r.account_id, r.position + g, r.display_name, r.kind, r.title,
                   'Lettre' || g, r.last_name, r.company_name, r.address
            FROM campaign_recipients r, generate_series(1, :count) AS g
            WHERE r.campaign_id = :campaign AND r.position = 1"""),
            {"campaign": campaign_id, "count": count},
        )


async def start_worker_process(render_dir: Path) -> asyncio.subprocess.Process:
    """`python -m services.mailings.renders.worker` on the test database, writing into ``render_dir``."""
    env = {
        **os.environ,
        "NEGOCE_MAILINGS_RENDER_DIR": str(render_dir),
        "NEGOCE_MAILINGS_RENDER_LEASE_SECONDS": str(CAMPAIGN_LEASE_SECONDS),
        "NEGOCE_MAILINGS_RENDER_POLL_SECONDS": "0.1",
    }
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "services.mailings.renders.worker",
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


async def test_a_killed_worker_s_job_is_taken_over_and_its_pdf_is_whole(
    api, campaign_app, campaign_api, render_dir, account: TestAccount
):
    client_id = await new_client(api, account, first_name="Hélène", last_name="Dupré", billing_address=BEAUNE)
    campaign = await create(campaign_api, account, {"client_ids": [client_id]})
    await campaign_api.patch(campaign["href"], headers=account.headers, json={"text": "Bonjour {{first_name}}"})
    await campaign_api.put(
        f"{campaign['href']}/background", content=image("JPEG", (1240, 1754)), headers=account.headers
    )
    await add_recipients(campaign_app, campaign["id"], LETTERS - 1)

    process = await start_worker_process(render_dir)
    try:
        queued = await campaign_api.post(
            f"{campaign['href']}/renders", json={"kind": "letters"}, headers=account.headers
        )
        assert queued.status_code == 202, queued.text
        job: dict[str, Any] = queued.json()

        async def midway() -> dict[str, Any] | None:
            body = (await campaign_api.get(job["href"], headers=account.headers)).json()
            return body if body["state"] == "running" and 0 < body["pages_done"] < LETTERS else None

        running = await eventually(midway, timeout=30, interval=0.02)
        assert running["attempts"] == 1 and 0 < running["percent"] < 100
    finally:
        process.send_signal(signal.SIGKILL)
        await process.wait()
    # The dead attempt's output is only a temporary file: nothing is offered for download.
    assert [p.name for p in render_dir.glob(f"{job['id']}.*")] == [f"{job['id']}.1.part"]
    assert (await campaign_api.get(f"{job['href']}/file", headers=account.headers)).status_code == 409

    worker = RenderWorker(campaign_app.state.settings)
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    try:

        async def done() -> dict[str, Any] | None:
            body = (await campaign_api.get(job["href"], headers=account.headers)).json()
            return body if body["state"] == "done" else None

        finished = await eventually(done, timeout=90, interval=0.1)
    finally:
        stop.set()
        await task
        await worker.engine.dispose()
    assert (finished["attempts"], finished["pages_done"], finished["percent"]) == (2, LETTERS, 100)
    assert [p.name for p in render_dir.glob(f"{job['id']}.*")] == [f"{job['id']}.2.pdf"]
    response = await campaign_api.get(finished["download_url"], headers=account.headers)
    with pdfplumber.open(io.BytesIO(response.content)) as pdf:
        assert len(pdf.pages) == LETTERS
        assert f"Bonjour Lettre{LETTERS - 1}" in pdf.pages[-1].extract_text()


async def test_a_worker_that_lost_its_lease_can_neither_report_nor_finish(
    api, campaign_app, campaign_api, account: TestAccount
):
    client_id = await new_client(api, account, last_name="Dupré", billing_address=BEAUNE)
    campaign = await create(campaign_api, account, {"client_ids": [client_id]})
    queued = await campaign_api.post(f"{campaign['href']}/renders", json={"kind": "letters"}, headers=account.headers)
    sessions = campaign_app.state.context.sessions
    async with unit_of_work(sessions) as session:
        # A lease of zero: the next claim finds it expired at once, as if this worker had stalled.
        stalled = await queries.RENDER_JOBS.claim(session, lease=timedelta(0))
    async with unit_of_work(sessions) as session:
        taker = await queries.RENDER_JOBS.claim(session, lease=timedelta(minutes=1))
    assert stalled is not None and taker is not None
    assert (stalled.id, taker.id) == (queued.json()["id"],) * 2 and (stalled.attempts, taker.attempts) == (1, 2)

    async with unit_of_work(sessions) as session:
        printing = await job_printing(session, job=stalled, images=image_storage(campaign_app.state.settings))
        assert printing.client_ids == [client_id]
        assert not await queries.record_pages(session, job=stalled, pages_done=1, lease=timedelta(minutes=1))
        assert not await queries.RENDER_JOBS.hold(session, stalled)
        assert not await finish_render(session, job=stalled, printing=printing, file_name="x.pdf", file_size=1, pages=1)
    assert (await campaign_api.get(campaign["href"], headers=account.headers)).json()["status"] == "draft"
    async with unit_of_work(sessions) as session:
        assert await queries.RENDER_JOBS.hold(session, taker)
        assert await finish_render(session, job=taker, printing=printing, file_name="x.pdf", file_size=1, pages=1)
    assert (await campaign_api.get(campaign["href"], headers=account.headers)).json()["status"] == "printed"
