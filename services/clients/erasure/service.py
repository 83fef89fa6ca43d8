"""Erasing a client's personal data (GDPR), here and, through client.erased, in every other service.

What a client is known by goes from every place this service keeps it: its row, its contacts and
notes, the timeline's free texts, the clients merged into it (the same person under another record),
the recorded merges' values, the events of the outbox, and the finished export files (rebuilt).
Orders and invoices stay, as the law requires, under the pseudonym ``ANONYME-{id}``.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.clients.base import repository
from services.clients.base.bodies import snapshot
from services.clients.base.service import account_of, client_read, publish
from services.clients.erasure import repository as erasure_repository
from services.clients.exports import service as exports
from services.clients.merging import service as merging
from services.clients.models import Account, Client, idempotency_keys, outbox
from services.clients.timeline import service as timeline
from shared.audit import record_audit
from shared.auth import Principal
from shared.errors import NotFound
from shared.events.clients import ClientErased, ClientErasedPayload
from shared.idempotency import forget_answers_about_client
from shared.outbox import erase_client_events

PERSONAL_FIELDS = (
    "title",
    "first_name",
    "last_name",
    "company_name",
    "email",
    "phone",
    "mobile",
    "note",
    "blocked_reason",
    # A sole trader's SIREN names a person as surely as a name does.
    "legal_form",
    "siren",
    "siret",
    "vat_number",
    *(
        f"{kind}_{part}"
        for kind in ("billing", "shipping")
        for part in ("line1", "line2", "line3", "postal_code", "city")
    ),
)
# What a client snapshot (client.created, client.updated) says about who the client is.
SNAPSHOT_PERSONAL_KEYS = (
    "kind",
    "title",
    "first_name",
    "last_name",
    "company_name",
    "display_name",
    "email",
    "phone",
    "mobile",
    "billing_address",
    "shipping_address",
    "accounting_code",
    "accepts_emailing",
    "accepts_mailing",
    "note",
    "show_note_on_orders",
    "legal_form",
    "siren",
    "siret",
    "vat_number",
    "contacts",
)
# Other events of this service that carry a free text about the client.
FREE_TEXTS = {"client.blocked": ("reason", None), "note.added": ("text", "")}


async def erase_client(session: AsyncSession, *, principal: Principal, client_id: int) -> dict[str, Any]:
    """Erase a client and the clients merged into it, here and in every service; erasing twice changes nothing.

    A client merged into another may be erased on its own too (what the merge gave the survivor is
    the survivor's): the line on the survivor's timeline that names it then shows its pseudonym.
    """
    account = await account_of(session, principal)
    client = await _lock_with_absorbed(session, account_id=account.id, client_id=client_id)
    if client.erased_at is None:
        absorbed_ids = await merging.absorbed_ids(session, account_id=account.id, client_id=client.id)
        absorbed = await merging.clients_by_id(session, account_id=account.id, client_ids=absorbed_ids)
        erased = [client, *(c for _, c in sorted(absorbed.items()) if c.erased_at is None)]
        for each in erased:
            await _erase_one(session, principal=principal, account=account, client=each)
        ids = [c.id for c in erased]
        await merging.forget_personal_values(session, account_id=account.id, client_ids=ids)
        # Jobs before the account row: a worker finishing an export holds its job, then reads the count.
        await exports.rebuild_jobs_holding(session, account_id=account.id, client_ids=ids)
        await erasure_repository.count_erasure(session, account_id=account.id)
        order = account.name_order
        blank = {
            c.id: snapshot(c, tag_ids=[], order=order).model_dump(mode="json", include=set(SNAPSHOT_PERSONAL_KEYS))
            for c in erased
        }
        await erase_client_events(
            session,
            outbox,
            account_id=account.id,
            client_ids=ids,
            redact=lambda kind, payload: _redacted(kind, payload, blank),
        )
    return await client_read(session, account=account, client=client)


async def _lock_with_absorbed(session: AsyncSession, *, account_id: uuid.UUID, client_id: int) -> Client:
    """The client, archived, erased or merged away, locked with the clients merged into it, all in id order."""
    locked: set[int] = set()
    while True:
        wanted = {client_id} | await merging.absorbed_ids(session, account_id=account_id, client_id=client_id)
        if wanted <= locked:
            break
        # In id order, as merges and event consumers lock clients. Once this client is locked no merge
        # into it can commit, so a second round happens only if one committed just before.
        await repository.lock_clients(session, account_id=account_id, client_ids=wanted | locked)
        locked |= wanted
    client = await repository.get_client(session, account_id=account_id, client_id=client_id, live_only=False)
    deleted = (
        client is not None
        and client.deleted_at is not None
        and not (client.archived_at or client.erased_at or client.merged_into_id)
    )
    if client is None or deleted:
        raise NotFound(f"Client {client_id} does not exist.")
    return client


async def _erase_one(session: AsyncSession, *, principal: Principal, account: Account, client: Client) -> None:
    pseudonym = f"ANONYME-{client.id}"
    for name in PERSONAL_FIELDS:
        setattr(client, name, None)
    client.kind, client.company_name = "company", pseudonym
    client.accounting_code = f"{account.accounting_prefix}ANON{client.id}"
    client.shipping_same_as_billing, client.shipping_country = True, None
    client.accepts_emailing = client.accepts_mailing = client.show_note_on_orders = False
    client.sort_first_last = client.sort_last_first = pseudonym.lower()
    client.search_names = client.search_emails = client.search_phones = client.search_city = ""
    now = datetime.now(UTC)
    if client.deleted_at is None:
        client.deleted_at = now  # out of every live query (list, search, counts, exports)
    client.erased_at, client.archived_at, client.archived_by = now, None, None
    client.version += 1
    client.updated_at = now
    await erasure_repository.erase_personal_data(session, account_id=account.id, client_id=client.id)
    await forget_answers_about_client(session, idempotency_keys, account_id=account.id, client_id=client.id)
    await session.flush()
    event = await publish(
        session,
        ClientErased,
        account_id=account.id,
        payload=ClientErasedPayload(
            client_id=client.id, version=client.version, pseudonym=pseudonym, by_user=principal.user_id
        ),
    )
    await record_audit(session, outbox, principal=principal, action="client.erased", target=f"client:{client.id}")
    if client.merged_into_id is None:
        await timeline.add_own_entry(
            session, client=client, event=event, text=f"Données personnelles effacées par {principal.display_name}"
        )


def _redacted(kind: str, payload: dict[str, Any], blank: dict[int, dict[str, Any]]) -> dict[str, Any]:
    """An outbox payload of this service without the personal data of the clients being erased."""
    client_id = payload.get("client_id")
    if kind in ("client.created", "client.updated") and client_id in blank:
        return {**payload, **blank[client_id]}
    if kind in FREE_TEXTS and client_id in blank:
        key, value = FREE_TEXTS[kind]
        return {**payload, key: value}
    return payload
