"""Use cases of merging two clients: find duplicates, preview field by field, merge in one transaction."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.clients.base import repository
from services.clients.base.bodies import ADDRESS_PARTS, client_body, name_of
from services.clients.base.domain import NameOrder
from services.clients.base.service import account_of, load_any_client, load_client, publish
from services.clients.merging import repository as merge_repository
from services.clients.merging.domain import (
    REASONS,
    MergePlan,
    Reason,
    contact_key,
    plan_merge,
    without_personal_values,
)
from services.clients.merging.schemas import MergeRequest
from services.clients.models import Account, Client, ClientMerge, outbox
from services.clients.record.service import announce_update, refresh_search_keys
from services.clients.timeline import service as timeline
from services.clients.timeline.domain import merged_text
from shared.audit import record_audit
from shared.auth import Principal
from shared.errors import Conflict, InvalidField
from shared.events.clients import ClientMerged, ClientMergedPayload

CONTACT_FIELDS = ("title", "first_name", "last_name", "job_title", "phone", "mobile")
CONTACT_FLAGS = ("receives_quotes", "receives_proforma", "receives_invoices", "receives_dunning")
FOLLOWED_BY = [
    "orders: orders, invoices, credit notes, shipments, payments, reservations and negotiated prices",
    "reminders: the client's reminders",
    "mailings: e-mails sent and campaigns not yet printed",
]


class MergeConflict(Conflict):
    """Conflicts the caller must settle (``choose``) before the merge can happen."""

    def __init__(self, plan: MergePlan) -> None:
        fields = [dataclasses.asdict(d) for d in plan.decisions if d.field in plan.unresolved]
        super().__init__(
            "These fields differ and must be chosen explicitly: "
            + ", ".join(plan.unresolved)
            + ". Send choose: {field: 'kept' | 'merged'}.",
            extra={"unresolved": plan.unresolved, "fields": fields},
        )


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
            {"reason": reason, "key": key, "clients": [_duplicate_row(clients[i], order) for i in ids]}
            for reason, key, ids in found
        ]
    }


def _duplicate_row(client: Client, order: NameOrder) -> dict[str, Any]:
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


async def preview_merge(session: AsyncSession, *, principal: Principal, request: MergeRequest) -> dict[str, Any]:
    """What merging would do, field by field, and what it would move; changes nothing."""
    account = await account_of(session, principal)
    kept, merged = await _load_pair(session, principal=principal, request=request, for_update=False)
    plan = await _plan(session, account=account, kept=kept, merged=merged, request=request)
    return {
        "kept_client_id": kept.id,
        "merged_client_id": merged.id,
        "fields": _fields(plan),
        "conflicts": [d.field for d in plan.decisions if d.outcome == "conflict"],
        "unresolved": plan.unresolved,
        "can_merge": not plan.unresolved,
        "moves": await _moves(session, account=account, kept=kept, merged=merged),
        "accounting_code": _accounting_code(kept=kept, merged=merged),
        "followed_by": FOLLOWED_BY,
    }


def _accounting_code(*, kept: Client, merged: Client) -> dict[str, str]:
    return {
        "kept": kept.accounting_code,
        "retired": merged.accounting_code,
        "explanation": (
            f"Client {kept.id} keeps its accounting code {kept.accounting_code}. {merged.accounting_code} stays with "
            f"the merged record (client {merged.id}): entries already posted under it remain traceable to it, and "
            "it is never given to another client."
        ),
    }


async def merge_clients(session: AsyncSession, *, principal: Principal, request: MergeRequest) -> dict[str, Any]:
    """Merge one client into another and announce client.merged; repeating a merge returns the first one."""
    done = await merge_repository.find_merge(
        session, account_id=principal.account_id, merged_client_id=request.merged_client_id
    )
    if done is not None:
        if done.kept_client_id != request.kept_client_id:
            raise Conflict(
                f"Client {request.merged_client_id} was already merged into client {done.kept_client_id}.",
                extra={"merged_into": done.kept_client_id},
            )
        return _result(done)
    account = await account_of(session, principal)
    kept, merged = await _load_pair(session, principal=principal, request=request, for_update=True)
    plan = await _plan(session, account=account, kept=kept, merged=merged, request=request)
    if plan.unresolved:
        raise MergeConflict(plan)
    moves = await _moves(session, account=account, kept=kept, merged=merged)
    now = datetime.now(UTC)
    await _unite_contacts(session, kept=kept, merged=merged)
    # The merged client leaves the base first: its accounting code and search keys must not collide.
    merged.deleted_at, merged.merged_into_id = now, kept.id
    merged.version += 1
    merged.updated_at = now
    await session.flush()
    _apply_fields(kept, plan.changes, merged=merged)
    await repository.replace_client_tags(
        session,
        client_id=kept.id,
        tag_ids=plan.changes.get("tag_ids", await repository.client_tag_ids(session, client_id=kept.id)),
    )
    await merge_repository.move_references(session, account_id=account.id, from_id=merged.id, to_id=kept.id)
    await merge_repository.redirect_merged(session, account_id=account.id, from_id=merged.id, to_id=kept.id)
    await repository.refresh_client_statistics(session, account_id=account.id, client_ids=[kept.id, merged.id])
    await repository.refresh_placed_orders(session, account_id=account.id, client_ids=[kept.id, merged.id])
    await refresh_search_keys(session, client=kept)
    record = ClientMerge(
        account_id=account.id,
        kept_client_id=kept.id,
        merged_client_id=merged.id,
        by_user=principal.user_id,
        merged_at=now,
        summary={"fields": _fields(plan), "moves": moves},
    )
    session.add(record)
    await session.flush()
    event = await publish(
        session,
        ClientMerged,
        account_id=account.id,
        payload=ClientMergedPayload(
            merge_id=record.id,
            kept_client_id=kept.id,
            merged_client_id=merged.id,
            kept_version=kept.version + 1,
            by_user=principal.user_id,
        ),
    )
    await timeline.add_own_entry(
        session,
        client=kept,
        event=event,
        about_client_id=merged.id,
        text=merged_text(merged_client_id=merged.id, by_user=principal.display_name),
    )
    await announce_update(
        session,
        principal=principal,
        account=account,
        client=kept,
        tag_ids=await repository.client_tag_ids(session, client_id=kept.id),
        changed=sorted({*plan.changes, "contacts"}),
    )
    await record_audit(
        session,
        outbox,
        principal=principal,
        action="clients.merged",
        target=f"client:{kept.id}",
        detail={"merged_client_id": merged.id},
    )
    return _result(record)


async def _load_pair(
    session: AsyncSession, *, principal: Principal, request: MergeRequest, for_update: bool
) -> tuple[Client, Client]:
    if request.kept_client_id == request.merged_client_id:
        raise InvalidField("merged_client_id", "a client cannot be merged into itself")
    if for_update:
        # Both rows locked in id order, like the event consumers do, so neither side can deadlock.
        await repository.lock_clients(
            session, account_id=principal.account_id, client_ids=[request.kept_client_id, request.merged_client_id]
        )
    for client_id in (request.kept_client_id, request.merged_client_id):
        await load_any_client(session, principal=principal, client_id=client_id)  # 404 or pointer first
    kept = await load_client(session, principal=principal, client_id=request.kept_client_id)
    merged = await load_client(session, principal=principal, client_id=request.merged_client_id)
    return kept, merged


async def _plan(
    session: AsyncSession, *, account: Account, kept: Client, merged: Client, request: MergeRequest
) -> MergePlan:
    order = account.name_order
    bodies = [
        client_body(c, tag_ids=await repository.client_tag_ids(session, client_id=c.id), order=order)
        for c in (kept, merged)
    ]
    return plan_merge(bodies[0], bodies[1], dict(request.choose))


async def _moves(session: AsyncSession, *, account: Account, kept: Client, merged: Client) -> dict[str, int]:
    counts = await merge_repository.count_references(session, account_id=account.id, client_id=merged.id)
    kept_keys = {contact_key(c.email) for c in await repository.list_contacts(session, client_id=kept.id)} - {None}
    contacts = await repository.list_contacts(session, client_id=merged.id)
    united = sum(1 for c in contacts if contact_key(c.email) in kept_keys)
    kept_tags = set(await repository.client_tag_ids(session, client_id=kept.id))
    merged_tags = set(await repository.client_tag_ids(session, client_id=merged.id))
    return {
        **counts,
        "contacts_moved": len(contacts) - united,
        "contacts_united": united,
        "tags_added": len(merged_tags - kept_tags),
    }


async def _unite_contacts(session: AsyncSession, *, kept: Client, merged: Client) -> None:
    """Move the merged client's contacts; one with an e-mail the kept client has already becomes that one."""
    by_key = {contact_key(c.email): c for c in await repository.list_contacts(session, client_id=kept.id) if c.email}
    for contact in await repository.list_contacts(session, client_id=merged.id):
        same = by_key.get(contact_key(contact.email))
        if same is None:
            contact.client_id = kept.id
            continue
        for name in CONTACT_FIELDS:
            if not getattr(same, name):
                setattr(same, name, getattr(contact, name))
        for flag in CONTACT_FLAGS:
            setattr(same, flag, getattr(same, flag) or getattr(contact, flag))
        await session.delete(contact)
    await session.flush()


def _apply_fields(client: Client, changes: dict[str, Any], *, merged: Client) -> None:
    for name, value in changes.items():
        if name == "blocked":
            # Blocking taken from the merged client keeps its reason, author and date.
            client.blocked = value
            client.blocked_reason, client.blocked_at, client.blocked_by = (
                (merged.blocked_reason, merged.blocked_at, merged.blocked_by) if value else (None, None, None)
            )
        elif name == "billing_address":
            _set_block(client, "billing", value)
        elif name == "shipping_address":
            client.shipping_same_as_billing = False
            _set_block(client, "shipping", value)
        elif name != "tag_ids":
            setattr(client, name, value)


def _set_block(client: Client, prefix: str, block: dict[str, Any]) -> None:
    for part in ADDRESS_PARTS:
        setattr(client, f"{prefix}_{part}", block.get(part))
    setattr(client, f"{prefix}_country", block.get("country_code"))


def _fields(plan: MergePlan) -> list[dict[str, Any]]:
    return [dataclasses.asdict(d) for d in plan.decisions]


def _result(record: ClientMerge) -> dict[str, Any]:
    return {
        "merge_id": record.id,
        "kept_client_id": record.kept_client_id,
        "merged_client_id": record.merged_client_id,
        "merged_at": record.merged_at,
        "by_user": record.by_user,
        **record.summary,
    }


async def forward_merged(session: AsyncSession, *, account_id: uuid.UUID, client_ids: Iterable[int]) -> None:
    """Hand what late events wrote for a merged-away client to the client that absorbed it.

    The orders service may publish about the merged id until it has applied client.merged;
    moving the rows after the fact converges to the same state in any order.
    """
    targets = await merge_repository.merged_targets(session, account_id=account_id, client_ids=client_ids)
    if not targets:
        return
    await repository.lock_clients(session, account_id=account_id, client_ids=targets.values())
    for merged_id, kept_id in targets.items():
        await merge_repository.move_references(session, account_id=account_id, from_id=merged_id, to_id=kept_id)
    moved = [*targets, *targets.values()]
    await repository.refresh_client_statistics(session, account_id=account_id, client_ids=moved)
    await repository.refresh_placed_orders(session, account_id=account_id, client_ids=moved)


async def absorbed_ids(session: AsyncSession, *, account_id: uuid.UUID, client_id: int) -> set[int]:
    """The clients merged into this one."""
    return await merge_repository.absorbed_ids(session, account_id=account_id, client_id=client_id)


async def clients_by_id(
    session: AsyncSession, *, account_id: uuid.UUID, client_ids: Iterable[int]
) -> dict[int, Client]:
    """The account's clients with these ids, merged-away ones included."""
    return await merge_repository.clients_by_id(session, account_id=account_id, client_ids=client_ids)


async def forget_personal_values(session: AsyncSession, *, account_id: uuid.UUID, client_ids: Iterable[int]) -> None:
    """Remove the personal values the recorded merges of these clients kept in their summaries."""
    for merge in await merge_repository.merges_of(session, account_id=account_id, client_ids=client_ids):
        merge.summary = without_personal_values(merge.summary)
