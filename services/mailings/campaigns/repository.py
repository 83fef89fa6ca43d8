"""Queries of campaigns: the campaign, its recipients' snapshot, exclusions, background image, client life."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, exists, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from services.mailings.models import Campaign, CampaignExclusion, CampaignImage, CampaignRecipient

INSERT_BATCH = 1_000


async def add_campaign(session: AsyncSession, campaign: Campaign) -> Campaign:
    """Insert a campaign and load its id and defaults."""
    session.add(campaign)
    await session.flush()
    await session.refresh(campaign)
    return campaign


async def add_rows(
    session: AsyncSession, table: type[CampaignRecipient] | type[CampaignExclusion], rows: Sequence[dict[str, Any]]
) -> None:
    """Insert snapshot rows (recipients or exclusions) in batches."""
    for start in range(0, len(rows), INSERT_BATCH):
        await session.execute(insert(table), list(rows[start : start + INSERT_BATCH]))


async def get_campaign(
    session: AsyncSession, *, account_id: uuid.UUID, campaign_id: int, lock: bool = False
) -> Campaign | None:
    """A campaign of the account, locked until commit when it is about to change."""
    query = select(Campaign).where(Campaign.id == campaign_id, Campaign.account_id == account_id)
    if lock:
        query = query.with_for_update()
    return await session.scalar(query)


async def campaign_by_id(session: AsyncSession, *, campaign_id: int, lock: bool = False) -> Campaign | None:
    """A campaign whatever its account (a render job names it), locked until commit when it is about to change."""
    return await session.get(Campaign, campaign_id, with_for_update=lock)


async def list_campaigns(
    session: AsyncSession, *, account_id: uuid.UUID, before: int | None, limit: int
) -> list[Campaign]:
    """The account's campaigns, newest first, older than ``before``."""
    query = select(Campaign).where(Campaign.account_id == account_id)
    if before is not None:
        query = query.where(Campaign.id < before)
    return list(await session.scalars(query.order_by(Campaign.id.desc()).limit(limit)))


async def counts(session: AsyncSession, *, campaign_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    """(recipients, exclusions) of each campaign."""
    recipients: dict[int, int] = dict(
        (
            await session.execute(
                select(CampaignRecipient.campaign_id, func.count())
                .where(CampaignRecipient.campaign_id.in_(campaign_ids))
                .group_by(CampaignRecipient.campaign_id)
            )
        ).all()
    )
    excluded: dict[int, int] = dict(
        (
            await session.execute(
                select(CampaignExclusion.campaign_id, func.count())
                .where(CampaignExclusion.campaign_id.in_(campaign_ids))
                .group_by(CampaignExclusion.campaign_id)
            )
        ).all()
    )
    return {cid: (recipients.get(cid, 0), excluded.get(cid, 0)) for cid in campaign_ids}


async def printable_count(session: AsyncSession, *, campaign_id: int) -> int:
    """How many recipients a render of the campaign prints (erased clients keep their place, unprinted)."""
    return (
        await session.scalar(
            select(func.count()).where(
                CampaignRecipient.campaign_id == campaign_id, CampaignRecipient.erased.is_(False)
            )
        )
        or 0
    )


async def recipients_page(
    session: AsyncSession, *, campaign_id: int, after_position: int, limit: int
) -> list[CampaignRecipient]:
    """Recipients in print order after a position."""
    return list(
        await session.scalars(
            select(CampaignRecipient)
            .where(CampaignRecipient.campaign_id == campaign_id, CampaignRecipient.position > after_position)
            .order_by(CampaignRecipient.position)
            .limit(limit)
        )
    )


async def all_recipients(session: AsyncSession, *, campaign_id: int) -> list[CampaignRecipient]:
    """Every recipient in print order (what a render prints)."""
    return await recipients_page(session, campaign_id=campaign_id, after_position=-1, limit=2**31 - 1)


async def exclusions_page(
    session: AsyncSession, *, campaign_id: int, after_client_id: int, limit: int
) -> list[CampaignExclusion]:
    """Left-out clients in client id order after an id."""
    return list(
        await session.scalars(
            select(CampaignExclusion)
            .where(CampaignExclusion.campaign_id == campaign_id, CampaignExclusion.client_id > after_client_id)
            .order_by(CampaignExclusion.client_id)
            .limit(limit)
        )
    )


async def image_infos(session: AsyncSession, *, campaign_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Type and size of the campaigns' background images, without their bytes, by campaign."""
    rows = (
        (
            await session.execute(
                select(
                    CampaignImage.campaign_id,
                    CampaignImage.mime_type,
                    CampaignImage.width,
                    CampaignImage.height,
                    CampaignImage.size,
                ).where(CampaignImage.campaign_id.in_(campaign_ids))
            )
        )
        .mappings()
        .all()
    )
    return {row["campaign_id"]: {k: v for k, v in row.items() if k != "campaign_id"} for row in rows}


async def image_source(session: AsyncSession, *, campaign_id: int) -> tuple[str | None, bytes | None] | None:
    """Where a campaign's background image is: its storage key, or (not moved yet) its bytes; None without one."""
    row = (
        await session.execute(
            select(CampaignImage.storage_key, CampaignImage.data).where(CampaignImage.campaign_id == campaign_id)
        )
    ).first()
    return None if row is None else (row.storage_key, row.data)


async def put_image(
    session: AsyncSession, *, campaign_id: int, mime_type: str, width: int, height: int, storage_key: str, size: int
) -> None:
    """Set (or replace) a campaign's background image, stored under ``storage_key``."""
    await delete_image(session, campaign_id=campaign_id)
    session.add(
        CampaignImage(
            campaign_id=campaign_id, mime_type=mime_type, width=width, height=height, storage_key=storage_key, size=size
        )
    )
    await session.flush()


async def referenced_image_keys(session: AsyncSession, *, keys: Sequence[str]) -> set[str]:
    """Those of these storage keys that a campaign's image names."""
    rows = await session.scalars(select(CampaignImage.storage_key).where(CampaignImage.storage_key.in_(keys)))
    return {key for key in rows if key is not None}


async def images_held_in_database(session: AsyncSession, *, limit: int) -> list[CampaignImage]:
    """Images uploaded before the storage kept them, locked until commit (SKIP LOCKED: another worker may move them)."""
    return list(
        await session.scalars(
            select(CampaignImage)
            .where(CampaignImage.storage_key.is_(None))
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )


async def image_stored(session: AsyncSession, *, campaign_id: int, storage_key: str) -> None:
    """An image's bytes are now in the storage under ``storage_key``: the database keeps them no more."""
    await session.execute(
        update(CampaignImage).where(CampaignImage.campaign_id == campaign_id).values(storage_key=storage_key, data=None)
    )


async def delete_image(session: AsyncSession, *, campaign_id: int) -> bool:
    """Remove a campaign's background image; False if it had none."""
    result = await session.execute(delete(CampaignImage).where(CampaignImage.campaign_id == campaign_id))
    return result.rowcount > 0  # type: ignore[attr-defined]  # a DELETE's result is a CursorResult


async def delete_campaign(session: AsyncSession, *, campaign_id: int) -> None:
    """Delete a campaign with its snapshot, image and render jobs (foreign keys cascade)."""
    await session.execute(delete(Campaign).where(Campaign.id == campaign_id))


async def mark_printed(session: AsyncSession, *, campaign_id: int) -> None:
    """A campaign was printed: from now on it is frozen (the first print's time is kept)."""
    await session.execute(
        update(Campaign)
        .where(Campaign.id == campaign_id)
        .values(status="printed", printed_at=func.coalesce(Campaign.printed_at, func.now()))
    )


def _in_drafts(table: Any, account_id: uuid.UUID) -> list[Any]:
    drafts = select(Campaign.id).where(Campaign.account_id == account_id, Campaign.status == "draft")
    return [table.account_id == account_id, table.campaign_id.in_(drafts)]


async def move_client(session: AsyncSession, *, account_id: uuid.UUID, from_client_id: int, to_client_id: int) -> None:
    """A merge, in campaigns not printed yet: the merged client's rows become the kept client's (one each)."""
    r, e = CampaignRecipient, CampaignExclusion
    kept_r, kept_e = aliased(CampaignRecipient), aliased(CampaignExclusion)
    kept_is_recipient = exists().where(kept_r.campaign_id == r.campaign_id, kept_r.client_id == to_client_id)
    await session.execute(delete(r).where(*_in_drafts(r, account_id), r.client_id == from_client_id, kept_is_recipient))
    # The kept client was left out but the merged one was in: the merged one's letter goes to it.
    merged_is_recipient = exists().where(kept_r.campaign_id == e.campaign_id, kept_r.client_id == from_client_id)
    await session.execute(delete(e).where(*_in_drafts(e, account_id), e.client_id == to_client_id, merged_is_recipient))
    await session.execute(
        update(r).where(*_in_drafts(r, account_id), r.client_id == from_client_id).values(client_id=to_client_id)
    )
    kept_is_known = exists().where(kept_r.campaign_id == e.campaign_id, kept_r.client_id == to_client_id)
    kept_is_excluded = exists().where(kept_e.campaign_id == e.campaign_id, kept_e.client_id == to_client_id)
    await session.execute(
        delete(e).where(*_in_drafts(e, account_id), e.client_id == from_client_id, kept_is_known | kept_is_excluded)
    )
    await session.execute(
        update(e).where(*_in_drafts(e, account_id), e.client_id == from_client_id).values(client_id=to_client_id)
    )


async def remove_client(session: AsyncSession, *, account_id: uuid.UUID, client_id: int) -> None:
    """A deleted (or erased) client leaves the campaigns not printed yet."""
    for table in (CampaignRecipient, CampaignExclusion):
        await session.execute(delete(table).where(*_in_drafts(table, account_id), table.client_id == client_id))


async def campaigns_holding(session: AsyncSession, *, account_id: uuid.UUID, client_id: int) -> list[int]:
    """The campaigns whose snapshot prints this client (drafts, and printed ones not yet redacted)."""
    rows = await session.scalars(
        select(CampaignRecipient.campaign_id)
        .where(
            CampaignRecipient.account_id == account_id,
            CampaignRecipient.client_id == client_id,
            CampaignRecipient.erased.is_(False),
        )
        .order_by(CampaignRecipient.campaign_id)
    )
    return list(rows)


async def erase_client(
    session: AsyncSession, *, account_id: uuid.UUID, client_id: int, pseudonym: str, campaign_ids: Sequence[int]
) -> None:
    """An erased client leaves unprinted campaigns; printed ones keep its place under the pseudonym only.

    The campaigns that printed it count one more erasure, so a PDF drawn before this one is redrawn.
    """
    await remove_client(session, account_id=account_id, client_id=client_id)
    blank: dict[str, object] = {
        "display_name": pseudonym,
        "title": None,
        "first_name": None,
        "last_name": None,
        "company_name": pseudonym,
        "address": {},
        "erased": True,
    }
    await session.execute(
        update(CampaignRecipient)
        .where(CampaignRecipient.account_id == account_id, CampaignRecipient.client_id == client_id)
        .values(**blank)
    )
    await session.execute(
        update(CampaignExclusion)
        .where(CampaignExclusion.account_id == account_id, CampaignExclusion.client_id == client_id)
        .values(display_name=pseudonym, detail=None)
    )
    if campaign_ids:
        await session.execute(
            update(Campaign).where(Campaign.id.in_(campaign_ids)).values(erasures=Campaign.erasures + 1)
        )


async def hold_recipients(session: AsyncSession, *, account_id: uuid.UUID, exclusive: bool) -> None:
    """Serialise snapshots of an account's recipients with its erasures, until commit.

    A campaign being created (shared) either commits its recipients before an erasure looks for
    them, or waits for the erasure and then sees the client erased.
    """
    key = func.hashtextextended(f"campaign-recipients:{account_id}", 0)
    lock = func.pg_advisory_xact_lock if exclusive else func.pg_advisory_xact_lock_shared
    await session.execute(select(lock(key)))
