"""Rows of the bench account, as tuples ready for COPY, drawn from the demo's ClientFaker pools.

Besides the clients and their tags, a chunk holds what the search reads: contacts (folded into
the client's search keys, computed with services.clients.search.keys as the service does), the
invoices behind each client's read-model columns (F-0000001...) and their orders (C-0000001...),
plus a few orders that were never invoiced.
"""

from __future__ import annotations

import math
import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from services.clients.accounts.demo import ClientFaker
from services.clients.accounts.demo_data import PLACES, STREET_KINDS, STREET_NAMES
from services.clients.record.domain import accounting_code_stem, sort_keys
from services.clients.search.keys import PersonNames, search_keys

# Column order of every tuple below; columns not listed are nullable or have a server default.
CLIENT_COLUMNS: tuple[str, ...] = (
    "id",
    "account_id",
    "version",
    "kind",
    "title",
    "first_name",
    "last_name",
    "company_name",
    "email",
    "phone",
    "mobile",
    "billing_line1",
    "billing_line2",
    "billing_postal_code",
    "billing_city",
    "billing_country",
    "shipping_same_as_billing",
    "shipping_line1",
    "shipping_postal_code",
    "shipping_city",
    "shipping_country",
    "category_id",
    "price_grid_id",
    "accounting_code",
    "accepts_emailing",
    "accepts_mailing",
    "note",
    "show_note_on_orders",
    "blocked",
    "blocked_reason",
    "blocked_at",
    "blocked_by",
    "created_at",
    "updated_at",
    "deleted_at",
    "sort_first_last",
    "sort_last_first",
    "status",
    "invoiced_orders_count",
    "invoiced_total_cents",
    "last_invoiced_at",
    "last_invoiced_order_id",
    "last_invoiced_order_number",
    "search_names",
    "search_emails",
    "search_phones",
    "search_city",
)
TAG_COLUMNS = ("client_id", "tag_id")
CONTACT_COLUMNS = (
    "account_id",
    "client_id",
    "title",
    "first_name",
    "last_name",
    "job_title",
    "email",
    "phone",
    "mobile",
    "receives_quotes",
    "receives_proforma",
    "receives_invoices",
    "receives_dunning",
    "created_at",
)
INVOICE_COLUMNS = (
    "account_id",
    "invoice_id",
    "client_id",
    "order_id",
    "order_number",
    "invoice_number",
    "issued_at",
    "total_cents",
    "currency",
    "cancelled_at",
    "credit_note_number",
)
ORDER_COLUMNS = (
    "account_id",
    "order_id",
    "client_id",
    "ship_to_client_id",
    "order_number",
    "state",
    "version",
    "total_cents",
    "currency",
    "created_at",
)

# Clients were created over almost eight years; ids grow with creation time, as in production.
START = datetime(2019, 1, 1, tzinfo=UTC)
END = datetime(2026, 11, 1, tzinfo=UTC)
CLIENT_SHARE = 0.40  # invoiced at least once
DELETED_PROSPECT_SHARE = 0.01  # soft-deleted prospects (never invoiced), hidden from the list
NO_ADDRESS_PROSPECT_SHARE = 0.03  # met at a fair: a name and an e-mail, no address yet
CONTACT_SHARE = {"company": 0.50, "person": 0.04}  # about 20 % of the clients have contacts
PRICE_GRID_SHARE = {"company": 0.50, "person": 0.05}
PRICE_GRIDS = (1, 2, 3, 4, 5, 6)
CANCELLED_INVOICE_SHARE = 0.01  # an order invoiced, credited, then invoiced again
OPEN_ORDER_SHARE = {"client": 0.05, "prospect": 0.02}  # confirmed or draft orders not invoiced yet
NOTES = (
    "Livraison le matin uniquement",
    "Sonner au portail",
    "Paiement à 30 jours fin de mois",
    "Contact via le sommelier",
    "Préfère les magnums",
    "Fermé le lundi",
    "Commande groupée au salon",
)
LINE2 = ("Bâtiment B", "2e étage", "Zone artisanale", "BP 12", "Chez M. Martin")
JOB_TITLES = ("Gérant", "Sommelier", "Acheteur", "Comptable", "Chef de cuisine", "Directeur", "Caviste", None)
CONTACT_DOMAINS = ("example.com", "example.fr", "exemple.net")


def ascii_word(text: str) -> str:
    """Accents and spaces dropped, lower case: how people write a name in an e-mail address."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower().replace(" ", "")


@dataclass
class Chunk:
    """Rows of a run of consecutive clients, one list per table."""

    clients: list[tuple[Any, ...]] = field(default_factory=list)
    tags: list[tuple[int, int]] = field(default_factory=list)
    contacts: list[tuple[Any, ...]] = field(default_factory=list)
    invoices: list[tuple[Any, ...]] = field(default_factory=list)
    orders: list[tuple[Any, ...]] = field(default_factory=list)


class RowMaker:
    """Deterministic chunks of rows for client ids first_id, first_id + 1, ..."""

    def __init__(
        self,
        *,
        account_id: uuid.UUID,
        total: int,
        first_id: int,
        category_ids: Sequence[int],
        tag_ids: Sequence[int],
        prefix: str = "411",
        seed: int = 2026,
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
        # Per-account sequences: invoice F-0000001, credit note AV-0000001, order C-0000001.
        self.next_invoice = self.next_order = self.next_credit_note = 1
        self.stems: dict[str, int] = {}
        self.codes: set[str] = set()
        self.step = (END - START) / max(total, 1)

    def chunk(self, size: int) -> Chunk:
        """The next ``size`` clients (fewer at the end) and the rows that hang off them."""
        out = Chunk()
        for _ in range(min(size, self.total - self.made)):
            self._client(self.made, out)
            self.made += 1
        return out

    def phone(self, number: str) -> str:
        """A French number ('05 57 12 34 56') written as people do: spaces, dots, +33 or run together."""
        r = self.rng.random()
        if r < 0.50:
            return number
        if r < 0.70:
            return number.replace(" ", ".")
        if r < 0.88:
            return "+33 " + number[1:]
        return number.replace(" ", "")

    def _accounting_code(self, fields: dict[str, Any]) -> str:
        stem = accounting_code_stem(
            prefix=self.prefix,
            kind=fields["kind"],
            first_name=fields["first_name"],
            last_name=fields["last_name"],
            company_name=fields.get("company_name"),
        )
        n = self.stems.get(stem, 0) + 1
        code = stem if n == 1 else f"{stem}{n}"
        while code in self.codes:  # only if a stem ends with digits; never with these pools
            n += 1
            code = f"{stem}{n}"
        self.stems[stem] = n
        self.codes.add(code)
        return code

    def _contacts(self, client_id: int, kind: str, created: datetime, out: Chunk) -> list[PersonNames]:
        rng, pools = self.rng, self.faker
        if rng.random() >= CONTACT_SHARE[kind]:
            return []
        people = []
        for _ in range(1 if rng.random() < 0.7 else 2):
            female = rng.random() < 0.5
            first, last = rng.choice(pools.female if female else pools.male), rng.choice(pools.last)
            email = (
                f"{ascii_word(first)}.{ascii_word(last)}@{rng.choice(CONTACT_DOMAINS)}" if rng.random() < 0.8 else None
            )
            phone = (
                self.phone(
                    "0{} {:02d} {:02d} {:02d} {:02d}".format(
                        rng.choice("12345"), *(rng.randint(0, 99) for _ in range(4))
                    )
                )
                if rng.random() < 0.6
                else None
            )
            mobile = (
                self.phone(
                    "0{} {:02d} {:02d} {:02d} {:02d}".format(rng.choice("67"), *(rng.randint(0, 99) for _ in range(4)))
                )
                if rng.random() < 0.5
                else None
            )
            invoices = rng.random() < 0.5
            out.contacts.append(
                (
                    self.account_id,
                    client_id,
                    "Mme" if female else "M.",
                    first,
                    last,
                    rng.choice(JOB_TITLES),
                    email,
                    phone,
                    mobile,
                    rng.random() < 0.3,
                    rng.random() < 0.1,
                    invoices,
                    invoices and rng.random() < 0.5,
                    created + (END - created) * rng.random() * 0.1,
                )
            )
            people.append(PersonNames(first_name=first, last_name=last, email=email, phone=phone, mobile=mobile))
        return people

    def _order(self, client_id: int, number_date: datetime, state: str, total: int, out: Chunk) -> tuple[int, str]:
        order_id, self.next_order = self.next_order, self.next_order + 1
        number = f"C-{order_id:07d}"
        out.orders.append(
            (
                self.account_id,
                order_id,
                client_id,
                client_id,
                number,
                state,
                {"draft": 1, "confirmed": 2, "cancelled": 3, "invoiced": 3}[state],
                total,
                "EUR",
                number_date,
            )
        )
        return order_id, number

    def _invoice(
        self,
        client_id: int,
        order: tuple[int, str],
        issued: datetime,
        total: int,
        out: Chunk,
        cancelled: datetime | None = None,
    ) -> None:
        invoice_id, self.next_invoice = self.next_invoice, self.next_invoice + 1
        credit_note = None
        if cancelled is not None:
            credit_note, self.next_credit_note = f"AV-{self.next_credit_note:07d}", self.next_credit_note + 1
        out.invoices.append(
            (
                self.account_id,
                invoice_id,
                client_id,
                order[0],
                order[1],
                f"F-{invoice_id:07d}",
                issued,
                total,
                "EUR",
                cancelled,
                credit_note,
            )
        )

    def _invoiced(self, client_id: int, created: datetime, out: Chunk) -> tuple[Any, ...]:
        """Orders and invoices of a client; returns its read-model columns as the invoice events leave them."""
        rng = self.rng
        orders = min(60, 1 + int(rng.expovariate(1 / 5)))
        average = min(2_000_000, int(rng.lognormvariate(math.log(32_000), 0.7)))
        span = (END - created).total_seconds()
        last_at = created + timedelta(seconds=span * (1 - rng.random() ** 3))
        # The last invoice is the latest: the others fall between the client's creation and it.
        days = [*sorted(created + (last_at - created) * rng.random() for _ in range(orders - 1)), last_at]
        total_cents, last = 0, (0, "")
        for issued in days:
            amount = max(1_500, int(average * rng.uniform(0.5, 1.5)))
            ordered = max(created, issued - timedelta(days=rng.uniform(0, 10)))
            last = self._order(client_id, ordered, "invoiced", amount, out)
            if rng.random() < CANCELLED_INVOICE_SHARE:
                wrong = max(ordered, issued - timedelta(days=2))
                self._invoice(client_id, last, wrong, amount, out, cancelled=wrong + (issued - wrong) / 2)
            self._invoice(client_id, last, issued, amount, out)
            total_cents += amount
        if rng.random() < OPEN_ORDER_SHARE["client"]:
            self._order(client_id, last_at + (END - last_at) * rng.random(), "confirmed", average, out)
        return ("client", orders, total_cents, last_at, last[0], last[1])

    def _client(self, index: int, out: Chunk) -> None:
        rng = self.rng
        client_id = self.first_id + index
        fields = self.faker.client(category_ids=self.category_ids, tag_ids=self.tag_ids)
        kind, company = fields["kind"], fields.get("company_name")
        first_last, last_first = sort_keys(
            kind=kind, first_name=fields["first_name"], last_name=fields["last_name"], company_name=company
        )
        billing = fields["billing_address"]
        created = START + self.step * (index + rng.random())
        shipping: tuple[Any, ...] = (None, None, None, None)
        if kind == "company" and rng.random() < 0.15:
            postal_code, city, country = rng.choice(PLACES)
            line1 = f"{rng.randint(1, 180)} {rng.choice(STREET_KINDS)} {rng.choice(STREET_NAMES)}"
            shipping = (line1, postal_code, city, country)
        note = rng.choice(NOTES) if rng.random() < 0.05 else None
        phone = self.phone(fields["phone"]) if fields.get("phone") else None
        mobile = self.phone(fields["mobile"]) if fields.get("mobile") else None
        grid = rng.choice(PRICE_GRIDS) if rng.random() < PRICE_GRID_SHARE[kind] else None
        contacts = self._contacts(client_id, kind, created, out)
        updated, deleted = created, None
        address = (
            billing["line1"],
            rng.choice(LINE2) if rng.random() < 0.08 else None,
            billing["postal_code"],
            billing["city"],
        )
        if rng.random() < CLIENT_SHARE:
            invoice = self._invoiced(client_id, created, out)
            updated = invoice[3]
        else:
            invoice = ("prospect", 0, 0, None, None, None)
            if rng.random() < DELETED_PROSPECT_SHARE:
                deleted = updated = created + (END - created) * rng.random()
            elif rng.random() < NO_ADDRESS_PROSPECT_SHARE:
                address = (None, None, None, None)
            if rng.random() < OPEN_ORDER_SHARE["prospect"]:
                self._order(
                    client_id,
                    created + (END - created) * rng.random(),
                    rng.choice(("draft", "cancelled")),
                    max(1_500, int(rng.lognormvariate(math.log(32_000), 0.7))),
                    out,
                )
        blocked = invoice[0] == "client" and rng.random() < 0.005
        keys = search_keys(
            PersonNames(
                first_name=fields["first_name"],
                last_name=fields["last_name"],
                company_name=company,
                email=fields.get("email"),
                phone=phone,
                mobile=mobile,
            ),
            contacts,
            city=address[3],
        )
        out.clients.append(
            (
                client_id,
                self.account_id,
                1,
                kind,
                fields["title"],
                fields["first_name"],
                fields["last_name"],
                company,
                fields.get("email"),
                phone,
                mobile,
                *address,
                billing["country_code"],
                shipping[0] is None,
                *shipping,
                fields.get("category_id"),
                grid,
                self._accounting_code(fields),
                fields["accepts_emailing"],
                fields["accepts_mailing"],
                note,
                note is not None and rng.random() < 0.5,
                blocked,
                "Impayés répétés" if blocked else None,
                updated if blocked else None,
                "bench" if blocked else None,
                created,
                updated,
                deleted,
                first_last,
                last_first,
                *invoice,
                keys.names,
                keys.emails,
                keys.phones,
                keys.city,
            )
        )
        out.tags.extend((client_id, tag_id) for tag_id in fields.get("tag_ids", []))
