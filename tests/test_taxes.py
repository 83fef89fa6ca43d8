"""Taxes to the cent: the rule of services/orders/pricing/taxes.py, its properties, and the orders API that applies it."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.orders.pricing.domain import line_total_cents, order_includes_tax
from services.orders.pricing.taxes import (
    FRENCH_RATES,
    TaxedLine,
    line_excise_cents,
    rate_hundredths,
    tax_totals,
)
from tests.conftest import AMQP_URL
from tests.orders_support import new_client, order, seller_profile
from tests.support import EventTap, eventually

BOUNDED = settings(max_examples=200, deadline=None)


def half_up(value: Fraction) -> int:
    """The reference rounding, written independently of the module: half up for non-negative values."""
    return math.floor(value + Fraction(1, 2))


rates = st.one_of(
    st.sampled_from(FRENCH_RATES),
    st.integers(min_value=0, max_value=9_999).map(lambda h: Decimal(h).scaleb(-2)),
)
lines_strategy = st.lists(
    st.builds(
        TaxedLine,
        amount_cents=st.integers(min_value=0, max_value=10**11),
        vat_rate=rates,
        excise_cents=st.integers(min_value=0, max_value=10**9),
    ),
    max_size=40,
)


# --- worked examples, computed by hand ---


def test_an_ht_grid_taxes_each_rate_once_on_its_sum():
    # 6 x 10.00 at 20 %, 3 x 4.99 at 5.5 %: VAT 1 200 and 1 497 x 5.5 % = 82.335 -> 82.
    lines = [
        TaxedLine(line_total_cents(Decimal(6), 1_000), Decimal("20.00")),
        TaxedLine(line_total_cents(Decimal(3), 499), Decimal("5.50")),
    ]
    totals = tax_totals(lines, includes_tax=False)
    assert [(v.rate, v.base_cents, v.amount_cents) for v in totals.vat] == [
        (Decimal("20.00"), 6_000, 1_200),
        (Decimal("5.50"), 1_497, 82),
    ]
    assert (totals.total_excl_tax_cents, totals.excise_cents, totals.total_cents) == (7_497, 0, 8_779)


def test_vat_per_rate_is_not_the_sum_of_vats_per_line():
    # Ten lines of 0.10 at 5.5 %: per line 0.0055 rounds to 0 ten times; on the sum 1.00 x 5.5 % = 0.055 -> 0.06.
    totals = tax_totals([TaxedLine(10, Decimal("5.50"))] * 10, includes_tax=False)
    assert (totals.vat[0].base_cents, totals.vat[0].amount_cents, totals.total_cents) == (100, 6, 106)


def test_a_ttc_line_of_12_euros_at_20_percent_is_10_plus_2():
    totals = tax_totals([TaxedLine(1_200, Decimal("20.00"))], includes_tax=True)
    assert [(v.base_cents, v.amount_cents) for v in totals.vat] == [(1_000, 200)]
    assert (totals.total_excl_tax_cents, totals.total_cents) == (1_000, 1_200)


def test_a_ttc_base_rounds_half_up():
    # 3 cents incl. 20 %: 3 x 100 / 120 = 2.5 -> base 3, VAT 0; 9.99 incl. 5.5 %: 999 / 1.055 = 946.919... -> 947.
    assert tax_totals([TaxedLine(3, Decimal("20"))], includes_tax=True).vat[0].base_cents == 3
    assert tax_totals([TaxedLine(999, Decimal("5.5"))], includes_tax=True).vat[0].amount_cents == 52


def test_excise_on_six_bottles_of_75_cl_is_in_the_vat_base():
    # 6 x 0.75 l x 7.60 EUR/l = 34.20 EUR of excise, on 6 x 15.00 EUR excl. tax at 20 %.
    excise = line_excise_cents(Decimal(6), 750, 760)
    assert excise == 3_420
    totals = tax_totals([TaxedLine(line_total_cents(Decimal(6), 1_500), Decimal("20.00"), excise)], includes_tax=False)
    assert [(v.base_cents, v.amount_cents) for v in totals.vat] == [(12_420, 2_484)]
    assert (totals.total_excl_tax_cents, totals.excise_cents, totals.total_cents) == (12_420, 3_420, 14_904)
    # In a grid with tax the same excise is "of which excise": inside the price, not added to it.
    inside = tax_totals([TaxedLine(18_000, Decimal("20.00"), excise)], includes_tax=True)
    assert (inside.total_excl_tax_cents, inside.excise_cents, inside.total_cents) == (15_000, 3_420, 18_000)


def test_excise_rounds_half_up_per_line():
    assert line_excise_cents(Decimal(7), 375, 3) == 8  # 7.875
    assert line_excise_cents(Decimal("1.5"), 375, 3) == 2  # 1.6875
    assert line_excise_cents(Decimal(2), 250, 1) == 1  # 0.5
    assert line_excise_cents(Decimal(12), 750, 0) == 0


def test_rates_are_percentages_with_two_decimals_below_100():
    assert [rate_hundredths(r) for r in FRENCH_RATES] == [2_000, 1_000, 550, 210, 0]
    assert (rate_hundredths(Decimal("99.99")), rate_hundredths(Decimal("5.5"))) == (9_999, 550)
    for bad in (Decimal("100"), Decimal("-0.01"), Decimal("5.555")):
        with pytest.raises(ValueError):
            rate_hundredths(bad)
        with pytest.raises(ValueError):
            tax_totals([TaxedLine(100, bad)], includes_tax=False)


def test_an_order_takes_the_basis_of_its_client_grid_else_the_default_grid_else_with_tax():
    assert order_includes_tax(client_grid=False, default_grid=True) is False
    assert order_includes_tax(client_grid=None, default_grid=False) is False
    assert order_includes_tax(client_grid=None, default_grid=None) is True


# --- properties: whatever the lines, the totals add up ---


@BOUNDED
@given(lines=lines_strategy, includes_tax=st.booleans())
def test_bases_plus_vats_are_the_total_incl_tax(lines, includes_tax):
    totals = tax_totals(lines, includes_tax=includes_tax)
    assert totals.total_excl_tax_cents == sum(v.base_cents for v in totals.vat)
    assert totals.total_excl_tax_cents + sum(v.amount_cents for v in totals.vat) == totals.total_cents
    assert totals.excise_cents == sum(line.excise_cents for line in lines)
    assert all(v.base_cents >= 0 and v.amount_cents >= 0 for v in totals.vat) and totals.total_cents >= 0


@BOUNDED
@given(lines=lines_strategy, includes_tax=st.booleans())
def test_each_rate_keeps_the_sum_of_its_lines_and_its_vat_follows_the_rule(lines, includes_tax):
    totals = tax_totals(lines, includes_tax=includes_tax)
    assert [v.rate for v in totals.vat] == sorted({Decimal(line.vat_rate) for line in lines}, reverse=True)
    for vat in totals.vat:
        mine = [line for line in lines if line.vat_rate == vat.rate]
        amounts, excise = sum(line.amount_cents for line in mine), sum(line.excise_cents for line in mine)
        rate = Fraction(vat.rate)
        if includes_tax:
            assert vat.base_cents + vat.amount_cents == amounts
            assert vat.base_cents == half_up(Fraction(amounts) * 100 / (100 + rate))
        else:
            assert vat.base_cents == amounts + excise
            assert vat.amount_cents == half_up(Fraction(vat.base_cents) * rate / 100)
    if includes_tax:
        assert totals.total_cents == sum(line.amount_cents for line in lines)


@BOUNDED
@given(lines=lines_strategy, includes_tax=st.booleans(), randoms=st.randoms(use_true_random=False))
def test_the_order_of_lines_does_not_matter(lines, includes_tax, randoms):
    shuffled = list(lines)
    randoms.shuffle(shuffled)
    assert tax_totals(shuffled, includes_tax=includes_tax) == tax_totals(lines, includes_tax=includes_tax)


@BOUNDED
@given(
    quantity=st.decimals(min_value=Decimal("0.001"), max_value=Decimal(999_999), places=3),
    millilitres=st.integers(min_value=1, max_value=1_000_000),
    per_litre=st.integers(min_value=0, max_value=10**6),
)
def test_a_line_excise_is_quantity_times_litres_times_excise_rounded_half_up(quantity, millilitres, per_litre):
    expected = half_up(Fraction(quantity) * Fraction(millilitres, 1000) * per_litre)
    assert line_excise_cents(quantity, millilitres, per_litre) == expected >= 0


# --- the orders API ---


async def _product(orders_api, account, name: str, container: str, **taxes) -> tuple[int, dict]:
    """A product in one container; returns its variant id and its body."""
    containers = {
        c["short_name"]: c["id"]
        for c in (await orders_api.get("/api/orders/containers", headers=account.headers)).json()
    }
    response = await orders_api.post(
        "/api/orders/products",
        headers=account.headers,
        json={"name": name, "variants": [{"container_id": containers[container]}], **taxes},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    return body["variants"][0]["id"], body


async def _grid(orders_api, account, name: str, prices: dict[int, int], **fields) -> int:
    grid = (
        await orders_api.post("/api/orders/price-grids", json={"name": name, **fields}, headers=account.headers)
    ).json()
    for variant, cents in prices.items():
        await orders_api.put(
            f"/api/orders/price-grids/{grid['id']}/prices/{variant}",
            json={"price_cents": cents},
            headers=account.headers,
        )
    return grid["id"]


async def test_products_carry_a_vat_rate_and_an_excise_and_bad_ones_name_their_field(orders_api, account):
    _, plain = await _product(orders_api, account, "Vin de France", "75 cl")
    assert (plain["vat_rate"], plain["excise_cents_per_litre"]) == ("20.00", 0)
    _, juice = await _product(orders_api, account, "Jus de raisin", "75 cl", vat_rate="5.5")
    assert juice["vat_rate"] == "5.50"
    containers = (await orders_api.get("/api/orders/containers", headers=account.headers)).json()
    variants = [{"container_id": containers[0]["id"]}]
    for field, value in (
        ("vat_rate", 100),
        ("vat_rate", "-1"),
        ("vat_rate", "5.555"),
        ("vat_rate", "vingt"),
        ("excise_cents_per_litre", -1),
        ("excise_cents_per_litre", 1.5),
    ):
        bad = await orders_api.post(
            "/api/orders/products", headers=account.headers, json={"name": "X", "variants": variants, field: value}
        )
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == field, (field, value, bad.text)
        changed = await orders_api.patch(
            f"/api/orders/products/{plain['id']}", headers=account.headers, json={field: value}
        )
        assert changed.status_code == 422 and changed.json()["errors"][0]["field"] == field
    names = [p["name"] for p in (await orders_api.get("/api/orders/products", headers=account.headers)).json()]
    assert names.count("X") == 0
    updated = await orders_api.patch(
        f"/api/orders/products/{plain['id']}",
        headers=account.headers,
        json={"vat_rate": "10", "excise_cents_per_litre": 4},
    )
    assert (updated.json()["vat_rate"], updated.json()["excise_cents_per_litre"], updated.json()["name"]) == (
        "10.00",
        4,
        "Vin de France",
    )
    missing = await orders_api.patch("/api/orders/products/999999999", headers=account.headers, json={"vat_rate": "10"})
    assert missing.status_code == 404


async def test_an_ht_order_adds_vat_per_rate_and_excise_and_its_invoice_keeps_them(api, orders_api, account):
    await seller_profile(orders_api, account)
    cognac, _ = await _product(orders_api, account, "Cognac VS", "75 cl", vat_rate="20.00", excise_cents_per_litre=760)
    juice, juice_body = await _product(orders_api, account, "Jus de raisin", "75 cl", vat_rate="5.50")
    pro = await _grid(orders_api, account, "Pro HT", {cognac: 1_500, juice: 499}, includes_tax=False)
    client_id = await new_client(api, orders_api, account, last_name="Caviste", price_grid_id=pro)
    created = await order(
        orders_api,
        account,
        client_id,
        [{"variant_id": cognac, "quantity": "6"}, {"variant_id": juice, "quantity": "3"}],
    )
    # 20 %: 9 000 + 3 420 excise = 12 420, VAT 2 484; 5.5 %: 1 497, VAT 82.335 -> 82.
    assert [(line["vat_rate"], line["excise_cents"], line["line_total_cents"]) for line in created["lines"]] == [
        ("20.00", 3_420, 9_000),
        ("5.50", 0, 1_497),
    ]
    expected = {
        "prices_include_tax": False,
        "total_excl_tax_cents": 13_917,
        "vat": [
            {"rate": "20.00", "base_cents": 12_420, "amount_cents": 2_484},
            {"rate": "5.50", "base_cents": 1_497, "amount_cents": 82},
        ],
        "excise_cents": 3_420,
        "total_cents": 16_483,
    }
    assert created["taxes"] == expected and created["total_cents"] == 16_483
    # A product changed later alters neither the order nor, once issued, its invoice.
    await orders_api.patch(f"/api/orders/products/{juice_body['id']}", headers=account.headers, json={"vat_rate": "20"})
    async with EventTap(AMQP_URL, "negoce.orders", "invoice.issued") as tap:
        invoiced = (await orders_api.post(f"/api/orders/{created['id']}/invoice", headers=account.headers)).json()

        async def published():
            mine = [b for b in tap.bodies("invoice.issued") if b["payload"]["order_id"] == created["id"]]
            return mine[0]["payload"] if mine else None

        payload = await eventually(published)
    assert invoiced["taxes"] == expected
    invoice = invoiced["invoice"]
    assert {k: invoice[k] for k in expected} == expected
    assert {k: payload[k] for k in expected} == expected
    assert [line["vat_rate"] for line in payload["lines"]] == ["20.00", "5.50"]
    again = await order(orders_api, account, client_id, [{"variant_id": juice, "quantity": "3"}])
    assert again["taxes"]["vat"] == [{"rate": "20.00", "base_cents": 1_497, "amount_cents": 299}]


async def test_a_ttc_order_splits_its_prices_into_base_and_vat(api, orders_api, account):
    await seller_profile(orders_api, account)
    wine, _ = await _product(orders_api, account, "Bordeaux", "75 cl", excise_cents_per_litre=4)
    await _grid(orders_api, account, "Caveau TTC", {wine: 1_200}, is_default=True)
    client_id = await new_client(api, orders_api, account, last_name="Particulier")
    created = await order(orders_api, account, client_id, [{"variant_id": wine, "quantity": "1"}])
    # 12.00 incl. 20 %: 10.00 + 2.00; of which excise 0.75 l x 0.04 = 0.03.
    assert created["taxes"] == {
        "prices_include_tax": True,
        "total_excl_tax_cents": 1_000,
        "vat": [{"rate": "20.00", "base_cents": 1_000, "amount_cents": 200}],
        "excise_cents": 3,
        "total_cents": 1_200,
    }
    assert created["total_cents"] == 1_200
    invoiced = (await orders_api.post(f"/api/orders/{created['id']}/invoice", headers=account.headers)).json()
    assert (invoiced["invoice"]["total_excl_tax_cents"], invoiced["invoice"]["total_cents"]) == (1_000, 1_200)


async def test_an_order_never_mixes_prices_with_and_without_tax(api, orders_api, account):
    wine, _ = await _product(orders_api, account, "Graves", "75 cl")
    other, _ = await _product(orders_api, account, "Sauternes", "37,5 cl")
    await _grid(orders_api, account, "Public TTC", {wine: 1_200, other: 2_000}, is_default=True)
    pro = await _grid(orders_api, account, "Pro HT", {wine: 900}, includes_tax=False)
    client_id = await new_client(api, orders_api, account, last_name="Restaurant", price_grid_id=pro)
    refused = await orders_api.post(
        "/api/orders",
        headers=account.headers,
        json={
            "client_id": client_id,
            "lines": [{"variant_id": wine, "quantity": "1"}, {"variant_id": other, "quantity": "1"}],
        },
    )
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "lines.1.unit_price_cents"
    priced = await order(
        orders_api,
        account,
        client_id,
        [{"variant_id": wine, "quantity": "1"}, {"variant_id": other, "quantity": "1", "unit_price_cents": 1_500}],
    )
    assert priced["taxes"]["prices_include_tax"] is False and priced["total_cents"] == 2_880  # 24.00 + 20 %
