"""HTTP routes of label sheets: the format catalogue, the account's formats, calibration and test grid."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Response, status

from services.mailings.label_formats import service
from services.mailings.label_formats.schemas import LabelFormatBody, LabelFormatRead, LabelSettingsBody
from shared.auth import Manager, Reader
from shared.db import Transaction
from shared.idempotency import IdempotentRoute, changes_nothing

router = APIRouter(prefix="/api/mailings", tags=["labels"], route_class=IdempotentRoute)
Code = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")]


@router.get("/label-formats", response_model=list[LabelFormatRead])
async def list_formats(principal: Reader, session: Transaction) -> Any:
    """The label-sheet formats: the seeded A4 and US Letter sheets, then the account's own."""
    return await service.list_formats(session, principal=principal)


@router.post("/label-formats", response_model=LabelFormatRead, status_code=status.HTTP_201_CREATED)
async def add_format(body: LabelFormatBody, principal: Manager, session: Transaction) -> Any:
    """Add an account format; its geometry must fit the page (422 naming each broken field), its code be new."""
    return await service.add_format(session, principal=principal, data=body)


@router.delete("/label-formats/{code}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_format(code: Code, principal: Manager, session: Transaction) -> None:
    """Delete one of the account's formats (seeded ones cannot be deleted: 409)."""
    await service.delete_format(session, principal=principal, code=code)


@router.post(
    "/label-formats/{code}/test-grid",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "One page, each label outlined"}},
)
@changes_nothing
async def test_grid(code: Code, principal: Manager, session: Transaction) -> Response:
    """A one-page PDF outlining and numbering each label, shifted by the account's calibration, to print
    on plain paper and hold against a sheet."""
    pdf = await service.test_grid(session, principal=principal, code=code)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="test-grid-{code}.pdf"'},
    )


@router.get("/label-settings", response_model=LabelSettingsBody)
async def get_settings(principal: Reader, session: Transaction) -> Any:
    """The account's printer calibration in millimetres (positive x right, positive y down)."""
    return await service.get_settings(session, account_id=principal.account_id)


@router.put("/label-settings", response_model=LabelSettingsBody)
async def put_settings(body: LabelSettingsBody, principal: Manager, session: Transaction) -> Any:
    """Set the printer calibration, each offset within ±20 mm; applied to labels and test grids."""
    return await service.put_settings(session, principal=principal, data=body)
