"""Sign in, sign out, and the user's language."""

from __future__ import annotations

import contextlib
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from services.console.base import i18n
from services.console.base.api import ApiError, SignInRequired
from services.console.base.security import PRESESSION_COOKIE, new_presession
from services.console.base.sessions import COOKIE_NAME, ConsoleSession
from services.console.base.web import ApiClient, csrf_protect, render
from shared.client_address import client_address

router = APIRouter(dependencies=[Depends(csrf_protect)])


def _safe_next(path: str | None) -> str:
    # Only a path of this site: never an absolute URL or //host, which would send the user elsewhere.
    if path and path.startswith("/") and not path.startswith("//") and "\\" not in path:
        return path
    return "/clients"


def _sign_in_page(request: Request, *, status_code: int = 200, **context: object) -> Response:
    presession = request.cookies.get(PRESESSION_COOKIE)
    if presession is None:
        presession = new_presession()
        request.state.presession = presession
    response = render(
        request, "sign_in/form.html", {"email": "", "next_path": "/clients", **context}, status_code=status_code
    )
    if PRESESSION_COOKIE not in request.cookies:
        response.set_cookie(
            PRESESSION_COOKIE,
            presession,
            httponly=True,
            samesite="strict",
            secure=request.app.state.settings.secure_cookie,
            path="/",
        )
    return response


@router.get("/")
async def home() -> RedirectResponse:
    """The console opens on the client base."""
    return RedirectResponse("/clients", status_code=303)


@router.get("/connexion")
async def sign_in_form(request: Request, suite: str | None = None, fin: str | None = None) -> Response:
    """The sign-in page."""
    message = None
    if fin == "session":
        message = i18n.translations(i18n.pick_language(None)).gettext("Votre session a pris fin : reconnectez-vous.")
    return _sign_in_page(request, next_path=_safe_next(suite), message=message)


@router.post("/connexion")
async def sign_in(
    request: Request,
    email: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    suite: Annotated[str, Form(max_length=2000)] = "/clients",
) -> Response:
    """Sign in with identity; the session goes into Redis and only its id into an HttpOnly cookie."""
    settings = request.app.state.settings
    gettext = i18n.translations(i18n.SOURCE_LANGUAGE).gettext
    address = client_address(request, trusted_proxies=settings.trusted_proxies)
    try:
        tokens = await request.app.state.identity.sign_in(email=email, password=password, forwarded_for=address)
    except ApiError as refused:
        if refused.status == 429:
            error = gettext("Trop de tentatives de connexion. Réessayez dans quelques minutes.")
        else:
            error = gettext("Adresse e-mail ou mot de passe incorrect.")
        return _sign_in_page(request, status_code=refused.status, email=email, error=error, next_path=_safe_next(suite))
    # The language the user chose once (Paramètres), kept by identity.
    session = ConsoleSession.from_tokens(tokens, language=i18n.pick_language(tokens["user"].get("language")))
    session.time_zone = await request.app.state.identity.account_time_zone(access_token=session.access_token)
    lifetime = int(tokens["refresh_expires_in"])
    session_id = await request.app.state.sessions.create(session, lifetime_seconds=lifetime)
    response = RedirectResponse(_safe_next(suite), status_code=303)
    response.set_cookie(
        COOKIE_NAME,
        session_id,
        max_age=lifetime,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookie,
        path="/",
    )
    response.delete_cookie(PRESESSION_COOKIE, path="/")
    return response


@router.post("/deconnexion")
async def sign_out(request: Request) -> Response:
    """End the session here and at identity, then show the sign-in page."""
    session_id = request.cookies.get(COOKIE_NAME)
    if session_id:
        session = await request.app.state.sessions.load(session_id)
        await request.app.state.sessions.delete(session_id)
        if session is not None:
            # Already ended at identity: nothing left to end.
            with contextlib.suppress(ApiError, SignInRequired):
                await request.app.state.identity.sign_out(refresh_token=session.refresh_token)
    response = RedirectResponse("/connexion", status_code=303)
    response.delete_cookie(COOKIE_NAME, path="/")
    return response


@router.post("/langue")
async def choose_language(
    request: Request, api: ApiClient, langue: Annotated[str, Form(max_length=8)], suite: Annotated[str, Form()] = "/"
) -> Response:
    """Speak another language to this user from now on, in this session and the next ones."""
    language = i18n.pick_language(langue)
    await api.patch("/api/identity/users/me", json={"language": language})
    api.context.session.language = language
    await request.app.state.sessions.update(api.context.session_id, api.context.session)
    return RedirectResponse(_safe_next(suite), status_code=303)
