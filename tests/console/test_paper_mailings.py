"""Paper mailings as a merchant prints them: the editor, who gets a letter and who not, letters and labels as PDFs."""

from __future__ import annotations

import asyncio
import io
import re
from pathlib import Path

import httpx
import pdfplumber
from PIL import Image
from playwright.async_api import Page, expect

from tests.console.conftest import add_client, api_as


async def _campaign(http, name: str, client_ids: list[int]) -> dict:
    created = await http.post("/api/mailings/campaigns", json={"name": name, "selection": {"client_ids": client_ids}})
    assert created.status_code == 201, created.text
    return created.json()


async def _download(page: Page, trigger) -> Path:
    async with page.expect_download() as info:
        await trigger.click()
    download = await info.value
    assert download.suggested_filename.endswith(".pdf")
    path = await download.path()
    assert path is not None
    return Path(path)


async def _shoot(screens, name: str) -> None:
    # As Screens.shoot, but the caret left alone: Playwright hides it by writing style attributes into the
    # page, which the Content-Security-Policy then reports once htmx touches the page.
    screens.shots += 1
    path = screens.folder / f"{screens.shots:02d}-{re.sub(r'[^a-z0-9-]+', '-', name.lower())}.png"
    await screens.page.screenshot(path=str(path), full_page=True, caret="initial")


async def _visit(screens, path: str, name: str) -> None:
    await screens.page.goto(screens.base_url + path)
    await _shoot(screens, name)


def _field(page: Page, label: str):
    """A field by its label, whose required mark (*) is not part of the name a test gives."""
    return page.get_by_label(re.compile(rf"^{re.escape(label)}( \*)?$"))


def _pdf_pages(path: Path) -> list[str]:
    with pdfplumber.open(path) as pdf:
        return [page.extract_text() or "" for page in pdf.pages]


async def test_a_merchant_writes_a_letter_sees_who_gets_it_and_prints_one_page_each(stack, owner, open_screens):
    async with api_as(stack, owner) as http:
        chartrons = await add_client(http, company_name="Cave des Chartrons", postal_code="33000", city="Bordeaux")
        port = await add_client(http, company_name="Bistrot du Port", postal_code="17000", city="La Rochelle")
        nowhere = await add_client(http, company_name="Domaine Sans Adresse")
        campaign = await _campaign(http, "Primeurs 2026", [chartrons["id"], port["id"], nowhere["id"]])
    screens = await open_screens(owner)
    page = screens.page
    await _visit(screens, "/mailings", "mailings")
    row = page.get_by_role("row", name=re.compile("Primeurs 2026"))
    await expect(row).to_contain_text("Brouillon")
    await row.get_by_role("link", name="Primeurs 2026").click()
    await expect(page.get_by_role("heading", name=re.compile("Primeurs 2026"))).to_be_visible()
    await expect(page.locator(".merge-fields")).to_contain_text("{{first_name}}")

    # A merge field the API does not know: its 422 beside the title, nothing saved.
    await page.get_by_label("Titre").fill("Bonjour {{prenom}}")
    await page.get_by_role("button", name="Enregistrer").click()
    await expect(page.locator("#f-title-error")).to_contain_text("prenom")
    await _shoot(screens, "titre-refuse")

    await page.get_by_label("Titre").fill("Les primeurs pour {{company}}")
    await page.get_by_label("Texte", exact=True).fill("Chers amis de {{display_name}},\n\nLes primeurs arrivent.")
    await page.get_by_role("button", name="Enregistrer").click()
    await expect(page.get_by_role("status")).to_contain_text("Mailing enregistré")
    preview = page.locator(".letter-sheet")
    await expect(preview).to_contain_text("Les primeurs pour Cave des Chartrons")
    await expect(preview).to_contain_text("Chers amis de Cave des Chartrons,")
    await expect(preview).to_contain_text("33000 Bordeaux")
    await _shoot(screens, "editeur-apercu")
    async with api_as(stack, owner) as http:
        saved = (await http.get(f"/api/mailings/campaigns/{campaign['id']}")).json()
    assert saved["title"] == "Les primeurs pour {{company}}"
    assert saved["text"] == "Chers amis de {{display_name}},\n\nLes primeurs arrivent."

    recipients = page.locator("#recipients")
    await expect(recipients.get_by_role("link", name="Cave des Chartrons")).to_be_visible()
    await expect(recipients.get_by_role("link", name="Bistrot du Port")).to_be_visible()
    left_out = page.locator("#exclusions").get_by_role("row", name=re.compile("Domaine Sans Adresse"))
    await expect(left_out).to_contain_text("Pas d'adresse postale")

    # A background image: its type and size shown (the API gives no way to fetch the picture back), then removed.
    picture = io.BytesIO()
    Image.new("RGB", (300, 200), (240, 230, 200)).save(picture, format="PNG")
    await page.get_by_label(re.compile("Image PNG ou JPEG")).set_input_files(
        files=[{"name": "fond-primeurs.png", "mimeType": "image/png", "buffer": picture.getvalue()}]
    )
    await page.get_by_role("button", name="Envoyer l'image").click()
    await expect(page.locator(".mailing-image")).to_contain_text("fond-primeurs.png")
    await expect(page.locator(".mailing-image")).to_contain_text("300 × 200 pixels")
    await _shoot(screens, "image-de-fond")
    await page.get_by_role("button", name="Retirer l'image").click()
    await expect(page.get_by_text("Aucune image de fond.")).to_be_visible()

    await page.get_by_role("button", name="Imprimer les lettres").click()
    await expect(page.get_by_role("heading", name="Impression des lettres")).to_be_visible()
    await expect(page.locator("progress")).to_be_visible()
    await _shoot(screens, "impression")
    download = page.get_by_role("link", name="Télécharger le PDF")
    await expect(download).to_be_visible(timeout=30_000)
    await _shoot(screens, "impression-terminee")
    pages = _pdf_pages(await _download(page, download))
    assert len(pages) == 2, pages
    assert "Les primeurs pour Cave des Chartrons" in pages[0]
    assert "Les primeurs pour Bistrot du Port" in pages[1]
    assert not any("Domaine Sans Adresse" in text for text in pages)
    await _visit(screens, "/mailings", "mailings-imprime")
    await expect(page.get_by_role("row", name=re.compile("Primeurs 2026"))).to_contain_text("Imprimé")
    assert screens.csp_violations == []


async def test_labels_on_a_chosen_sheet_skip_the_used_ones_and_a_new_format_is_checked_field_by_field(
    stack, owner, open_screens
):
    async with api_as(stack, owner) as http:
        for name, city in [("Chai Lebrun", "Lyon"), ("Cellier Roux", "Lyon"), ("Maison Rivière", "Bordeaux")]:
            await add_client(http, company_name=name, city=city, postal_code="69001")
        formats = (await http.get("/api/mailings/label-formats")).json()
    seeded = next(item for item in formats if item["paper"] == "A4" and item["labels_per_sheet"] >= 8)
    screens = await open_screens(owner)
    page = screens.page

    # A new mailing from a search text, made on the list's form.
    await _visit(screens, "/mailings", "mailings-vide")
    await page.get_by_label("Nom du mailing").fill("Clients lyonnais")
    await _field(page, "Recherche").fill("ville:Lyon")
    await page.get_by_role("button", name="Créer le mailing").click()
    await expect(page.get_by_role("heading", name=re.compile("Clients lyonnais"))).to_be_visible()
    await expect(page.locator(".mailing-counts")).to_contain_text("2 destinataire(s)")
    campaign_id = int(page.url.split("/mailings/")[1].split("?")[0])

    await page.get_by_role("link", name="Étiquettes").click()
    await expect(page.get_by_role("heading", name="Étiquettes")).to_be_visible()
    await page.get_by_label(re.compile(re.escape(seeded["name"]))).check()
    await page.get_by_label("Étiquettes déjà utilisées à sauter").fill("3")
    await _shoot(screens, "etiquettes")
    await page.get_by_role("button", name="Imprimer les étiquettes").click()
    await expect(page.get_by_role("heading", name="Impression des étiquettes")).to_be_visible()
    render_id = int(page.url.split("/mailings/rendus/")[1])
    download = page.get_by_role("link", name="Télécharger le PDF")
    await expect(download).to_be_visible(timeout=30_000)
    pages = _pdf_pages(await _download(page, download))
    assert len(pages) == 1 and "Chai Lebrun" in pages[0] and "Cellier Roux" in pages[0]
    async with api_as(stack, owner) as http:
        job = (await http.get(f"/api/mailings/renders/{render_id}")).json()
    assert (job["campaign_id"], job["kind"], job["format"], job["skip"]) == (campaign_id, "labels", seeded["code"], 3)

    # A format whose labels do not fit the page: the API's message beside the field it names.
    await page.goto(f"{screens.base_url}/mailings/formats")
    await _field(page, "Code").fill("MAISON-3x8")
    await _field(page, "Nom").fill("Planche maison")
    for label, value in [
        ("Colonnes", "3"),
        ("Lignes", "8"),
        ("Largeur d'une étiquette (mm)", "70"),
        ("Hauteur d'une étiquette (mm)", "33,9"),
        ("Marge gauche (mm)", "0"),
        ("Marge haute (mm)", "13"),
        ("Pas horizontal (mm)", "60"),
        ("Pas vertical (mm)", "33,9"),
    ]:
        await _field(page, label).fill(value)
    await page.get_by_role("button", name="Ajouter le format").click()
    pitch = _field(page, "Pas horizontal (mm)")
    await expect(pitch).to_have_attribute("aria-invalid", "true")
    await expect(page.locator("#f-pitch-x-mm-error")).to_contain_text("label width")
    await expect(pitch).to_have_value("60")
    await expect(_field(page, "Hauteur d'une étiquette (mm)")).not_to_have_attribute("aria-invalid", "true")
    await _shoot(screens, "format-refuse")
    await pitch.fill("70")
    await page.get_by_role("button", name="Ajouter le format").click()
    await expect(page.get_by_role("status")).to_contain_text("Format ajouté")
    own = page.get_by_role("row", name=re.compile("Planche maison"))
    await expect(own).to_contain_text("3 × 8 = 24")

    await page.get_by_label("Décalage horizontal (mm)").fill("1,5")
    await page.get_by_role("button", name="Enregistrer l'étalonnage").click()
    await expect(page.get_by_role("status")).to_contain_text("Étalonnage enregistré")
    async with api_as(stack, owner) as http:
        calibration = (await http.get("/api/mailings/label-settings")).json()
    assert calibration["offset_x_mm"] == 1.5

    grid = _pdf_pages(await _download(page, own.get_by_role("button", name=re.compile("Grille de test"))))
    assert len(grid) == 1 and "24" in grid[0]
    await _shoot(screens, "formats")
    page.once("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))
    await own.get_by_role("button", name=re.compile("Supprimer")).click()
    await expect(page.get_by_role("status")).to_contain_text("Format supprimé")
    await expect(page.get_by_role("row", name=re.compile("Planche maison"))).to_have_count(0)


async def test_the_mailing_and_settings_screens_have_no_serious_accessibility_fault(stack, owner, open_screens):
    async with api_as(stack, owner) as http:
        kept = await add_client(http, company_name="Cave des Chartrons", postal_code="33000", city="Bordeaux")
        left_out = await add_client(http, company_name="Domaine Sans Adresse")
        campaign = await _campaign(http, "Vendanges", [kept["id"], left_out["id"]])
    screens = await open_screens(owner, bypass_csp=True)
    faults = {}
    for path, name in [
        ("/mailings", "mailings"),
        (f"/mailings/{campaign['id']}", "editeur"),
        (f"/mailings/{campaign['id']}/etiquettes", "etiquettes"),
        ("/mailings/formats", "formats"),
        ("/parametres", "parametres"),
        ("/parametres/utilisateurs", "utilisateurs"),
        ("/parametres/jetons", "jetons"),
        ("/parametres/journal", "journal"),
    ]:
        await _visit(screens, path, f"axe-{name}")
        faults[path] = await screens.check_accessibility()
    assert all(found == [] for found in faults.values()), faults


async def test_letters_print_and_download_without_javascript(stack, owner):
    async with api_as(stack, owner) as http:
        client = await add_client(http, company_name="Cave des Chartrons", postal_code="33000", city="Bordeaux")
        campaign = await _campaign(http, "Sans JavaScript", [client["id"]])
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=30) as browser:
        sign_in_page = await browser.get("/connexion")
        token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', sign_in_page.text)
        assert token is not None
        signed = await browser.post(
            "/connexion", data={"email": owner.email, "password": owner.password, "csrf_token": token[1]}
        )
        assert signed.status_code == 303
        editor = await browser.get(f"/mailings/{campaign['id']}")
        token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', editor.text)
        assert token is not None
        queued = await browser.post(f"/mailings/{campaign['id']}/imprimer", data={"csrf_token": token[1]})
        assert queued.status_code == 303
        progress_path = queued.headers["location"]
        assert re.fullmatch(r"/mailings/rendus/\d+", progress_path)
        for _ in range(300):
            progress = await browser.get(progress_path)
            assert progress.status_code == 200 and 'http-equiv="refresh"' not in progress.text
            if "Télécharger le PDF" in progress.text:
                break
            assert f'<a href="{progress_path}">Actualiser</a>' in progress.text
            await asyncio.sleep(0.1)
        assert f'href="{progress_path}/fichier"' in progress.text
        pdf = await browser.get(f"{progress_path}/fichier")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"].startswith("attachment")
    assert pdf.content.startswith(b"%PDF")
