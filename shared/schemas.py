"""Request-body conventions shared by the services: strict types, bounded numbers, dates and text.

Whatever a request carries must reach Python, PostgreSQL and SMTP intact, or be refused with a
422 naming the field. So numbers fit their column, dates stay well inside what Python's datetime
can shift by a time zone, and text holds nothing PostgreSQL cannot store (NUL), nothing UTF-8
cannot encode (a lone surrogate from a JSON "\\ud800" escape) and, in one-line fields, no
control character (a CR or LF would end an e-mail header built from a name).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

INT4_MAX = 2**31 - 1
INT8_MAX = 2**63 - 1

# Every date and time a request may carry. Far enough from year 1 and 9999 that a time zone's
# offset or a day more never overflows Python's datetime; wide enough for any real business date.
EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(2999, 12, 31)
CALENDAR_RANGE = f"between {EARLIEST_DAY.isoformat()} and {LATEST_DAY.isoformat()}"


def in_calendar(day: date) -> bool:
    """Whether a day lies in the accepted range."""
    return EARLIEST_DAY <= day <= LATEST_DAY


def cursor_moment(text: object) -> datetime | None:
    """The instant a page cursor names, or None unless it is ISO 8601 with an offset, in the accepted range.

    Cursors come back from the caller: a forged one must be a 422, not a time that overflows on
    its way to UTC (year 1 at +14:00) and fails in the database driver.
    """
    try:
        moment = datetime.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        return None
    if moment is None or moment.tzinfo is None or not in_calendar(moment.date()):
        return None
    return moment


def cursor_id(value: object) -> int | None:
    """The row id a page cursor names, or None unless it is a whole number that fits a bigint id."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= INT8_MAX:
        return value
    return None


def _day_in_range(value: date) -> date:
    if not in_calendar(value):
        raise ValueError(f"must be {CALENDAR_RANGE}")
    return value


def _moment_in_range(value: datetime) -> datetime:
    # The day as written (its own offset), so the message matches what the caller sent.
    if not in_calendar(value.date()):
        raise ValueError(f"must be {CALENDAR_RANGE}")
    return value


def _iso_text(value: Any) -> Any:
    # JSON has no date type: a date travels as ISO 8601 text. A number would otherwise be read as
    # seconds since 1970, and true as 1970-01-01T00:00:01.
    if isinstance(value, date | str):
        return value
    raise PydanticCustomError("iso_text", "must be ISO 8601 text, such as 2026-03-31T14:30:00+02:00")


# A day (query parameter or body), e.g. 2026-03-31.
Day = Annotated[date, Field(strict=False), BeforeValidator(_iso_text), AfterValidator(_day_in_range)]
# An instant with its UTC offset, e.g. 2026-03-31T14:30:00+02:00.
Moment = Annotated[AwareDatetime, Field(strict=False), BeforeValidator(_iso_text), AfterValidator(_moment_in_range)]
# A date and time, with an offset or without one (then read in the account's time zone by the service).
DateTime = Annotated[datetime, Field(strict=False), BeforeValidator(_iso_text), AfterValidator(_moment_in_range)]
# A decimal number, from a JSON number or from text ("12.5"): text keeps every digit a float would lose.
Number = Annotated[Decimal, Field(strict=False)]

# Control characters (Unicode category Cc: U+0000-U+001F, U+007F-U+009F) and the line and
# paragraph separators, which end a line for Python's e-mail headers as CR and LF do. A
# multi-line text may hold tabs and line breaks (CR, LF), nothing else of these.
ONE_LINE_REFUSED = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
MULTILINE_REFUSED = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")
SURROGATE = re.compile(r"[\ud800-\udfff]")


def unstorable(text: str) -> str | None:
    """Why a text cannot be stored or encoded as UTF-8, or None when it can."""
    if "\x00" in text:
        return "must not contain a NUL character"
    if SURROGATE.search(text):
        return "must not contain a lone surrogate (an unpaired \\ud800-\\udfff escape)"
    return None


def control_character(text: str, *, multiline: bool) -> str | None:
    """The first control character a one-line (or multi-line) text may not hold, or None."""
    found = (MULTILINE_REFUSED if multiline else ONE_LINE_REFUSED).search(text)
    return found.group() if found else None


# Values that hold no text: a list of only these (100,000 client ids) is passed over in one C loop.
_NO_TEXT = frozenset({int, float, bool, type(None)})


def _holds_text(values: list[Any] | tuple[Any, ...]) -> bool:
    return not _NO_TEXT.issuperset(map(type, values))


def _unstorable_parts(value: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple[str | int, ...], str]]:
    if isinstance(value, str):
        if (problem := unstorable(value)) is not None:
            yield path, problem
    elif isinstance(value, list | tuple):
        if _holds_text(value):
            for index, item in enumerate(value):
                yield from _unstorable_parts(item, (*path, index))
    elif isinstance(value, dict):
        for key, item in value.items():
            key_text = str(key)
            if (problem := unstorable(key_text)) is not None:
                yield (*path, key_text), f"the name of this field {problem}"
            yield from _unstorable_parts(item, (*path, key_text))


class StrictBody(BaseModel):
    """A JSON request body: strict types, unknown fields refused, text that can be stored and sent.

    Strict: 0 is not false, false is not 0.0 and "3" is not 3; only what JSON cannot carry natively
    is read from text (``Day``, ``Moment``, ``DateTime``, ``Number``). Strings are stripped. A string
    field holds one line unless named in ``multiline``; no field holds NUL, a lone surrogate or
    another control character. Errors inside a nested value name it: ``selection.search.q``.
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, strict=True)
    # Fields whose text may span lines (notes, letters); every other string is one line.
    multiline: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="before")
    @classmethod
    def _storable_text(cls, value: Any) -> Any:
        for path, problem in _unstorable_parts(value):
            raise PydanticCustomError("unstorable_text", problem, {"path": list(path)})
        return value

    @field_validator("*", mode="after")
    @classmethod
    def _no_control_character(cls, value: Any, info: ValidationInfo) -> Any:
        multiline = info.field_name in cls.multiline
        texts = value if isinstance(value, list) else [value]
        if texts is value and not _holds_text(value):
            return value
        for index, text in enumerate(texts):
            if isinstance(text, str) and (c := control_character(text, multiline=multiline)) is not None:
                kind = "a control character" if multiline else "a line break or control character"
                raise PydanticCustomError(
                    "control_character",
                    "must not contain {kind} (U+{code})",
                    {"kind": kind, "code": f"{ord(c):04X}", "path": [index] if value is texts else []},
                )
        return value
