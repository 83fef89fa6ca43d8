"""The public API as the console calls it: through the gateway, with the signed-in user's token."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from services.console.base.sessions import ConsoleSession, SessionStore

logger = logging.getLogger("negoce.console.api")


class SignInRequired(Exception):
    """No session, or one that ended and could not be renewed: the user signs in again."""


class ApiUnavailable(Exception):
    """The gateway or a service behind it did not answer."""


class ApiError(Exception):
    """The API refused a request; carries its status and RFC 9457 problem."""

    def __init__(self, status: int, problem: Mapping[str, Any]) -> None:
        super().__init__(f"{status}: {problem.get('detail') or problem.get('title')}")
        self.status = status
        self.problem = dict(problem)

    @property
    def detail(self) -> str:
        """What the API said went wrong, for the page."""
        return str(self.problem.get("detail") or self.problem.get("title") or self.status)

    def field_errors(self) -> dict[str, str]:
        """Each field the problem names, with its message (the first one per field)."""
        errors: dict[str, str] = {}
        for error in self.problem.get("errors") or []:
            if isinstance(error, Mapping) and error.get("field"):
                errors.setdefault(str(error["field"]), str(error.get("message") or ""))
        return errors


@dataclass
class SignedInContext:
    """The session of the request being served, and the cookie's id for it."""

    session_id: str
    session: ConsoleSession


def _raise_for(response: httpx.Response) -> None:
    if response.status_code < 400:
        return
    if response.status_code >= 500:
        raise ApiUnavailable(f"{response.request.method} {response.request.url.path}: {response.status_code}")
    try:
        problem = response.json()
    except ValueError:
        problem = {"title": response.reason_phrase}
    raise ApiError(response.status_code, problem if isinstance(problem, dict) else {"detail": str(problem)})


class Identity:
    """Identity's sign-in, refresh and sign-out, and what a session is set up with once signed in."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self._http = http

    async def _post(self, path: str, body: dict, *, forwarded_for: str | None = None) -> httpx.Response:
        # The gateway's internal port believes this header: identity counts failed sign-ins per browser.
        headers = {"X-Real-IP": forwarded_for} if forwarded_for else {}
        try:
            return await self._http.post(f"/api/identity/{path}", json=body, headers=headers)
        except httpx.HTTPError as failure:
            raise ApiUnavailable(str(failure)) from failure

    async def sign_in(self, *, email: str, password: str, forwarded_for: str | None) -> dict:
        """Identity's tokens for an e-mail address and a password (ApiError 401 or 429 otherwise)."""
        response = await self._post("sign-in", {"email": email, "password": password}, forwarded_for=forwarded_for)
        _raise_for(response)
        return response.json()

    async def refresh(self, *, refresh_token: str) -> httpx.Response:
        """Spend a refresh token; the raw answer, since 401 and 409 mean different things to the caller."""
        return await self._post("refresh", {"refresh_token": refresh_token})

    async def account_time_zone(self, *, access_token: str) -> str:
        """The account's time zone from the reminders' settings (Europe/Paris when they cannot say)."""
        try:
            answer = await self._http.get(
                "/api/reminders/settings", headers={"Authorization": f"Bearer {access_token}"}
            )
        except httpx.HTTPError:
            return "Europe/Paris"
        zone = answer.json().get("timezone") if answer.status_code == 200 else None
        return zone if isinstance(zone, str) and zone else "Europe/Paris"

    async def sign_out(self, *, refresh_token: str) -> None:
        """End the session at identity (its refresh tokens stop working)."""
        response = await self._post("sign-out", {"refresh_token": refresh_token})
        _raise_for(response)


class SessionKeeper:
    """Keeps a session's access token fresh: one request refreshes, concurrent ones wait for it."""

    def __init__(self, *, identity: Identity, store: SessionStore, margin_seconds: int) -> None:
        self._identity = identity
        self._store = store
        self._margin = margin_seconds

    def needs_refresh(self, session: ConsoleSession) -> bool:
        """Whether the access token expires within the margin."""
        return session.access_expires_at - self._margin <= time.time()

    async def refresh(self, context: SignedInContext) -> ConsoleSession:
        """Renew the tokens (or take those another request just got); SignInRequired when the session ended."""
        stale_token = context.session.access_token
        if not await self._store.refresh_lock(context.session_id):
            renewed = await self._store.wait_for_refresh(context.session_id, previous_token=stale_token)
            if renewed is None:
                raise SignInRequired
            context.session = renewed
            return renewed
        try:
            current = await self._store.load(context.session_id)
            if current is None:
                raise SignInRequired
            if current.access_token != stale_token:
                context.session = current
                return current
            response = await self._identity.refresh(refresh_token=current.refresh_token)
            if response.status_code in (401, 403, 404, 422):
                await self._store.delete(context.session_id)
                raise SignInRequired
            _raise_for(response)
            tokens = response.json()
            renewed = current.with_tokens(tokens)
            await self._store.save(context.session_id, renewed, lifetime_seconds=int(tokens["refresh_expires_in"]))
            context.session = renewed
            return renewed
        finally:
            await self._store.release_refresh_lock(context.session_id)


async def unless_unavailable(call: Awaitable[Any], *, default: Any) -> Any:
    """The answer of a call that only adds to a page (names for ids), or ``default`` when its service is down."""
    try:
        return await call
    except ApiUnavailable:
        return default


class Api:
    """The public API with the signed-in user's access token; a 401 renews the token once, then signs out."""

    def __init__(self, http: httpx.AsyncClient, *, keeper: SessionKeeper, context: SignedInContext) -> None:
        self._http = http
        self._keeper = keeper
        self.context = context

    async def send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | list[tuple[str, Any]] | None = None,
        json: Any = None,
        content: bytes | None = None,
        files: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Send a request; ApiError for a 4xx, ApiUnavailable for a 5xx or no answer."""
        for attempt in (1, 2):
            request_headers = {"Authorization": f"Bearer {self.context.session.access_token}", **(headers or {})}
            try:
                response = await self._http.request(
                    method, path, params=params, json=json, content=content, files=files, headers=request_headers
                )
            except httpx.HTTPError as failure:
                logger.warning("the API did not answer %s %s: %s", method, path, failure)
                raise ApiUnavailable(str(failure)) from failure
            if response.status_code == 401 and attempt == 1:
                # Revoked, disabled or just expired: a refresh tells which.
                await self._keeper.refresh(self.context)
                continue
            if response.status_code == 401:
                raise SignInRequired
            _raise_for(response)
            return response
        raise AssertionError("unreachable")

    async def get(self, path: str, **kwargs: Any) -> Any:
        """GET a JSON answer."""
        return (await self.send("GET", path, **kwargs)).json()

    async def post(self, path: str, **kwargs: Any) -> Any:
        """POST, returning the JSON answer (None for 204)."""
        response = await self.send("POST", path, **kwargs)
        return response.json() if response.content else None

    async def patch(self, path: str, **kwargs: Any) -> Any:
        """PATCH, returning the JSON answer."""
        response = await self.send("PATCH", path, **kwargs)
        return response.json() if response.content else None

    async def put(self, path: str, **kwargs: Any) -> Any:
        """PUT, returning the JSON answer."""
        response = await self.send("PUT", path, **kwargs)
        return response.json() if response.content else None

    async def delete(self, path: str, **kwargs: Any) -> None:
        """DELETE."""
        await self.send("DELETE", path, **kwargs)
