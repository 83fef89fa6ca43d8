"""Signing in to the console, and the client base's list as a merchant reads it."""

from __future__ import annotations

import re

import httpx
from playwright.async_api import expect

from tests.console.conftest import add_client, api_as


async def test_a_merchant_signs_in_and_sees_the_base_with_its_tabs_and_counts(stack, owner, open_screens):
    async with api_as(stack, owner) as http:
        await add_client(http, company_name="Cave des Chartrons", postal_code="33000", city="Bordeaux")
        await add_client(http, company_name="Bistrot du Port", postal_code="17000", city="La Rochelle")
    screens = await open_screens(owner)
    page = screens.page
    await expect(page.get_by_role("heading", name="Base clients")).to_be_visible()
    tabs = page.get_by_role("navigation", name="Onglets de la liste")
    await expect(tabs.get_by_role("link", name=re.compile(r"^Tous\s+2"))).to_be_visible()
    await expect(tabs.get_by_role("link", name=re.compile(r"^Clients\s+0"))).to_be_visible()
    await expect(tabs.get_by_role("link", name=re.compile(r"^Prospects\s+2"))).to_be_visible()
    link = page.get_by_role("link", name="Cave des Chartrons")
    await expect(link).to_have_attribute("href", re.compile(r"^/clients/\d+$"))
    await expect(page.get_by_role("row", name=re.compile("Bistrot du Port"))).to_contain_text("17000 La Rochelle")
    await link.click()
    await expect(page.get_by_role("heading", name=re.compile("Cave des Chartrons"))).to_be_visible()
    await expect(page.get_by_role("navigation", name="Onglets de la fiche")).to_contain_text("Statistiques")
    await screens.shoot("fiche-client")
    assert screens.csp_violations == []


async def test_search_as_you_type_swaps_the_results_without_reloading(stack, owner, open_screens):
    async with api_as(stack, owner) as http:
        for name, city in [("Maison Rivière", "Bordeaux"), ("Chai Lebrun", "Lyon"), ("Cellier Roux", "Lyon")]:
            await add_client(http, company_name=name, city=city, postal_code="69001")
    screens = await open_screens(owner)
    page = screens.page
    await page.evaluate("window.__notReloaded = true")
    await page.get_by_label("Rechercher", exact=True).fill("lyon")
    await expect(page.get_by_role("link", name="Maison Rivière")).to_have_count(0)
    await expect(page.get_by_role("link", name="Chai Lebrun")).to_be_visible()
    assert await page.evaluate("window.__notReloaded === true"), "the page was reloaded"
    assert "q=lyon" in page.url
    await screens.shoot("search")
    await page.get_by_role("link", name="Nom", exact=True).click()
    await expect(page.locator("th[aria-sort]")).to_have_attribute("aria-sort", "ascending")
    assert await page.locator("a.client-name").all_inner_texts() == ["Cellier Roux", "Chai Lebrun"]
    await page.get_by_role("link", name="Nom", exact=True).click()
    await expect(page.locator("th[aria-sort]")).to_have_attribute("aria-sort", "descending")
    assert await page.locator("a.client-name").all_inner_texts() == ["Chai Lebrun", "Cellier Roux"]
    assert "q=lyon" in page.url


async def test_a_client_named_like_a_script_is_text(stack, owner, open_screens):
    async with api_as(stack, owner) as http:
        await add_client(http, company_name="<script>alert(1)</script>")
    screens = await open_screens(owner)
    dialogs: list[str] = []
    screens.page.on("dialog", lambda dialog: dialogs.append(dialog.message))
    await expect(screens.page.get_by_role("link", name="<script>alert(1)</script>")).to_be_visible()
    assert dialogs == []


async def test_pages_need_a_session_and_carry_the_security_headers(stack):
    async with httpx.AsyncClient(base_url=stack.base_url) as http:
        anonymous = await http.get("/clients")
        assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/connexion")
        sign_in_page = await http.get("/connexion")
    headers = sign_in_page.headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "unsafe-inline" not in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"] and headers["x-frame-options"] == "DENY"
    assert "<script>" not in sign_in_page.text.replace('<script src="', "")


async def test_a_form_without_its_csrf_token_is_refused(stack, owner):
    async with httpx.AsyncClient(base_url=stack.base_url) as http:
        page = await http.get("/connexion")
        token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text)
        assert token is not None
        forged = await http.post("/connexion", data={"email": owner.email, "password": owner.password})
        assert forged.status_code == 403 and "negoce_session" not in forged.cookies
        genuine = await http.post(
            "/connexion", data={"email": owner.email, "password": owner.password, "csrf_token": token[1]}
        )
        assert genuine.status_code == 303 and genuine.headers["location"] == "/clients"
        cookie = genuine.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie
        assert owner.password not in cookie
