"""Orders through the console: a new order priced by the client's rules, invoiced, shipped elsewhere, paid."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from playwright.async_api import expect

from tests.console.conftest import add_client, api_as
from tests.identity_support import invited_member
from tests.orders_support import seller_profile
from tests.support import eventually


async def _choosable(http: httpx.AsyncClient, client_id: int, *, expected: bool = True) -> None:
    """Wait until the orders service (fed by the clients service's events) offers the client, or no longer does."""

    async def seen() -> bool:
        choices = (await http.get("/api/orders/client-choices", params={"limit": 50})).json()
        return any(choice["client_id"] == client_id for choice in choices) == expected

    await eventually(seen, timeout=20, interval=0.2)


async def _catalogue(http: httpx.AsyncClient, *, client_id: int) -> dict[str, Any]:
    """A wine in 75 cl (priced by the default grid) and in magnum (a price negotiated with the client)."""
    containers = {c["short_name"]: c["id"] for c in (await http.get("/api/orders/containers")).json()}
    product = await http.post(
        "/api/orders/products",
        json={
            "name": "Saint-Émilion Grand Cru",
            "variants": [
                {"container_id": containers["75 cl"], "vintage": 2019},
                {"container_id": containers["150 cl"], "vintage": 2019},
            ],
        },
    )
    assert product.status_code == 201, product.text
    bottle, magnum = (variant["id"] for variant in product.json()["variants"])
    grid = await http.post("/api/orders/price-grids", json={"name": "Tarif public", "is_default": True})
    assert grid.status_code == 201, grid.text
    priced = await http.put(f"/api/orders/price-grids/{grid.json()['id']}/prices/{bottle}", json={"price_cents": 1250})
    assert priced.status_code == 204, priced.text
    negotiated = await http.put(
        "/api/orders/negotiated-prices", json={"client_id": client_id, "variant_id": magnum, "price_cents": 4200}
    )
    assert negotiated.status_code == 200, negotiated.text
    return {"bottle": bottle, "magnum": magnum}


async def test_an_order_is_priced_invoiced_shipped_elsewhere_and_paid(stack, owner, open_screens):
    async with api_as(stack, owner) as http:
        cave = await add_client(
            http,
            company_name="Cave Lafleur",
            city="Bordeaux",
            postal_code="33000",
            note="Livrer avant 10 h, jamais le lundi",
            show_note_on_orders=True,
        )
        bistrot = await add_client(http, company_name="Bistrot Lafleur", city="Libourne", postal_code="33500")
        blocked = await add_client(http, company_name="Cave Lafleur Impayés", city="Blaye", postal_code="33390")
        for client in (cave, bistrot, blocked):
            await _choosable(http, client["id"])
        catalogue = await _catalogue(http, client_id=cave["id"])
        await seller_profile(http)
        refused = await http.post(f"/api/clients/{blocked['id']}/block", json={"reason": "Impayés"})
        assert refused.status_code == 200, refused.text
        await _choosable(http, blocked["id"], expected=False)

    screens = await open_screens(owner)
    page = screens.page
    await screens.visit("/commandes/nouvelle", "nouvelle-commande")
    await page.evaluate("window.__notReloaded = true")
    await page.get_by_label("Rechercher un client").fill("Lafleur")
    choices = page.locator("#client-choices")
    await expect(choices.get_by_role("link", name="Bistrot Lafleur")).to_be_visible()
    await expect(choices.get_by_role("link", name="Cave Lafleur", exact=True)).to_be_visible()
    await expect(choices.get_by_role("link", name="Cave Lafleur Impayés")).to_have_count(0)
    assert await page.evaluate("window.__notReloaded === true"), "the search reloaded the page"
    await screens.shoot("choix-client")

    await choices.get_by_role("link", name="Cave Lafleur", exact=True).click()
    await expect(page.get_by_role("note")).to_have_text("Livrer avant 10 h, jamais le lundi")
    await page.get_by_role("link", name="Livrer à un autre client").click()
    await page.get_by_label("Rechercher un client").fill("Bistrot")
    await page.locator("#client-choices").get_by_role("link", name="Bistrot Lafleur").click()
    await expect(page.locator(".order-parties")).to_contain_text("Livré à Bistrot Lafleur")
    await page.get_by_label("Produit, ligne 1").select_option(str(catalogue["bottle"]))
    await page.get_by_label("Quantité, ligne 1").fill("6")
    await page.get_by_label("Produit, ligne 2").select_option(str(catalogue["magnum"]))
    await page.get_by_label("Quantité, ligne 2").fill("2")
    await screens.shoot("lignes")
    await page.get_by_role("button", name="Calculer les prix").click()

    await page.wait_for_url(re.compile(r".*/commandes/\d+$"))
    order_id = int(page.url.rsplit("/", 1)[1])
    await expect(page.locator("#order-state")).to_have_text("Brouillon")
    await expect(page.locator("#order-banner")).to_have_text("Livrer avant 10 h, jamais le lundi")
    lines = page.locator("#order-lines tbody tr")
    await expect(lines.nth(0)).to_contain_text("75 cl")
    await expect(lines.nth(0)).to_contain_text("12,50 €")
    await expect(lines.nth(0)).to_contain_text("Grille par défaut")
    await expect(lines.nth(1)).to_contain_text("150 cl")
    await expect(lines.nth(1)).to_contain_text("42,00 €")
    await expect(lines.nth(1)).to_contain_text("Prix négocié")
    await expect(page.locator("#order-total")).to_have_text("159,00 €")
    # The default grid includes tax: 159,00 € incl. 20 % is 132,50 € + 26,50 €.
    await expect(page.locator("#order-total-excl-tax")).to_have_text("132,50 €")
    await expect(page.locator(".order-vat th")).to_have_text(["TVA 20 %"])
    await expect(page.locator(".order-vat td")).to_have_text(["26,50 €"])
    await screens.shoot("brouillon")

    await page.get_by_role("button", name="Confirmer").click()
    await expect(page.locator("#order-state")).to_have_text("Confirmée")
    await page.get_by_role("button", name="Facturer").click()
    await expect(page.locator("#order-state")).to_have_text("Facturée")
    await expect(page.locator("#order-invoice")).to_contain_text(re.compile(r"F-\d+"))
    await expect(page.get_by_role("button", name="Annuler la commande")).to_have_count(0)
    await screens.shoot("facturee")

    await page.get_by_role("button", name="Expédier").click()
    await expect(page.locator("#order-shipments")).to_contain_text("à Bistrot Lafleur")
    await expect(lines.nth(1)).to_contain_text("2")

    await page.get_by_label("Montant (€)").fill("100")
    await page.get_by_label("Date du paiement").fill("2030-01-15")
    await page.get_by_label("Moyen de paiement").select_option(label="Chèque")
    await page.get_by_role("button", name="Enregistrer un paiement").click()
    # The API refuses a payment dated in the future: its message stands beside the date.
    await expect(page.locator("#f-paid-on-error")).to_be_visible()
    await screens.shoot("paiement-refuse")
    await page.get_by_label("Date du paiement").fill("")
    await page.get_by_role("button", name="Enregistrer un paiement").click()
    await expect(page.locator("#order-payments")).to_contain_text("100,00 € · Chèque")
    await expect(page.locator("#order-due")).to_have_text("59,00 €")
    await screens.shoot("payee")

    async with api_as(stack, owner) as http:
        order = (await http.get(f"/api/orders/{order_id}")).json()
    assert order["state"] == "invoiced" and order["paid_cents"] == 10000
    assert [s["ship_to_client_id"] for s in order["shipments"]] == [bistrot["id"]]

    # The client base learns of the invoice by events: the client moves to the Clients tab.
    today = datetime.now(ZoneInfo("Europe/Paris")).strftime("%d/%m/%Y")
    row = page.locator(f'tr[data-client-id="{cave["id"]}"]')
    for _ in range(40):
        await page.goto(f"{stack.base_url}/clients?tab=clients")
        if await row.count() and "159,00" in await row.inner_text():
            break
        await page.wait_for_timeout(250)
    await expect(row.get_by_role("link", name=re.compile(r"[CF]-\d+"))).to_have_attribute(
        "href", f"/commandes/{order_id}"
    )
    await expect(row).to_contain_text(today)
    await expect(row.locator("td").nth(-2)).to_have_text("1")
    await expect(row.locator("td").nth(-1)).to_have_text("159,00 €")
    await screens.shoot("onglet-clients")

    # A credit note cancels the invoice (the button asks first).
    await page.goto(f"{stack.base_url}/commandes/{order_id}")
    page.once("dialog", lambda dialog: dialog.accept())
    await page.get_by_role("button", name="Faire un avoir").click()
    await expect(page.locator("#order-invoice")).to_contain_text(re.compile(r"Annulée par l'avoir AV-\d+"))
    await expect(page.get_by_role("button", name="Faire un avoir")).to_have_count(0)
    await screens.shoot("avoir")
    assert screens.csp_violations == []

    # A read-only member sees the order but none of its actions, and may not open the new-order screen.
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=30) as identity:
        signed = await identity.post("/api/identity/sign-in", json={"email": owner.email, "password": owner.password})
        reader = await invited_member(identity, signed.json(), role="read_only")
    reading = await open_screens(reader)
    await reading.visit(f"/commandes/{order_id}", "commande-lecture-seule")
    await expect(reading.page.locator("#order-total")).to_have_text("159,00 €")
    await expect(reading.page.get_by_role("button")).to_have_text(["Se déconnecter"])
    await reading.visit("/commandes/nouvelle", "nouvelle-commande-refusee")
    await expect(reading.page.get_by_role("heading", name="Accès refusé")).to_be_visible()


async def test_a_client_blocked_meanwhile_is_refused_with_the_apis_message(stack, owner, open_screens):
    async with api_as(stack, owner) as http:
        client = await add_client(http, company_name="Épicerie Durand", city="Pau", postal_code="64000")
        await _choosable(http, client["id"])
        catalogue = await _catalogue(http, client_id=client["id"])
    screens = await open_screens(owner)
    page = screens.page
    await screens.visit(f"/commandes/nouvelle?client={client['id']}", "nouvelle-commande-client")
    await page.get_by_label("Produit, ligne 1").select_option(str(catalogue["magnum"]))
    async with api_as(stack, owner) as http:
        await http.post(f"/api/clients/{client['id']}/block", json={"reason": "Litige"})
        await _choosable(http, client["id"], expected=False)
    await page.get_by_role("button", name="Calculer les prix").click()
    await expect(page.locator("#order-error")).to_be_visible()
    await expect(page.get_by_label("Produit, ligne 1")).to_have_value(str(catalogue["magnum"]))
    await screens.shoot("client-bloque")
    async with api_as(stack, owner) as http:
        orders = (await http.get(f"/api/clients/{client['id']}/orders")).json()
    assert orders["items"] == []
