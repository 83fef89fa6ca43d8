"""Use cases of the client base: each changes rows and writes its events in one transaction."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.clients import repository, timeline_repository, timeline_text
from services.clients.domain import NameOrder, accounting_code_stem, next_accounting_code, sort_keys
from services.clients.models import Account, Category, Client, Tag, outbox
from services.clients.schemas import Address, ClientFields
from services.clients.search.keys import person_names, search_keys
from services.clients.timeline_repository import NewEntry
from services.clients.timeline_text import CLIENT_CREATED
from services.clients.views import client_body, snapshot
from shared.auth import Principal
from shared.errors import Conflict, InvalidField, NotFound, Unauthorized
from shared.events.clients import (
    ClientBlocked,
    ClientBlockPayload,
    ClientCreated,
    ClientUnblocked,
    ClientUpdated,
    ClientUpdatedPayload,
)
from shared.events.envelope import Event
from shared.outbox import add_event

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


class ClientMergedAway(NotFound):
    """The client was merged into another: 404, with a pointer to the client that absorbed it."""

    def __init__(self, client_id: int, kept_client_id: int) -> None:
        super().__init__(
            f"Client {client_id} was merged into client {kept_client_id}.",
            extra={"merged_into": kept_client_id, "kept_client": f"/api/clients/{kept_client_id}"},
        )


class ClientNotActive(Conflict):
    """The client is archived or erased: restore it (or nothing) before changing it."""

    def __init__(self, client: Client) -> None:
        state = "erased" if client.erased_at else "archived"
        hint = "Erased clients cannot change." if client.erased_at else "Restore it first."
        super().__init__(f"Client {client.id} is {state}. {hint}", extra={"state": state})


class UnknownAccount(Unauthorized):
    """A validly signed token whose account does not exist (deleted, or another deployment's)."""

    def __init__(self) -> None:
        super().__init__("The token names an account that does not exist.")


async def account_of(session: AsyncSession, principal: Principal) -> Account:
    """The caller's account; a token for an unknown account is refused."""
    account = await repository.get_account(session, account_id=principal.account_id)
    if account is None:
        raise UnknownAccount
    return account


async def load_client(
    session: AsyncSession, *, principal: Principal, client_id: int, for_update: bool = False
) -> Client:
    """A live client of the caller's account; 404 otherwise, pointing to the survivor of a merge."""
    client = await load_any_client(session, principal=principal, client_id=client_id, for_update=for_update)
    if client.deleted_at is not None:
        raise ClientNotActive(client)
    return client


async def load_any_client(
    session: AsyncSession, *, principal: Principal, client_id: int, for_update: bool = False
) -> Client:
    """A client of the caller's account, archived or erased ones included; 404 if deleted or merged."""
    client = await repository.get_client(
        session, account_id=principal.account_id, client_id=client_id, for_update=for_update, live_only=False
    )
    if client is not None and client.merged_into_id is not None:
        raise ClientMergedAway(client_id, client.merged_into_id)
    if client is None or (client.deleted_at is not None and client.archived_at is None and client.erased_at is None):
        raise NotFound(f"Client {client_id} does not exist.")
    return client


async def publish(session: AsyncSession, event_class: type[Event], *, account_id: uuid.UUID, payload: Any) -> Event:
    """Write one event to the outbox of the current transaction."""
    return await add_event(session, outbox, event_class, account_id=account_id, payload=payload)


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
    order: NameOrder = account.name_order  # type: ignore[assignment]
    created = await publish(
        session,
        ClientCreated,
        account_id=account.id,
        payload=snapshot(client, tag_ids=tag_ids, order=order, contacts=[]),
    )
    await timeline_repository.add_entries(
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


async def get_client(session: AsyncSession, *, principal: Principal, client_id: int) -> dict[str, Any]:
    """Every field of one client, archived or erased ones included."""
    account = await account_of(session, principal)
    client = await load_any_client(session, principal=principal, client_id=client_id)
    tag_ids = await repository.client_tag_ids(session, client_id=client.id)
    return client_body(client, tag_ids=tag_ids, order=account.name_order)  # type: ignore[arg-type]


async def update_client(
    session: AsyncSession, *, principal: Principal, client_id: int, data: ClientFields
) -> dict[str, Any]:
    """Edit the fields present in the request and announce what changed."""
    account = await account_of(session, principal)
    client = await load_client(session, principal=principal, client_id=client_id, for_update=True)
    before = client_body(
        client, tag_ids=await repository.client_tag_ids(session, client_id=client.id), order=account.name_order
    )  # type: ignore[arg-type]
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
    after = client_body(client, tag_ids=tag_ids, order=account.name_order)  # type: ignore[arg-type]
    changed = sorted(k for k in after if k not in {"updated_at", "version"} and after[k] != before[k])
    if not changed:
        return before
    await announce_update(
        session, principal=principal, account=account, client=client, tag_ids=tag_ids, changed=changed
    )
    return client_body(client, tag_ids=tag_ids, order=account.name_order)  # type: ignore[arg-type]


async def announce_update(
    session: AsyncSession,
    *,
    principal: Principal,
    account: Account,
    client: Client,
    tag_ids: list[int],
    changed: list[str],
) -> None:
    """Bump the client's version, publish its new snapshot and say on the timeline what changed (F10, F18)."""
    client.version += 1
    client.updated_at = datetime.now(UTC)
    await session.flush()
    order: NameOrder = account.name_order  # type: ignore[assignment]
    contacts = await repository.list_contacts(session, client_id=client.id)
    payload = ClientUpdatedPayload(
        **snapshot(client, tag_ids=tag_ids, order=order, contacts=contacts).model_dump(), changed_fields=changed
    )
    event = await publish(session, ClientUpdated, account_id=account.id, payload=payload)
    await add_own_entry(
        session, client=client, event=event, text=timeline_text.fields_edited_text(changed, by_user=principal.user_id)
    )


async def add_own_entry(
    session: AsyncSession,
    *,
    client: Client,
    event: Event,
    text: str,
    object_type: str = "client",
    object_id: int | None = None,
    about_client_id: int | None = None,
) -> None:
    """Write the timeline entry of an event this service just published about the client."""
    await timeline_repository.add_entries(
        session,
        [
            NewEntry(
                account_id=client.account_id,
                client_id=client.id,
                occurred_at=event.occurred_at,
                kind=event.type,
                text=text,
                object_type=object_type,
                object_id=client.id if object_id is None else object_id,
                amount_cents=None,
                source_event_id=event.event_id,
                about_client_id=about_client_id,
            )
        ],
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
        await add_own_entry(
            session,
            client=client,
            event=event,
            text=timeline_text.block_text(blocked=blocked, by_user=principal.user_id, reason=reason),
        )
    tag_ids = await repository.client_tag_ids(session, client_id=client.id)
    return client_body(client, tag_ids=tag_ids, order=account.name_order)  # type: ignore[arg-type]


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
    if not client.shipping_same_as_billing and not (client.shipping_line1 and client.shipping_city):
        raise InvalidField("shipping_address", "needed when shipping_same_as_billing is false")
    if client.billing_country is None:
        client.billing_country = "FR"
    await _check_references(session, account=account, data=data)
    await _assign_accounting_code(session, account=account, client=client, given="accounting_code" in values)
    client.sort_first_last, client.sort_last_first = sort_keys(
        kind=client.kind, first_name=client.first_name, last_name=client.last_name, company_name=client.company_name
    )
    await refresh_search_keys(session, client=client)


async def refresh_search_keys(session: AsyncSession, *, client: Client) -> None:
    """Recompute what the search finds a client by, from its fields and its contacts' (F5)."""
    contacts = await repository.list_contacts(session, client_id=client.id) if client.id else []
    keys = search_keys(person_names(client), [person_names(c) for c in contacts], city=client.billing_city)
    client.search_names, client.search_emails = keys.names, keys.emails
    client.search_phones, client.search_city = keys.phones, keys.city


def _set_address(client: Client, prefix: str, address: Address | None) -> None:
    block = address.model_dump() if address else {}
    for part in ("line1", "line2", "line3", "postal_code", "city"):
        setattr(client, f"{prefix}_{part}", block.get(part))
    setattr(client, f"{prefix}_country", block.get("country_code") or ("FR" if prefix == "billing" else None))


async def _check_references(session: AsyncSession, *, account: Account, data: ClientFields) -> None:
    if data.category_id is not None and not await repository.existing_label_ids(
        session, Category, account_id=account.id, ids=[data.category_id]
    ):
        raise InvalidField("category_id", f"unknown category {data.category_id}")
    if data.tag_ids:
        known = await repository.existing_label_ids(session, Tag, account_id=account.id, ids=data.tag_ids)
        unknown = sorted(set(data.tag_ids) - known)
        if unknown:
            raise InvalidField("tag_ids", f"unknown tags {unknown}")


async def _assign_accounting_code(session: AsyncSession, *, account: Account, client: Client, given: bool) -> None:
    if given:
        client.accounting_code = client.accounting_code.upper()
        if await repository.accounting_code_taken(
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
    await repository.lock_accounting_stem(session, account_id=account.id, stem=stem)
    taken = await repository.accounting_codes_like(session, account_id=account.id, stem=stem)
    client.accounting_code = next_accounting_code(stem, taken)
