"""Tables of the clients service (SQLAlchemy 2, typed mappings)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    and_,
    func,
    literal_column,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column, relationship

from services.clients.base.domain import ClientKind, NameOrder
from shared.access.tables import define_access_tables
from shared.db import new_metadata
from shared.idempotency import define_idempotency_keys
from shared.inbox import define_inbox
from shared.outbox import define_outbox
from shared.retention import retention_indexes


class Base(DeclarativeBase):
    """Declarative base of the clients database."""

    metadata = new_metadata()


outbox = define_outbox(Base.metadata, indexed_by_client=True)
inbox = define_inbox(Base.metadata)
retention_indexes(outbox, inbox)  # the indexes the retention sweep reads (shared/retention)
idempotency_keys = define_idempotency_keys(Base.metadata)
# Identity's accounts, users and revocations, which every request's token is checked against.
access_tables = define_access_tables(Base.metadata)


class Account(Base):
    """A tenant and its client-base settings."""

    __tablename__ = "accounts"
    __table_args__ = (CheckConstraint("name_order IN ('first_last', 'last_first')", name="name_order"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(200))
    name_order: Mapped[NameOrder] = mapped_column(String(16), default="first_last", server_default="first_last")
    accounting_prefix: Mapped[str] = mapped_column(String(10), default="411", server_default="411")
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Paris", server_default="Europe/Paris")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # How many clients the account has erased: an export built from a snapshot taken before the
    # latest erasure may hold that client, so the export worker builds it again (exports/worker.py).
    erasures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class AccountClientCounts(Base):
    """Tab counts of the client list, kept by a trigger on clients (never counted on the fly)."""

    __tablename__ = "account_client_counts"

    account_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    clients: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    prospects: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class _NamedLabel:
    """Columns shared by categories and tags: a name unique in its account."""

    @declared_attr.directive
    def __table_args__(cls) -> tuple[UniqueConstraint]:
        return (UniqueConstraint("account_id", "name"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("accounts.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))


class Category(_NamedLabel, Base):
    """A client category (restaurant, wine shop, private customer...)."""

    __tablename__ = "categories"


class Tag(_NamedLabel, Base):
    """A free label put on clients (vip, salon 2026...)."""

    __tablename__ = "tags"


class ClientTag(Base):
    """Which tags a client carries."""

    __tablename__ = "client_tags"

    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True)


class Client(Base):
    """A client or prospect, with the list's read-model columns kept beside it."""

    __tablename__ = "clients"
    __table_args__ = (
        UniqueConstraint("account_id", "accounting_code"),
        CheckConstraint("kind IN ('person', 'company')", name="kind"),
        CheckConstraint("status IN ('prospect', 'client')", name="status"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("accounts.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    kind: Mapped[ClientKind] = mapped_column(String(10))
    title: Mapped[str | None] = mapped_column(String(30))
    first_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str | None] = mapped_column(String(100))
    company_name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(30))
    mobile: Mapped[str | None] = mapped_column(String(30))
    billing_line1: Mapped[str | None] = mapped_column(String(100))
    billing_line2: Mapped[str | None] = mapped_column(String(100))
    billing_line3: Mapped[str | None] = mapped_column(String(100))
    # Byte order (C collation), so a prefix search is an index range whatever the database's locale.
    billing_postal_code: Mapped[str | None] = mapped_column(String(16, collation="C"))
    billing_city: Mapped[str | None] = mapped_column(String(100))
    billing_country: Mapped[str] = mapped_column(String(2), default="FR")
    shipping_same_as_billing: Mapped[bool] = mapped_column(Boolean, default=True)
    shipping_line1: Mapped[str | None] = mapped_column(String(100))
    shipping_line2: Mapped[str | None] = mapped_column(String(100))
    shipping_line3: Mapped[str | None] = mapped_column(String(100))
    shipping_postal_code: Mapped[str | None] = mapped_column(String(16))
    shipping_city: Mapped[str | None] = mapped_column(String(100))
    shipping_country: Mapped[str | None] = mapped_column(String(2))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    price_grid_id: Mapped[int | None] = mapped_column(BigInteger)
    accounting_code: Mapped[str] = mapped_column(String(30))
    accepts_emailing: Mapped[bool] = mapped_column(Boolean, default=False)
    accepts_mailing: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str | None] = mapped_column(Text)
    show_note_on_orders: Mapped[bool] = mapped_column(Boolean, default=False)
    # A company's identifiers, compact and checked (services.clients.base.validation); None for a person.
    legal_form: Mapped[str | None] = mapped_column(String(50))
    siren: Mapped[str | None] = mapped_column(String(9))
    siret: Mapped[str | None] = mapped_column(String(14))
    vat_number: Mapped[str | None] = mapped_column(String(16))
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    blocked_reason: Mapped[str | None] = mapped_column(String(500))
    blocked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    blocked_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # When the client left the live base (list, search, picker, exports): deleted, archived,
    # merged or erased, told apart by the columns below; a plain delete sets only this one.
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    archived_by: Mapped[str | None] = mapped_column(String(100))
    erased_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    merged_into_id: Mapped[int | None] = mapped_column(BigInteger)
    # Normalised (unaccented, lower-case) names, so byte order is alphabetical order.
    sort_first_last: Mapped[str] = mapped_column(String(300, collation="C"))
    sort_last_first: Mapped[str] = mapped_column(String(300, collation="C"))
    # Read model fed by invoice events; derived from client_invoices, never incremented blindly.
    status: Mapped[str] = mapped_column(String(10), default="prospect", server_default="prospect")
    invoiced_orders_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    invoiced_total_cents: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    last_invoiced_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_invoiced_order_id: Mapped[int | None] = mapped_column(BigInteger)
    last_invoiced_order_number: Mapped[str | None] = mapped_column(String(40))
    # Orders placed (confirmed or invoiced, not drafts nor cancelled), derived from client_orders.
    placed_orders_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Search keys (services.clients.search.keys) of the client and its contacts, kept by the service.
    search_names: Mapped[str] = mapped_column(Text, default="", server_default="")
    search_emails: Mapped[str] = mapped_column(Text, default="", server_default="")
    search_phones: Mapped[str] = mapped_column(Text, default="", server_default="")
    search_city: Mapped[str] = mapped_column(String(100, collation="C"), default="", server_default="")
    # The client's CSV export line, written by a trigger (services.clients.exports.lines); never loaded here.
    export_line: Mapped[str | None] = mapped_column(Text, deferred=True, deferred_raiseload=True)

    tags: Mapped[list[Tag]] = relationship(secondary="client_tags", lazy="raise")
    contacts: Mapped[list[Contact]] = relationship(back_populates="client", lazy="raise")


# The "location" sort key: country, postal code, then the city as the search folds it (unaccented,
# lower-case, punctuation dropped), in byte order like the name keys: the two C-collated columns make the
# whole key C without a COLLATE clause. A client with neither a postal code nor a city has no address to
# sort by (the country alone is a default): '1' puts it after every '0…' key in ascending order. Written as
# PostgreSQL prints it back, so that a query's key is the very expression the index holds and Alembic's
# comparison of the model with the database sees the same text (migration 0015 creates the indexes).
LOCATION_KEY_SQL = (
    "(\nCASE\n"
    "    WHEN clients.billing_postal_code IS NOT NULL OR clients.search_city::text <> ''::text"
    " THEN (((('0'::text || clients.billing_country::text) || ' '::text)"
    " || COALESCE(clients.billing_postal_code, ''::character varying)::text) || ' '::text)"
    " || clients.search_city::text\n"
    "    ELSE '1'::text\n"
    "END)"
)


# Sort keys of the list; each gets an index for the "all" tab and one for the status tabs.
# Prospects have no last invoice: -infinity keeps the key non-null, so keyset paging works.
# Any: Index() is typed for plain columns, and two keys are expressions (as the ORM attributes are).
LIST_SORT_COLUMNS: dict[str, Any] = {
    "first_name": Client.sort_first_last,
    "last_name": Client.sort_last_first,
    "created_at": Client.created_at,
    "total_invoiced": Client.invoiced_total_cents,
    "invoiced_orders": Client.invoiced_orders_count,
    "last_invoiced_at": func.coalesce(Client.last_invoiced_at, literal_column("'-infinity'::timestamptz")),
    "location": literal_column(LOCATION_KEY_SQL, String),
}


def _list_indexes() -> None:
    live = Client.deleted_at.is_(None)
    for key, column in LIST_SORT_COLUMNS.items():
        Index(f"ix_clients_list_{key}", Client.account_id, column, Client.id, postgresql_where=live)
        Index(f"ix_clients_tab_{key}", Client.account_id, Client.status, column, Client.id, postgresql_where=live)


_list_indexes()


def _search_indexes() -> None:
    live = Client.deleted_at.is_(None)
    # Substrings anywhere in a name, an e-mail or a phone: trigram GIN (REFERENCE: 486 ms -> 7.8 ms).
    for column in (Client.search_names, Client.search_emails, Client.search_phones):
        Index(
            f"ix_clients_{column.key}",
            column,
            postgresql_using="gin",
            postgresql_ops={column.key: "gin_trgm_ops"},
            postgresql_where=live,
        )
    # Blocked clients are few: a partial index finds them without reading the others.
    Index("ix_clients_blocked", Client.account_id, postgresql_where=and_(live, Client.blocked))
    for filtered in (
        Client.billing_postal_code,
        Client.search_city,
        Client.billing_country,
        Client.category_id,
        Client.price_grid_id,
        Client.placed_orders_count,
    ):
        Index(f"ix_clients_{filtered.key}", Client.account_id, filtered, postgresql_where=live)


_search_indexes()


def _duplicate_indexes() -> None:
    # Probable duplicates share a normalised e-mail, phone, or name and postal code (GET /duplicates).
    live = Client.deleted_at.is_(None)
    Index(
        "ix_clients_duplicate_email",
        Client.account_id,
        func.lower(Client.email),
        postgresql_where=and_(live, Client.email.is_not(None)),
    )
    for column in (Client.phone, Client.mobile):
        Index(
            f"ix_clients_duplicate_{column.key}",
            Client.account_id,
            func.phone_digits(column),
            postgresql_where=and_(live, column.is_not(None)),
        )
    Index(
        "ix_clients_duplicate_name",
        Client.account_id,
        Client.sort_last_first,
        Client.billing_postal_code,
        postgresql_where=live,
    )
    Index("ix_clients_merged_into", Client.merged_into_id, postgresql_where=Client.merged_into_id.is_not(None))


_duplicate_indexes()


class Contact(Base):
    """A person at a client, and which documents they receive by e-mail."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("accounts.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    title: Mapped[str | None] = mapped_column(String(30))
    first_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str | None] = mapped_column(String(100))
    job_title: Mapped[str | None] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(30))
    mobile: Mapped[str | None] = mapped_column(String(30))
    receives_quotes: Mapped[bool] = mapped_column(Boolean, default=False)
    receives_proforma: Mapped[bool] = mapped_column(Boolean, default=False)
    receives_invoices: Mapped[bool] = mapped_column(Boolean, default=False)
    receives_dunning: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    client: Mapped[Client] = relationship(back_populates="contacts", lazy="raise")


class ClientInvoice(Base):
    """One invoice as the order events told it: the source of the list's statistics.

    Keyed by invoice so duplicates and any arrival order converge (issued and cancelled
    facts are merged into one row; aggregates are recomputed from these rows).
    """

    __tablename__ = "client_invoices"
    __table_args__ = (
        Index("ix_client_invoices_client", "account_id", "client_id"),
        # The orders history finds each order's invoice by order.
        Index("ix_client_invoices_order", "account_id", "order_id"),
    )

    # The account leads the key: another account's event naming the same invoice id stays apart.
    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    invoice_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    client_id: Mapped[int] = mapped_column(BigInteger)
    order_id: Mapped[int] = mapped_column(BigInteger)
    order_number: Mapped[str | None] = mapped_column(String(40))
    invoice_number: Mapped[str | None] = mapped_column(String(40))
    issued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    total_cents: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str | None] = mapped_column(String(3))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Kept so a cancellation seen before its invoice can be completed on the timeline later.
    credit_note_number: Mapped[str | None] = mapped_column(String(40))


Index(
    "ix_client_invoices_number",
    ClientInvoice.invoice_number,
    postgresql_using="gin",
    postgresql_ops={"invoice_number": "gin_trgm_ops"},
)


# The tables below are read models fed by the orders service's events. Their keys start with
# the account, so another account's event naming the same ids can never touch this one's rows.


class ClientInvoiceLine(Base):
    """One line of an issued invoice: revenue per container in the statistics."""

    __tablename__ = "client_invoice_lines"

    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    invoice_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    order_line_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    variant_id: Mapped[int] = mapped_column(BigInteger)
    product_id: Mapped[int] = mapped_column(BigInteger)
    container_id: Mapped[int] = mapped_column(BigInteger)
    quantity: Mapped[Decimal] = mapped_column(Numeric(14, 3))
    line_total_cents: Mapped[int] = mapped_column(BigInteger)


class ClientOrder(Base):
    """An order of a billed client at the latest version seen (for the orders history and the statistics).

    Order events may arrive in any order: a row only moves to a higher ``version``.
    """

    __tablename__ = "client_orders"
    __table_args__ = (Index("ix_client_orders_history", "account_id", "client_id", "created_at", "order_id"),)

    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    order_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    client_id: Mapped[int] = mapped_column(BigInteger)
    ship_to_client_id: Mapped[int] = mapped_column(BigInteger)
    order_number: Mapped[str] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer)
    total_cents: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Containers of the order's lines: the statistics' container filter needs no lines table.
    container_ids: Mapped[list[int]] = mapped_column(ARRAY(BigInteger), default=list, server_default="{}")


Index(
    "ix_client_orders_number",
    ClientOrder.order_number,
    postgresql_using="gin",
    postgresql_ops={"order_number": "gin_trgm_ops"},
)


class PriceGridName(Base):
    """The orders service's price grids by name (price_grid.* events), so the search's grid: takes a name."""

    __tablename__ = "price_grid_names"

    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    grid_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    # The orders service's limit, not ours: no length here.
    name: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer)


class ClientShipmentLine(Base):
    """Goods that left for a client: counted for the ship-to client, not the billed one (top products, statistics)."""

    __tablename__ = "client_shipment_lines"
    __table_args__ = (Index("ix_client_shipment_lines_ship_to", "account_id", "ship_to_client_id", "shipped_at"),)

    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    shipment_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    order_line_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    order_id: Mapped[int] = mapped_column(BigInteger)
    client_id: Mapped[int] = mapped_column(BigInteger)
    ship_to_client_id: Mapped[int] = mapped_column(BigInteger)
    variant_id: Mapped[int] = mapped_column(BigInteger)
    product_id: Mapped[int] = mapped_column(BigInteger)
    # Names as the orders service sent them: its limits, not ours, so no length here.
    product_name: Mapped[str] = mapped_column(Text)
    vintage: Mapped[int | None] = mapped_column(Integer)
    container_id: Mapped[int] = mapped_column(BigInteger)
    container_name: Mapped[str] = mapped_column(Text)
    container_short_name: Mapped[str] = mapped_column(Text)
    millilitres: Mapped[int] = mapped_column(Integer)
    quantity: Mapped[Decimal] = mapped_column(Numeric(14, 3))
    litres: Mapped[Decimal] = mapped_column(Numeric(20, 6))
    shipped_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class TimelineEntry(Base):
    """One line of a client's timeline; an event adds at most one line per client."""

    __tablename__ = "timeline_entries"
    __table_args__ = (
        UniqueConstraint("source_event_id", "client_id"),
        Index("ix_timeline_entries_client", "account_id", "client_id", "occurred_at", "id"),
        Index("ix_timeline_entries_category", "account_id", "client_id", "category", "occurred_at", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    client_id: Mapped[int] = mapped_column(BigInteger)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    kind: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    object_type: Mapped[str] = mapped_column(String(20))
    object_id: Mapped[int | None] = mapped_column(BigInteger)
    amount_cents: Mapped[int | None] = mapped_column(BigInteger)
    source_event_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    # The coarse kind the timeline filters on (services.clients.timeline.domain.CATEGORIES).
    category: Mapped[str] = mapped_column(String(20))
    # Where the object lives in the API (an invoice's link is its order's).
    link: Mapped[str | None] = mapped_column(String(200))
    # Another client the text names (the ship-to of a shipment, the client absorbed by a merge): the
    # text holds timeline.domain.OTHER_CLIENT and that client's current name is written in when read.
    about_client_id: Mapped[int | None] = mapped_column(BigInteger)


class ClientNote(Base):
    """A comment, call or meeting noted on a client's sheet."""

    __tablename__ = "client_notes"
    __table_args__ = (
        CheckConstraint("kind IN ('comment', 'call', 'meeting')", name="kind"),
        Index("ix_client_notes_client", "account_id", "client_id", "noted_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    client_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(10))
    noted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    text: Mapped[str] = mapped_column(Text)
    by_user: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ClientMerge(Base):
    """One merge done: which client absorbed which, by whom, and what it moved."""

    __tablename__ = "client_merges"
    __table_args__ = (UniqueConstraint("account_id", "merged_client_id"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    kept_client_id: Mapped[int] = mapped_column(BigInteger)
    merged_client_id: Mapped[int] = mapped_column(BigInteger)
    by_user: Mapped[str] = mapped_column(String(100))
    merged_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    summary: Mapped[dict[str, Any]] = mapped_column(JSONB)


class Segment(Base):
    """A saved search (segment): re-evaluated each time it is used, so it follows the client base."""

    __tablename__ = "segments"
    __table_args__ = (UniqueConstraint("account_id", "name"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("accounts.id"))
    name: Mapped[str] = mapped_column(String(100))
    # The SearchParams as given (q text and filters), validated when saved.
    search: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ExportJob(Base):
    """A spreadsheet built in the background; the row is the queue, so no job is ever lost."""

    __tablename__ = "export_jobs"
    __table_args__ = (
        CheckConstraint("state IN ('queued', 'running', 'done', 'failed')", name="state"),
        CheckConstraint("kind IN ('clients', 'contacts')", name="kind"),
        CheckConstraint("format IN ('xlsx', 'csv')", name="format"),
        # The worker's claim: queued jobs, and running ones whose worker stopped renewing its lease.
        Index("ix_export_jobs_pending", "lease_until", postgresql_where=text("state IN ('queued', 'running')")),
        Index("ix_export_jobs_account", "account_id", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("accounts.id"))
    user_id: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(10))
    format: Mapped[str] = mapped_column(String(4))
    # The resolved selection (search, or explicit ids) and the list's tab and sort.
    selection: Mapped[dict[str, Any]] = mapped_column(JSONB)
    state: Mapped[str] = mapped_column(String(10), default="queued", server_default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    rows_total: Mapped[int | None] = mapped_column(BigInteger)
    rows_done: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    lease_until: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    file_name: Mapped[str | None] = mapped_column(String(200))
    file_size: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
