"""App factory of the web console."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import quote

import httpx
from asgi_correlation_id import CorrelationIdMiddleware
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from redis.asyncio import Redis
from starlette.exceptions import HTTPException as StarletteHTTPException

from services.console.base.api import ApiError, ApiUnavailable, Identity, SessionKeeper, SignInRequired
from services.console.base.security import SecurityHeaders
from services.console.base.sessions import COOKIE_NAME, SessionStore
from services.console.base.web import CsrfRefused, Forbidden, build_templates, is_htmx, render
from services.console.pages import ROUTERS
from services.console.settings import ConsoleSettings
from shared.app import is_request_id
from shared.logging import configure_logging
from shared.observability.http import RequestObserver, install_metrics_route
from shared.observability.tracing import configure_tracing, instrument_app

logger = logging.getLogger("negoce.console")
CONSOLE_DIR = Path(__file__).resolve().parent
# Front-end packages come from the npm registry (package-lock.json), installed here by `npm ci`.
NODE_MODULES = CONSOLE_DIR / "node_modules"


def _vendor_assets(app: FastAPI, settings: ConsoleSettings) -> None:
    htmx_dist = (settings.assets_dir or NODE_MODULES) / "htmx.org" / "dist"
    if htmx_dist.is_dir():
        app.mount("/static/vendor/htmx", StaticFiles(directory=htmx_dist), name="htmx")
    else:
        # The pages work without JavaScript; say why they are not enhanced.
        logger.error("htmx is not installed (%s missing): run `npm ci` in services/console", htmx_dist)
        # Answer the page's request for it with a plain 404 rather than a page.
        app.add_api_route("/static/vendor/htmx/{name}", _missing_asset, include_in_schema=False)


async def _missing_asset(name: str) -> Response:
    return Response(status_code=404)


def _sign_in_again(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    # The sign-in page says when a session ended, and brings the user back where they were.
    parameters = ["fin=session"] if COOKIE_NAME in request.cookies else []
    if request.method == "GET" and not is_htmx(request):
        parameters.append(f"suite={quote(target)}")
    location = "/connexion" + ("?" + "&".join(parameters) if parameters else "")
    response: Response
    if is_htmx(request):
        response = Response(status_code=204, headers={"HX-Redirect": location})
    else:
        response = RedirectResponse(location, status_code=303)
    response.delete_cookie(COOKIE_NAME, path="/")
    return response


def _install_error_pages(app: FastAPI) -> None:
    @app.exception_handler(SignInRequired)
    async def sign_in_required(request: Request, _: SignInRequired) -> Response:
        return _sign_in_again(request)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, _: Forbidden) -> Response:
        return render(request, "base/error.html", {"status": 403}, status_code=403)

    @app.exception_handler(CsrfRefused)
    async def csrf_refused(request: Request, _: CsrfRefused) -> Response:
        return render(request, "base/error.html", {"status": 403, "csrf": True}, status_code=403)

    @app.exception_handler(ApiUnavailable)
    async def unavailable(request: Request, failure: ApiUnavailable) -> Response:
        logger.warning("API unavailable for %s %s: %s", request.method, request.url.path, failure)
        return render(request, "base/error.html", {"status": 503}, status_code=503, headers={"Retry-After": "5"})

    @app.exception_handler(ApiError)
    async def refused(request: Request, error: ApiError) -> Response:
        status = error.status if 400 <= error.status < 500 else 502
        return render(request, "base/error.html", {"status": status, "detail": error.detail}, status_code=status)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        return render(request, "base/error.html", {"status": error.status_code}, status_code=error.status_code)


def create_app(settings: ConsoleSettings | None = None) -> FastAPI:
    """Build the console; nothing connects until the lifespan starts."""
    settings = settings or ConsoleSettings()
    configure_logging(service="console", level=settings.log_level)
    configure_tracing("console")

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        redis = Redis.from_url(settings.redis_url)
        http = httpx.AsyncClient(
            base_url=settings.api_url,
            timeout=settings.api_timeout_seconds,
            limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
        )
        app.state.http = http
        app.state.sessions = SessionStore(redis)
        app.state.identity = Identity(http)
        app.state.keeper = SessionKeeper(
            identity=app.state.identity, store=app.state.sessions, margin_seconds=settings.refresh_margin_seconds
        )
        try:
            yield
        finally:
            await http.aclose()
            await redis.aclose()

    app = FastAPI(title="Négoce console", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)
    app.state.settings = settings
    app.state.templates = build_templates()
    app.add_middleware(SecurityHeaders)
    app.add_middleware(RequestObserver, service="console")
    app.add_middleware(CorrelationIdMiddleware, header_name="X-Request-ID", validator=is_request_id)
    app.mount("/static/console", StaticFiles(directory=CONSOLE_DIR / "static"), name="console-static")
    _vendor_assets(app, settings)
    _install_error_pages(app)

    @app.get("/health", include_in_schema=False)
    async def health() -> JSONResponse:
        """Liveness: the process answers."""
        return JSONResponse({"status": "ok", "service": "console"})

    @app.get("/ready", include_in_schema=False)
    async def ready(request: Request) -> JSONResponse:
        """Readiness: the session store answers."""
        if not await request.app.state.sessions.reachable():
            return JSONResponse({"status": "unavailable", "service": "console"}, status_code=503)
        return JSONResponse({"status": "ok", "service": "console"})

    install_metrics_route(app)
    for router in ROUTERS:
        app.include_router(router)
    instrument_app(app)
    return app
