"""HTTP routes of the seller profile: the account as its invoices name it, and its logo."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response, status

from services.orders.files import document_storage
from services.orders.seller import service
from services.orders.seller.schemas import SellerProfileRead, SellerProfileWrite
from shared.auth import Owner, Reader
from shared.db import Transaction
from shared.idempotency import IdempotentRoute

router = APIRouter(prefix="/api/orders/seller", tags=["seller"], route_class=IdempotentRoute)

LOGO_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "image/png": {"schema": {"type": "string", "format": "binary"}},
            "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}
LOGO_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"image/png": {}, "image/jpeg": {}}, "description": "The logo"}
}


@router.get("", response_model=SellerProfileRead)
async def get_seller(principal: Reader, session: Transaction) -> Any:
    """The seller profile the invoices print, and what an invoice still lacks of it."""
    return await service.get_seller(session, principal=principal)


@router.put("", response_model=SellerProfileRead)
async def put_seller(body: SellerProfileWrite, principal: Owner, session: Transaction) -> Any:
    """Replace the seller profile (SIREN, SIRET and VAT number checked: a bad one is a 422 naming it)."""
    return await service.put_seller(session, principal=principal, data=body)


@router.put("/logo", response_model=SellerProfileRead, openapi_extra=LOGO_BODY)
async def put_logo(request: Request, principal: Owner, session: Transaction) -> Any:
    """Set the logo: the request body, a PNG or JPEG by its content, at most 1 MB (else a 422 naming ``logo``)."""
    files = document_storage(request.app.state.settings)
    return await service.put_logo(session, principal=principal, data=await request.body(), files=files)


@router.get("/logo", response_class=Response, responses=LOGO_RESPONSE)
async def get_logo(request: Request, principal: Reader, session: Transaction) -> Response:
    """The logo as uploaded (404 when there is none)."""
    files = document_storage(request.app.state.settings)
    data, mime_type = await service.get_logo(session, principal=principal, files=files)
    return Response(content=data, media_type=mime_type)


@router.delete("/logo", status_code=status.HTTP_204_NO_CONTENT)
async def delete_logo(principal: Owner, session: Transaction) -> None:
    """Remove the logo (the documents already issued keep theirs)."""
    await service.delete_logo(session, principal=principal)
