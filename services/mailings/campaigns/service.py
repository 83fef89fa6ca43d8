"""Use cases of paper campaigns: create one from a selection, edit it, its image, its snapshot pages."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import httpx
from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession

from services.mailings.campaigns import repository as repo
from services.mailings.campaigns.clients_gateway import selection_recipients
from services.mailings.campaigns.domain import address_of, exclusion, template_problem
from services.mailings.campaigns.images import background_bytes, new_image_key
from services.mailings.campaigns.schemas import CampaignCreate, CampaignUpdate
from services.mailings.client_replica import service as clients
from services.mailings.models import Campaign, CampaignExclusion, CampaignRecipient
from services.mailings.paper.render import check_background
from shared.auth import Principal
from shared.errors import Conflict, InvalidField, NotFound
from shared.storage import Storage

CAMPAIGNS_PATH = "/api/mailings/campaigns"


class _Item:
    """A clients-service item seen through attributes, as the domain's rules read a recipient."""

    def __init__(self, item: dict[str, Any]) -> None:
        self.kind = item.get("kind") or "person"
        self.display_name = item.get("display_name") or ""
        self.title, self.first_name = item.get("title"), item.get("first_name")
        self.last_name, self.company_name = item.get("last_name"), item.get("company_name")


async def create_campaign(
    session: AsyncSession, *, http: httpx.AsyncClient, principal: Principal, token: str, data: CampaignCreate
) -> dict[str, Any]:
    """Resolve the selection through the clients service and keep its recipients and exclusions as a snapshot."""
    selection = data.selection.model_dump(mode="json", exclude_none=True)
    campaign = await repo.add_campaign(
        session,
        Campaign(
            account_id=principal.account_id,
            name=data.name,
            title="",
            body="",
            selection=selection,
            status="draft",
            created_by=principal.user_id,
        ),
    )
    items = [item async for item in selection_recipients(http, token=token, selection=selection)]
    # The clients service may have answered just before an erasure this service already applied:
    # such a client is left out. Held until commit, so an erasure applied later finds these rows.
    await hold_recipients(session, account_id=principal.account_id, exclusive=False)
    erased = await clients.erased_ids(
        session, account_id=principal.account_id, client_ids=[item["client_id"] for item in items]
    )
    recipients: list[dict[str, Any]] = []
    excluded: list[dict[str, Any]] = []
    for item in items:
        if item["client_id"] in erased:
            continue
        who, address = _Item(item), address_of(item.get("address"))
        keys = {"campaign_id": campaign.id, "client_id": item["client_id"], "account_id": principal.account_id}
        left_out = exclusion(who, accepts_mailing=bool(item.get("accepts_mailing")), address=address)
        if left_out is not None:
            excluded.append({**keys, "display_name": who.display_name, "reason": left_out[0], "detail": left_out[1]})
            continue
        recipients.append(
            {
                **keys,
                "position": len(recipients) + 1,
                "display_name": who.display_name,
                "kind": who.kind,
                "title": who.title,
                "first_name": who.first_name,
                "last_name": who.last_name,
                "company_name": who.company_name,
                "address": address,
            }
        )
    await repo.add_rows(session, CampaignRecipient, recipients)
    await repo.add_rows(session, CampaignExclusion, excluded)
    return await _body(session, campaign)


async def get_campaign(session: AsyncSession, *, principal: Principal, campaign_id: int) -> dict[str, Any]:
    """A campaign of the account with its counts."""
    return await _body(session, await _load(session, principal=principal, campaign_id=campaign_id))


async def list_campaigns(
    session: AsyncSession, *, principal: Principal, before: int | None, limit: int
) -> dict[str, Any]:
    """A page of the account's campaigns, newest first, with the next page's link."""
    campaigns = await repo.list_campaigns(session, account_id=principal.account_id, before=before, limit=limit + 1)
    page = campaigns[:limit]
    ids = [c.id for c in page]
    counts, images = await repo.counts(session, campaign_ids=ids), await repo.image_infos(session, campaign_ids=ids)
    items = [_view(c, counts[c.id], images.get(c.id)) for c in page]
    more = len(campaigns) > limit
    return {"items": items, "next": f"{CAMPAIGNS_PATH}?limit={limit}&before={page[-1].id}" if more else None}


async def update_campaign(
    session: AsyncSession, *, principal: Principal, campaign_id: int, data: CampaignUpdate
) -> dict[str, Any]:
    """Change the name, title or text of a campaign not printed yet; merge fields are checked now."""
    campaign = await _editable(session, principal=principal, campaign_id=campaign_id)
    for field, value in (("title", data.title), ("text", data.text)):
        problem = template_problem(value) if value is not None else None
        if problem:
            raise InvalidField(field, problem)
    if data.name is not None:
        campaign.name = data.name
    if data.title is not None:
        campaign.title = data.title
    if data.text is not None:
        campaign.body = data.text
    campaign.updated_at = func.now()
    await session.flush()
    await session.refresh(campaign)
    return await _body(session, campaign)


async def put_background(
    session: AsyncSession, *, principal: Principal, campaign_id: int, data: bytes, images: Storage
) -> dict[str, Any]:
    """Set a campaign's background image: a PNG or JPEG by its content, at most 10 MB and of a sane size.

    The image is stored under a new key first; the row names it when the request commits (see
    campaigns.images for what becomes of the objects no row names).
    """
    campaign = await _editable(session, principal=principal, campaign_id=campaign_id)
    try:
        mime_type, width, height = check_background(data)
    except ValueError as exc:
        raise InvalidField("image", str(exc)) from exc
    key = new_image_key(campaign_id=campaign.id, mime_type=mime_type)
    await images.put_bytes(key, data)
    await repo.put_image(
        session,
        campaign_id=campaign.id,
        mime_type=mime_type,
        width=width,
        height=height,
        storage_key=key,
        size=len(data),
    )
    return await _body(session, campaign)


async def delete_background(session: AsyncSession, *, principal: Principal, campaign_id: int) -> dict[str, Any]:
    """Remove a campaign's background image (nothing happens if it had none)."""
    campaign = await _editable(session, principal=principal, campaign_id=campaign_id)
    await repo.delete_image(session, campaign_id=campaign.id)
    return await _body(session, campaign)


async def delete_campaign(session: AsyncSession, *, principal: Principal, campaign_id: int) -> None:
    """Delete a campaign that was never printed (a printed one is the record of what was sent)."""
    campaign = await _editable(session, principal=principal, campaign_id=campaign_id)
    await repo.delete_campaign(session, campaign_id=campaign.id)


async def list_recipients(
    session: AsyncSession, *, principal: Principal, campaign_id: int, after: int, limit: int
) -> dict[str, Any]:
    """A page of a campaign's recipients in print order."""
    campaign = await _load(session, principal=principal, campaign_id=campaign_id)
    rows = await repo.recipients_page(session, campaign_id=campaign.id, after_position=after, limit=limit + 1)
    page = rows[:limit]
    items = [
        {
            "position": r.position,
            "client_id": r.client_id,
            "display_name": r.display_name,
            "kind": r.kind,
            "title": r.title,
            "first_name": r.first_name,
            "last_name": r.last_name,
            "company_name": r.company_name,
            "address": r.address,
        }
        for r in page
    ]
    more = len(rows) > limit
    link = f"{CAMPAIGNS_PATH}/{campaign.id}/recipients?limit={limit}&after={page[-1].position}" if more else None
    return {"items": items, "next": link}


async def list_exclusions(
    session: AsyncSession, *, principal: Principal, campaign_id: int, after: int, limit: int
) -> dict[str, Any]:
    """A page of the clients left out of a campaign, with the reason, by client id."""
    campaign = await _load(session, principal=principal, campaign_id=campaign_id)
    rows = await repo.exclusions_page(session, campaign_id=campaign.id, after_client_id=after, limit=limit + 1)
    page = rows[:limit]
    items = [
        {"client_id": r.client_id, "display_name": r.display_name, "reason": r.reason, "detail": r.detail} for r in page
    ]
    more = len(rows) > limit
    link = f"{CAMPAIGNS_PATH}/{campaign.id}/exclusions?limit={limit}&after={page[-1].client_id}" if more else None
    return {"items": items, "next": link}


async def load_campaign(session: AsyncSession, *, principal: Principal, campaign_id: int) -> Campaign:
    """A campaign of the account, or 404 (another account's included)."""
    return await _load(session, principal=principal, campaign_id=campaign_id)


async def campaign_of_job(session: AsyncSession, *, campaign_id: int, lock: bool = False) -> Campaign | None:
    """The campaign a render job prints, locked until commit when the job finishes; None once deleted."""
    return await repo.campaign_by_id(session, campaign_id=campaign_id, lock=lock)


async def printable_count(session: AsyncSession, *, campaign_id: int) -> int:
    """How many recipients a render of the campaign prints (erased clients keep their place, unprinted)."""
    return await repo.printable_count(session, campaign_id=campaign_id)


async def all_recipients(session: AsyncSession, *, campaign_id: int) -> list[CampaignRecipient]:
    """Every recipient in print order, erased ones included (what a render reads)."""
    return await repo.all_recipients(session, campaign_id=campaign_id)


async def background_data(session: AsyncSession, *, campaign_id: int, images: Storage) -> bytes | None:
    """The bytes of a campaign's background image, None if it has none."""
    return await background_bytes(session, campaign_id=campaign_id, images=images)


async def mark_printed(session: AsyncSession, *, campaign_id: int) -> None:
    """A campaign was printed: from now on it is frozen (the first print's time is kept)."""
    await repo.mark_printed(session, campaign_id=campaign_id)


async def hold_recipients(session: AsyncSession, *, account_id: uuid.UUID, exclusive: bool) -> None:
    """Serialise snapshots of an account's recipients (shared) with its erasures (exclusive), until commit."""
    await repo.hold_recipients(session, account_id=account_id, exclusive=exclusive)


async def remove_client(session: AsyncSession, *, account_id: uuid.UUID, client_id: int) -> None:
    """A deleted client leaves the campaigns not printed yet."""
    await repo.remove_client(session, account_id=account_id, client_id=client_id)


async def move_client(session: AsyncSession, *, account_id: uuid.UUID, from_client_id: int, to_client_id: int) -> None:
    """A merge, in campaigns not printed yet: the merged client's rows become the kept client's (one each)."""
    await repo.move_client(session, account_id=account_id, from_client_id=from_client_id, to_client_id=to_client_id)


async def campaigns_holding(session: AsyncSession, *, account_id: uuid.UUID, client_id: int) -> list[int]:
    """The campaigns whose snapshot prints this client (drafts, and printed ones not yet redacted)."""
    return await repo.campaigns_holding(session, account_id=account_id, client_id=client_id)


async def erase_client(
    session: AsyncSession, *, account_id: uuid.UUID, client_id: int, pseudonym: str, campaign_ids: Sequence[int]
) -> None:
    """An erased client leaves unprinted campaigns; printed ones keep its place under the pseudonym only."""
    await repo.erase_client(
        session, account_id=account_id, client_id=client_id, pseudonym=pseudonym, campaign_ids=campaign_ids
    )


async def _load(session: AsyncSession, *, principal: Principal, campaign_id: int, lock: bool = False) -> Campaign:
    campaign = await repo.get_campaign(session, account_id=principal.account_id, campaign_id=campaign_id, lock=lock)
    if campaign is None:
        raise NotFound(f"Campaign {campaign_id} does not exist.")
    return campaign


async def _editable(session: AsyncSession, *, principal: Principal, campaign_id: int) -> Campaign:
    # Locked: a render finishing now either sees the edit or makes the edit wait and fail with 409.
    campaign = await _load(session, principal=principal, campaign_id=campaign_id, lock=True)
    if campaign.status == "printed":
        raise Conflict(
            f"Campaign {campaign_id} was printed: it can be printed again but no longer changed.",
            extra={"reason": "campaign_printed"},
        )
    return campaign


async def _body(session: AsyncSession, campaign: Campaign) -> dict[str, Any]:
    counts = await repo.counts(session, campaign_ids=[campaign.id])
    images = await repo.image_infos(session, campaign_ids=[campaign.id])
    return _view(campaign, counts[campaign.id], images.get(campaign.id))


def _view(campaign: Campaign, counts: tuple[int, int], image: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "id": campaign.id,
        "name": campaign.name,
        "title": campaign.title,
        "text": campaign.body,
        "status": campaign.status,
        "selection": campaign.selection,
        "recipients": counts[0],
        "excluded": counts[1],
        "background": image,
        "created_by": campaign.created_by,
        "created_at": campaign.created_at,
        "updated_at": campaign.updated_at,
        "printed_at": campaign.printed_at,
        "href": f"{CAMPAIGNS_PATH}/{campaign.id}",
    }
