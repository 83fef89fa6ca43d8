"""Rows of the bench account, as tuples ready for COPY, drawn from the demo's ClientFaker pools."""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from services.clients.demo import ClientFaker
from services.clients.demo_data import PLACES, STREET_KINDS, STREET_NAMES
from services.clients.domain import accounting_code_stem, sort_keys

# Column order of every tuple below; columns not listed are nullable or have a server default.
CLIENT_COLUMNS: tuple[str, ...] = (
    "id", "account_id", "version", "kind", "title", "first_name", "last_name", "company_name",
    "email", "phone", "mobile",
    "billing_line1", "billing_line2", "billing_postal_code", "billing_city", "billing_country",
    "shipping_same_as_billing", "shipping_line1", "shipping_postal_code", "shipping_city",
    "shipping_country", "category_id", "accounting_code", "accepts_emailing", "accepts_mailing",
    "note", "show_note_on_orders", "blocked", "blocked_reason", "blocked_at", "blocked_by",
    "created_at", "updated_at", "deleted_at", "sort_first_last", "sort_last_first",
    "status", "invoiced_orders_count", "invoiced_total_cents", "last_invoiced_at",
    "last_invoiced_order_id", "last_invoiced_order_number",
)
TAG_COLUMNS = ("client_id", "tag_id")

# Clients were created over almost eight years; ids grow with creation time, as in production.
START = datetime(2019, 1, 1, tzinfo=UTC)
END = datetime(2026, 11, 1, tzinfo=UTC)
CLIENT_SHARE = 0.40          # invoiced at least once
DELETED_PROSPECT_SHARE = 0.01  # soft-deleted prospects (never invoiced), hidden from the list
NOTES = (
    "Livraison le matin uniquement", "Sonner au portail", "Paiement à 30 jours fin de mois",
    "Contact via le sommelier", "Préfère les magnums", "Fermé le lundi", "Commande groupée au salon",
)
LINE2 = ("Bâtiment B", "2e étage", "Zone artisanale", "BP 12", "Chez M. Martin")


class RowMaker:
    """Deterministic chunks of (client rows, client_tags rows) for ids first_id, first_id + 1, ..."""

    def __init__(
        self, *, account_id: uuid.UUID, total: int, first_id: int, category_ids: Sequence[int],
        tag_ids: Sequence[int], prefix: str = "411", seed: int = 2026,
    ) -> None:
        self.faker = ClientFaker(seed=seed, pool_size=6000)
        self.rng = self.faker.rng
        self.account_id = account_id
        self.total = total
        self.first_id = first_id
        self.category_ids = list(category_ids)
        self.tag_ids = list(tag_ids)
        self.prefix = prefix
        self.made = 0
        self.next_order_id = 1
        self.stems: dict[str, int] = {}
        self.codes: set[str] = set()
        self.step = (END - START) / max(total, 1)

    def chunk(self, size: int) -> tuple[list[tuple[Any, ...]], list[tuple[int, int]]]:
        """The next ``size`` clients (fewer at the end) and their tags."""
        rows: list[tuple[Any, ...]] = []
        tags: list[tuple[int, int]] = []
        for _ in range(min(size, self.total - self.made)):
            row, row_tags = self._client(self.made)
            rows.append(row)
            tags.extend((row[0], tag_id) for tag_id in row_tags)
            self.made += 1
        return rows, tags

    def _accounting_code(self, fields: dict[str, Any]) -> str:
        stem = accounting_code_stem(prefix=self.prefix, kind=fields["kind"], first_name=fields["first_name"],
                                    last_name=fields["last_name"], company_name=fields.get("company_name"))
        n = self.stems.get(stem, 0) + 1
        code = stem if n == 1 else f"{stem}{n}"
        while code in self.codes:  # only if a stem ends with digits; never with these pools
            n += 1
            code = f"{stem}{n}"
        self.stems[stem] = n
        self.codes.add(code)
        return code

    def _client(self, index: int) -> tuple[tuple[Any, ...], list[int]]:
        rng = self.rng
        fields = self.faker.client(category_ids=self.category_ids, tag_ids=self.tag_ids)
        kind, company = fields["kind"], fields.get("company_name")
        first_last, last_first = sort_keys(kind=kind, first_name=fields["first_name"],
                                           last_name=fields["last_name"], company_name=company)
        billing = fields["billing_address"]
        created = START + self.step * (index + rng.random())
        shipping: tuple[Any, ...] = (None, None, None, None)
        if kind == "company" and rng.random() < 0.15:
            postal_code, city, country = rng.choice(PLACES)
            line1 = f"{rng.randint(1, 180)} {rng.choice(STREET_KINDS)} {rng.choice(STREET_NAMES)}"
            shipping = (line1, postal_code, city, country)
        note = rng.choice(NOTES) if rng.random() < 0.05 else None
        updated, deleted = created, None
        if rng.random() < CLIENT_SHARE:
            status = "client"
            orders = min(60, 1 + int(rng.expovariate(1 / 5)))
            average = min(2_000_000, int(rng.lognormvariate(math.log(32_000), 0.7)))
            total_cents = sum(max(1_500, int(average * rng.uniform(0.5, 1.5))) for _ in range(orders))
            span = (END - created).total_seconds()
            last_at = created + timedelta(seconds=span * (1 - rng.random() ** 3))
            order_id = self.next_order_id + rng.randint(0, 40)
            self.next_order_id = order_id + 1
            invoice = (status, orders, total_cents, last_at, order_id, f"CMD-{last_at.year}-{order_id:07d}")
            updated = last_at
        else:
            invoice = ("prospect", 0, 0, None, None, None)
            if rng.random() < DELETED_PROSPECT_SHARE:
                deleted = updated = created + (END - created) * rng.random()
        blocked = invoice[0] == "client" and rng.random() < 0.005
        row = (
            self.first_id + index, self.account_id, 1, kind, fields["title"], fields["first_name"],
            fields["last_name"], company, fields.get("email"), fields.get("phone"), fields.get("mobile"),
            billing["line1"], rng.choice(LINE2) if rng.random() < 0.08 else None, billing["postal_code"],
            billing["city"], billing["country_code"], shipping[0] is None, *shipping,
            fields.get("category_id"), self._accounting_code(fields), fields["accepts_emailing"],
            fields["accepts_mailing"], note, note is not None and rng.random() < 0.5, blocked,
            "Impayés répétés" if blocked else None, updated if blocked else None, "bench" if blocked else None,
            created, updated, deleted, first_last, last_first, *invoice,
        )
        return row, fields.get("tag_ids", [])
