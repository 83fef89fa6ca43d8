"""Use cases of render jobs: queue a campaign's letters or label sheets, follow them, hand over the PDF.

The worker's side is here too: what a job prints (read before rendering, so the rendering thread
touches no database) and the finish that marks the campaign printed and writes mailing.rendered
in the same transaction.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, BinaryIO

from sqlalchemy.ext.asyncio import AsyncSession

from services.mailings.campaigns import service as campaigns
from services.mailings.campaigns.domain import merge_values, postal_address
from services.mailings.label_formats import service as label_formats
from services.mailings.models import RenderJob, outbox
from services.mailings.paper.formats import LabelFormat
from services.mailings.paper.render import Letter, merge_fields, render_labels, render_letters
from services.mailings.renders import repository as repo
from services.mailings.renders.schemas import RenderCreate
from services.mailings.settings import MailingsSettings
from shared.audit import record_audit
from shared.auth import Principal
from shared.errors import Conflict, InvalidField, NotFound
from shared.events.mailings import MailingRendered, MailingRenderedPayload
from shared.outbox import add_event
from shared.storage import MissingObject, Storage, StoredFile, open_storage

RENDERS_PATH = "/api/mailings/renders"
# Writes the PDF into ``out`` and reports pages done; returns the pages written. Runs in a thread.
Writer = Callable[[BinaryIO, Callable[[int], None]], int]


async def create_render(
    session: AsyncSession, *, principal: Principal, campaign_id: int, data: RenderCreate
) -> dict[str, Any]:
    """Queue the letters or labels of a campaign (a printed one prints again from the same snapshot)."""
    campaign = await campaigns.load_campaign(session, principal=principal, campaign_id=campaign_id)
    recipients = await campaigns.printable_count(session, campaign_id=campaign.id)
    if recipients == 0:
        raise Conflict(
            f"Campaign {campaign_id} has no recipients: there is nothing to print.", extra={"reason": "no_recipients"}
        )
    job = RenderJob(
        account_id=principal.account_id, campaign_id=campaign.id, kind=data.kind, skip=0, created_by=principal.user_id
    )
    if data.kind == "letters":
        if data.format is not None or data.skip:
            raise InvalidField("format" if data.format is not None else "skip", "only for labels")
        job.pages_total = recipients
    else:
        if data.format is None:
            raise InvalidField("format", "a label format code is required for labels (see /api/mailings/label-formats)")
        fmt = await label_formats.find_format(session, account_id=principal.account_id, code=data.format)
        if fmt is None:
            raise InvalidField("format", f"no label format {data.format!r}")
        per_sheet = fmt.columns * fmt.rows
        if data.skip >= per_sheet:
            raise InvalidField("skip", f"must be less than the {per_sheet} labels of a {fmt.code} sheet")
        offsets = await label_formats.get_settings(session, account_id=principal.account_id)
        job.label_format, job.skip = asdict(fmt), data.skip
        job.offset_x_mm, job.offset_y_mm = offsets["offset_x_mm"], offsets["offset_y_mm"]
        job.pages_total = math.ceil((data.skip + recipients) / per_sheet)
    job = await repo.add_job(session, job)
    await record_audit(
        session,
        outbox,
        principal=principal,
        action="campaign.printed",
        target=f"campaign:{campaign.id}",
        detail={"kind": data.kind, "render_id": job.id, "recipients": recipients},
    )
    return job_body(job)


async def get_render(session: AsyncSession, *, principal: Principal, job_id: int) -> dict[str, Any]:
    """A render job's state and progress."""
    return job_body(await _load(session, principal=principal, job_id=job_id))


def render_storage(settings: MailingsSettings) -> Storage:
    """Where rendered PDFs are kept: NEGOCE_MAILINGS_RENDER_DIR, or ``mailings/renders/`` in the S3 bucket."""
    return open_storage(settings.storage, area="mailings/renders", local_dir=settings.render_dir)


async def render_file(
    session: AsyncSession, *, principal: Principal, job_id: int, storage: Storage
) -> tuple[StoredFile, str]:
    """The finished PDF of a job, opened, and the name to download it under; 409 while it is not ready."""
    job = await _load(session, principal=principal, job_id=job_id)
    if job.state != "done" or not job.file_name:
        raise Conflict(f"Render {job_id} is {job.state}, not ready to download.", extra={"state": job.state})
    try:
        stored = await storage.open(job.file_name)
    except MissingObject:
        raise NotFound(f"The PDF of render {job_id} is no longer kept; render again.") from None
    return stored, f"campaign-{job.campaign_id}-{job.kind}-{job.id}.pdf"


@dataclass(frozen=True, slots=True)
class Printing:
    """What a claimed job prints: the writer to run in a thread, the clients it prints for, and the
    campaign's erasure count when the recipients were read (a later erasure means drawing it again)."""

    writer: Writer
    client_ids: list[int]
    erasures: int


async def job_printing(session: AsyncSession, *, job: RenderJob, images: Storage) -> Printing:
    """What a claimed job prints, read now; erased recipients keep their place but are printed no more."""
    campaign = await campaigns.campaign_of_job(session, campaign_id=job.campaign_id)
    if campaign is None:
        raise NotFound(f"Campaign {job.campaign_id} no longer exists.")
    erasures = campaign.erasures
    recipients = [r for r in await campaigns.all_recipients(session, campaign_id=campaign.id) if not r.erased]
    client_ids = [r.client_id for r in recipients]
    addresses = [postal_address(r, r.address) for r in recipients]
    if job.kind == "letters":
        background = await campaigns.background_data(session, campaign_id=campaign.id, images=images)
        letters = [
            Letter(
                recipient=address,
                title=merge_fields(campaign.title, merge_values(r)),
                body=merge_fields(campaign.body, merge_values(r)),
            )
            for r, address in zip(recipients, addresses, strict=True)
        ]
        return Printing(
            lambda out, progress: render_letters(letters, out, background=background, progress=progress),
            client_ids,
            erasures,
        )
    # The ignore: label_format may be NULL only for letters; create_render sets it on every labels job.
    fmt = LabelFormat(**job.label_format)  # type: ignore[arg-type]
    return Printing(
        lambda out, progress: render_labels(
            addresses,
            out,
            fmt=fmt,
            skip=job.skip,
            offset_x_mm=job.offset_x_mm,
            offset_y_mm=job.offset_y_mm,
            progress=progress,
        ),
        client_ids,
        erasures,
    )


async def finish_render(
    session: AsyncSession, *, job: RenderJob, printing: Printing, file_name: str, file_size: int, pages: int
) -> bool:
    """Mark a held job done and its campaign printed, with mailing.rendered the first time it finishes.

    False, and the job queued again, when a recipient was erased since the PDF's recipients were read.
    """
    campaign = await campaigns.campaign_of_job(session, campaign_id=job.campaign_id, lock=True)
    if campaign is None:
        return False
    if campaign.erasures != printing.erasures:
        await repo.RENDER_JOBS.retry_later(session, job, after=timedelta(0), error=None)
        return False
    done = await repo.finish_render_job(session, job=job, file_name=file_name, file_size=file_size, pages=pages)
    if done is None:
        return False
    await campaigns.mark_printed(session, campaign_id=campaign.id)
    if job.finished_at is None:
        # Only a first print is news for the timelines; a PDF drawn again after an erasure is not.
        await add_event(
            session,
            outbox,
            MailingRendered,
            account_id=job.account_id,
            payload=MailingRenderedPayload(
                campaign_id=campaign.id,
                name=campaign.name,
                client_ids=printing.client_ids,
                pages=pages,
                rendered_at=done.finished_at or datetime.now(UTC),
            ),
        )
    return True


def job_body(job: RenderJob) -> dict[str, Any]:
    """A render job as the API shows it, with its progress and, once done, its download link."""
    percent = 100 if job.state == "done" else (int(job.pages_done * 100 / job.pages_total) if job.pages_total else 0)
    href = f"{RENDERS_PATH}/{job.id}"
    return {
        "id": job.id,
        "campaign_id": job.campaign_id,
        "kind": job.kind,
        "format": (job.label_format or {}).get("code"),
        "skip": job.skip,
        "offset_x_mm": job.offset_x_mm,
        "offset_y_mm": job.offset_y_mm,
        "state": job.state,
        "percent": min(percent, 100),
        "pages_done": job.pages_done,
        "pages_total": job.pages_total,
        "attempts": job.attempts,
        "error": job.error,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
        "href": href,
        "download_url": f"{href}/file" if job.state == "done" else None,
    }


async def _load(session: AsyncSession, *, principal: Principal, job_id: int) -> RenderJob:
    job = await repo.get_job(session, account_id=principal.account_id, job_id=job_id)
    if job is None:
        raise NotFound(f"Render {job_id} does not exist.")
    return job


async def redo_jobs_of(session: AsyncSession, *, campaign_ids: Sequence[int]) -> None:
    """Queue again the render jobs of these campaigns, after a recipient's erasure (their PDFs are drawn again)."""
    await repo.redo_jobs_of(session, campaign_ids=campaign_ids)
