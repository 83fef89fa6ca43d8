"""Use cases of a client's record: create, edit, block; each changes rows and writes its events in one transaction."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.clients.base import repository
from services.clients.base.bodies import client_body, snapshot
from services.clients.base.schemas import Address
from services.clients.base.service import account_of, client_read, load_client, publish
from services.clients.labels import service as labels
from services.clients.models import Account, Client, outbox
from services.clients.record import repository as record_repository
from services.clients.record.domain import (
    COMPANY_IDENTIFIERS,
    accounting_code_stem,
    identifiers_problem,
    next_accounting_code,
    sort_keys,
)
from services.clients.record.schemas import ClientFields
from services.clients.search.keys import person_names, search_keys
from services.clients.timeline import service as timeline
from services.clients.timeline.domain import CLIENT_CREATED, NewEntry, block_text, fields_edited_text
from shared.audit import record_audit
from shared.auth import Principal
from shared.db import unit_of_work
from shared.errors import Conflict, InvalidField
from shared.events.clients import (
    ClientBlocked,
    ClientBlockPayload,
    ClientCreated,
    ClientUnblocked,
    ClientUpdated,
    ClientUpdatedPayload,
)
from shared.events.envelope import new_event
from shared.outbox import add_events

SCALAR_FIELDS = (
    "kind",
    "title",
    "first_name",
    "last_name",
    "company_name",
    "email",
    "phone",
    "mobile",
    "category_id",
    "price_grid_id",
    "accounting_code",
    "accepts_emailing",
    "accepts_mailing",
    "note",
    "show_note_on_orders",
    "shipping_same_as_billing",
    *COMPANY_IDENTIFIERS,
)
NOT_NULLABLE = {
    "accepts_emailing",
    "accepts_mailing",
    "show_note_on_orders",
    "shipping_same_as_billing",
    "kind",
    "accounting_code",
}
DEFAULTS: dict[str, Any] = {
    "accepts_emailing": False,
    "accepts_mailing": True,
    "show_note_on_orders": False,
    "shipping_same_as_billing": True,
}


async def create_client(session: AsyncSession, *, principal: Principal, data: ClientFields) -> dict[str, Any]:
    """Add a client (a prospect until its first invoice) and announce it."""
    account = await account_of(session, principal)
    values = {**DEFAULTS, **data.model_dump(include=set(SCALAR_FIELDS), exclude_none=True)}
    client = Client(account_id=account.id, version=1, status="prospect")
    await _apply(session, account=account, client=client, values=values, data=data)
    session.add(client)
    await session.flush()
    tag_ids = sorted(set(data.tag_ids or []))
    await repository.replace_client_tags(session, client_id=client.id, tag_ids=tag_ids)
    await session.refresh(client)
    order = account.name_order
    created = await publish(
        session,
        ClientCreated,
        account_id=account.id,
        payload=snapshot(client, tag_ids=tag_ids, order=order, contacts=[]),
    )
    await timeline.add_entries(
        session,
        [
            NewEntry(
                account_id=account.id,
                client_id=client.id,
                occurred_at=client.created_at,
                kind=ClientCreated.TYPE,
                text=CLIENT_CREATED,
                object_type="client",
                object_id=client.id,
                amount_cents=None,
                source_event_id=created.event_id,
            )
        ],
    )
    return client_body(client, tag_ids=tag_ids, order=order)


async def update_client(
    session: AsyncSession, *, principal: Principal, client_id: int, data: ClientFields
) -> dict[str, Any]:
    """Edit the fields present in the request and announce what changed."""
    account = await account_of(session, principal)
    client = await load_client(session, principal=principal, client_id=client_id, for_update=True)
    before = await client_read(session, account=account, client=client)
    present = data.model_fields_set
    for name in present & NOT_NULLABLE:
        if getattr(data, name) is None:
            raise InvalidField(name, "may not be null")
    values = {name: getattr(data, name) for name in present & set(SCALAR_FIELDS)}
    await _apply(session, account=account, client=client, values=values, data=data)
    tag_ids = before["tag_ids"]
    if "tag_ids" in present:
        tag_ids = sorted(set(data.tag_ids or []))
        await repository.replace_client_tags(session, client_id=client.id, tag_ids=tag_ids)
    after = client_body(client, tag_ids=tag_ids, order=account.name_order)
    changed = sorted(k for k in after if k not in {"updated_at", "version"} and after[k] != before[k])
    if not changed:
        return before
    await announce_update(
        session, principal=principal, account=account, client=client, tag_ids=tag_ids, changed=changed
    )
    return client_body(client, tag_ids=tag_ids, order=account.name_order)


async def announce_update(
    session: AsyncSession,
    *,
    principal: Principal,
    account: Account,
    client: Client,
    tag_ids: list[int],
    changed: list[str],
) -> None:
    """Bump the client's version, publish its new snapshot and say on the timeline which fields changed."""
    client.version += 1
    client.updated_at = datetime.now(UTC)
    await session.flush()
    order = account.name_order
    contacts = await repository.list_contacts(session, client_id=client.id)
    payload = ClientUpdatedPayload(
        **snapshot(client, tag_ids=tag_ids, order=order, contacts=contacts).model_dump(), changed_fields=changed
    )
    event = await publish(session, ClientUpdated, account_id=account.id, payload=payload)
    await timeline.add_own_entry(
        session, client=client, event=event, text=fields_edited_text(changed, by_user=principal.display_name)
    )


async def set_blocked(
    session: AsyncSession, *, principal: Principal, client_id: int, blocked: bool, reason: str | None = None
) -> dict[str, Any]:
    """Block (no new orders) or unblock a client; repeating either changes nothing."""
    account = await account_of(session, principal)
    client = await load_client(session, principal=principal, client_id=client_id, for_update=True)
    if client.blocked != blocked:
        now = datetime.now(UTC)
        client.blocked = blocked
        client.blocked_reason = reason if blocked else None
        client.blocked_at = now if blocked else None
        client.blocked_by = principal.user_id if blocked else None
        client.version += 1
        client.updated_at = now
        await session.flush()
        payload = ClientBlockPayload(
            client_id=client.id, version=client.version, reason=reason, by_user=principal.user_id
        )
        event = await publish(
            session, ClientBlocked if blocked else ClientUnblocked, account_id=account.id, payload=payload
        )
        await timeline.add_own_entry(
            session,
            client=client,
            event=event,
            text=block_text(blocked=blocked, by_user=principal.display_name, reason=reason),
        )
        # Not the reason: free text may name a person, and the trail outlives the client's erasure.
        await record_audit(
            session,
            outbox,
            principal=principal,
            action="client.blocked" if blocked else "client.unblocked",
            target=f"client:{client.id}",
        )
    return await client_read(session, account=account, client=client)


async def _apply(
    session: AsyncSession, *, account: Account, client: Client, values: dict[str, Any], data: ClientFields
) -> None:
    """Set fields on a client after checking the rules the schema cannot express."""
    present = data.model_fields_set
    for name, value in values.items():
        setattr(client, name, value)
    if "billing_address" in present:
        _set_address(client, "billing", data.billing_address)
    if "shipping_address" in present:
        _set_address(client, "shipping", data.shipping_address)
    if client.kind is None:
        client.kind = "company" if client.company_name else "person"
    if client.kind == "company" and not client.company_name:
        raise InvalidField("company_name", "a company needs a name")
    if client.kind == "person" and not (client.last_name or client.first_name):
        raise InvalidField("last_name", "a person needs a last or first name")
    problem = identifiers_problem(
        kind=client.kind, identifiers={name: getattr(client, name) for name in COMPANY_IDENTIFIERS}
    )
    if problem is not None:
        raise InvalidField(*problem)
    if not client.shipping_same_as_billing and not (client.shipping_line1 and client.shipping_city):
        raise InvalidField("shipping_address", "needed when shipping_same_as_billing is false")
    if client.billing_country is None:
        client.billing_country = "FR"
    await labels.check_references(session, account_id=account.id, category_id=data.category_id, tag_ids=data.tag_ids)
    await _assign_accounting_code(session, account=account, client=client, given="accounting_code" in values)
    client.sort_first_last, client.sort_last_first = sort_keys(
        kind=client.kind, first_name=client.first_name, last_name=client.last_name, company_name=client.company_name
    )
    await refresh_search_keys(session, client=client)


async def refresh_search_keys(session: AsyncSession, *, client: Client) -> None:
    """Recompute what the search finds a client by, from its fields and its contacts'."""
    contacts = await repository.list_contacts(session, client_id=client.id) if client.id else []
    keys = search_keys(person_names(client), [person_names(c) for c in contacts], city=client.billing_city)
    client.search_names, client.search_emails = keys.names, keys.emails
    client.search_phones, client.search_city = keys.phones, keys.city


def _set_address(client: Client, prefix: str, address: Address | None) -> None:
    block = address.model_dump() if address else {}
    for part in ("line1", "line2", "line3", "postal_code", "city"):
        setattr(client, f"{prefix}_{part}", block.get(part))
    setattr(client, f"{prefix}_country", block.get("country_code") or ("FR" if prefix == "billing" else None))


async def _assign_accounting_code(session: AsyncSession, *, account: Account, client: Client, given: bool) -> None:
    if given:
        client.accounting_code = client.accounting_code.upper()
        if await record_repository.accounting_code_taken(
            session, account_id=account.id, code=client.accounting_code, except_client_id=client.id
        ):
            raise Conflict(
                f"Accounting code {client.accounting_code} is already used.",
                extra={"errors": [{"field": "accounting_code", "message": "already used"}]},
            )
        return
    if client.accounting_code:
        return
    stem = accounting_code_stem(
        prefix=account.accounting_prefix,
        kind=client.kind,
        first_name=client.first_name,
        last_name=client.last_name,
        company_name=client.company_name,
    )
    await record_repository.lock_accounting_stem(session, account_id=account.id, stem=stem)
    taken = await record_repository.accounting_codes_like(session, account_id=account.id, stem=stem)
    client.accounting_code = next_accounting_code(stem, taken)


# Clients announced again per transaction.
RESYNC_BATCH = 500


async def republish_snapshots(sessions: async_sessionmaker[AsyncSession], *, account_id: uuid.UUID | None) -> int:
    """Write a client.created snapshot of each live client to the outbox, batch by batch."""
    # So that a consumer added later can build its copy: consumers keep the newest version they saw,
    # so a repeated snapshot changes nothing where it is known and fills in what a new queue never got.
    after, total = 0, 0
    while True:
        async with unit_of_work(sessions) as session:
            clients = await repository.live_clients_page(
                session, account_id=account_id, after_id=after, limit=RESYNC_BATCH
            )
            if not clients:
                return total
            tags = await repository.tag_ids_by_client(session, client_ids=[c.id for c in clients])
            orders = await repository.name_orders(session, account_ids={c.account_id for c in clients})
            await add_events(
                session,
                outbox,
                [
                    new_event(
                        ClientCreated,
                        account_id=c.account_id,
                        payload=snapshot(c, tag_ids=tags[c.id], order=orders[c.account_id]),
                    )
                    for c in clients
                ],
            )
        after, total = clients[-1].id, total + len(clients)
