"""Pure rules of a merge: for each field, the value kept, the value filled in, or a conflict."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from services.clients.search.keys import phone_key, words_key
from shared.text import fold

Side = Literal["kept", "merged"]
Outcome = Literal["same", "kept", "filled", "conflict", "combined"]
# Why two clients are probably the same: a normalised e-mail, a phone, or a name and postal code.
Reason = Literal["email", "phone", "name_postal_code"]
REASONS: tuple[Reason, ...] = ("email", "phone", "name_postal_code")

# Fields compared one by one; an address moves as a whole block, never line by line.
SCALAR_FIELDS = (
    "kind",
    "accounting_code",
    "title",
    "first_name",
    "last_name",
    "company_name",
    "email",
    "phone",
    "mobile",
    "billing_address",
    "shipping_address",
    "category_id",
    "price_grid_id",
    "accepts_emailing",
    "accepts_mailing",
    "blocked",
)
# Values that say "nothing here": the other client's value fills them in.
EMPTY: tuple[Any, ...] = (None, "", [])
# A conflict on these cannot be settled by keeping the kept client's value silently: the caller chooses.
MUST_CHOOSE = frozenset({"blocked"})
# The accounting code stays unique: the kept client keeps its own.
CHOOSABLE = tuple(name for name in SCALAR_FIELDS if name != "accounting_code")
NOTE_SEPARATOR = "\n\n"


@dataclass(frozen=True, slots=True)
class FieldDecision:
    """What happens to one field: both values, the result and why."""

    field: str
    kept_value: Any
    merged_value: Any
    result: Any
    outcome: Outcome
    chosen: Side | None = None


@dataclass(frozen=True, slots=True)
class MergePlan:
    """Every field's decision, and the conflicts the caller must settle before merging."""

    decisions: list[FieldDecision]
    unresolved: list[str]

    @property
    def changes(self) -> dict[str, Any]:
        """The kept client's fields that take a new value."""
        return {d.field: d.result for d in self.decisions if d.result != d.kept_value}


def _is_empty(value: Any) -> bool:
    if isinstance(value, dict):
        return not any(v for k, v in value.items() if k != "country_code")
    return value in EMPTY


def comparable(field: str, value: Any) -> Any:
    """A value as a merge compares it: two values written differently but meaning the same are equal.

    E-mails match case aside (as duplicates do), phones in any notation, names and addresses
    with case, accents, spacing and punctuation aside.
    """
    if _is_empty(value):
        return None
    if field == "email":
        return value.strip().casefold()
    if field in ("phone", "mobile"):
        return phone_key(value)
    if field in ("title", "first_name", "last_name", "company_name"):
        return fold(value)
    if field.endswith("_address"):
        return tuple(
            (part, text if part == "country_code" else words_key(text) or None) for part, text in sorted(value.items())
        )
    return value


def decide_field(field: str, kept: Any, merged: Any, choice: Side | None) -> FieldDecision:
    """Same values stay; an empty kept value is filled in; two different values are a conflict."""
    if comparable(field, kept) == comparable(field, merged):
        return FieldDecision(field, kept, merged, kept, "same")
    if _is_empty(merged):
        return FieldDecision(field, kept, merged, kept, "same" if kept == merged else "kept")
    if _is_empty(kept):
        return FieldDecision(field, kept, merged, merged, "filled")
    side: Side = choice or "kept"
    return FieldDecision(field, kept, merged, merged if side == "merged" else kept, "conflict", choice)


def combine_notes(kept: str | None, merged: str | None) -> str | None:
    """Both notes, the kept client's first; one of them alone if the other is empty or the same."""
    if not merged or merged == kept:
        return kept
    if not kept:
        return merged
    return f"{kept}{NOTE_SEPARATOR}{merged}"


def plan_merge(kept: dict[str, Any], merged: dict[str, Any], choices: dict[str, Side]) -> MergePlan:
    """Decide every field of the merge of ``merged`` into ``kept`` (both are client bodies)."""
    decisions = [
        decide_field(name, kept[name], merged[name], choices.get(name))
        for name in SCALAR_FIELDS
        if name != "accounting_code"
    ]
    # Codes are unique in the account, so they always differ: the kept client's survives, never a conflict.
    code_kept, code_merged = kept["accounting_code"], merged["accounting_code"]
    decisions.insert(
        SCALAR_FIELDS.index("accounting_code"),
        FieldDecision(
            "accounting_code", code_kept, code_merged, code_kept, "same" if code_kept == code_merged else "kept"
        ),
    )
    note = combine_notes(kept["note"], merged["note"])
    decisions.append(
        FieldDecision("note", kept["note"], merged["note"], note, "same" if note == kept["note"] else "combined")
    )
    show = kept["show_note_on_orders"] or merged["show_note_on_orders"]
    decisions.append(
        FieldDecision(
            "show_note_on_orders",
            kept["show_note_on_orders"],
            merged["show_note_on_orders"],
            show,
            "same" if show == kept["show_note_on_orders"] else "combined",
        )
    )
    tags = sorted(set(kept["tag_ids"]) | set(merged["tag_ids"]))
    decisions.append(
        FieldDecision(
            "tag_ids", kept["tag_ids"], merged["tag_ids"], tags, "same" if tags == kept["tag_ids"] else "combined"
        )
    )
    unresolved = [d.field for d in decisions if d.outcome == "conflict" and d.field in MUST_CHOOSE and d.chosen is None]
    return MergePlan(decisions=decisions, unresolved=unresolved)


def contact_key(email: str | None) -> str | None:
    """Contacts with the same e-mail (case and spaces aside) are one person."""
    return email.strip().lower() if email else None


# Fields whose values a merge's record copies and that say who someone is: erasing either client
# of the merge blanks them (which field went which way, and why, stays).
PERSONAL_FIELDS = frozenset(
    {
        "title",
        "first_name",
        "last_name",
        "company_name",
        "email",
        "phone",
        "mobile",
        "billing_address",
        "shipping_address",
        "note",
        "accounting_code",
    }
)


def without_personal_values(summary: dict[str, Any]) -> dict[str, Any]:
    """A merge's recorded summary with the personal values of its field decisions blanked."""
    fields = [
        {**f, "kept_value": None, "merged_value": None, "result": None} if f.get("field") in PERSONAL_FIELDS else f
        for f in summary.get("fields", [])
    ]
    return {**summary, "fields": fields}
