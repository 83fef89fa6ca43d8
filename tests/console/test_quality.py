"""Every screen: no serious accessibility violation, usable on a phone, with the keyboard, and in English."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from tests.console.conftest import add_client, api_as

# The left menu's screens and the client sheet's, as a merchant reaches them.
SCREENS = [
    ("base-clients", "/clients"),
    ("ajouter-un-client", "/clients/nouveau"),
    ("doublons", "/clients/doublons"),
    ("fiche-client", "/clients/{client}"),
    ("contacts", "/clients/{client}/contacts"),
    ("commandes", "/clients/{client}/commandes"),
    ("tarifs", "/clients/{client}/tarifs"),
    ("reservations", "/clients/{client}/reservations"),
    ("top-produits", "/clients/{client}/top-produits"),
    ("statistiques", "/clients/{client}/statistiques"),
    ("modifier", "/clients/{client}/modifier"),
    ("nouvelle-commande", "/commandes/nouvelle?client={client}"),
    ("rappels", "/rappels"),
    ("mailings", "/mailings"),
    ("parametres", "/parametres"),
]


# The elements that stick out of the window, deepest first: what to fix when a page scrolls sideways.
TOO_WIDE = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('.table-wrap'))
  .slice(-5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""


@pytest.mark.timeout(240)
async def test_every_screen_has_no_serious_accessibility_violation_and_no_csp_violation(stack, owner, open_screens):
    async with api_as(stack, owner) as http:
        client = await add_client(http, company_name="Domaine <b>Accessible</b>", city="Beaune", postal_code="21200")
    screens = await open_screens(owner, bypass_csp=True)
    found: dict[str, list] = {}
    for name, path in SCREENS:
        response = await screens.page.goto(stack.base_url + path.format(client=client["id"]))
        assert response is not None and response.status == 200, (path, response and response.status)
        await screens.shoot(name)
        violations = await screens.check_accessibility()
        if violations:
            found[path] = violations
    assert found == {}


async def test_pages_carry_no_inline_script_and_no_style_attribute(stack, owner, open_screens):
    async with api_as(stack, owner) as http:
        client = await add_client(http, company_name="Cave Stricte")
    screens = await open_screens(owner)
    for name, path in SCREENS:
        await screens.page.goto(stack.base_url + path.format(client=client["id"]))
        html = await screens.page.content()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), (name, "inline script")
        assert not re.search(r"\son[a-z]+=", html), (name, "event handler attribute")
        assert not re.search(r"\sstyle=", html), (name, "style attribute")
    assert screens.csp_violations == []


async def test_the_list_and_the_sheet_work_on_a_phone(stack, owner, open_screens):
    async with api_as(stack, owner) as http:
        await add_client(http, company_name="Caviste du Téléphone", city="Nantes", postal_code="44000")
    screens = await open_screens(owner, width=390, height=844)
    page = screens.page
    widths = await page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1] + 1, f"the list scrolls sideways on a phone: {widths} {await page.evaluate(TOO_WIDE)}"
    await page.get_by_role("link", name="Caviste du Téléphone").click()
    await expect(page.get_by_role("heading", name=re.compile("Caviste du Téléphone"))).to_be_visible()
    widths = await page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1] + 1, (
        f"the sheet scrolls sideways on a phone: {widths} {await page.evaluate(TOO_WIDE)}"
    )
    await screens.shoot("fiche-telephone")


async def test_the_keyboard_alone_reaches_a_client_sheet_from_the_menu(stack, owner, open_screens):
    async with api_as(stack, owner) as http:
        await add_client(http, company_name="Maison au Clavier")
    screens = await open_screens(owner)
    page = screens.page
    await page.keyboard.press("Tab")
    await expect(page.locator(":focus")).to_have_text("Aller au contenu")
    for _ in range(60):
        await page.keyboard.press("Tab")
        if (await page.locator(":focus").inner_text()) == "Maison au Clavier":
            break
    else:
        raise AssertionError("the client's link was never reached with Tab")
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", name=re.compile("Maison au Clavier"))).to_be_visible()


async def test_a_user_who_chooses_english_gets_the_console_in_english_and_keeps_it(stack, owner, open_screens):
    screens = await open_screens(owner)
    page = screens.page
    await page.goto(f"{stack.base_url}/parametres")
    await page.get_by_label("Langue de la console").select_option("en")
    await page.get_by_role("button", name="Changer de langue").click()
    await expect(page.get_by_role("link", name="Client base")).to_be_visible()
    await screens.shoot("english")
    # The next sign-in, in another browser, speaks English too: identity keeps the choice.
    again = await open_screens(owner)
    await expect(again.page.get_by_role("link", name="Client base")).to_be_visible()
    await expect(again.page.get_by_role("button", name="Sign out")).to_be_visible()
