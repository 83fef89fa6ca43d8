"""HTTP routes of paper campaigns: create from a selection, edit, background image, snapshot.

Queuing a campaign's render is the renders slice's route (under the same path and tag).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response, status

from services.mailings.campaigns import service
from services.mailings.campaigns.images import image_storage
from services.mailings.campaigns.schemas import (
    CampaignCreate,
    CampaignPage,
    CampaignRead,
    CampaignUpdate,
    ExclusionPage,
    Id,
    RecipientPage,
)
from services.mailings.campaigns.uploads import IMAGE_BODY, uploaded_file
from shared.auth import Reader, Staff
from shared.db import Transaction
from shared.idempotency import IdempotentRoute

router = APIRouter(prefix="/api/mailings/campaigns", tags=["campaigns"], route_class=IdempotentRoute)
CampaignId = Annotated[int, Path(ge=1, le=2**63 - 1)]


def _bearer(request: Request) -> str:
    # The principal dependency has verified it; the clients service checks it again on our call.
    return request.headers["authorization"].split(" ", 1)[1].strip()


@router.post("", response_model=CampaignRead, status_code=status.HTTP_201_CREATED)
async def create_campaign(
    body: CampaignCreate, request: Request, principal: Staff, session: Transaction, response: Response
) -> Any:
    """Create a campaign from a selection (search, segment or client ids) resolved by the clients service now.

    Recipients and their addresses are kept as a snapshot, so reprinting gives the same letters; clients
    refusing paper mail or without a deliverable address are listed under ``exclusions`` with the reason.
    The clients service's 404 or 422 (naming ``selection…`` fields) is passed on.
    """
    campaign = await service.create_campaign(
        session, http=request.app.state.clients_http, principal=principal, token=_bearer(request), data=body
    )
    response.headers["Location"] = campaign["href"]
    return campaign


@router.get("", response_model=CampaignPage)
async def list_campaigns(
    principal: Reader,
    session: Transaction,
    before: Annotated[Id | None, Query(description="Only campaigns older than this id (next page)")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Any:
    """The account's campaigns, newest first, by pages."""
    return await service.list_campaigns(session, principal=principal, before=before, limit=limit)


@router.get("/{campaign_id}", response_model=CampaignRead)
async def get_campaign(campaign_id: CampaignId, principal: Reader, session: Transaction) -> Any:
    """A campaign: name, title, text, status (draft or printed), recipients and exclusions counts, image."""
    return await service.get_campaign(session, principal=principal, campaign_id=campaign_id)


@router.patch("/{campaign_id}", response_model=CampaignRead)
async def update_campaign(campaign_id: CampaignId, body: CampaignUpdate, principal: Staff, session: Transaction) -> Any:
    """Change the name, title or text; merge fields ({{title}}, {{first_name}}, {{last_name}}, {{company}},
    {{display_name}}) are checked (422 naming ``text`` or ``title``). 409 once printed."""
    return await service.update_campaign(session, principal=principal, campaign_id=campaign_id, data=body)


@router.delete("/{campaign_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_campaign(campaign_id: CampaignId, principal: Staff, session: Transaction) -> None:
    """Delete a campaign that was never printed (409 once printed)."""
    await service.delete_campaign(session, principal=principal, campaign_id=campaign_id)


@router.put("/{campaign_id}/background", response_model=CampaignRead, openapi_extra=IMAGE_BODY)
async def put_background(campaign_id: CampaignId, request: Request, principal: Staff, session: Transaction) -> Any:
    """Set the background image: the raw body or a form's ``image`` field, PNG or JPEG by content.

    At most 10 MB and 100 to 10,000 pixels a side; anything else is a 422 naming ``image`` (bodies over
    16 MB are cut short with a 413 before they are read). 409 once printed.
    """
    data = uploaded_file(content_type=request.headers.get("content-type", ""), body=await request.body())
    images = image_storage(request.app.state.settings)
    return await service.put_background(session, principal=principal, campaign_id=campaign_id, data=data, images=images)


@router.delete("/{campaign_id}/background", response_model=CampaignRead)
async def delete_background(campaign_id: CampaignId, principal: Staff, session: Transaction) -> Any:
    """Remove the background image (409 once printed)."""
    return await service.delete_background(session, principal=principal, campaign_id=campaign_id)


@router.get("/{campaign_id}/recipients", response_model=RecipientPage)
async def list_recipients(
    campaign_id: CampaignId,
    principal: Reader,
    session: Transaction,
    after: Annotated[int, Query(ge=0, le=2**31 - 1, description="Position to continue after")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Any:
    """The recipients' snapshot (names and address block) in print order, by pages."""
    return await service.list_recipients(
        session, principal=principal, campaign_id=campaign_id, after=after, limit=limit
    )


@router.get("/{campaign_id}/exclusions", response_model=ExclusionPage)
async def list_exclusions(
    campaign_id: CampaignId,
    principal: Reader,
    session: Transaction,
    after: Annotated[int, Query(ge=0, le=2**63 - 1, description="Client id to continue after")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Any:
    """Clients of the selection left out, with the reason (refuses_mailing, no_address, undeliverable)."""
    return await service.list_exclusions(
        session, principal=principal, campaign_id=campaign_id, after=after, limit=limit
    )
