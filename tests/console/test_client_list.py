"""The client base beyond the plain list: adding a client, the filter panel, segments, the selection and its
actions (paper mailing, exports), as a merchant uses them."""

from __future__ import annotations

import csv
import io
import re

import httpx
import openpyxl
from playwright.async_api import expect

from tests.console.conftest import add_client, api_as
from tests.identity_support import invited_member


async def test_a_merchant_adds_a_prospect_and_a_refused_field_is_said_beside_it(stack, owner, open_screens):
    screens = await open_screens(owner)
    page = screens.page
    await page.get_by_role("link", name="Ajouter un client").click()
    await expect(page.get_by_role("heading", name="Ajouter un client")).to_be_visible()
    await screens.shoot("nouveau-client")
    await page.get_by_label("Raison sociale").fill("Cave Saint-Vincent")
    await page.get_by_label("E-mail", exact=True).fill("contact@cave-saint-vincent.fr")
    billing = page.get_by_role("group", name="Adresse de facturation")
    await billing.get_by_label("Adresse", exact=True).fill("4 quai des Chartrons")
    await billing.get_by_label("Code postal").fill("ABCDE")
    await billing.get_by_label("Ville").fill("Bordeaux")
    await page.get_by_role("button", name="Ajouter le client").click()
    postal_code = billing.get_by_label("Code postal")
    await expect(postal_code).to_have_attribute("aria-invalid", "true")
    await expect(page.locator("#f-billing-address-postal-code-error")).to_be_visible()
    # What was typed is still there.
    await expect(page.get_by_label("Raison sociale")).to_have_value("Cave Saint-Vincent")
    await screens.shoot("nouveau-client-422")
    await postal_code.fill("33000")
    await page.get_by_role("button", name="Ajouter le client").click()
    await page.wait_for_url(re.compile(r".*/clients/\d+$"))
    await expect(page.get_by_role("heading", name=re.compile("Cave Saint-Vincent"))).to_be_visible()
    await screens.shoot("fiche-du-nouveau-client")
    client_id = int(page.url.rsplit("/", 1)[1])
    await screens.visit("/clients?tab=prospects", "onglet-prospects")
    await expect(page.get_by_role("link", name="Cave Saint-Vincent")).to_be_visible()
    async with api_as(stack, owner) as http:
        sheet = (await http.get(f"/api/clients/{client_id}")).json()
    assert sheet["status"] == "prospect" and sheet["email"] == "contact@cave-saint-vincent.fr"
    assert screens.csp_violations == []


async def test_the_filter_panel_narrows_the_list_and_a_segment_saves_and_reopens_it(stack, owner, open_screens):
    async with api_as(stack, owner) as http:
        await add_client(http, company_name="Chai Lebrun", city="Lyon", postal_code="69001", email="chai@lebrun.fr")
        await add_client(http, company_name="Cellier Roux", city="Lyon", postal_code="69002")
        await add_client(http, company_name="Maison Rivière", city="Bordeaux", postal_code="33000")
    screens = await open_screens(owner, bypass_csp=True)
    page = screens.page
    await page.get_by_text("Filtres", exact=True).click()
    await page.get_by_label("Villes").fill("Lyon")
    await page.get_by_label("A un e-mail").select_option("true")
    await screens.shoot("filtres")
    assert await screens.check_accessibility() == []
    await page.get_by_role("button", name="Appliquer les filtres").click()
    await expect(page.get_by_role("link", name="Maison Rivière")).to_have_count(0)
    await expect(page.get_by_role("link", name="Cellier Roux")).to_have_count(0)
    await expect(page.get_by_role("link", name="Chai Lebrun")).to_be_visible()
    assert "city=Lyon" in page.url and "has_email=true" in page.url
    await screens.shoot("liste-filtree")

    await page.get_by_label("A un e-mail").select_option("")
    await page.get_by_role("button", name="Appliquer les filtres").click()
    await expect(page.get_by_role("link", name="Cellier Roux")).to_be_visible()
    await page.get_by_text("Enregistrer cette recherche comme segment").click()
    await page.get_by_label("Nom du segment").fill("Lyonnais")
    await page.get_by_role("button", name="Enregistrer le segment").click()
    await page.wait_for_url(re.compile(r".*/clients\?segment_id=\d+$"))
    await expect(page.locator(".segment-banner")).to_contain_text("Lyonnais")
    await expect(page.get_by_role("link", name="Maison Rivière")).to_have_count(0)
    await screens.shoot("segment-ouvert")

    # The same name again is refused beside the field.
    await page.get_by_text("Enregistrer cette recherche comme segment").click()
    await page.get_by_label("Nom du segment").fill("Lyonnais")
    await page.get_by_role("button", name="Enregistrer le segment").click()
    await expect(page.locator("#f-segment-name-error")).to_be_visible()
    await screens.shoot("segment-nom-deja-pris")

    await screens.visit("/clients", "liste-complete")
    await expect(page.get_by_role("link", name="Maison Rivière")).to_be_visible()
    await page.get_by_text(re.compile(r"Segments enregistrés")).click()
    await page.get_by_role("link", name="Lyonnais").click()
    await expect(page.get_by_role("link", name="Chai Lebrun")).to_be_visible()
    await expect(page.get_by_role("link", name="Cellier Roux")).to_be_visible()
    await expect(page.get_by_role("link", name="Maison Rivière")).to_have_count(0)

    await page.get_by_role("link", name="Segments", exact=True).click()
    await screens.shoot("segments")
    await page.get_by_role("link", name="Renommer Lyonnais").click()
    await page.get_by_label("Nouveau nom").fill("Clients lyonnais")
    await page.get_by_role("button", name="Renommer").click()
    await expect(page.get_by_role("link", name="Clients lyonnais", exact=True)).to_be_visible()
    page.once("dialog", lambda dialog: dialog.accept())
    await page.get_by_role("button", name="Supprimer Clients lyonnais").click()
    await expect(page.get_by_text("Aucun segment enregistré.")).to_be_visible()
    await screens.shoot("segments-apres-suppression")
    async with api_as(stack, owner) as http:
        assert (await http.get("/api/clients/segments")).json() == []


async def test_ticked_rows_or_every_matching_client_become_a_paper_mailing(stack, owner, open_screens):
    async with api_as(stack, owner) as http:
        for name, city in [("Chai Lebrun", "Lyon"), ("Cellier Roux", "Lyon"), ("Maison Rivière", "Bordeaux")]:
            await add_client(http, company_name=name, city=city, postal_code="69001" if city == "Lyon" else "33000")
    screens = await open_screens(owner)
    page = screens.page
    await page.get_by_label("Sélectionner Chai Lebrun").check()
    await page.get_by_label("Sélectionner Maison Rivière").check()
    await screens.shoot("deux-lignes-cochees")
    await page.locator("summary", has_text="Actions").click()
    await screens.shoot("menu-actions")
    await page.get_by_role("button", name="Nouveau mailing papier").click()
    await expect(page.get_by_text("2 client(s) sélectionné(s).")).to_be_visible()
    await screens.shoot("nom-du-mailing")
    await page.get_by_label("Nom du mailing").fill("Salon de printemps")
    await page.get_by_role("button", name="Créer le mailing").click()
    await page.wait_for_url(re.compile(r".*/mailings/\d+$"))
    await screens.shoot("mailing-cree")
    first = int(page.url.rsplit("/", 1)[1])

    await screens.visit("/clients", "base-clients")
    await page.get_by_label("Rechercher", exact=True).fill("lyon")
    await expect(page.get_by_role("link", name="Maison Rivière")).to_have_count(0)
    await page.get_by_label("Sélectionner les 2 clients correspondants").check()
    # The menu opens from the keyboard too.
    await page.locator("summary", has_text="Actions").focus()
    await page.keyboard.press("Enter")
    await page.get_by_role("button", name="Nouveau mailing papier").click()
    await expect(page.get_by_text("Tous les clients correspondant à la recherche : 2.")).to_be_visible()
    await page.get_by_label("Nom du mailing").fill("Lyon en fête")
    await page.get_by_role("button", name="Créer le mailing").click()
    await page.wait_for_url(re.compile(r".*/mailings/\d+$"))
    second = int(page.url.rsplit("/", 1)[1])
    async with api_as(stack, owner) as http:
        ticked = (await http.get(f"/api/mailings/campaigns/{first}")).json()
        matching = (await http.get(f"/api/mailings/campaigns/{second}")).json()
        recipients = (await http.get(f"/api/mailings/campaigns/{second}/recipients")).text
    assert ticked["name"] == "Salon de printemps" and ticked["recipients"] == 2
    assert matching["name"] == "Lyon en fête" and matching["recipients"] == 2
    assert "Chai Lebrun" in recipients and "Cellier Roux" in recipients and "Maison Rivière" not in recipients
    assert screens.csp_violations == []


async def test_the_search_exports_as_csv_at_once_and_as_excel_through_its_job(stack, owner, open_screens):
    async with api_as(stack, owner) as http:
        for name, city in [("Chai Lebrun", "Lyon"), ("Cellier Roux", "Lyon"), ("Maison Rivière", "Bordeaux")]:
            await add_client(http, company_name=name, city=city, postal_code="69001" if city == "Lyon" else "33000")
    screens = await open_screens(owner)
    page = screens.page
    await page.get_by_label("Rechercher", exact=True).fill("lyon")
    await expect(page.get_by_role("link", name="Maison Rivière")).to_have_count(0)
    await page.locator("summary", has_text="Exporter").click()
    async with page.expect_download() as download_info:
        await page.get_by_role("button", name="Exporter en CSV").click()
    download = await download_info.value
    assert download.suggested_filename.endswith(".csv")
    text = (await download.path()).read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    names = {cell for row in rows[1:] for cell in row}
    assert {"Chai Lebrun", "Cellier Roux"} <= names and "Maison Rivière" not in names
    assert len(rows) == 3, rows

    # The download left the page as it was: its Exporter menu is still open.
    await expect(page.get_by_role("button", name="Exporter en Excel…")).to_be_visible()
    await page.get_by_role("button", name="Exporter en Excel…").click()
    await expect(page.get_by_text("Tous les clients correspondant à la recherche : 2.")).to_be_visible()
    await screens.shoot("export-excel")
    await page.get_by_role("button", name="Préparer le fichier Excel").click()
    await page.wait_for_url(re.compile(r".*/clients/exports/[0-9a-f-]+$"))
    await screens.shoot("export-en-cours")
    link = page.get_by_role("link", name="Télécharger le fichier")
    await expect(link).to_be_visible(timeout=30_000)
    await screens.shoot("export-pret")
    async with page.expect_download() as download_info:
        await link.click()
    download = await download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO((await download.path()).read_bytes()), read_only=True).active
    cells = {str(cell) for row in sheet.iter_rows(min_row=2, values_only=True) for cell in row if cell}
    assert {"Chai Lebrun", "Cellier Roux"} <= cells and "Maison Rivière" not in cells


async def test_a_read_only_member_is_not_offered_to_add_a_client_and_is_refused_if_forced(stack, owner, open_screens):
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=30) as http:
        tokens = (
            await http.post("/api/identity/sign-in", json={"email": owner.email, "password": owner.password})
        ).json()
        reader = await invited_member(http, tokens, role="read_only")
    screens = await open_screens(reader)
    page = screens.page
    await expect(page.get_by_role("heading", name="Base clients")).to_be_visible()
    await expect(page.get_by_role("link", name="Ajouter un client")).to_have_count(0)
    await expect(page.get_by_role("button", name="Nouveau mailing papier")).to_have_count(0)
    await expect(page.get_by_role("button", name="Exporter en CSV")).to_have_count(0)
    await expect(page.locator("summary", has_text="Actions")).to_have_count(0)
    token = await page.locator('input[name="csrf_token"]').first.get_attribute("value")
    forced = await page.request.post(
        f"{stack.base_url}/clients/nouveau",
        form={"csrf_token": token or "", "kind": "company", "company_name": "Intrus"},
        max_redirects=0,
    )
    assert forced.status == 403
    await screens.visit("/clients/nouveau", "nouveau-client-refuse")
    await expect(page.get_by_role("heading", name="Accès refusé")).to_be_visible()
    async with api_as(stack, owner) as http:
        listed = (await http.get("/api/clients", params={"q": "Intrus"})).json()
    assert listed["items"] == []


async def test_the_location_column_sorts_the_list_by_country_postal_code_and_city(stack, owner, open_screens):
    async with api_as(stack, owner) as http:
        await add_client(http, company_name="Épicerie Lyonnaise", postal_code="69001", city="Lyon")
        await add_client(http, company_name="Bar sans adresse")
        await add_client(http, company_name="Château Figeac", postal_code="33330", city="Saint-Émilion")
        await add_client(http, company_name="Cave des Chartrons", postal_code="33000", city="Bordeaux")
    screens = await open_screens(owner)
    page = screens.page
    location = page.get_by_role("link", name="Localisation", exact=True)
    await location.click()
    await expect(page.locator("th[aria-sort]")).to_have_attribute("aria-sort", "ascending")
    await expect(page.locator("th[aria-sort]")).to_contain_text("Localisation")
    ascending = ["Cave des Chartrons", "Château Figeac", "Épicerie Lyonnaise", "Bar sans adresse"]
    await expect(page.locator("a.client-name")).to_have_text(ascending)
    assert "sort=location" in page.url
    await screens.shoot("tri-par-localisation")
    await page.get_by_role("link", name="Localisation", exact=True).click()
    await expect(page.locator("th[aria-sort]")).to_have_attribute("aria-sort", "descending")
    await expect(page.locator("a.client-name")).to_have_text(list(reversed(ascending)))
    assert screens.csp_violations == []
