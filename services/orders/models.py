"""Tables of the orders service: catalogue, prices, client replica, orders and what follows."""

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
    false,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.access.tables import define_access_tables
from shared.db import new_metadata
from shared.idempotency import define_idempotency_keys
from shared.inbox import define_inbox
from shared.outbox import define_outbox
from shared.retention import retention_indexes

Quantity = Numeric(12, 3)
VatRate = Numeric(4, 2)  # a percentage with two decimals, 0 <= rate < 100 (services/orders/pricing/taxes.py)


class Base(DeclarativeBase):
    """Declarative base of the orders database."""

    metadata = new_metadata()


outbox = define_outbox(Base.metadata)
inbox = define_inbox(Base.metadata)
retention_indexes(outbox, inbox)  # the indexes the retention sweep reads (shared/retention)
idempotency_keys = define_idempotency_keys(Base.metadata)
# Identity's accounts, users and revocations, which every request's token is checked against.
access_tables = define_access_tables(Base.metadata)


def _id() -> Mapped[int]:
    return mapped_column(BigInteger, Identity(), primary_key=True)


def _account() -> Mapped[uuid.UUID]:
    return mapped_column(UUID(as_uuid=True), index=True)


class Container(Base):
    """A bottle size or other container ("Bouteille (75 cl)"), reference data per account."""

    __tablename__ = "containers"
    __table_args__ = (
        UniqueConstraint("account_id", "short_name"),
        CheckConstraint("kind IN ('bottle', 'magnum', 'bag-in-box', 'other')", name="kind"),
    )

    id: Mapped[int] = _id()
    account_id: Mapped[uuid.UUID] = _account()
    name: Mapped[str] = mapped_column(String(100))
    short_name: Mapped[str] = mapped_column(String(30))
    millilitres: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(12))


class Product(Base):
    """A wine or spirit sold by the account."""

    __tablename__ = "products"
    __table_args__ = (
        CheckConstraint("vat_rate >= 0 AND vat_rate < 100", name="vat_rate_range"),
        CheckConstraint("excise_cents_per_litre >= 0", name="excise_not_negative"),
    )

    id: Mapped[int] = _id()
    account_id: Mapped[uuid.UUID] = _account()
    name: Mapped[str] = mapped_column(String(200))
    vat_rate: Mapped[Decimal] = mapped_column(VatRate, server_default=text("20.00"))
    excise_cents_per_litre: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Variant(Base):
    """A sellable form of a product: container, vintage and packaging."""

    __tablename__ = "variants"

    id: Mapped[int] = _id()
    account_id: Mapped[uuid.UUID] = _account()
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    container_id: Mapped[int] = mapped_column(ForeignKey("containers.id"))
    vintage: Mapped[int | None] = mapped_column(Integer)
    packaging: Mapped[str | None] = mapped_column(String(100))


class PriceGrid(Base):
    """A price list (with or without tax); one may be the account's default."""

    __tablename__ = "price_grids"
    __table_args__ = (
        UniqueConstraint("account_id", "name"),
        Index("uq_price_grids_default", "account_id", unique=True, postgresql_where="is_default"),
    )

    id: Mapped[int] = _id()
    account_id: Mapped[uuid.UUID] = _account()
    name: Mapped[str] = mapped_column(String(100))
    includes_tax: Mapped[bool] = mapped_column(Boolean, default=True)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    # Raised by each rename, so that the clients service's replica of the names keeps the latest.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


class GridPrice(Base):
    """The price of a variant in a grid."""

    __tablename__ = "grid_prices"

    grid_id: Mapped[int] = mapped_column(ForeignKey("price_grids.id", ondelete="CASCADE"), primary_key=True)
    variant_id: Mapped[int] = mapped_column(ForeignKey("variants.id", ondelete="CASCADE"), primary_key=True)
    account_id: Mapped[uuid.UUID] = _account()
    price_cents: Mapped[int] = mapped_column(BigInteger)


class NegotiatedPrice(Base):
    """A client's own negotiated price for a variant, applied before any grid."""

    __tablename__ = "negotiated_prices"

    client_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    variant_id: Mapped[int] = mapped_column(ForeignKey("variants.id", ondelete="CASCADE"), primary_key=True)
    account_id: Mapped[uuid.UUID] = _account()
    price_cents: Mapped[int] = mapped_column(BigInteger)


class SupersededPrice(Base):
    """A merged client's negotiated price that lost to the kept client's own price for the variant at a merge.

    negotiated_prices holds one live price per client and variant, so the losing price cannot
    stay there under the kept client's id; it is kept here instead of being dropped, so the
    operator can see it beside the kept client's prices and set it again by hand.
    """

    __tablename__ = "superseded_prices"
    __table_args__ = (Index("ix_superseded_prices_client", "account_id", "client_id"),)

    merge_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    variant_id: Mapped[int] = mapped_column(ForeignKey("variants.id", ondelete="CASCADE"), primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    client_id: Mapped[int] = mapped_column(BigInteger)  # the kept client, which now owns the references
    merged_client_id: Mapped[int] = mapped_column(BigInteger)
    price_cents: Mapped[int] = mapped_column(BigInteger)
    kept_price_cents: Mapped[int] = mapped_column(BigInteger)
    superseded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ClientReplica(Base):
    """What the orders service knows of a client, from the clients service's events."""

    __tablename__ = "client_replicas"
    __table_args__ = (Index("ix_client_replicas_choice", "account_id", "search_name"),)

    client_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    # Snapshot fields follow the newest snapshot; blocked/deleted follow the newest event of
    # any kind, so a block that overtakes the creation is neither lost nor undone.
    version: Mapped[int] = mapped_column(Integer)
    flags_version: Mapped[int] = mapped_column(Integer)
    display_name: Mapped[str] = mapped_column(String(300))
    search_name: Mapped[str] = mapped_column(String(300, collation="C"))
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    # Archiving has its own version: sharing flags_version with blocked would let an archive
    # event that overtakes an older block make the block look stale and lose it.
    archived: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    archived_version: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    # Erasure and merging are final: no later or stale snapshot may undo them.
    erased: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    merged_into: Mapped[int | None] = mapped_column(BigInteger)
    merge_id: Mapped[int | None] = mapped_column(BigInteger)
    note: Mapped[str | None] = mapped_column(Text)
    show_note_on_orders: Mapped[bool] = mapped_column(Boolean, default=False)
    price_grid_id: Mapped[int | None] = mapped_column(BigInteger)
    billing_address: Mapped[dict | None] = mapped_column(JSONB)
    shipping_address: Mapped[dict | None] = mapped_column(JSONB)
    # A company client's identifiers, which its invoices print; None for a person.
    legal_form: Mapped[str | None] = mapped_column(String(50))
    siren: Mapped[str | None] = mapped_column(String(9))
    siret: Mapped[str | None] = mapped_column(String(14))
    vat_number: Mapped[str | None] = mapped_column(String(16))
    # "person" or "company" (a company buyer's invoices carry the B2B mentions); None until a snapshot says.
    kind: Mapped[str | None] = mapped_column(String(10))


class SellerProfile(Base):
    """The account as the seller its invoices name: identifiers, letterhead, payment terms (services/orders/seller)."""

    __tablename__ = "seller_profiles"
    __table_args__ = (
        CheckConstraint("payment_terms_days BETWEEN 0 AND 365", name="payment_terms_days_range"),
        CheckConstraint("share_capital_cents >= 0", name="share_capital_not_negative"),
    )

    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    legal_name: Mapped[str | None] = mapped_column(String(200))
    legal_form: Mapped[str | None] = mapped_column(String(50))
    address_lines: Mapped[list[str]] = mapped_column(JSONB, server_default=text("'[]'::jsonb"))
    postal_code: Mapped[str | None] = mapped_column(String(16))
    city: Mapped[str | None] = mapped_column(String(100))
    country_code: Mapped[str] = mapped_column(String(2), server_default="FR")
    siren: Mapped[str | None] = mapped_column(String(9))
    siret: Mapped[str | None] = mapped_column(String(14))
    vat_number: Mapped[str | None] = mapped_column(String(16))
    rcs_city: Mapped[str | None] = mapped_column(String(100))
    share_capital_cents: Mapped[int | None] = mapped_column(BigInteger)
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(30))
    iban: Mapped[str | None] = mapped_column(String(42))
    payment_terms_days: Mapped[int] = mapped_column(Integer, server_default=text("30"))
    payment_terms_text: Mapped[str | None] = mapped_column(String(300))
    late_penalty_rate: Mapped[str] = mapped_column(String(300), server_default="trois fois le taux d'intérêt légal")
    vat_exemption: Mapped[str | None] = mapped_column(String(300))
    # The logo is a file of the documents' storage; the row names it (objects no row names are swept).
    logo_key: Mapped[str | None] = mapped_column(String(300))
    logo_mime_type: Mapped[str | None] = mapped_column(String(20))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class NumberSequence(Base):
    """Last number given per account and document kind; its row lock makes numbers gapless."""

    __tablename__ = "number_sequences"

    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    last_value: Mapped[int] = mapped_column(BigInteger)


class Order(Base):
    """An order billed to a client and shipped to a client (often the same)."""

    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("account_id", "number"),
        CheckConstraint("state IN ('draft', 'confirmed', 'invoiced', 'cancelled')", name="state"),
        Index("ix_orders_client", "account_id", "client_id"),
    )

    id: Mapped[int] = _id()
    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    number: Mapped[str] = mapped_column(String(40))
    client_id: Mapped[int] = mapped_column(BigInteger)
    ship_to_client_id: Mapped[int] = mapped_column(BigInteger)
    state: Mapped[str] = mapped_column(String(10), default="draft")
    version: Mapped[int] = mapped_column(Integer, default=1)
    total_cents: Mapped[int] = mapped_column(BigInteger, default=0)  # incl. tax: what the client pays
    # Whether the unit prices include VAT and excise (the basis of the grid that priced the order).
    prices_include_tax: Mapped[bool] = mapped_column(Boolean)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    banner: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class OrderLine(Base):
    """A product line and the price rule that set its unit price."""

    __tablename__ = "order_lines"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("price_rule IN ('negotiated', 'client_grid', 'default_grid', 'manual')", name="rule"),
    )

    id: Mapped[int] = _id()
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    variant_id: Mapped[int] = mapped_column(ForeignKey("variants.id"))
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    unit_price_cents: Mapped[int] = mapped_column(BigInteger)
    price_rule: Mapped[str] = mapped_column(String(12))
    line_total_cents: Mapped[int] = mapped_column(BigInteger)
    # Snapshots taken when the line is priced: a later change of the product never alters the order.
    vat_rate: Mapped[Decimal] = mapped_column(VatRate)
    excise_cents: Mapped[int] = mapped_column(BigInteger)


class Invoice(Base):
    """The invoice of an order; a credit note cancels it (numbers are never reused)."""

    __tablename__ = "invoices"
    __table_args__ = (UniqueConstraint("account_id", "number"), UniqueConstraint("order_id"))

    id: Mapped[int] = _id()
    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    number: Mapped[str] = mapped_column(String(40))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # The totals as issued, never recomputed: total_cents is incl. tax; vat lists {rate, base_cents, amount_cents}.
    total_cents: Mapped[int] = mapped_column(BigInteger)
    prices_include_tax: Mapped[bool] = mapped_column(Boolean)
    total_excl_tax_cents: Mapped[int] = mapped_column(BigInteger)
    vat: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    excise_cents: Mapped[int] = mapped_column(BigInteger)
    credit_note_number: Mapped[str | None] = mapped_column(String(40))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The Factur-X PDFs as issued, rendered once and stored (services/orders/invoicing/files.py) with
    # their SHA-256; None for invoices issued before documents were stored.
    document_key: Mapped[str | None] = mapped_column(String(300))
    document_sha256: Mapped[str | None] = mapped_column(String(64))
    credit_note_document_key: Mapped[str | None] = mapped_column(String(300))
    credit_note_document_sha256: Mapped[str | None] = mapped_column(String(64))


class Shipment(Base):
    """Goods of an order sent to its ship-to client."""

    __tablename__ = "shipments"

    id: Mapped[int] = _id()
    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    ship_to_client_id: Mapped[int] = mapped_column(BigInteger)
    shipped_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ShipmentLine(Base):
    """How much of an order line left in a shipment."""

    __tablename__ = "shipment_lines"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id", ondelete="CASCADE"), primary_key=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id"), primary_key=True)
    quantity: Mapped[Decimal] = mapped_column(Quantity)


class Payment(Base):
    """Money received on an order."""

    __tablename__ = "payments"
    __table_args__ = (CheckConstraint("amount_cents > 0", name="amount_positive"),)

    id: Mapped[int] = _id()
    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    paid_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    method: Mapped[str] = mapped_column(String(20))


class Reservation(Base):
    """Stock set aside for a client (a reservation); shipments to that client consume it."""

    __tablename__ = "reservations"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("status IN ('active', 'consumed', 'cancelled')", name="status"),
        Index("ix_reservations_client", "account_id", "client_id"),
    )

    id: Mapped[int] = _id()
    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    client_id: Mapped[int] = mapped_column(BigInteger)
    variant_id: Mapped[int] = mapped_column(ForeignKey("variants.id"))
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    remaining: Mapped[Decimal] = mapped_column(Quantity)
    status: Mapped[str] = mapped_column(String(10), default="active")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
