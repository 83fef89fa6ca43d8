"""Every query of the clients service's write side: accounts, clients, labels, contacts."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import delete, exists, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from services.clients.models import (
    Account,
    Category,
    Client,
    ClientInvoice,
    ClientNote,
    ClientOrder,
    ClientTag,
    Contact,
    Tag,
    TimelineEntry,
)

Label = type[Category] | type[Tag]


async def get_account(session: AsyncSession, *, account_id: uuid.UUID) -> Account | None:
    """The account, or None."""
    return await session.get(Account, account_id)


async def get_client(
    session: AsyncSession,
    *,
    account_id: uuid.UUID,
    client_id: int,
    for_update: bool = False,
    live_only: bool = True,
) -> Client | None:
    """A client of the account (only a live one unless asked), optionally locked for an update."""
    query = select(Client).where(Client.id == client_id, Client.account_id == account_id)
    if live_only:
        query = query.where(Client.deleted_at.is_(None))
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def client_tag_ids(session: AsyncSession, *, client_id: int) -> list[int]:
    """Ids of the tags a client carries, in id order."""
    rows = await session.execute(
        select(ClientTag.tag_id).where(ClientTag.client_id == client_id).order_by(ClientTag.tag_id)
    )
    return list(rows.scalars())


async def replace_client_tags(session: AsyncSession, *, client_id: int, tag_ids: Iterable[int]) -> None:
    """Make the client carry exactly these tags."""
    await session.execute(delete(ClientTag).where(ClientTag.client_id == client_id))
    values = [{"client_id": client_id, "tag_id": t} for t in sorted(set(tag_ids))]
    if values:
        await session.execute(insert(ClientTag), values)


async def existing_label_ids(
    session: AsyncSession, model: Label, *, account_id: uuid.UUID, ids: Iterable[int]
) -> set[int]:
    """Which of these category or tag ids exist in the account."""
    wanted = set(ids)
    if not wanted:
        return set()
    rows = await session.execute(select(model.id).where(model.account_id == account_id, model.id.in_(wanted)))
    return set(rows.scalars())


async def accounting_codes_like(session: AsyncSession, *, account_id: uuid.UUID, stem: str) -> set[str]:
    """Accounting codes of the account that start with a stem (deleted clients included)."""
    escaped = stem.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    rows = await session.execute(
        select(Client.accounting_code).where(
            Client.account_id == account_id, Client.accounting_code.like(f"{escaped}%", escape="\\")
        )
    )
    return set(rows.scalars())


async def lock_accounting_stem(session: AsyncSession, *, account_id: uuid.UUID, stem: str) -> None:
    """Serialise code generation for one stem until commit, so two creations never pick the same."""
    await session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(f"{account_id}:{stem}", 0))))


async def accounting_code_taken(
    session: AsyncSession, *, account_id: uuid.UUID, code: str, except_client_id: int | None = None
) -> bool:
    """Whether another client of the account already uses this accounting code."""
    condition = [Client.account_id == account_id, Client.accounting_code == code]
    if except_client_id is not None:
        condition.append(Client.id != except_client_id)
    return bool(await session.scalar(select(exists().where(*condition))))


async def client_has_invoices(session: AsyncSession, *, account_id: uuid.UUID, client_id: int) -> bool:
    """Whether any invoice, even cancelled, was issued to the client (they are kept by law)."""
    return bool(
        await session.scalar(
            select(
                exists().where(
                    ClientInvoice.account_id == account_id,
                    ClientInvoice.client_id == client_id,
                    ClientInvoice.issued_at.is_not(None),
                )
            )
        )
    )


async def client_has_orders(session: AsyncSession, *, account_id: uuid.UUID, client_id: int) -> bool:
    """Whether any order, even cancelled, was billed to the client."""
    return bool(
        await session.scalar(
            select(exists().where(ClientOrder.account_id == account_id, ClientOrder.client_id == client_id))
        )
    )


# Timeline lines whose text the user wrote or that quote personal data (a note, an e-mail's address
# and subject, a reminder's text, a blocking reason). Other lines hold numbers, amounts, dates, user
# ids, campaign names, or name another client by id (timeline_text.OTHER_CLIENT).
PERSONAL_CATEGORIES = ("note", "email", "reminder", "block")


async def erase_personal_data(session: AsyncSession, *, account_id: uuid.UUID, client_id: int) -> None:
    """Remove what identifies a client beyond its row: contacts, notes, and the timeline's free texts."""
    await session.execute(delete(Contact).where(Contact.account_id == account_id, Contact.client_id == client_id))
    await session.execute(
        delete(ClientNote).where(ClientNote.account_id == account_id, ClientNote.client_id == client_id)
    )
    await session.execute(
        delete(TimelineEntry).where(
            TimelineEntry.account_id == account_id,
            TimelineEntry.client_id == client_id,
            TimelineEntry.category.in_(PERSONAL_CATEGORIES),
        )
    )


async def erased_among(session: AsyncSession, *, account_id: uuid.UUID, client_ids: Iterable[int]) -> set[int]:
    """The ids among these whose client was erased, or was merged into a client erased since."""
    ids = sorted(set(client_ids))
    if not ids:
        return set()
    kept = aliased(Client)
    rows = await session.execute(
        select(Client.id)
        .outerjoin(kept, (kept.account_id == Client.account_id) & (kept.id == Client.merged_into_id))
        .where(
            Client.account_id == account_id,
            Client.id.in_(ids),
            Client.erased_at.is_not(None) | kept.erased_at.is_not(None),
        )
    )
    return set(rows.scalars())


async def count_erasure(session: AsyncSession, *, account_id: uuid.UUID) -> None:
    """Count one more erasure in the account (what the export worker checks its snapshot against)."""
    await session.execute(update(Account).where(Account.id == account_id).values(erasures=Account.erasures + 1))


async def erasures_seen(session: AsyncSession, *, account_id: uuid.UUID) -> int | None:
    """The account's count of erasures, share-locked: an erasure being committed is waited for."""
    return await session.scalar(select(Account.erasures).where(Account.id == account_id).with_for_update(read=True))


async def list_labels(session: AsyncSession, model: Label, *, account_id: uuid.UUID) -> list[Category | Tag]:
    """The account's categories or tags by name."""
    rows = await session.execute(select(model).where(model.account_id == account_id).order_by(model.name))
    return list(rows.scalars())


async def get_label(
    session: AsyncSession, model: Label, *, account_id: uuid.UUID, label_id: int
) -> Category | Tag | None:
    """One category or tag of the account."""
    return (
        await session.execute(select(model).where(model.account_id == account_id, model.id == label_id))
    ).scalar_one_or_none()


async def label_name_taken(
    session: AsyncSession, model: Label, *, account_id: uuid.UUID, name: str, except_id: int | None = None
) -> bool:
    """Whether the account already has a category or tag of that name."""
    condition = [model.account_id == account_id, model.name == name]
    if except_id is not None:
        condition.append(model.id != except_id)
    return bool(await session.scalar(select(exists().where(*condition))))


async def label_in_use(session: AsyncSession, model: Label, *, label_id: int) -> bool:
    """Whether a live client uses the category or tag."""
    if model is Category:
        condition = exists().where(Client.category_id == label_id, Client.deleted_at.is_(None))
    else:
        condition = exists().where(ClientTag.tag_id == label_id)
    return bool(await session.scalar(select(condition)))


async def list_contacts(session: AsyncSession, *, client_id: int) -> list[Contact]:
    """A client's contacts in creation order."""
    rows = await session.execute(select(Contact).where(Contact.client_id == client_id).order_by(Contact.id))
    return list(rows.scalars())


async def get_contact(session: AsyncSession, *, client_id: int, contact_id: int) -> Contact | None:
    """One contact of a client."""
    return (
        await session.execute(select(Contact).where(Contact.client_id == client_id, Contact.id == contact_id))
    ).scalar_one_or_none()


async def live_clients_page(
    session: AsyncSession, *, account_id: uuid.UUID | None, after_id: int, limit: int
) -> list[Client]:
    """Live clients in id order after ``after_id`` (all accounts when none is given)."""
    query = select(Client).where(Client.deleted_at.is_(None), Client.id > after_id).order_by(Client.id).limit(limit)
    if account_id is not None:
        query = query.where(Client.account_id == account_id)
    return list((await session.execute(query)).scalars())


async def tag_ids_by_client(session: AsyncSession, *, client_ids: list[int]) -> dict[int, list[int]]:
    """Tag ids of several clients at once."""
    rows = await session.execute(
        select(ClientTag.client_id, ClientTag.tag_id)
        .where(ClientTag.client_id.in_(client_ids))
        .order_by(ClientTag.tag_id)
    )
    found: dict[int, list[int]] = {client_id: [] for client_id in client_ids}
    for client_id, tag_id in rows.all():
        found[client_id].append(tag_id)
    return found
