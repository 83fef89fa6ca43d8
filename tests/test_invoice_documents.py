"""Invoices, credit notes and delivery notes as documents of the orders service, through its API.

An invoice is rendered once when issued (Factur-X), stored with its SHA-256, and printed again byte for byte;
the seller's profile must hold every mention first, else nothing is numbered. The PDFs are read back with
pdfplumber, the embedded XML with factur-x.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import facturx
import pdfplumber
from lxml import etree
from PIL import Image

from services.orders.documents import formatting as fr
from tests.conftest import new_account
from tests.orders_support import (
    SELLER_SIREN,
    complete_seller,
    french_vat,
    new_client,
    order,
    seller_profile,
    valid_siren,
    valid_siret,
)

NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
}
BUYER_SIREN = valid_siren("40483304")
COMPANY = {
    "company_name": "Cave Saint-Émilion",
    "legal_form": "SARL",
    "siren": BUYER_SIREN,
    "siret": valid_siret(BUYER_SIREN, "0002"),
    "vat_number": french_vat(BUYER_SIREN),
    "billing_address": {"line1": "3 place de l'Église", "postal_code": "33330", "city": "Saint-Émilion"},
}


def pdf_text(data: bytes) -> str:
    """Every page's text."""
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


def pdf_images(data: bytes) -> int:
    """How many images the pages draw."""
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return sum(len(page.images) for page in pdf.pages)


def xml_of(data: bytes) -> etree._Element:
    """The Factur-X XML inside the PDF, valid against the EN 16931 schema."""
    name, xml = facturx.get_xml_from_pdf(data, check_xsd=False)
    assert name == "factur-x.xml"
    assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")
    return etree.fromstring(xml)


def cents(root: etree._Element, path: str) -> int:
    """One amount of the XML, in cents."""
    (value,) = root.xpath(path, namespaces=NS)
    return int(Decimal(value.text) * 100)


def image(kind: str, size: tuple[int, int] = (120, 60), *, noise: bool = False) -> bytes:
    """An image of that format, in memory (noise makes it too big to compress)."""
    picture = Image.new("RGB", size, (120, 30, 60))
    if noise:
        picture = Image.frombytes("RGB", size, hashlib.shake_256(b"noise").digest(size[0] * size[1] * 3))
    out = io.BytesIO()
    picture.save(out, format=kind)
    return out.getvalue()


async def _product(orders_api, account, name: str, **taxes: Any) -> int:
    containers = {
        c["short_name"]: c["id"]
        for c in (await orders_api.get("/api/orders/containers", headers=account.headers)).json()
    }
    response = await orders_api.post(
        "/api/orders/products",
        headers=account.headers,
        json={"name": name, "variants": [{"container_id": containers["75 cl"], "vintage": 2020}], **taxes},
    )
    assert response.status_code == 201, response.text
    return response.json()["variants"][0]["id"]


async def _company_order(api, orders_api, account) -> dict[str, Any]:
    """An order before tax for a company: cognac at 20 % with excise, grape juice at 5.5 %."""
    cognac = await _product(orders_api, account, "Cognac VS", vat_rate="20.00", excise_cents_per_litre=760)
    juice = await _product(orders_api, account, "Jus de raisin", vat_rate="5.50")
    grid = (
        await orders_api.post(
            "/api/orders/price-grids", json={"name": "Pro HT", "includes_tax": False}, headers=account.headers
        )
    ).json()["id"]
    for variant, price in ((cognac, 1_500), (juice, 499)):
        await orders_api.put(
            f"/api/orders/price-grids/{grid}/prices/{variant}", json={"price_cents": price}, headers=account.headers
        )
    client_id = await new_client(api, orders_api, account, **COMPANY, price_grid_id=grid)
    lines = [{"variant_id": cognac, "quantity": "6"}, {"variant_id": juice, "quantity": "3"}]
    return await order(orders_api, account, client_id, lines)


async def _invoice(orders_api, account, order_id: int) -> dict[str, Any]:
    response = await orders_api.post(f"/api/orders/{order_id}/invoice", headers=account.headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_an_invoice_to_a_company_is_stored_once_with_every_mention_and_its_xml(api, orders_api, account):
    await seller_profile(orders_api, account, payment_terms_days=45)
    created = await _company_order(api, orders_api, account)
    invoiced = await _invoice(orders_api, account, created["id"])
    invoice = invoiced["invoice"]
    assert invoice["document_url"] == f"/api/orders/{created['id']}/invoice.pdf"
    assert invoice["credit_note_document_url"] is None

    response = await orders_api.get(invoice["document_url"], headers=account.headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["etag"] == f'"{hashlib.sha256(response.content).hexdigest()}"'
    assert invoice["number"] in response.headers["content-disposition"]
    text = pdf_text(response.content)
    issued = dt.datetime.fromisoformat(invoice["issued_at"]).astimezone(ZoneInfo("Europe/Paris")).date()
    for mention in (
        "FACTURE",
        invoice["number"],
        created["number"],
        f"Date : {fr.day(issued)}",
        f"Échéance : {fr.day(issued + dt.timedelta(days=45))}",
        # The seller, with its identifiers, RCS and capital.
        "Domaine des Chartrons",
        fr.siren(SELLER_SIREN),
        fr.siret(valid_siret(SELLER_SIREN)),
        french_vat(SELLER_SIREN),
        "RCS Bordeaux",
        fr.euros(1_000_000),
        # The buyer, a company: its legal form and identifiers.
        "Cave Saint-Émilion",
        "Saint-Émilion",
        fr.siren(BUYER_SIREN),
        french_vat(BUYER_SIREN),
        # The payment terms, the late-payment penalty and the indemnity a business buyer owes.
        "Paiement à 45 jours",
        "trois fois le taux d'intérêt légal",
        "Indemnité forfaitaire pour frais de recouvrement : 40 €",
        # Amounts: totals, the VAT of each rate on its base, the excise inside the total before tax.
        fr.euros(13_917),
        fr.euros(2_566),
        fr.euros(16_483),
        fr.euros(12_420),
        fr.euros(2_484),
        fr.euros(1_497),
        fr.euros(82),
        fr.euros(3_420),
        "20 %",
        "5,5 %",
    ):
        assert mention in text, mention

    root = xml_of(response.content)
    summation = "//ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:"
    assert cents(root, summation + "TaxBasisTotalAmount") == invoice["total_excl_tax_cents"] == 13_917
    assert cents(root, summation + "TaxTotalAmount") == sum(v["amount_cents"] for v in invoice["vat"]) == 2_566
    assert cents(root, summation + "GrandTotalAmount") == invoice["total_cents"] == 16_483
    taxes = root.xpath("//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax", namespaces=NS)
    assert [(cents(t, "ram:BasisAmount"), cents(t, "ram:CalculatedAmount")) for t in taxes] == [
        (v["base_cents"], v["amount_cents"]) for v in invoice["vat"]
    ]
    assert root.findtext(".//rsm:ExchangedDocument/ram:ID", namespaces=NS) == invoice["number"]


async def test_reprinting_gives_the_same_bytes_whatever_changed_since(api, orders_api, account, orders_app):
    await seller_profile(orders_api, account)
    created = await _company_order(api, orders_api, account)
    await _invoice(orders_api, account, created["id"])
    first = await orders_api.get(f"/api/orders/{created['id']}/invoice.pdf", headers=account.headers)
    # The seller moves and changes its name, the client renames itself: the issued invoice does not change.
    await seller_profile(orders_api, account, legal_name="Nouveau Nom SAS", city="Libourne", postal_code="33500")
    client_id = created["client_id"]
    renamed = await api.patch(
        f"/api/clients/{client_id}", json={"company_name": "Cave Renommée"}, headers=account.headers
    )
    assert renamed.status_code == 200, renamed.text
    again = await orders_api.get(f"/api/orders/{created['id']}/invoice.pdf", headers=account.headers)
    assert again.content == first.content and again.headers["etag"] == first.headers["etag"]
    assert "Nouveau Nom SAS" not in pdf_text(again.content)
    cached = await orders_api.get(
        f"/api/orders/{created['id']}/invoice.pdf", headers={**account.headers, "If-None-Match": first.headers["etag"]}
    )
    assert cached.status_code == 304 and not cached.content
    [row] = await _invoice_rows(orders_app, created["id"])
    assert row.document_sha256 == hashlib.sha256(first.content).hexdigest()
    assert row.document_key == f"{account.id}/invoices/{row.number}.pdf"


async def _invoice_rows(orders_app, order_id: int) -> list[Any]:
    from sqlalchemy import text

    async with orders_app.state.context.engine.connect() as connection:
        rows = await connection.execute(
            text("SELECT number, document_key, document_sha256 FROM invoices WHERE order_id = :o"), {"o": order_id}
        )
        return list(rows)


async def test_an_incomplete_seller_profile_refuses_invoicing_and_numbers_nothing(api, orders_api, account, orders_app):
    created = await _company_order(api, orders_api, account)
    refused = await orders_api.post(f"/api/orders/{created['id']}/invoice", headers=account.headers)
    assert refused.status_code == 409, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert {e["field"] for e in refused.json()["errors"]} >= {"seller.legal_name", "seller.siren", "seller.siret"}
    # A profile that lacks only its VAT number and RCS: the problem names exactly those.
    partial = complete_seller(vat_number=None, rcs_city=None)
    saved = await orders_api.put("/api/orders/seller", json=partial, headers=account.headers)
    assert saved.json()["missing_for_invoices"] == ["vat_number", "rcs_city"]
    refused = await orders_api.post(f"/api/orders/{created['id']}/invoice", headers=account.headers)
    assert refused.status_code == 409
    assert [e["field"] for e in refused.json()["errors"]] == ["seller.vat_number", "seller.rcs_city"]
    still = (await orders_api.get(f"/api/orders/{created['id']}", headers=account.headers)).json()
    assert still["state"] == "draft" and still["invoice"] is None
    assert await _invoice_rows(orders_app, created["id"]) == []
    # Completed, the profile lets the order be invoiced with the account's first number: no gap was left.
    await seller_profile(orders_api, account)
    invoiced = await _invoice(orders_api, account, created["id"])
    assert invoiced["invoice"]["number"] == "F-000001"


async def test_the_credit_note_and_the_delivery_note_have_their_pdfs(api, orders_api, account):
    await seller_profile(orders_api, account)
    created = await _company_order(api, orders_api, account)
    shipped = await orders_api.post(f"/api/orders/{created['id']}/confirm", headers=account.headers)
    assert shipped.status_code == 200, shipped.text
    shipment = (
        await orders_api.post(f"/api/orders/{created['id']}/shipments", json={}, headers=account.headers)
    ).json()["shipments"][0]
    delivery = await orders_api.get(
        f"/api/orders/{created['id']}/shipments/{shipment['id']}/delivery-note.pdf", headers=account.headers
    )
    assert delivery.status_code == 200, delivery.text
    assert delivery.headers["content-type"] == "application/pdf"
    text = pdf_text(delivery.content)
    for mention in (
        "BON DE LIVRAISON",
        f"BL-{shipment['id']:06d}",
        created["number"],
        "Cognac VS 2020",
        "Cave Saint-Émilion",
    ):
        assert mention in text, mention
    assert fr.euros(1_500) not in text and "Montant HT" not in text  # no prices on a delivery note

    invoiced = await _invoice(orders_api, account, created["id"])
    credited = await orders_api.post(f"/api/orders/{created['id']}/credit-note", headers=account.headers)
    assert credited.status_code == 200, credited.text
    invoice = credited.json()["invoice"]
    assert invoice["credit_note_document_url"] == f"/api/orders/{created['id']}/credit-note.pdf"
    note = await orders_api.get(invoice["credit_note_document_url"], headers=account.headers)
    assert note.status_code == 200 and note.headers["etag"] == f'"{hashlib.sha256(note.content).hexdigest()}"'
    assert invoice["credit_note_number"] in note.headers["content-disposition"]
    text = pdf_text(note.content)
    for mention in ("AVOIR", invoice["credit_note_number"], invoiced["invoice"]["number"], fr.euros(16_483)):
        assert mention in text, mention
    root = xml_of(note.content)
    assert root.findtext(".//rsm:ExchangedDocument/ram:TypeCode", namespaces=NS) == "381"
    assert cents(root, "//ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:GrandTotalAmount") == 16_483
    # The invoice itself stays as issued.
    assert (
        await orders_api.get(f"/api/orders/{created['id']}/invoice.pdf", headers=account.headers)
    ).status_code == 200


def _refused(response, field: str) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field in [str(e["field"]).split(".")[-1] for e in response.json()["errors"]], response.json()


async def test_bad_seller_input_is_a_422_naming_the_field_and_writes_nothing(orders_api, account):
    await seller_profile(orders_api, account)
    before = (await orders_api.get("/api/orders/seller", headers=account.headers)).json()
    for field, value in (("siren", "732829321"), ("siret", "73282932000075"), ("vat_number", "FR00732829320")):
        _refused(
            await orders_api.put("/api/orders/seller", json=complete_seller(**{field: value}), headers=account.headers),
            field,
        )
    other = valid_siren("40483304")
    _refused(
        await orders_api.put(
            "/api/orders/seller", json=complete_seller(siret=valid_siret(other)), headers=account.headers
        ),
        "siret",
    )
    for data in (image("GIF"), b"%PDF-1.4 not an image", image("PNG", (700, 700), noise=True)):
        _refused(
            await orders_api.put(
                "/api/orders/seller/logo", content=data, headers={**account.headers, "Content-Type": "image/png"}
            ),
            "logo",
        )
    assert (await orders_api.get("/api/orders/seller", headers=account.headers)).json() == before
    assert (await orders_api.get("/api/orders/seller/logo", headers=account.headers)).status_code == 404


async def test_the_logo_is_printed_on_invoices_issued_after_it(api, orders_api, account):
    await seller_profile(orders_api, account)
    logo = image("JPEG")
    put = await orders_api.put(
        "/api/orders/seller/logo", content=logo, headers={**account.headers, "Content-Type": "image/jpeg"}
    )
    assert put.status_code == 200, put.text
    assert put.json()["has_logo"]
    got = await orders_api.get("/api/orders/seller/logo", headers=account.headers)
    assert got.content == logo and got.headers["content-type"] == "image/jpeg"
    created = await _company_order(api, orders_api, account)
    await _invoice(orders_api, account, created["id"])
    printed = (await orders_api.get(f"/api/orders/{created['id']}/invoice.pdf", headers=account.headers)).content
    assert pdf_images(printed) == 1
    assert (await orders_api.delete("/api/orders/seller/logo", headers=account.headers)).status_code == 204
    assert not (await orders_api.get("/api/orders/seller", headers=account.headers)).json()["has_logo"]
    again = (await orders_api.get(f"/api/orders/{created['id']}/invoice.pdf", headers=account.headers)).content
    assert again == printed  # the issued invoice keeps its logo


async def test_another_accounts_documents_are_404(api, orders_api, clients_app, account):
    await seller_profile(orders_api, account)
    created = await _company_order(api, orders_api, account)
    await orders_api.post(f"/api/orders/{created['id']}/confirm", headers=account.headers)
    shipment = (
        await orders_api.post(f"/api/orders/{created['id']}/shipments", json={}, headers=account.headers)
    ).json()["shipments"][0]
    await _invoice(orders_api, account, created["id"])
    await orders_api.post(f"/api/orders/{created['id']}/credit-note", headers=account.headers)
    other = await new_account(clients_app, "Other")
    await seller_profile(orders_api, other)
    for path in ("invoice.pdf", "credit-note.pdf", f"shipments/{shipment['id']}/delivery-note.pdf"):
        assert (await orders_api.get(f"/api/orders/{created['id']}/{path}", headers=other.headers)).status_code == 404
        assert (await orders_api.get(f"/api/orders/{created['id']}/{path}", headers=account.headers)).status_code == 200


async def test_an_order_priced_with_tax_prints_its_lines_before_tax_adding_up_to_the_stored_bases(
    api, orders_api, account
):
    """A grid with tax: each line gets its share of its rate's base, so the printed lines add up to it."""
    await seller_profile(orders_api, account)
    containers = {
        c["short_name"]: c["id"]
        for c in (await orders_api.get("/api/orders/containers", headers=account.headers)).json()
    }
    product = (
        await orders_api.post(
            "/api/orders/products",
            headers=account.headers,
            json={
                "name": "Saint-Émilion Grand Cru",
                "excise_cents_per_litre": 4,
                "variants": [
                    {"container_id": containers["75 cl"], "vintage": 2019},
                    {"container_id": containers["150 cl"], "vintage": 2019},
                ],
            },
        )
    ).json()
    bottle, magnum = (variant["id"] for variant in product["variants"])
    grid = (
        await orders_api.post(
            "/api/orders/price-grids", json={"name": "Tarif public", "is_default": True}, headers=account.headers
        )
    ).json()["id"]
    for variant, price in ((bottle, 1_250), (magnum, 4_199)):
        await orders_api.put(
            f"/api/orders/price-grids/{grid}/prices/{variant}", json={"price_cents": price}, headers=account.headers
        )
    # A company known by its name and address only: still a business buyer.
    client_id = await new_client(
        api,
        orders_api,
        account,
        company_name="Cave Lafleur",
        billing_address={"city": "Bordeaux", "postal_code": "33000"},
    )
    lines = [{"variant_id": bottle, "quantity": "7"}, {"variant_id": magnum, "quantity": "3"}]
    created = await order(orders_api, account, client_id, lines)
    invoice = (await _invoice(orders_api, account, created["id"]))["invoice"]
    assert invoice["prices_include_tax"] and invoice["total_cents"] == 7 * 1_250 + 3 * 4_199
    pdf = (await orders_api.get(f"/api/orders/{created['id']}/invoice.pdf", headers=account.headers)).content
    root = xml_of(pdf)
    line_amounts = [
        cents(
            line,
            "ram:SpecifiedLineTradeSettlement/ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount",
        )
        for line in root.xpath("//ram:IncludedSupplyChainTradeLineItem", namespaces=NS)
    ]
    summation = "//ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:"
    assert sum(line_amounts) + invoice["excise_cents"] == invoice["total_excl_tax_cents"]
    assert cents(root, summation + "TaxBasisTotalAmount") == invoice["total_excl_tax_cents"]
    assert cents(root, summation + "GrandTotalAmount") == invoice["total_cents"]
    text = pdf_text(pdf)
    assert "Indemnité forfaitaire pour frais de recouvrement : 40 €" in text
    assert fr.euros(invoice["total_cents"]) in text


async def test_a_crash_before_the_commit_leaves_an_orphan_file_that_the_next_invoice_replaces(
    api, orders_api, orders_app, account
):
    """The PDF is stored before the commit: a rollback leaves a file no row names, never an invoice without one."""
    from services.orders.files import document_key, document_storage
    from services.orders.invoicing import service as invoicing
    from shared.auth import Principal

    await seller_profile(orders_api, account)
    first = await _company_order(api, orders_api, account)
    files = document_storage(orders_app.state.settings)
    key = document_key(account_id=account.id, kind="invoice", number="F-000001")
    principal = Principal(account_id=account.id, user_id="tester")
    async with orders_app.state.context.sessions() as session, session.begin():
        await invoicing.invoice_order(session, principal=principal, order_id=first["id"], files=files)
        orphan = await (await files.open(key)).read_all()
        await session.rollback()  # the process dies before its commit
    assert await _invoice_rows(orders_app, first["id"]) == []
    assert (await orders_api.get(f"/api/orders/{first['id']}", headers=account.headers)).json()["state"] == "draft"

    # Another order takes the number the rollback gave back; its PDF replaces the orphan under the same key.
    await seller_profile(orders_api, account, legal_name="Domaine des Chartrons et Fils")
    second = await order(
        orders_api, account, first["client_id"], [{"variant_id": first["lines"][1]["variant_id"], "quantity": "1"}]
    )
    invoiced = (await _invoice(orders_api, account, second["id"]))["invoice"]
    assert invoiced["number"] == "F-000001"
    printed = (await orders_api.get(invoiced["document_url"], headers=account.headers)).content
    assert printed != orphan and printed == await (await files.open(key)).read_all()
    assert "Domaine des Chartrons et Fils" in pdf_text(printed)
