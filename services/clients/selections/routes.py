"""HTTP route of a selection's postal addresses, which the mailings service prints letters and labels from."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from services.clients.selections import service
from services.clients.selections.schemas import AddressesPage, AddressesRequest
from shared.auth import Reader
from shared.db import Transaction
from shared.idempotency import IdempotentRoute, changes_nothing

# Documented under "merge" as well as "selections", as it has been since it was added next to merging.
router = APIRouter(prefix="/api/clients", tags=["merge"], route_class=IdempotentRoute)


@router.post("/selection/addresses", response_model=AddressesPage, tags=["selections"])
@changes_nothing
async def selection_addresses(body: AddressesRequest, principal: Reader, session: Transaction) -> Any:
    """A selection's clients with their postal address, in id order, for paper mailings and address labels."""
    return await service.selection_addresses(session, principal=principal, request=body)
