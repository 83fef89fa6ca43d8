"""The searches the search benchmark times: one per field, compounds, and second pages.

Values come from the loaded data (a real client's name, phone, invoice...), picked at fixed
places in the id range so every run asks the same questions of the same base.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Any

import asyncpg

SINGLE_TARGET_MS = 50.0
COMPOUND_TARGET_MS = 150.0


@dataclass
class SearchCase:
    """One timed search: its query parameters, its kind and the gateway p95 it must meet."""

    label: str
    kind: str  # "single" or "compound"
    params: dict[str, Any]
    page: int = 1  # 2: the page after the first, through its cursor
    results: dict[str, Any] = field(default_factory=dict)

    @property
    def target_ms(self) -> float:
        """The issue's target for this kind of search."""
        return SINGLE_TARGET_MS if self.kind == "single" else COMPOUND_TARGET_MS


async def _pick(conn: asyncpg.Connection, account_id: uuid.UUID, where: str, share: float) -> asyncpg.Record:
    """The first live client past ``share`` of the id range that satisfies ``where``."""
    low, high = await conn.fetchrow("SELECT min(id), max(id) FROM clients WHERE account_id = $1", account_id)
    row = await conn.fetchrow(
        f"SELECT * FROM clients WHERE account_id = $1 AND deleted_at IS NULL AND id >= $2 AND {where} "
        "ORDER BY id LIMIT 1",
        account_id,
        low + int((high - low) * share),
    )
    if row is None:
        raise SystemExit(f"the bench data has no client where {where}: regenerate it (python -m bench generate)")
    return row


def phone_notations(phone: str) -> tuple[str, str, str]:
    """A French number written with spaces, with dots and in +33 form."""
    digits = re.sub(r"\D", "", phone)
    national = "0" + digits[2:] if phone.lstrip().startswith("+") else digits
    pairs = [national[i : i + 2] for i in range(0, 10, 2)]
    return " ".join(pairs), ".".join(pairs), "+33 " + national[1] + " " + " ".join(pairs[1:])


async def build_cases(conn: asyncpg.Connection, account_id: uuid.UUID) -> list[SearchCase]:
    """Every case, values drawn from the account's data."""
    person = await _pick(conn, account_id, "kind = 'person'", 0.37)
    emailed = await _pick(conn, account_id, "email IS NOT NULL", 0.61)
    phoned = await _pick(conn, account_id, "phone IS NOT NULL", 0.23)
    invoiced = await _pick(conn, account_id, "invoiced_orders_count >= 2", 0.52)
    invoice = await conn.fetchval(
        "SELECT invoice_number FROM client_invoices WHERE account_id = $1 AND client_id = $2 "
        "ORDER BY invoice_id LIMIT 1",
        account_id,
        invoiced["id"],
    )
    order = await conn.fetchval(
        "SELECT order_number FROM client_orders WHERE account_id = $1 AND client_id = $2 "
        "ORDER BY order_id DESC LIMIT 1",
        account_id,
        invoiced["id"],
    )
    local = emailed["email"].split("@")[0].rstrip("0123456789")
    spaced, dotted, plus = phone_notations(phoned["phone"])
    rare = f"{person['first_name']} {person['last_name']}"

    def one(label: str, **params: Any) -> SearchCase:
        return SearchCase(label, "single", params)

    def many(label: str, **params: Any) -> SearchCase:
        return SearchCase(label, "compound", params)

    cases = [
        one(f"name rare '{rare}'", name=rare),
        one("name common 'mar'", name="mar"),
        one(f"email fragment '{local}'", email=local),
        one("email domain 'exemple.net'", email="exemple.net"),
        one(f"phone spaced '{spaced}'", phone=spaced),
        one(f"phone dotted '{dotted}'", phone=dotted),
        one(f"phone +33 '{plus}'", phone=plus),
        one("postal_code 33000", postal_code=["33000"]),
        one("department 33", department=["33"]),
        one("department 2A", department=["2A"]),
        one("city Bordeaux", city=["Bordeaux"]),
        one("city prefix 'saint'", city=["saint"]),
        one("country BE", country=["BE"]),
        one("category Restaurant", category=["Restaurant"]),
        one("price_grid 3", price_grid=["3"]),
        one("tags_any vip,bio", tags_any=["vip", "bio"]),
        one("tags_all vip+fidèle", tags_all=["vip", "fidèle"]),
        one("tags_none vip", tags_none=["vip"]),
        one(f"invoice_number {invoice}", invoice_number=invoice),
        one(f"invoice_number part {invoice[:-2]}", invoice_number=invoice[:-2]),
        one(f"order_number {order}", order_number=order),
        one("orders = 3", orders_min=3, orders_max=3),
        one("orders >= 10", orders_min=10),
        one("orders 2..4", orders_min=2, orders_max=4),
        one("total 500..1000 €", total_min="500", total_max="1000"),
        one("invoiced 2025-01..2025-03", invoiced_from="2025-01-01", invoiced_to="2025-03-31"),
        one("created 2020-03", created_from="2020-03-01", created_to="2020-03-31"),
        one("has_email", has_email=True),
        one("has_phone", has_phone=True),
        one("-has_address", has_address=False),
        one("accepts_emailing", accepts_emailing=True),
        one("-accepts_mailing", accepts_mailing=False),
        one("blocked", blocked=True),
        one("status prospect", status="prospect"),
        one("q 'orders>=3' (text)", q="orders>=3"),
        many("château tag:vip orders>=3 has:email dept:33", q="château tag:vip orders>=3 has:email dept:33"),
        many("dept:33 cat:restaurant orders>=3", q="dept:33 cat:restaurant orders>=3"),
        many(f"{person['last_name']} ville:paris", q=f"{person['last_name']} ville:paris"),
        many("tag:fidèle total:1000..5000 invoiced:2025", q="tag:fidèle total:1000..5000 invoiced:2025"),
        many("mar -has:phone emailing:yes is:client", q="mar -has:phone emailing:yes is:client"),
        many("name=dupont city=Lyon (params)", name="dupont", city=["Lyon"]),
        # The one search box: bare words, looked for in every field they may come from.
        one(f"box: name '{person['last_name']}'", q=person["last_name"]),
        one(f"box: phone dotted '{dotted}'", q=dotted),
        one(f"box: phone +33 '{plus.replace(' ', '')}'", q=plus.replace(" ", "")),
        one(f"box: e-mail '{emailed['email']}'", q=emailed["email"]),
        one(f"box: invoice {invoice}", q=invoice),
        one(f"box: order {order}", q=order),
        one(f"box: accounting code {invoiced['accounting_code']}", q=invoiced["accounting_code"]),
        one("box: postal code 33000", q="33000"),
        one("box: city bordeaux", q="bordeaux"),
        one("box: common 'mar'", q="mar"),
        many(f"box: '{rare}'", q=rare),
    ]
    for label in ("name common 'mar'", "department 33", "dept:33 cat:restaurant orders>=3", "box: common 'mar'"):
        first = next(c for c in cases if c.label == label)
        cases.append(SearchCase(f"{label} p2", first.kind, dict(first.params), page=2))
    return cases
