"""How a console page is served: who is signed in, the API on their behalf, CSRF checks and rendering."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import jinja2
from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from services.console.base import i18n
from services.console.base.api import Api, SignedInContext, SignInRequired
from services.console.base.security import CSRF_FIELD, CSRF_HEADER, UNSAFE_METHODS, csrf_binding, csrf_token, csrf_valid
from services.console.base.sessions import COOKIE_NAME
from shared.tokens import role_rank

TEMPLATES_DIR = Path(__file__).resolve().parents[1] / "templates"


class Forbidden(Exception):
    """The signed-in user's role may not do this."""


class CsrfRefused(Exception):
    """A form came without the token of the browser's own session."""


def build_templates() -> Jinja2Templates:
    """The Jinja2 environment: autoescaping, gettext and the French formats as filters."""
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return Jinja2Templates(env=environment)


async def signed_in(request: Request) -> SignedInContext:
    """The session of the browser's cookie, its access token renewed if it is about to expire."""
    session_id = request.cookies.get(COOKIE_NAME)
    if not session_id:
        raise SignInRequired
    state = request.app.state
    session = await state.sessions.load(session_id)
    if session is None:
        raise SignInRequired
    context = SignedInContext(session_id=session_id, session=session)
    if state.keeper.needs_refresh(session):
        await state.keeper.refresh(context)
    request.state.signed_in = context
    request.state.time_zone = context.session.time_zone
    return context


SignedIn = Annotated[SignedInContext, Depends(signed_in)]


async def api_for(request: Request, context: SignedIn) -> Api:
    """The public API on behalf of the signed-in user."""
    return Api(request.app.state.http, keeper=request.app.state.keeper, context=context)


ApiClient = Annotated[Api, Depends(api_for)]


async def csrf_protect(request: Request) -> None:
    """Refuse an unsafe request whose CSRF token (form field or htmx header) is not the session's."""
    if request.method not in UNSAFE_METHODS:
        return
    submitted = request.headers.get(CSRF_HEADER)
    if submitted is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        submitted = value if isinstance(value, str) else None
    if not csrf_valid(request, secret=request.app.state.settings.secret, submitted=submitted):
        raise CsrfRefused


def can(context: SignedInContext | None, role: str) -> bool:
    """Whether the signed-in user's role includes ``role``."""
    return context is not None and role_rank(context.session.user.role) >= role_rank(role)


def require_role(request: Request, role: str) -> None:
    """Refuse (403) what the signed-in user's role may not do, even when the page did not offer it."""
    if not can(getattr(request.state, "signed_in", None), role):
        raise Forbidden


def is_htmx(request: Request) -> bool:
    """Whether htmx asked for this (a fragment is enough), not a full page load."""
    return request.headers.get("hx-request") == "true" and request.headers.get("hx-boosted") != "true"


def language_of(request: Request) -> str:
    """The signed-in user's language (French before sign-in)."""
    context: SignedInContext | None = getattr(request.state, "signed_in", None)
    # Before sign-in the console speaks French, as its users do; each user may choose another language.
    return i18n.pick_language(context.session.language if context is not None else None)


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """A page or fragment in the user's language, with what every template may use."""
    language = language_of(request)
    translations = i18n.translations(language)
    signed: SignedInContext | None = getattr(request.state, "signed_in", None)
    zone = getattr(request.state, "time_zone", "Europe/Paris")
    binding = csrf_binding(request) or getattr(request.state, "presession", None)
    values: dict[str, Any] = {
        "request": request,
        "gettext": translations.gettext,
        "ngettext": translations.ngettext,
        "_": translations.gettext,
        "language": language,
        "languages": i18n.LANGUAGES,
        "user": signed.session.user if signed else None,
        "can": lambda role: can(signed, role),
        "csrf_token": csrf_token(request.app.state.settings.secret, binding) if binding else "",
        "csrf_field": CSRF_FIELD,
        "money": lambda cents, currency="EUR": i18n.money(cents, currency, language=language),
        "amount": lambda text, currency="EUR": i18n.decimal_amount(text, currency, language=language),
        "number": lambda value: i18n.number(value, language=language),
        "day": lambda value: i18n.day(value, zone=zone, language=language),
        "moment": lambda value: i18n.moment(value, zone=zone, language=language),
        "settings": request.app.state.settings,
        "htmx": is_htmx(request),
        **(context or {}),
    }
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(request, template, values, status_code=status_code, headers=headers)
