"""Paramètres as an owner keeps them: client-base settings, time zone, language, users, API tokens, the audit trail."""

from __future__ import annotations

import asyncio
import re

import httpx
from playwright.async_api import expect

from tests.console.conftest import add_client, api_as
from tests.console.test_paper_mailings import _field, _shoot, _visit
from tests.identity_support import invited_member


def _accept_confirmations(page) -> None:
    page.on("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))


async def test_the_owner_sets_the_accounting_prefix_the_time_zone_and_the_language(stack, owner, open_screens):
    screens = await open_screens(owner)
    page = screens.page
    await page.get_by_role("link", name="Paramètres").click()
    await expect(page.get_by_role("heading", name="Paramètres", exact=True)).to_be_visible()
    await _shoot(screens, "parametres")

    prefix = _field(page, "Préfixe des comptes clients")
    await prefix.fill("41-1")
    await page.locator("#base-clients").get_by_role("button", name="Enregistrer").click()
    await expect(prefix).to_have_attribute("aria-invalid", "true")
    await expect(page.locator("#f-accounting-prefix-error")).not_to_be_empty()
    await _shoot(screens, "prefixe-refuse")
    await prefix.fill("411C")
    await page.get_by_label("Ordre des noms").select_option("last_first")
    await page.locator("#base-clients").get_by_role("button", name="Enregistrer").click()
    await expect(page.get_by_role("status")).to_contain_text("base clients enregistrés")

    await page.get_by_label("Fuseau horaire du compte").select_option("America/Martinique")
    await page.get_by_role("button", name="Enregistrer le fuseau").click()
    await expect(page.get_by_role("status")).to_contain_text("Fuseau horaire enregistré")
    await expect(page.get_by_label("Fuseau horaire du compte")).to_have_value("America/Martinique")
    async with api_as(stack, owner) as http:
        clients = (await http.get("/api/clients/settings")).json()
        reminders = (await http.get("/api/reminders/settings")).json()
    assert (clients["accounting_prefix"], clients["name_order"]) == ("411C", "last_first")
    assert reminders["timezone"] == "America/Martinique"

    await page.get_by_label("Langue de la console").select_option("en")
    await page.get_by_role("button", name="Changer de langue").click()
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    assert page.url.endswith("/parametres#langue")
    await _shoot(screens, "parametres-en-anglais")
    assert screens.csp_violations == []


async def test_the_owner_invites_a_manager_and_issues_a_token_shown_once_then_revokes_it(stack, owner, open_screens):
    screens = await open_screens(owner)
    page = screens.page
    _accept_confirmations(page)
    await _visit(screens, "/parametres/utilisateurs", "utilisateurs")
    await _field(page, "Nom").fill("Camille Martin")
    await _field(page, "E-mail").fill("camille.martin@example.org")
    await page.get_by_label("Rôle", exact=True).select_option("manager")
    await page.get_by_role("button", name="Envoyer l'invitation").click()
    await expect(page.get_by_role("status")).to_contain_text("Invitation envoyée")
    row = page.get_by_role("row", name=re.compile("camille.martin@example.org"))
    await expect(row).to_contain_text("Invité")
    await expect(row.get_by_label("Rôle de Camille Martin")).to_have_value("manager")
    await row.get_by_label("Rôle de Camille Martin").select_option("staff")
    await row.get_by_role("button", name="Changer").click()
    await expect(page.get_by_role("status")).to_contain_text("Rôle modifié")
    await _shoot(screens, "utilisateur-invite")
    async with api_as(stack, owner) as http:
        users = (await http.get("/api/identity/users")).json()
    assert {user["email"]: user["role"] for user in users}["camille.martin@example.org"] == "staff"

    await page.get_by_role("link", name="Jetons d'API").click()
    await _field(page, "Nom du jeton").fill("Logiciel compta")
    await page.get_by_label("Rôle", exact=True).select_option("read_only")
    await _field(page, "Validité (jours)").fill("30")
    await page.get_by_role("button", name="Créer le jeton").click()
    shown = page.get_by_label("Jeton", exact=True)
    await expect(shown).to_be_visible()
    token = await shown.input_value()
    assert len(token) > 20
    await _shoot(screens, "jeton-affiche-une-fois")
    async with httpx.AsyncClient(base_url=stack.base_url, headers={"Authorization": f"Bearer {token}"}) as integration:
        assert (await integration.get("/api/identity/account")).status_code == 200
        assert (await integration.get("/api/clients?limit=1")).status_code == 200
        await _visit(screens, "/parametres/jetons", "jetons")
        assert token not in await page.content()
        listed = page.get_by_role("row", name=re.compile("Logiciel compta"))
        await expect(listed).to_contain_text("Lecture seule")
        await listed.get_by_role("button", name=re.compile("Révoquer")).click()
        await expect(page.get_by_role("status")).to_contain_text("Jeton révoqué")
        await expect(page.get_by_role("row", name=re.compile("Logiciel compta"))).to_contain_text("Révoqué le")
        assert (await integration.get("/api/identity/account")).status_code == 401
        # The other services hear of the revocation by identity's event, a moment later.
        for _ in range(150):
            if (await integration.get("/api/clients?limit=1")).status_code == 401:
                break
            await asyncio.sleep(0.1)
        assert (await integration.get("/api/clients?limit=1")).status_code == 401
    assert screens.csp_violations == []


async def test_the_audit_trail_is_the_owners_and_refused_to_staff(stack, owner, open_screens):
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=30) as http:
        signed = await http.post("/api/identity/sign-in", json={"email": owner.email, "password": owner.password})
        staff = await invited_member(http, signed.json(), role="staff")
    async with api_as(stack, owner) as http:
        client = await add_client(http, company_name="Cave des Chartrons", postal_code="33000", city="Bordeaux")
        created = await http.post(
            "/api/mailings/campaigns", json={"name": "Vendanges", "selection": {"client_ids": [client["id"]]}}
        )
        campaign_id = created.json()["id"]
    screens = await open_screens(owner)
    page = screens.page
    await _visit(screens, "/parametres/journal", "journal")
    await expect(page.get_by_role("heading", name="Journal d'audit")).to_be_visible()
    await _field(page, "Action").fill("user.invited")
    await page.get_by_role("button", name="Filtrer").click()
    rows = page.locator("#audit-results tbody tr")
    await expect(rows.first).to_contain_text("user.invited")
    # The owner `negoce account create` made, named after their address.
    await expect(rows.first).to_contain_text(owner.email.split("@")[0])
    assert "action=user.invited" in page.url
    await _shoot(screens, "journal-filtre")

    staff_screens = await open_screens(staff)
    staff_page = staff_screens.page
    await _visit(staff_screens, "/parametres", "parametres-equipe")
    tabs = staff_page.get_by_role("navigation", name="Sections des paramètres")
    await expect(tabs.get_by_role("link", name="Journal d'audit")).to_have_count(0)
    await expect(staff_page.get_by_role("button", name="Enregistrer le fuseau")).to_have_count(0)
    refused = await staff_page.goto(f"{stack.base_url}/parametres/journal")
    assert refused is not None and refused.status == 403
    await expect(staff_page.get_by_role("heading", name="Accès refusé")).to_be_visible()
    await _shoot(staff_screens, "journal-refuse")

    # Staff edits a mailing but does not print it: no button, and the console refuses the form anyway.
    await _visit(staff_screens, f"/mailings/{campaign_id}", "mailing-equipe")
    await expect(staff_page.get_by_role("button", name="Enregistrer")).to_be_visible()
    await expect(staff_page.get_by_role("button", name="Imprimer les lettres")).to_have_count(0)
    token = await staff_page.locator("input[name=csrf_token]").first.input_value()
    forged = await staff_page.request.post(
        f"{stack.base_url}/mailings/{campaign_id}/imprimer", form={"csrf_token": token}, max_redirects=0
    )
    assert forged.status == 403
