"""Fake but plausible clients for the demo account (and the benchmark's generator)."""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Iterator, Sequence
from typing import Any

from faker import Faker

from services.clients.accounts.demo_data import COMPANY_PATTERNS, PLACES, STREET_KINDS, STREET_NAMES


def _ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower().replace(" ", "")


class ClientFaker:
    """Draws clients from pools built once with Faker's fr_FR locale (fast for millions)."""

    def __init__(self, *, seed: int = 2026, pool_size: int = 3000) -> None:
        self.rng = random.Random(seed)
        fake = Faker("fr_FR")
        fake.seed_instance(seed)
        self.male = [fake.first_name_male() for _ in range(pool_size // 3)]
        self.female = [fake.first_name_female() for _ in range(pool_size // 3)]
        self.last = [fake.last_name() for _ in range(pool_size)]

    def client(self, *, category_ids: Sequence[int] = (), tag_ids: Sequence[int] = ()) -> dict[str, Any]:
        """One client's fields, as a ClientCreate body would carry them."""
        rng = self.rng
        female = rng.random() < 0.5
        first = rng.choice(self.female if female else self.male)
        last = rng.choice(self.last)
        postal_code, city, country = rng.choice(PLACES)
        is_company = rng.random() < 0.35
        fields: dict[str, Any] = {
            "kind": "company" if is_company else "person",
            "title": "Mme" if female else "M.",
            "first_name": first,
            "last_name": last,
            "billing_address": {
                "line1": f"{rng.randint(1, 180)} {rng.choice(STREET_KINDS)} {rng.choice(STREET_NAMES)}",
                "postal_code": postal_code,
                "city": city,
                "country_code": country,
            },
            "accepts_emailing": rng.random() < 0.6,
            "accepts_mailing": rng.random() < 0.9,
        }
        if is_company:
            fields["company_name"] = rng.choice(COMPANY_PATTERNS).format(first=first, last=last, place=city)
        if rng.random() < 0.75:
            fields["email"] = f"{_ascii(first)}.{_ascii(last)}{rng.randint(1, 999)}@example.fr"
        if rng.random() < 0.6:
            fields["phone"] = "0{} {:02d} {:02d} {:02d} {:02d}".format(
                rng.choice("12345"), *(rng.randint(0, 99) for _ in range(4))
            )
        if rng.random() < 0.5:
            fields["mobile"] = "06 {:02d} {:02d} {:02d} {:02d}".format(*(rng.randint(0, 99) for _ in range(4)))
        if category_ids:
            fields["category_id"] = rng.choice(category_ids)
        if tag_ids and rng.random() < 0.4:
            fields["tag_ids"] = rng.sample(list(tag_ids), k=rng.randint(1, min(3, len(tag_ids))))
        return fields

    def clients(self, count: int, **kwargs: Any) -> Iterator[dict[str, Any]]:
        """``count`` clients."""
        for _ in range(count):
            yield self.client(**kwargs)
