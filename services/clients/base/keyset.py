"""Opaque cursors of the newest-first pages of a client sheet (orders history, timeline)."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime

import orjson

from shared.errors import InvalidField
from shared.schemas import cursor_id, cursor_moment


def encode_cursor(moment: datetime, row_id: int) -> str:
    """URL-safe text naming the last row of a page by its time and id."""
    raw = orjson.dumps([moment.isoformat(), row_id])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(text: str) -> tuple[datetime, int]:
    """The (time, id) a cursor names; 422 on anything this module did not make."""
    try:
        padded = text + "=" * (-len(text) % 4)
        moment, row_id = orjson.loads(base64.urlsafe_b64decode(padded))
    except (ValueError, TypeError, binascii.Error, orjson.JSONDecodeError):
        moment = row_id = None
    # Both checks keep a forged cursor a 422 rather than a database error.
    parsed, checked_id = cursor_moment(moment), cursor_id(row_id)
    if parsed is None or checked_id is None:
        raise InvalidField("cursor", "not a cursor returned by this list")
    return parsed, checked_id
