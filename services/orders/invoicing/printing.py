"""Use cases of printing: an issued invoice's or credit note's stored PDF, a shipment's delivery note."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from services.orders.documents.pdf import render_pdf
from services.orders.files import read_stored
from services.orders.invoicing import repository as repo
from services.orders.invoicing.documents import delivery_note_document, delivery_note_number
from services.orders.models import Invoice
from services.orders.ordering import repository as orders_repo
from services.orders.ordering import service as ordering
from services.orders.seller import service as seller
from services.orders.seller.domain import DELIVERY_NOTE_MENTIONS, missing_mentions
from shared.auth import Principal
from shared.errors import Conflict, NotFound
from shared.storage import Storage


@dataclass(frozen=True, slots=True)
class Printed:
    """A document's PDF bytes, the file name it is downloaded under, and its SHA-256 (the ETag)."""

    pdf: bytes
    filename: str
    sha256: str


async def _invoice(session: AsyncSession, *, principal: Principal, order_id: int) -> Invoice:
    order = await ordering.load_order(session, principal=principal, order_id=order_id)
    invoice = await orders_repo.get_invoice(session, order_id=order.id)
    if invoice is None:
        raise NotFound(f"Order {order.number} has no invoice.")
    return invoice


async def _stored(files: Storage, *, key: str | None, sha256: str | None, name: str) -> Printed:
    if key is None or sha256 is None:
        raise NotFound(f"{name} was issued before documents were stored: it has no PDF.")
    pdf = await read_stored(files, key=key)
    # The row's hash is the document's identity: bytes that are not the ones issued are never served as it.
    if pdf is None or hashlib.sha256(pdf).hexdigest() != sha256:
        raise Conflict(f"The stored PDF of {name} is missing or altered.", extra={"reason": "document_altered"})
    return Printed(pdf=pdf, filename=f"{name}.pdf", sha256=sha256)


async def invoice_pdf(session: AsyncSession, *, principal: Principal, order_id: int, files: Storage) -> Printed:
    """The invoice's Factur-X PDF exactly as issued; 404 if the order has none."""
    invoice = await _invoice(session, principal=principal, order_id=order_id)
    return await _stored(files, key=invoice.document_key, sha256=invoice.document_sha256, name=invoice.number)


async def credit_note_pdf(session: AsyncSession, *, principal: Principal, order_id: int, files: Storage) -> Printed:
    """The credit note's Factur-X PDF exactly as issued; 404 if the order's invoice was not credited."""
    invoice = await _invoice(session, principal=principal, order_id=order_id)
    if invoice.credit_note_number is None:
        raise NotFound(f"Invoice {invoice.number} has no credit note.")
    return await _stored(
        files,
        key=invoice.credit_note_document_key,
        sha256=invoice.credit_note_document_sha256,
        name=invoice.credit_note_number,
    )


async def delivery_note_pdf(
    session: AsyncSession, *, principal: Principal, order_id: int, shipment_id: int, files: Storage
) -> Printed:
    """A shipment's delivery note, rendered from the shipment: what left, when and to whom, without prices.

    It is no tax document, so it is rendered on each request rather than stored: it prints the seller
    profile and the ship-to client as they are now.
    """
    order = await ordering.load_order(session, principal=principal, order_id=order_id)
    shipped = [
        pair for pair in await orders_repo.order_shipments(session, order_id=order.id) if pair[0].id == shipment_id
    ]
    if not shipped:
        raise NotFound(f"Order {order.number} has no shipment {shipment_id}.")
    shipment = shipped[0][0]
    profile, logo = await seller.issuing_profile(session, account_id=order.account_id, files=files)
    missing = missing_mentions(profile, DELIVERY_NOTE_MENTIONS)
    if profile is None or missing:
        raise Conflict(
            f"The seller profile lacks what a delivery note must print: {', '.join(missing)}.",
            extra={
                "reason": "seller_profile_incomplete",
                "errors": [{"field": f"seller.{n}", "message": "is required on a delivery note"} for n in missing],
            },
        )
    lines = await ordering.order_lines(session, order_id=order.id)
    document = delivery_note_document(
        order=order,
        shipment=shipment,
        shipped=[line for _, line in shipped],
        lines=lines,
        details=await ordering.line_details(session, order, lines),
        profile=profile,
        logo=logo,
        ship_to=await repo.client(session, account_id=order.account_id, client_id=shipment.ship_to_client_id),
    )
    pdf = render_pdf(document)
    return Printed(pdf=pdf, filename=f"{delivery_note_number(shipment)}.pdf", sha256=hashlib.sha256(pdf).hexdigest())
