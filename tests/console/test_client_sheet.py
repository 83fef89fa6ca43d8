"""The client sheet as a merchant uses it: fields edited in place, Modifier, the timeline, notes and contacts."""

from __future__ import annotations

import re

import httpx
from playwright.async_api import expect

from tests.console.conftest import add_client, api_as
from tests.identity_support import invited_member


async def test_the_pencil_edits_a_box_in_place_and_a_bad_email_is_named_beside_it(stack, owner, open_screens):
    async with api_as(stack, owner) as http:
        client = await add_client(http, company_name="Cave des Chartrons", postal_code="33000", city="Bordeaux")
    screens = await open_screens(owner)
    page = screens.page
    await screens.visit(f"/clients/{client['id']}", "fiche")
    await page.evaluate("window.__notReloaded = true")
    box = page.locator("#field-email")
    await box.get_by_role("link", name="Modifier E-mail").click()
    email = box.get_by_label("E-mail")
    await expect(email).to_be_visible()
    # No screenshot before this swap: Playwright leaves style="" on inputs it shot, which htmx's
    # settling copies onto the new input of the same id, and the CSP reports that inline style.
    await email.fill("pas-une-adresse")
    await box.get_by_role("button", name="Enregistrer").click()
    await expect(box.locator(".field-error")).to_be_visible()
    await expect(email).to_have_attribute("aria-invalid", "true")
    await screens.shoot("e-mail-refuse")
    await email.fill("cave@chartrons.fr")
    await box.get_by_role("button", name="Enregistrer").click()
    await expect(box.get_by_role("link", name="cave@chartrons.fr")).to_be_visible()
    await expect(box.get_by_role("link", name="Modifier E-mail")).to_be_visible()
    # The timeline follows without a reload: the edit is a line of its own.
    await expect(page.locator("#timeline .entry-edited")).to_contain_text("e-mail")
    assert await page.evaluate("window.__notReloaded === true"), "the page was reloaded"
    await screens.shoot("e-mail-enregistre")
    async with api_as(stack, owner) as http:
        sheet = (await http.get(f"/api/clients/{client['id']}")).json()
    assert sheet["email"] == "cave@chartrons.fr"

    # The identity box changes the title too (out of band).
    identity = page.locator("#field-identity")
    await identity.get_by_role("link", name="Modifier Identité").click()
    await identity.get_by_label("Raison sociale").fill("Cave des Chartrons & Fils")
    await identity.get_by_role("button", name="Enregistrer").click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Cave des Chartrons & Fils")
    await screens.shoot("identite-enregistree")
    assert screens.csp_violations == []


async def test_without_javascript_the_pencil_is_a_page_with_the_form(stack, owner, browser):
    async with api_as(stack, owner) as http:
        client = await add_client(http, company_name="Bistrot du Port", postal_code="17000", city="La Rochelle")
    context = await browser.new_context(java_script_enabled=False, locale="fr-FR")
    try:
        page = await context.new_page()
        await page.goto(f"{stack.base_url}/connexion")
        await page.get_by_label("Adresse e-mail").fill(owner.email)
        await page.get_by_label("Mot de passe").fill(owner.password)
        await page.get_by_role("button", name="Se connecter").click()
        await page.goto(f"{stack.base_url}/clients/{client['id']}")
        await page.get_by_role("link", name="Modifier Téléphone").click()
        await expect(page).to_have_url(re.compile(rf"/clients/{client['id']}/champs/phone/modifier$"))
        await page.locator("#field-phone").get_by_label("Téléphone").fill("05 46 00 00 00")
        await page.locator("#field-phone").get_by_role("button", name="Enregistrer").click()
        await expect(page).to_have_url(re.compile(rf"/clients/{client['id']}(#field-phone)?$"))
        await expect(page.locator("#field-phone")).to_contain_text("05 46 00 00 00")
    finally:
        await context.close()


async def test_modifier_saves_the_note_shown_on_the_next_orders(stack, owner, open_screens):
    async with api_as(stack, owner) as http:
        client = await add_client(http, company_name="Domaine Lebrun", postal_code="69001", city="Lyon")
    screens = await open_screens(owner)
    page = screens.page
    await screens.visit(f"/clients/{client['id']}", "fiche")
    await page.get_by_role("link", name="Modifier", exact=True).click()
    await expect(page.get_by_role("heading", name="Modifier Domaine Lebrun")).to_be_visible()
    await screens.shoot("modifier")
    await page.get_by_label("Note", exact=True).fill("Livrer avant 10 h, quai B.")
    await page.get_by_label("Afficher la note pour les prochaines commandes").check()
    await page.get_by_label("Code postal").first.fill("ABCDE-99999-ZZZ")
    await page.get_by_role("button", name="Enregistrer").click()
    await expect(page.locator("#group-billing .field-error")).to_be_visible()
    await expect(page.get_by_label("Note", exact=True)).to_have_value("Livrer avant 10 h, quai B.")
    await screens.shoot("modifier-refuse")
    await page.get_by_label("Code postal").first.fill("69002")
    await page.get_by_label("Ne pas permettre la prise de commande").check()
    await page.get_by_label("Motif du blocage").fill("Impayés")
    await page.get_by_role("button", name="Enregistrer").click()
    await expect(page).to_have_url(re.compile(rf"/clients/{client['id']}$"))
    await expect(page.get_by_role("note")).to_have_text("Livrer avant 10 h, quai B.")
    await expect(page.locator("#field-blocking")).to_contain_text("Impayés")
    await screens.shoot("fiche-apres-modifier")
    async with api_as(stack, owner) as http:
        sheet = (await http.get(f"/api/clients/{client['id']}")).json()
    assert sheet["note"] == "Livrer avant 10 h, quai B." and sheet["show_note_on_orders"] is True
    assert sheet["billing_address"]["postal_code"] == "69002"
    assert sheet["blocked"] is True and sheet["blocked_reason"] == "Impayés"


async def test_a_note_lands_on_the_timeline_which_filters_by_kind(stack, owner, open_screens):
    async with api_as(stack, owner) as http:
        client = await add_client(http, company_name="Chai Roux", postal_code="21000", city="Dijon")
    screens = await open_screens(owner)
    page = screens.page
    await screens.visit(f"/clients/{client['id']}", "fiche")
    await page.get_by_text("Ajouter une note").click()
    await page.get_by_label("Type de note").select_option("call")
    await page.get_by_label("Texte de la note").fill("Rappeler pour la commande de Noël")
    await page.get_by_role("button", name="Ajouter la note").click()
    await expect(page.get_by_role("status")).to_have_text("Note ajoutée.")
    timeline = page.locator("#timeline")
    await expect(timeline).to_contain_text("Rappeler pour la commande de Noël", timeout=10_000)
    await expect(timeline).to_contain_text("Création")
    await screens.shoot("note-ajoutee")
    await page.get_by_label("Afficher", exact=True).select_option("note")
    await expect(timeline.locator(".entry-created")).to_have_count(0)
    await expect(timeline).to_contain_text("Rappeler pour la commande de Noël")
    assert "kind=note" in page.url
    await screens.shoot("chronologie-notes")
    await page.get_by_label("Afficher", exact=True).select_option("created")
    await expect(timeline.locator(".entry-note")).to_have_count(0)
    await expect(timeline.locator(".entry-created")).to_have_count(1)
    await screens.shoot("chronologie-creation")


async def test_the_timeline_loads_older_entries_as_it_scrolls(stack, owner, open_screens):
    async with api_as(stack, owner) as http:
        client = await add_client(http, company_name="Cellier Blanc", postal_code="51100", city="Reims")
        for number in range(30):
            added = await http.post(f"/api/clients/{client['id']}/notes", json={"text": f"Note numéro {number}"})
            assert added.status_code == 201, added.text
    screens = await open_screens(owner, bypass_csp=True)
    page = screens.page
    await screens.visit(f"/clients/{client['id']}", "fiche")
    assert await screens.check_accessibility() == []
    entries = page.locator("#timeline .entry")
    await expect(entries).to_have_count(25)
    await page.locator("#timeline-more").scroll_into_view_if_needed()
    await expect(entries).to_have_count(31)
    await expect(page.locator("#timeline")).to_contain_text("Note numéro 0")
    await expect(page.locator("#timeline-more")).to_have_count(0)
    await screens.shoot("chronologie-complete")


async def test_a_contact_with_its_recipient_flags(stack, owner, open_screens):
    async with api_as(stack, owner) as http:
        client = await add_client(http, company_name="Maison Rivière", postal_code="33000", city="Bordeaux")
    screens = await open_screens(owner)
    page = screens.page
    await screens.visit(f"/clients/{client['id']}/contacts", "contacts")
    await page.get_by_text("Ajouter un contact").click()
    form = page.locator("#add-contact")
    await form.get_by_label("Prénom").fill("Claire")
    await form.get_by_label("Nom", exact=True).fill("Rivière")
    await form.get_by_label("E-mail").fill("claire@riviere.fr")
    await form.get_by_label("Factures").check()
    await form.get_by_label("Relances").check()
    await form.get_by_role("button", name="Ajouter le contact").click()
    row = page.get_by_role("row", name=re.compile("Claire Rivière"))
    await expect(row).to_contain_text("Factures")
    await expect(row).to_contain_text("Relances")
    await expect(row).not_to_contain_text("Devis")
    await screens.shoot("contact-ajoute")
    await row.get_by_role("link", name=re.compile("Modifier")).click()
    edit = page.get_by_role("form", name=re.compile("Modifier le contact"))
    await edit.get_by_label("Devis").check()
    await edit.get_by_label("Relances").uncheck()
    await edit.get_by_role("button", name="Enregistrer le contact").click()
    await expect(row).to_contain_text("Devis")
    await expect(row).not_to_contain_text("Relances")
    await screens.shoot("contact-modifie")
    async with api_as(stack, owner) as http:
        contacts = (await http.get(f"/api/clients/{client['id']}/contacts")).json()
        invoices = (await http.get(f"/api/clients/{client['id']}/recipients", params={"document": "invoices"})).json()
    assert [(c["receives_quotes"], c["receives_invoices"], c["receives_dunning"]) for c in contacts] == [
        (True, True, False)
    ]
    assert [r["email"] for r in invoices] == ["claire@riviere.fr"]
    page.on("dialog", lambda dialog: dialog.accept())
    await row.get_by_role("button", name=re.compile("Supprimer")).click()
    await expect(page.get_by_text("Aucun contact pour ce client.")).to_be_visible()
    await screens.shoot("contact-supprime")


async def test_a_read_only_user_sees_no_pencil_and_a_forced_post_is_refused(stack, owner, open_screens):
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=30) as http:
        signed = await http.post("/api/identity/sign-in", json={"email": owner.email, "password": owner.password})
        reader = await invited_member(http, signed.json(), role="read_only")
    async with api_as(stack, owner) as http:
        client = await add_client(http, company_name="Cave Lecteur", postal_code="75001", city="Paris")
    screens = await open_screens(reader)
    page = screens.page
    await screens.visit(f"/clients/{client['id']}", "fiche-lecture-seule")
    await expect(page.locator("#field-email")).to_be_visible()
    await expect(page.locator(".pencil")).to_have_count(0)
    await expect(page.get_by_role("link", name="Modifier", exact=True)).to_have_count(0)
    await expect(page.get_by_text("Ajouter une note")).to_have_count(0)
    await expect(page.locator("#timeline")).to_contain_text("Création")
    token = await page.locator("body").evaluate("body => JSON.parse(body.getAttribute('hx-headers'))['X-CSRF-Token']")
    forced = await page.request.post(
        f"{stack.base_url}/clients/{client['id']}/champs/email",
        form={"csrf_token": token, "email": "pirate@example.com"},
    )
    assert forced.status == 403
    form_page = await page.request.get(f"{stack.base_url}/clients/{client['id']}/modifier")
    assert form_page.status == 403
    await screens.visit(f"/clients/{client['id']}/contacts", "contacts-lecture-seule")
    await expect(page.get_by_text("Ajouter un contact")).to_have_count(0)
    async with api_as(stack, owner) as http:
        sheet = (await http.get(f"/api/clients/{client['id']}")).json()
    assert sheet["email"] is None


async def _reload_until(page, locator, *, attempts: int = 30) -> None:
    """The timeline is fed by other services' events: reload until the entry arrives."""
    for _ in range(attempts):
        if await locator.count():
            return
        await page.wait_for_timeout(500)
        await page.reload()
    await expect(locator.first).to_be_visible()


async def test_a_reminder_and_an_email_from_the_sheet_land_on_the_timeline(stack, owner, open_screens):
    async with api_as(stack, owner) as http:
        client = await add_client(http, company_name="Épicerie Fine Morel", postal_code="44000", city="Nantes")
        await http.patch(f"/api/clients/{client['id']}", json={"email": "morel@epicerie.fr"})
    screens = await open_screens(owner)
    page = screens.page
    await screens.visit(f"/clients/{client['id']}", "fiche")
    await page.get_by_text("Ajouter un rappel").click()
    await page.get_by_label("Texte du rappel").fill("Proposer le nouveau millésime")
    await page.get_by_role("button", name="Ajouter le rappel").click()
    await expect(page.locator("#f-reminder-due-at-error")).to_be_visible()
    await screens.shoot("rappel-sans-echeance")
    await page.get_by_label("Échéance").fill("2030-01-15T09:30")
    await page.get_by_role("button", name="Ajouter le rappel").click()
    await expect(page.get_by_role("status")).to_have_text("Rappel ajouté.")
    await page.get_by_text("Envoyer un e-mail").click()
    await expect(page.get_by_label("Adresses (séparées par des virgules)")).to_have_value("morel@epicerie.fr")
    await page.get_by_label("Objet").fill("Nos vins de printemps")
    await page.get_by_label("Message").fill("Bonjour, voici notre sélection.")
    await page.get_by_role("button", name="Envoyer", exact=True).click()
    await expect(page.get_by_role("status")).to_have_text("E-mail en cours d'envoi.")
    await screens.shoot("e-mail-envoye")
    timeline = page.locator("#timeline")
    await _reload_until(page, timeline.get_by_text("Proposer le nouveau millésime"))
    await _reload_until(page, timeline.get_by_text(re.compile("E-mail envoyé à morel@epicerie.fr")))
    await screens.shoot("chronologie-rappel-e-mail")
    await expect(page.get_by_role("link", name="Créer une commande")).to_have_attribute(
        "href", f"/commandes/nouvelle?client={client['id']}"
    )
