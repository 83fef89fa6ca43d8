"""Use cases of selections of clients for exports and mailings: the whole base, a search, a saved segment or ids."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.clients.base.bodies import address_of, name_of
from services.clients.base.list_order import id_is_any_of, listed
from services.clients.base.service import account_of
from services.clients.search.filters import Clause
from services.clients.search.params import SearchParams
from services.clients.search.service import search_conditions
from services.clients.segments.service import saved_search
from services.clients.selections import repository
from services.clients.selections.schemas import AddressesRequest, Selection
from shared.auth import Principal
from shared.errors import InvalidField, fields_inside


async def known_client_ids(
    session: AsyncSession, *, account_id: uuid.UUID, ids: list[int], field: str = "client_ids"
) -> list[int]:
    """The ids, sorted and unique, once each is known to be a live client of the account (else 422 naming ``field``)."""
    wanted = set(ids)
    missing = sorted(wanted - await repository.live_client_ids(session, account_id=account_id, ids=list(wanted)))
    if missing:
        raise InvalidField(field, f"no such clients in this account: {missing[:20]}")
    return sorted(wanted)


async def query_conditions(
    session: AsyncSession,
    *,
    account_id: uuid.UUID,
    timezone: str,
    search: SearchParams,
    segment_id: int | None = None,
    client_ids: list[int] | None = None,
) -> list[Clause]:
    """Conditions of a list URL: its search, a saved segment and ids, all of which must hold."""
    conditions = await search_conditions(session, account_id=account_id, timezone=timezone, search=search)
    if segment_id is not None:
        saved = await saved_search(session, account_id=account_id, segment_id=segment_id)
        conditions += await search_conditions(session, account_id=account_id, timezone=timezone, search=saved)
    if client_ids:
        known = await known_client_ids(session, account_id=account_id, ids=client_ids)
        conditions.append(id_is_any_of(known))
    return conditions


async def selection_conditions(
    session: AsyncSession, *, account_id: uuid.UUID, timezone: str, selection: Selection
) -> tuple[list[Clause], SearchParams | None]:
    """The conditions of a selection and the search they come from (None for ids); a 422 names the field
    where the caller wrote it: ``selection.client_ids``, ``selection.search.q`` or ``selection.segment_id.q``."""
    if selection.client_ids is not None:
        known = await known_client_ids(
            session, account_id=account_id, ids=selection.client_ids, field="selection.client_ids"
        )
        return [id_is_any_of(known)], None
    search = await selection_search(session, account_id=account_id, selection=selection)
    with fields_inside("selection.segment_id" if selection.segment_id is not None else "selection.search"):
        return await search_conditions(session, account_id=account_id, timezone=timezone, search=search), search


async def selection_search(session: AsyncSession, *, account_id: uuid.UUID, selection: Selection) -> SearchParams:
    """The search a selection without ids stands for: its own, its segment's as saved today, or everything."""
    if selection.segment_id is not None:
        return await saved_search(session, account_id=account_id, segment_id=selection.segment_id)
    return selection.search or SearchParams()


async def selection_addresses(
    session: AsyncSession, *, principal: Principal, request: AddressesRequest
) -> dict[str, Any]:
    """The live clients of a selection with their billing address, one page at a time."""
    account = await account_of(session, principal)
    selection = request.selection
    conditions, _ = await selection_conditions(
        session, account_id=account.id, timezone=account.timezone, selection=selection
    )
    clients = await repository.addresses_page(
        session,
        where=listed(account.id, selection.tab, conditions),
        after_id=request.after_id or 0,
        limit=request.limit,
    )
    order = account.name_order
    items = [
        {
            "client_id": c.id,
            "display_name": name_of(c, order),
            "kind": c.kind,
            "title": c.title,
            "first_name": c.first_name,
            "last_name": c.last_name,
            "company_name": c.company_name,
            "accepts_mailing": c.accepts_mailing,
            "address": address_of(c, "billing"),
        }
        for c in clients
    ]
    more = len(clients) == request.limit
    return {"items": items, "next_after_id": clients[-1].id if more and clients else None}
