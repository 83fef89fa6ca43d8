"""The console's tests: the whole system behind the gateway, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shutil
import subprocess
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from tests.conftest import AMQP_URL, RUN_ID, VHOST, _rabbitmqctl, isolated_database
from tests.identity_support import Member, unique_email
from tests.stack_support import BIN, ROOT, SERVICES, Stack, running_stack

CHROMIUM = os.environ.get("NEGOCE_CHROMIUM") or "/usr/bin/chromium"
# Kept after the run (CI keeps .run/ as an artefact): one folder per test, one picture per screen visited.
SCREENSHOTS = Path(os.environ.get("NEGOCE_SCREENSHOT_DIR", ROOT / ".run" / "screenshots"))
AXE = ROOT / "services/console/node_modules/axe-core/axe.min.js"
# Flags from ../REFERENCE: root needs --no-sandbox; the closed network refuses Chromium's own calls home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
async def stack(infrastructure: None) -> AsyncIterator[Stack]:
    """Every process of `make run`, on databases and a vhost of their own, behind one gateway."""
    databases = {service: isolated_database(service, "console") for service in SERVICES}
    vhost = f"{VHOST}_console"
    _rabbitmqctl("add_vhost", vhost)
    _rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    try:
        amqp_url = AMQP_URL.rsplit("/", 1)[0] + "/" + vhost
        async with running_stack(databases=databases, amqp_url=amqp_url, run_id=RUN_ID) as running:
            yield running
    finally:
        _rabbitmqctl("delete_vhost", vhost)


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    """Debian's Chromium, headless (Playwright never downloads a browser of its own here)."""
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            await chromium.close()


@dataclass
class Screens:
    """A browser page signed in as a user, which keeps a screenshot of each screen it visits."""

    page: Page
    context: BrowserContext
    base_url: str
    folder: Path
    member: Member
    shots: int = 0
    csp_violations: list[str] = field(default_factory=list)

    async def shoot(self, name: str) -> Path:
        """Keep a screenshot of what the page shows now."""
        # Numbered across every browser the test opens, so a second one never overwrites the first's.
        self.shots = len(list(self.folder.glob("*.png"))) + 1
        path = self.folder / f"{self.shots:02d}-{re.sub(r'[^a-z0-9-]+', '-', name.lower())}.png"
        # caret="initial": hiding the caret writes style attributes into the page, which an htmx swap
        # would then carry into the DOM and the CSP would report.
        await self.page.screenshot(path=str(path), full_page=True, caret="initial")
        return path

    async def visit(self, path: str, name: str) -> None:
        """Open a page of the console and keep its screenshot."""
        await self.page.goto(self.base_url + path)
        await self.shoot(name)

    async def check_accessibility(self) -> list[dict[str, Any]]:
        """axe-core's serious and critical violations on the page as it is now."""
        await self.page.add_script_tag(path=str(AXE))
        result = await self.page.evaluate(
            "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
            ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
            ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.html).slice(0, 5)}))"
        )
        return list(result)


async def sign_in_through_the_screen(page: Page, base_url: str, member: Member) -> None:
    """Sign in as a person would: the sign-in page, the form, the list."""
    await page.goto(f"{base_url}/connexion")
    await page.get_by_label("Adresse e-mail").fill(member.email)
    await page.get_by_label("Mot de passe").fill(member.password)
    await page.get_by_role("button", name="Se connecter").click()
    await page.wait_for_url(re.compile(r".*/clients$"))


@pytest.fixture
async def open_screens(
    request: pytest.FixtureRequest, browser: Browser, stack: Stack
) -> AsyncIterator[Callable[..., Any]]:
    """Open a signed-in browser for a member; screenshots go under .run/screenshots/<test>/."""
    opened: list[BrowserContext] = []
    folder = SCREENSHOTS / re.sub(r"[^A-Za-z0-9_-]+", "_", request.node.name)[:120]
    # This run's screens only: an earlier run's pictures would mix with them.
    shutil.rmtree(folder, ignore_errors=True)

    async def open_for(member: Member, *, width: int = 1280, height: int = 800, bypass_csp: bool = False) -> Screens:
        context = await browser.new_context(
            viewport={"width": width, "height": height},
            locale="fr-FR",
            timezone_id="Europe/Paris",
            bypass_csp=bypass_csp,
        )
        context.set_default_timeout(15_000)
        opened.append(context)
        page = await context.new_page()
        folder.mkdir(parents=True, exist_ok=True)
        screens = Screens(page=page, context=context, base_url=stack.base_url, folder=folder, member=member)
        page.on(
            "console",
            lambda message: (
                screens.csp_violations.append(message.text) if "Content Security Policy" in message.text else None
            ),
        )
        await sign_in_through_the_screen(page, stack.base_url, member)
        await screens.shoot("base-clients")
        return screens

    yield open_for
    for context in opened:
        await context.close()


@pytest.fixture
async def owner(stack: Stack) -> Member:
    """A new account's owner, made with `negoce account create` as an operator would; every service knows it."""
    email = unique_email("owner")
    made = await asyncio.to_thread(
        subprocess.run,
        [str(BIN / "negoce"), "account", "create", "Domaine de la Console", "--owner-email", email],
        env=stack.env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    created = json.loads(made.stdout.strip().splitlines()[-1])
    member = Member(
        account_id=uuid.UUID(str(created["account_id"])),
        user_id=uuid.UUID(str(created["owner"]["id"])),
        email=email,
        password=created["password"],
    )
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=30) as http:
        tokens = (
            await http.post("/api/identity/sign-in", json={"email": member.email, "password": member.password})
        ).json()
        headers = {"Authorization": f"Bearer {tokens['access_token']}"}
        # The account reaches the other services by identity's events: wait until clients knows it.
        for _ in range(100):
            if (await http.get("/api/clients?limit=1", headers=headers)).status_code == 200:
                break
            await asyncio.sleep(0.1)
    return member


@contextlib.asynccontextmanager
async def api_as(stack: Stack, member: Member) -> AsyncIterator[httpx.AsyncClient]:
    """The public API through the gateway as a member (for setting up what no screen of the console makes)."""
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=30) as http:
        signed = await http.post("/api/identity/sign-in", json={"email": member.email, "password": member.password})
        assert signed.status_code == 200, signed.text
        http.headers["Authorization"] = f"Bearer {signed.json()['access_token']}"
        yield http


async def add_client(http: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    """Add a company through the API (postal_code and city make its billing address); returns its sheet."""
    address: dict[str, Any] = {key: fields.pop(key) for key in ("postal_code", "city") if key in fields}
    body: dict[str, Any] = {"kind": "company", **fields}
    if address:
        body["billing_address"] = {"line1": "1 rue du Chai", "country_code": "FR", **address}
    response = await http.post("/api/clients", json=body)
    assert response.status_code == 201, response.text
    return response.json()
