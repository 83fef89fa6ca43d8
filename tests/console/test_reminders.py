"""Reminders through the console: one comes due, the bell rings without a reload, then snooze and done."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
from playwright.async_api import expect

from tests.console.conftest import add_client, api_as
from tests.support import eventually


async def _known_to_reminders(http: httpx.AsyncClient, client_id: int) -> None:
    """Reminders learns of clients by the clients service's events."""

    async def known() -> bool:
        return (await http.get("/api/reminders", params={"client_id": client_id})).status_code == 200

    await eventually(known, timeout=20, interval=0.2)


async def test_a_reminder_comes_due_rings_the_bell_then_is_snoozed_and_done(stack, owner, open_screens):
    async with api_as(stack, owner) as http:
        client = await add_client(http, company_name="Domaine Morel", city="Cahors", postal_code="46000")
        await _known_to_reminders(http, client["id"])
    screens = await open_screens(owner)
    page = screens.page
    bell = page.locator("#bell")
    await expect(bell).to_have_attribute("aria-label", "Aucune notification non lue")

    await screens.visit(f"/rappels/nouveau?client={client['id']}", "nouveau-rappel")
    await expect(page.get_by_role("link", name="Domaine Morel")).to_be_visible()
    due = datetime.now(ZoneInfo("Europe/Paris")) + timedelta(seconds=3)
    await page.get_by_label("Texte du rappel").fill("Rappeler pour les magnums")
    await page.get_by_label("Échéance").fill(due.strftime("%Y-%m-%dT%H:%M:%S"))
    await page.get_by_role("button", name="Créer le rappel").click()
    await page.wait_for_load_state()
    await screens.shoot("rappel-cree")
    await expect(page).to_have_url(re.compile(r".*/rappels$"))
    reminder = page.locator("article.reminder", has_text="Rappeler pour les magnums")
    await expect(reminder).to_contain_text("Domaine Morel")
    await expect(reminder).to_contain_text(due.strftime("%d/%m/%Y %H:%M"))
    await expect(reminder.get_by_role("link", name="Domaine Morel")).to_have_attribute(
        "href", f"/clients/{client['id']}"
    )
    await screens.shoot("rappels")

    # The bell polls: it shows 1 once the reminder fires, with no reload of the page.
    await page.evaluate("window.__notReloaded = true")
    await expect(bell.locator(".badge")).to_have_text("1", timeout=12_000)
    await expect(bell).to_have_attribute("aria-label", "1 notification non lue")
    assert await page.evaluate("window.__notReloaded === true"), "the page was reloaded"
    await screens.shoot("cloche")

    await page.reload()
    late = page.locator("#list-overdue")
    await expect(late.locator("article.reminder", has_text="Rappeler pour les magnums")).to_be_visible()
    await screens.shoot("en-retard")

    await page.evaluate("window.__notReloaded = true")
    await late.get_by_label("Reporter de").select_option("60")
    await late.get_by_role("button", name="Reporter").click()
    await expect(page.locator("#list-overdue article.reminder")).to_have_count(0)
    moved = page.locator("article.reminder", has_text="Rappeler pour les magnums")
    await expect(moved).to_contain_text(
        (datetime.now(ZoneInfo("Europe/Paris")) + timedelta(minutes=60)).strftime("%d/%m/%Y")
    )
    await screens.shoot("reporte")

    await moved.get_by_role("button", name="Fait").click()
    await expect(page.locator("#list-done article.reminder", has_text="Rappeler pour les magnums")).to_be_visible()
    await screens.shoot("fait")
    assert await page.evaluate("window.__notReloaded === true"), "an action reloaded the page"

    await bell.click()
    await page.wait_for_url(re.compile(r".*/rappels/notifications$"))
    notification = page.locator("article.notification", has_text="Rappeler pour les magnums")
    await expect(notification).to_contain_text("Non lue")
    await screens.shoot("notifications")
    await notification.get_by_role("button", name="Marquer comme lu").click()
    await expect(page.locator("article.notification.unread")).to_have_count(0)
    await expect(page.locator("#bell .badge")).to_have_count(0)

    async with api_as(stack, owner) as http:
        page_done = (await http.get("/api/reminders", params={"status": "done", "client_id": client["id"]})).json()
    assert [item["text"] for item in page_done["items"]] == ["Rappeler pour les magnums"]
    assert screens.csp_violations == []
