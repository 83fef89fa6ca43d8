"""The console's session: kept in Redis behind an HttpOnly cookie, renewed silently, ended cleanly."""

from __future__ import annotations

import hashlib
import re

import orjson
from playwright.async_api import expect
from redis.asyncio import Redis

from services.console.settings import ConsoleSettings
from tests.console.conftest import api_as


async def _session_key(screens) -> str:
    cookie = next(c for c in await screens.context.cookies() if c["name"] == "negoce_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    return "negoce:console:session:" + hashlib.sha256(cookie["value"].encode()).hexdigest()


async def _stored(redis: Redis, key: str) -> bytes:
    raw = await redis.get(key)
    assert isinstance(raw, bytes), "the session is not in Redis"
    return raw


async def test_no_token_reaches_the_page_and_an_expiring_token_is_renewed_silently(stack, owner, open_screens):
    screens = await open_screens(owner)
    page = screens.page
    assert await page.evaluate("document.cookie") == ""
    key = await _session_key(screens)
    redis = Redis.from_url(ConsoleSettings().redis_url)
    try:
        stored = orjson.loads(await _stored(redis, key))
        assert stored["access_token"] not in await page.content()
        # The access token expires in a moment: the next page asks identity for new tokens first.
        stored["access_expires_at"] = 0
        await redis.set(key, orjson.dumps(stored), keepttl=True)
        await page.reload()
        await expect(page.get_by_role("heading", name="Base clients")).to_be_visible()
        renewed = orjson.loads(await _stored(redis, key))
        assert renewed["refresh_token"] != stored["refresh_token"] and renewed["access_expires_at"] > 0
    finally:
        await redis.aclose()


async def test_a_session_ended_at_identity_signs_the_page_out_cleanly(stack, owner, open_screens):
    screens = await open_screens(owner)
    key = await _session_key(screens)
    redis = Redis.from_url(ConsoleSettings().redis_url)
    try:
        stored = orjson.loads(await _stored(redis, key))
    finally:
        await redis.aclose()
    async with api_as(stack, owner) as http:
        ended = await http.post("/api/identity/sign-out", json={"refresh_token": stored["refresh_token"]})
        assert ended.status_code == 204
    # The access token still verifies for a while; make the console renew it, which identity now refuses.
    redis = Redis.from_url(ConsoleSettings().redis_url)
    try:
        stored["access_expires_at"] = 0
        await redis.set(key, orjson.dumps(stored), keepttl=True)
        await screens.page.goto(f"{stack.base_url}/clients?tab=prospects")
        await expect(screens.page).to_have_url(re.compile(r"/connexion\?fin=session&suite=.*prospects"))
        await expect(screens.page.get_by_role("status")).to_contain_text("Votre session a pris fin")
        assert await redis.get(key) is None
    finally:
        await redis.aclose()
    await screens.shoot("session-ended")
    await screens.page.get_by_label("Adresse e-mail").fill(owner.email)
    await screens.page.get_by_label("Mot de passe").fill(owner.password)
    await screens.page.get_by_role("button", name="Se connecter").click()
    await expect(screens.page).to_have_url(re.compile(r"/clients\?tab=prospects$"))


async def test_a_wrong_password_is_answered_on_the_form_and_signing_out_ends_the_session(stack, owner, browser):
    context = await browser.new_context(locale="fr-FR")
    try:
        page = await context.new_page()
        await page.goto(f"{stack.base_url}/connexion?suite=//evil.example/")
        await page.get_by_label("Adresse e-mail").fill(owner.email)
        await page.get_by_label("Mot de passe").fill("not the password")
        await page.get_by_role("button", name="Se connecter").click()
        await expect(page.get_by_role("alert")).to_have_text("Adresse e-mail ou mot de passe incorrect.")
        await page.get_by_label("Mot de passe").fill(owner.password)
        await page.get_by_role("button", name="Se connecter").click()
        # A "next page" elsewhere than this site is ignored: the console opens on the base.
        await expect(page).to_have_url(f"{stack.base_url}/clients")
        await page.get_by_role("button", name="Se déconnecter").click()
        await expect(page).to_have_url(f"{stack.base_url}/connexion")
        await page.goto(f"{stack.base_url}/clients")
        await expect(page).to_have_url(re.compile(r"/connexion\?suite=/clients$"))
    finally:
        await context.close()
