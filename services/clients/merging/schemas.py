"""Bodies of the merge routes and of duplicate suggestions."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from services.clients.base.validation import Id
from services.clients.merging.domain import CHOOSABLE
from shared.schemas import StrictBody

# The ignore: mypy wants Literal written out; built from the tuple, the rules and the schema cannot drift apart.
ChoosableField = Literal[CHOOSABLE]  # type: ignore[valid-type]


class MergeRequest(StrictBody):
    """The client to keep, the one to merge into it, and which side wins each conflict you settle."""

    kept_client_id: Id
    merged_client_id: Id
    choose: dict[ChoosableField, Literal["kept", "merged"]] = Field(
        default_factory=dict, description="Per conflicting field, whose value to keep (the kept client's by default)"
    )


class FieldDecisionRead(BaseModel):
    """One field of the merge: both values and the result."""

    field: str
    kept_value: Any
    merged_value: Any
    result: Any
    outcome: Literal["same", "kept", "filled", "conflict", "combined"]
    chosen: Literal["kept", "merged"] | None


class MergeMoves(BaseModel):
    """What the merge moves to the kept client in this service (other services follow client.merged)."""

    orders: int
    invoices: int
    shipments: int
    notes: int
    timeline_entries: int
    contacts_moved: int
    contacts_united: int = Field(description="Contacts with the same e-mail on both clients, made one")
    tags_added: int


class AccountingCodeOutcome(BaseModel):
    """Which accounting code the kept client goes on with, and what becomes of the merged client's."""

    kept: str
    retired: str
    explanation: str


class MergePreview(BaseModel):
    """Field by field, what a merge would do; ``unresolved`` conflicts must be chosen before merging."""

    kept_client_id: int
    merged_client_id: int
    fields: list[FieldDecisionRead]
    conflicts: list[str]
    unresolved: list[str]
    can_merge: bool
    moves: MergeMoves
    accounting_code: AccountingCodeOutcome
    followed_by: list[str] = Field(description="What the other services move on client.merged")


class MergeResult(BaseModel):
    """A merge done (or found done: merging is idempotent)."""

    merge_id: int
    kept_client_id: int
    merged_client_id: int
    merged_at: datetime
    by_user: str
    fields: list[FieldDecisionRead]
    moves: MergeMoves


class DuplicateClient(BaseModel):
    """A client in a group of probable duplicates."""

    id: int
    display_name: str
    email: str | None
    phone: str | None
    mobile: str | None
    postal_code: str | None
    city: str | None
    status: str
    created_at: datetime


class DuplicateGroup(BaseModel):
    """Clients that share a normalised e-mail, phone, or name and postal code."""

    reason: Literal["email", "phone", "name_postal_code"]
    key: str
    clients: list[DuplicateClient]


class DuplicateGroups(BaseModel):
    """Groups of probable duplicates, the first step of a merge."""

    items: list[DuplicateGroup]
