"""What a service declares about its replica: its table, its own columns, its flags and personal data."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, Protocol, TypeVar, cast

from sqlalchemy import Table

from shared.events.clients import ClientSnapshot

Values = dict[str, Any]
# "share" lets many writers attach rows to the client while a merge or erasure waits for them;
# "update" is for writers that must also exclude each other.
Lock = Literal["share", "update"] | None

# Columns every replica table has, whatever else the service keeps.
COMMON_COLUMNS = ("client_id", "account_id", "version", "display_name", "deleted", "erased", "merged_into")


class ReplicaRow(Protocol):
    """A replica row as every service keeps it (properties: the ORM columns are descriptors)."""

    @property
    def client_id(self) -> int: ...

    @property
    def account_id(self) -> uuid.UUID: ...

    @property
    def version(self) -> int: ...

    @property
    def display_name(self) -> str: ...

    @property
    def deleted(self) -> bool: ...

    @property
    def erased(self) -> bool: ...

    @property
    def merged_into(self) -> int | None: ...


RowT = TypeVar("RowT", bound=ReplicaRow)


@dataclass(frozen=True)
class ReplicaTable(Generic[RowT]):
    """One service's replica table and how a client's events fill it.

    ``version`` is the newest snapshot applied (0 while only a lifecycle event arrived);
    ``deleted``, ``merged_into`` and ``erased`` are final: a snapshot arriving after them
    changes nothing but the version.
    """

    model: type[RowT]
    # The service's own columns from a created or edited client (display_name is stored anyway).
    columns: Callable[[ClientSnapshot], Values]
    # The personal columns as an erasure leaves them, given the pseudonym; a deleted or merged
    # client gets them with an empty pseudonym, so its row keeps no personal data.
    personal: Callable[[str], Values]
    # Flags set by lifecycle events (blocked, archived), each with the version column of the
    # newest event that set it: an older event never undoes a newer one.
    flags: Mapping[str, str] = field(default_factory=dict)
    # The conflict target of the upserts: the table's primary key.
    key: tuple[str, ...] = ("client_id",)
    # Values of the service's NOT NULL columns for a row created before the client's snapshot.
    placeholder: Mapping[str, Any] = field(default_factory=dict)
    # The table has a merge_id column: a merge delivered again under another event id is skipped.
    records_merge_id: bool = False

    @property
    def table(self) -> Table:
        """The model's table, for the Core statements of the upserts."""
        return cast(Table, cast(Any, self.model).__table__)

    def placeholder_row(self) -> Values:
        """Every NOT NULL column of a row whose snapshot has not arrived yet."""
        return {
            "version": 0,
            "display_name": "",
            "deleted": False,
            "erased": False,
            **dict.fromkeys(self.flags, False),
            **dict.fromkeys(self.flags.values(), 0),
            **self.placeholder,
        }
