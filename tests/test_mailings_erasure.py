"""Erasure in the mailings service: printed PDFs drawn again without the client, and nothing let back in.

Through the real clients service and broker: a printed campaign, a render finishing after an
erasure, a campaign created while the erasure travels, a merge into a client erased meanwhile.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from sqlalchemy import text

from services.mailings.models import RenderJob
from services.mailings.renders.service import Writer
from services.mailings.renders.worker import RenderWorker
from shared.events.clients import ClientErased, ClientErasedPayload, ClientMerged, ClientMergedPayload
from tests.conftest import AMQP_URL, TestAccount
from tests.mailings_support import (  # noqa: F401
    campaign_api,
    campaign_app,
    client_events,
    render_dir,
    render_worker,
    replica_row,
    send,
)
from tests.support import EventTap, eventually, files_mentioning, rows_mentioning
from tests.test_mailings_campaigns import BEAUNE, account, create, listed, new_client, render  # noqa: F401


def mark() -> str:
    """A word found nowhere else in the test databases."""
    return f"Zq{secrets.token_hex(4)}"


async def _jobs(campaign_api, account: TestAccount, jobs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [(await campaign_api.get(job["href"], headers=account.headers)).json() for job in jobs]


async def test_an_erasure_draws_the_printed_pdfs_again_without_the_client(
    api, campaign_api, campaign_app, render_dir: Path, account: TestAccount, render_worker
):
    word = mark()
    erased = await new_client(
        api,
        account,
        first_name="Hélène",
        last_name=f"Effacée{word}",
        billing_address={**BEAUNE, "line1": f"7 impasse {word}"},
    )
    kept = await new_client(api, account, last_name=f"Reste{word}", billing_address=BEAUNE)
    campaign = await create(campaign_api, account, {"client_ids": [erased, kept]}, name="Vœux")
    await campaign_api.patch(campaign["href"], headers=account.headers, json={"text": "Bonjour {{last_name}}"})
    letters = await render(campaign_api, account, campaign, kind="letters")
    labels = await render(campaign_api, account, campaign, kind="labels", format="L7160")
    assert files_mentioning([render_dir], [f"Effacée{word}"])

    async with EventTap(AMQP_URL, "negoce.mailings", "mailing.rendered") as tap:
        erase = await api.post(f"/api/clients/{erased}/erase", headers=account.headers)
        assert erase.status_code == 200, erase.text

        async def drawn_again() -> list[dict[str, Any]] | None:
            jobs = await _jobs(campaign_api, account, [letters, labels])
            return jobs if all(j["state"] == "done" and j["attempts"] == 2 for j in jobs) else None

        again = await eventually(drawn_again, timeout=30)
        await tap_settled(campaign_app)
        # Drawn again is not printed again: no new line on the recipients' timelines.
        assert [b for b in tap.bodies() if b["payload"]["campaign_id"] == campaign["id"]] == []
    assert [j["pages_done"] for j in again] == [1, 1]
    files = sorted(
        p.name for p in render_dir.iterdir() if p.name.split(".")[0] in {str(letters["id"]), str(labels["id"])}
    )
    assert files == [f"{letters['id']}.2.pdf", f"{labels['id']}.2.pdf"]
    assert files_mentioning([render_dir], [f"Effacée{word}", f"impasse {word}"]) == []
    assert files_mentioning([render_dir], [f"Reste{word}"]) == [
        f"{letters['id']}.2.pdf: reste{word}".casefold(),
        f"{labels['id']}.2.pdf: reste{word}".casefold(),
    ]
    # The printed campaign keeps the erased client's place, under its pseudonym only.
    rows = await listed(campaign_api, account, campaign, "recipients")
    assert [(r["client_id"], r["display_name"]) for r in rows] == [
        (erased, f"ANONYME-{erased}"),
        (kept, f"Reste{word}"),
    ]
    assert await rows_mentioning(campaign_app.state.context.engine, [f"Effacée{word}", f"impasse {word}"]) == []
    # Printed again, it prints only who is left; a campaign whose recipients were all erased has nothing to print.
    assert (await render(campaign_api, account, campaign, kind="letters"))["pages_total"] == 1
    alone = await create(campaign_api, account, {"client_ids": [kept]}, name="Seul")
    await render(campaign_api, account, alone, kind="letters")
    assert (await api.post(f"/api/clients/{kept}/erase", headers=account.headers)).status_code == 200

    async def erased_here() -> bool:
        return [r["display_name"] for r in await listed(campaign_api, account, alone, "recipients")] == [
            f"ANONYME-{kept}"
        ]

    await eventually(erased_here)
    response = await campaign_api.post(f"{alone['href']}/renders", json={"kind": "letters"}, headers=account.headers)
    assert response.status_code == 409 and response.json()["reason"] == "no_recipients"


async def tap_settled(app) -> None:
    """Wait until the mailings outbox has nothing left to relay (its events have left)."""

    async def relayed() -> bool:
        async with app.state.context.engine.connect() as connection:
            return not (await connection.execute(text("SELECT 1 FROM outbox WHERE published_at IS NULL"))).first()

    await eventually(relayed)


class _ErasedWhileDrawing(RenderWorker):
    """A render worker during whose drawing an erasure reaches the campaign without seeing this job.

    That happens when the job is asked for while the erasure runs: queued after the erasure looked
    for the campaign's jobs, and claimed before the erasure commits.
    """

    async def _write(self, job: RenderJob, writer: Writer, part: Path) -> int:
        pages = await super()._write(job, writer, part)
        async with self.engine.begin() as other:
            await other.execute(
                text("UPDATE campaigns SET erasures = erasures + 1 WHERE id = :c"), {"c": job.campaign_id}
            )
        return pages


async def test_a_pdf_drawn_from_recipients_read_before_an_erasure_is_drawn_again(
    api, campaign_api, campaign_app, render_dir: Path, account: TestAccount
):
    client_id = await new_client(api, account, last_name="Quelconque", billing_address=BEAUNE)
    campaign = await create(campaign_api, account, {"client_ids": [client_id]})
    queued = await campaign_api.post(f"{campaign['href']}/renders", json={"kind": "letters"}, headers=account.headers)
    job = queued.json()
    late = _ErasedWhileDrawing(campaign_app.state.settings)
    try:
        while (await _jobs(campaign_api, account, [job]))[0]["attempts"] == 0:
            assert await late.run_once()
    finally:
        await late.engine.dispose()
    [after] = await _jobs(campaign_api, account, [job])
    assert (after["state"], after["attempts"], after["download_url"]) == ("queued", 1, None)
    assert [p for p in render_dir.iterdir() if p.name.startswith(f"{job['id']}.")] == []
    worker = RenderWorker(campaign_app.state.settings)
    try:
        while (await _jobs(campaign_api, account, [job]))[0]["state"] != "done":
            assert await worker.run_once()
    finally:
        await worker.engine.dispose()
    assert [p.name for p in render_dir.iterdir() if p.name.startswith(f"{job['id']}.")] == [f"{job['id']}.2.pdf"]


async def test_a_campaign_leaves_out_a_client_whose_erasure_reached_this_service_first(
    api, campaign_api, campaign_app, client_events, account: TestAccount
):
    word = mark()
    erased = await new_client(api, account, last_name=f"Effacée{word}", billing_address=BEAUNE)
    kept = await new_client(api, account, last_name="Reste", billing_address=BEAUNE)
    # The clients service listed the client just before erasing it; this service already applied the erasure.
    await client_events.publish(
        ClientErased,
        account=account,
        payload=ClientErasedPayload(client_id=erased, version=99, pseudonym=f"ANONYME-{erased}", by_user="tester"),
    )

    async def applied() -> bool:
        row = await replica_row(campaign_app, account, erased)
        return row is not None and row["erased"]

    await eventually(applied)
    campaign = await create(campaign_api, account, {"client_ids": [erased, kept]})
    assert (campaign["recipients"], campaign["excluded"]) == (1, 0)
    assert [r["client_id"] for r in await listed(campaign_api, account, campaign, "recipients")] == [kept]
    assert await rows_mentioning(campaign_app.state.context.engine, [f"Effacée{word}"]) == []


async def test_what_a_client_merged_into_an_erased_one_brings_is_erased_too(
    api, campaign_api, campaign_app, client_events, account: TestAccount
):
    word = mark()
    kept = await new_client(api, account, last_name="Garde", email=f"garde{word}@exemple.fr")
    merged = await new_client(
        api, account, last_name="Fusion", email=f"fusion{word}@exemple.fr", billing_address=BEAUNE
    )

    async def known() -> bool:
        return all([await replica_row(campaign_app, account, c) for c in (kept, merged)])

    await eventually(known)
    email = await send(
        campaign_api,
        account,
        client_id=merged,
        subject=f"Facture {word}",
        body=f"Bonjour {word}",
        recipients=[f"fusion{word}@exemple.fr"],
    )
    draft = await create(campaign_api, account, {"client_ids": [merged]})
    # The merge and the erasure that followed it arrive in the other order (one queue per event type).
    await client_events.publish(
        ClientErased,
        account=account,
        payload=ClientErasedPayload(client_id=kept, version=99, pseudonym=f"ANONYME-{kept}", by_user="tester"),
    )
    await eventually(lambda: _erased(campaign_app, account, kept))
    await client_events.publish(
        ClientMerged,
        account=account,
        payload=ClientMergedPayload(
            merge_id=1, kept_client_id=kept, merged_client_id=merged, kept_version=98, by_user="tester"
        ),
    )

    async def moved() -> dict[str, Any] | None:
        body = (await campaign_api.get(email["href"], headers=account.headers)).json()
        return body if body["client_id"] == kept else None

    moved_email = await eventually(moved)
    assert (moved_email["recipients"], moved_email["subject"], moved_email["body"]) == ([], "", "")
    assert await listed(campaign_api, account, draft, "recipients") == []
    assert await rows_mentioning(campaign_app.state.context.engine, [f"fusion{word}", f"Facture {word}"]) == []


async def _erased(app, account: TestAccount, client_id: int) -> bool:
    row = await replica_row(app, account, client_id)
    return row is not None and row["erased"]
