"""HTTP routes of invoicing: invoice an order, cancel its invoice by a credit note, print their documents."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response

from services.orders.files import document_storage
from services.orders.invoicing import printing, service
from services.orders.ordering.schemas import OrderRead
from shared.auth import Reader, Staff
from shared.db import Transaction
from shared.idempotency import IdempotentRoute

router = APIRouter(prefix="/api/orders", tags=["orders"], route_class=IdempotentRoute)
ObjectId = Annotated[int, Path(ge=1, le=2**63 - 1)]
OrderId = ObjectId
ClientQuery = Annotated[int, Query(ge=1, le=2**63 - 1)]
PDF_RESPONSE: dict[int | str, dict[str, Any]] = {200: {"content": {"application/pdf": {}}, "description": "The PDF"}}


def _pdf(printed: printing.Printed, request: Request) -> Response:
    """The PDF inline, named by its number; its SHA-256 is its ETag (304 when the caller has it)."""
    etag = f'"{printed.sha256}"'
    headers = {"ETag": etag, "Content-Disposition": f'inline; filename="{printed.filename}"'}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(content=printed.pdf, media_type="application/pdf", headers=headers)


@router.post("/{order_id}/invoice", response_model=OrderRead)
async def invoice(order_id: OrderId, request: Request, principal: Staff, session: Transaction) -> Any:
    """Invoice the order with the account's next invoice number and store its PDF (409 if already invoiced, or if
    the seller profile lacks a mention the invoice must print)."""
    files = document_storage(request.app.state.settings)
    return await service.invoice_order(session, principal=principal, order_id=order_id, files=files)


@router.post("/{order_id}/credit-note", response_model=OrderRead)
async def credit_note(order_id: OrderId, request: Request, principal: Staff, session: Transaction) -> Any:
    """Cancel the order's invoice with a credit note, whose PDF is stored."""
    files = document_storage(request.app.state.settings)
    return await service.credit_invoice(session, principal=principal, order_id=order_id, files=files)


@router.get("/{order_id}/invoice.pdf", response_class=Response, responses=PDF_RESPONSE)
async def invoice_pdf(order_id: OrderId, request: Request, principal: Reader, session: Transaction) -> Response:
    """The invoice's Factur-X PDF, the same bytes as when it was issued (ETag: their SHA-256)."""
    files = document_storage(request.app.state.settings)
    return _pdf(await printing.invoice_pdf(session, principal=principal, order_id=order_id, files=files), request)


@router.get("/{order_id}/credit-note.pdf", response_class=Response, responses=PDF_RESPONSE)
async def credit_note_pdf(order_id: OrderId, request: Request, principal: Reader, session: Transaction) -> Response:
    """The credit note's Factur-X PDF, the same bytes as when it was issued (ETag: their SHA-256)."""
    files = document_storage(request.app.state.settings)
    return _pdf(await printing.credit_note_pdf(session, principal=principal, order_id=order_id, files=files), request)


@router.get("/{order_id}/shipments/{shipment_id}/delivery-note.pdf", response_class=Response, responses=PDF_RESPONSE)
async def delivery_note_pdf(
    order_id: OrderId, shipment_id: ObjectId, request: Request, principal: Reader, session: Transaction
) -> Response:
    """The shipment's delivery note: what left, when and to whom, without prices."""
    files = document_storage(request.app.state.settings)
    printed = await printing.delivery_note_pdf(
        session, principal=principal, order_id=order_id, shipment_id=shipment_id, files=files
    )
    return _pdf(printed, request)
