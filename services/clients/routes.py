"""HTTP routes of the client base: thin, each calls one use case."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Path, Query, Response, status

from services.clients import erasure_service, lifecycle_service, list_service, service, sheet_service
from services.clients.list_queries import SORT_DESCRIPTION, Direction, SortKey, Tab
from services.clients.schemas import (
    BlockRequest,
    ClientCreate,
    ClientPage,
    ClientRead,
    ClientSheet,
    ClientUpdate,
)
from services.clients.search.params import SearchParams
from services.clients.validation import DB_BIGINT_MAX
from shared.auth import CurrentPrincipal
from shared.db import Transaction
from shared.idempotency import IdempotentRoute

router = APIRouter(prefix="/api/clients", tags=["clients"], route_class=IdempotentRoute)
ClientId = Annotated[int, Path(ge=1, le=DB_BIGINT_MAX, description="Client id")]


@router.get("", response_model=ClientPage)
async def list_clients(
    principal: CurrentPrincipal,
    session: Transaction,
    tab: Tab = "all",
    sort: SortKey | None = Query(None, description=SORT_DESCRIPTION),
    direction: Direction = "asc",
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    search: Annotated[SearchParams, Query()] = SearchParams(),
    segment_id: Annotated[int | None, Query(ge=1, le=DB_BIGINT_MAX, description="A saved search to apply")] = None,
) -> Response:
    """List or search the client base: one tab, sorted, one keyset page, with the counts (F2-F5)."""
    page = await list_service.list_clients(
        session,
        principal=principal,
        tab=tab,
        sort=sort,
        direction=direction,
        cursor=cursor,
        limit=limit,
        search=search,
        segment_id=segment_id,
    )
    # Serialised with orjson directly: the list is the hottest route (see README, benchmark).
    return Response(orjson.dumps(page), media_type="application/json")


@router.post("", response_model=ClientRead, status_code=status.HTTP_201_CREATED)
async def create_client(body: ClientCreate, principal: CurrentPrincipal, session: Transaction) -> Any:
    """Add a client or prospect (F8)."""
    return await service.create_client(session, principal=principal, data=body)


@router.get("/{client_id}", response_model=ClientSheet)
async def get_client(client_id: ClientId, principal: CurrentPrincipal, session: Transaction) -> Any:
    """The client sheet: every field, the contacts, the status and the figures, in one answer (F9)."""
    return await sheet_service.client_sheet(session, principal=principal, client_id=client_id)


@router.patch("/{client_id}", response_model=ClientRead)
async def update_client(
    client_id: ClientId, body: ClientUpdate, principal: CurrentPrincipal, session: Transaction
) -> Any:
    """Edit the fields present in the body."""
    return await service.update_client(session, principal=principal, client_id=client_id, data=body)


@router.post("/{client_id}/block", response_model=ClientRead)
async def block_client(
    client_id: ClientId, body: BlockRequest, principal: CurrentPrincipal, session: Transaction
) -> Any:
    """Block a client: no new orders may be taken for it (F19)."""
    return await service.set_blocked(
        session, principal=principal, client_id=client_id, blocked=True, reason=body.reason
    )


@router.post("/{client_id}/unblock", response_model=ClientRead)
async def unblock_client(client_id: ClientId, principal: CurrentPrincipal, session: Transaction) -> Any:
    """Let a blocked client order again."""
    return await service.set_blocked(session, principal=principal, client_id=client_id, blocked=False)


@router.delete("/{client_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_client(client_id: ClientId, principal: CurrentPrincipal, session: Transaction) -> None:
    """Delete a client with no orders and no invoices; otherwise 409 offering archive or erase (F19)."""
    await lifecycle_service.delete_client(session, principal=principal, client_id=client_id)


@router.post("/{client_id}/archive", response_model=ClientRead)
async def archive_client(client_id: ClientId, principal: CurrentPrincipal, session: Transaction) -> Any:
    """Hide a client from the list, the search and the order picker; restorable (F19)."""
    return await lifecycle_service.archive_client(session, principal=principal, client_id=client_id)


@router.post("/{client_id}/restore", response_model=ClientRead)
async def restore_client(client_id: ClientId, principal: CurrentPrincipal, session: Transaction) -> Any:
    """Bring an archived client back."""
    return await lifecycle_service.restore_client(session, principal=principal, client_id=client_id)


@router.post("/{client_id}/erase", response_model=ClientRead)
async def erase_client(client_id: ClientId, principal: CurrentPrincipal, session: Transaction) -> Any:
    """Erase a client's personal data in every service; its documents stay under a pseudonym (GDPR).

    A client merged into another can be erased too; erasing a client erases those merged into it.
    """
    return await erasure_service.erase_client(session, principal=principal, client_id=client_id)
