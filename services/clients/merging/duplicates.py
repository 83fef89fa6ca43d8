"""Probable duplicates (F19): clients sharing a normalised e-mail, phone, or name and postal code."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.clients.merging import repository as merge_repository
from services.clients.merging.repository import REASONS, Reason
from services.clients.models import Client
from services.clients.service import account_of
from services.clients.views import name_of
from shared.auth import Principal


async def duplicate_groups(
    session: AsyncSession, *, principal: Principal, reasons: list[Reason], limit: int
) -> dict[str, Any]:
    """Groups of live clients that are probably the same, per reason, up to ``limit`` groups each."""
    account = await account_of(session, principal)
    found: list[tuple[Reason, str, list[int]]] = []
    for reason in reasons or REASONS:
        groups = await merge_repository.duplicate_keys(session, account_id=account.id, reason=reason, limit=limit)
        found += [(reason, key, ids) for key, ids in groups]
    wanted = {client_id for _, _, ids in found for client_id in ids}
    clients = await merge_repository.clients_by_id(session, account_id=account.id, client_ids=wanted)
    order = account.name_order
    return {
        "items": [
            {"reason": reason, "key": key, "clients": [_row(clients[i], order) for i in ids]}
            for reason, key, ids in found
        ]
    }


def _row(client: Client, order: Any) -> dict[str, Any]:
    return {
        "id": client.id,
        "display_name": name_of(client, order),
        "email": client.email,
        "phone": client.phone,
        "mobile": client.mobile,
        "postal_code": client.billing_postal_code,
        "city": client.billing_city,
        "status": client.status,
        "created_at": client.created_at,
    }
