"""Use cases of label sheets: the format catalogue, an account's own formats, calibration, test grid.

The seeded formats are served from code (paper.formats.SEEDED_FORMATS) rather than copied into a
table by a migration: the PDF library's catalogue stays the one source, a corrected figure ships
with the code without a data migration, and only what an account adds is its data.
"""

from __future__ import annotations

import asyncio
import io
import uuid
from dataclasses import asdict, fields
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.mailings.label_formats import repository as repo
from services.mailings.label_formats.schemas import LabelFormatBody, LabelSettingsBody
from services.mailings.models import AccountLabelFormat
from services.mailings.paper.formats import SEEDED_FORMATS, LabelFormat, geometry_errors
from services.mailings.paper.render import render_test_grid
from shared.auth import Principal
from shared.errors import Conflict, NotFound, ProblemError

SEEDED = {fmt.code: fmt for fmt in SEEDED_FORMATS}
GEOMETRY = tuple(f.name for f in fields(LabelFormat))


class InvalidGeometry(ProblemError):
    """A label format whose labels do not fit: every broken rule is named by its field."""

    status_code = 422
    title = "Validation failed"

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__(
            "; ".join(f"{field}: {message}" for field, message in errors),
            extra={"errors": [{"field": field, "message": message} for field, message in errors]},
        )


def format_body(fmt: LabelFormat, *, seeded: bool) -> dict[str, Any]:
    """The HTTP view of a label format."""
    return {**asdict(fmt), "labels_per_sheet": fmt.columns * fmt.rows, "seeded": seeded}


def label_format(row: AccountLabelFormat) -> LabelFormat:
    """An account's stored format as the PDF library takes it."""
    return LabelFormat(**{name: getattr(row, name) for name in GEOMETRY})


async def list_formats(session: AsyncSession, *, principal: Principal) -> list[dict[str, Any]]:
    """The seeded formats, then the account's own."""
    own = await repo.account_formats(session, account_id=principal.account_id)
    return [format_body(fmt, seeded=True) for fmt in SEEDED_FORMATS] + [
        format_body(label_format(row), seeded=False) for row in own
    ]


async def find_format(session: AsyncSession, *, account_id: uuid.UUID, code: str) -> LabelFormat | None:
    """A seeded format or one of the account's, by code."""
    if code in SEEDED:
        return SEEDED[code]
    row = await repo.account_format(session, account_id=account_id, code=code)
    return label_format(row) if row is not None else None


async def add_format(session: AsyncSession, *, principal: Principal, data: LabelFormatBody) -> dict[str, Any]:
    """Add an account format once its labels are shown to fit on the page."""
    fmt = LabelFormat(**data.model_dump())
    errors = geometry_errors(fmt)
    if errors:
        raise InvalidGeometry(errors)
    if fmt.code in SEEDED or await repo.account_format(session, account_id=principal.account_id, code=fmt.code):
        raise Conflict(
            f"A label format {fmt.code!r} already exists; choose another code.", extra={"reason": "duplicate_code"}
        )
    await repo.add_format(session, AccountLabelFormat(account_id=principal.account_id, **asdict(fmt)))
    return format_body(fmt, seeded=False)


async def delete_format(session: AsyncSession, *, principal: Principal, code: str) -> None:
    """Delete one of the account's formats (jobs already queued keep their copy of it)."""
    if code in SEEDED:
        raise Conflict(f"{code} is a seeded format: it cannot be deleted.", extra={"reason": "seeded_format"})
    if not await repo.delete_format(session, account_id=principal.account_id, code=code):
        raise NotFound(f"Label format {code!r} does not exist.")


async def get_settings(session: AsyncSession, *, account_id: uuid.UUID) -> dict[str, float]:
    """The account's printer calibration (0, 0 until set)."""
    row = await repo.get_settings(session, account_id=account_id)
    return {"offset_x_mm": row.offset_x_mm if row else 0.0, "offset_y_mm": row.offset_y_mm if row else 0.0}


async def put_settings(session: AsyncSession, *, principal: Principal, data: LabelSettingsBody) -> dict[str, float]:
    """Set the account's printer calibration."""
    await repo.put_settings(
        session, account_id=principal.account_id, offset_x_mm=data.offset_x_mm, offset_y_mm=data.offset_y_mm
    )
    return await get_settings(session, account_id=principal.account_id)


async def test_grid(session: AsyncSession, *, principal: Principal, code: str) -> bytes:
    """A one-page PDF outlining each label of a format, shifted by the account's calibration."""
    fmt = await find_format(session, account_id=principal.account_id, code=code)
    if fmt is None:
        raise NotFound(f"Label format {code!r} does not exist.")
    offsets = await get_settings(session, account_id=principal.account_id)
    out = io.BytesIO()
    # One page is quick, but still kept off the event loop.
    await asyncio.to_thread(render_test_grid, out, fmt=fmt, **offsets)
    return out.getvalue()
