"""Typed errors carrying their HTTP status, rendered as RFC 9457 problem+json."""

from __future__ import annotations

import contextlib
import logging
import socket
from collections.abc import Iterator
from typing import Any

import asyncpg
import orjson
from aiormq.exceptions import AMQPConnectionError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger(__name__)


class ProblemError(Exception):
    """Base of every error a use case may raise; the status code travels with it."""

    status_code = 400
    title = "Bad request"

    def __init__(self, detail: str, *, extra: dict[str, Any] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra or {}


class NotFound(ProblemError):
    """The resource does not exist for this account (another account's rows included)."""

    status_code = 404
    title = "Not found"


class Conflict(ProblemError):
    """The request contradicts the current state (duplicate code, blocked client...)."""

    status_code = 409
    title = "Conflict"


class Unauthorized(ProblemError):
    """Missing or invalid bearer token."""

    status_code = 401
    title = "Unauthorized"


class Forbidden(ProblemError):
    """The signed-in user's role does not allow the operation."""

    status_code = 403
    title = "Forbidden"


class Gone(ProblemError):
    """The resource existed but can no longer be used (an expired invitation)."""

    status_code = 410
    title = "Gone"


class TooManyAttempts(ProblemError):
    """Too many failed attempts lately; the caller may try again after ``retry_after`` seconds."""

    status_code = 429
    title = "Too many requests"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail, extra={"retry_after": retry_after})
        self.retry_after = retry_after


class Unavailable(ProblemError):
    """Something the request needs is unreachable for now (not the request's fault); retry after a while."""

    status_code = 503
    title = "Service unavailable"

    def __init__(self, detail: str, *, retry_after: int = 5) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class InvalidField(ProblemError):
    """A single field failed a business rule that the schema could not express."""

    status_code = 422
    title = "Validation failed"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}", extra={"errors": [{"field": field, "message": message}]})


@contextlib.contextmanager
def fields_inside(path: str) -> Iterator[None]:
    """Name the fields of a 4xx raised within as parts of a nested body: 'q' becomes 'selection.search.q'.

    For rules checked on a nested value by code that knows only that value's own field names.
    """
    try:
        yield
    except ProblemError as problem:
        errors = problem.extra.get("errors")
        if isinstance(errors, list) and errors:
            problem.extra["errors"] = [{**e, "field": f"{path}.{e['field']}"} for e in errors]
            problem.detail = "; ".join(f"{e['field']}: {e['message']}" for e in problem.extra["errors"])
            problem.args = (problem.detail,)
        raise


def problem_response(status: int, title: str, detail: str, *, instance: str | None = None, **extra: Any) -> Response:
    """Build a problem+json response."""
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    if instance:
        body["instance"] = instance
    body.update(extra)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    try:
        content = orjson.dumps(body)
    except orjson.JSONEncodeError:  # a lone surrogate echoed from the request (a field name, a value)
        content = orjson.dumps(_printable_tree(body))
    return Response(content, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _printable_tree(value: Any) -> Any:
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, dict):
        return {printable(str(k)): _printable_tree(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_printable_tree(v) for v in value]
    return value


def printable(text: str) -> str:
    """Text safe to put in an answer: a lone surrogate (from a JSON escape) cannot be encoded as UTF-8."""
    return text.encode("utf-8", "replace").decode("utf-8") if not text.isascii() else text


def _field_path(loc: tuple[Any, ...], inside: list[Any] | None = None) -> str:
    # FastAPI prefixes locations with "body"/"query"/"path"; the user thinks in field names.
    # ``inside`` is where in a field's value a validator found the problem (shared.schemas).
    parts = [str(p) for p in (*loc, *(inside or ()))]
    if parts and parts[0] in {"body", "query", "path", "header"}:
        parts = parts[1:] or parts
    return printable(".".join(parts))


async def _on_problem(request: Request, exc: ProblemError) -> Response:
    response = problem_response(exc.status_code, exc.title, exc.detail, instance=request.url.path, **exc.extra)
    if isinstance(exc, TooManyAttempts | Unavailable):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


async def _on_validation(request: Request, exc: RequestValidationError) -> Response:
    raw = exc.errors()
    if any(e.get("type") == "json_invalid" for e in raw):
        return problem_response(400, "Malformed JSON", "The request body is not valid JSON.", instance=request.url.path)
    errors = [
        {
            "field": _field_path(tuple(e.get("loc", ())), (e.get("ctx") or {}).get("path")),
            "message": printable(str(e.get("msg", "invalid"))),
        }
        for e in raw
    ]
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    return problem_response(422, "Validation failed", detail, instance=request.url.path, errors=errors)


async def _on_http(request: Request, exc: StarletteHTTPException) -> Response:
    return problem_response(exc.status_code, str(exc.detail), str(exc.detail), instance=request.url.path)


async def _on_integrity(request: Request, exc: IntegrityError) -> Response:
    # A unique or foreign-key constraint caught a race the service checks did not see.
    constraint = getattr(getattr(exc.orig, "__cause__", None), "constraint_name", None)
    log.info("integrity conflict", extra={"constraint": constraint})
    return problem_response(
        409,
        "Conflict",
        "The change conflicts with existing data; retry.",
        instance=request.url.path,
        constraint=constraint,
    )


# Text PostgreSQL cannot store (a NUL character, say in a query parameter): bad input, not a fault.
UNSTORABLE_TEXT = {"22021", "22P05"}
# The server refuses or lost the connection (class 08, too many connections, shutting down, starting):
# the request was not served and may be sent again shortly.
UNAVAILABLE_STATES = {"53300", "57P01", "57P02", "57P03"}
RETRY_AFTER_SECONDS = 2
UNAVAILABLE_DETAILS = {
    "database": "The database cannot be reached or has no free connection right now; retry shortly.",
    "broker": "The message broker cannot be reached right now; retry shortly.",
}


def _unavailable_state(sqlstate: object) -> bool:
    state = str(sqlstate or "")
    return state.startswith("08") or state in UNAVAILABLE_STATES


def unavailable_cause(exc: BaseException) -> str | None:
    """``"database"`` or ``"broker"`` when an error (or what caused it) means a server is out of reach or full.

    Out of reach: refused, unknown host, timed out, connection lost. Full: no pool connection free
    within the pool timeout, or PostgreSQL's (or a role's) connection limit reached. Such a request
    was not served (its transaction rolled back) and may be sent again: 503, never 500.
    """
    seen: set[int] = set()
    pending: list[BaseException] = [exc]
    while pending:
        error = pending.pop()
        if id(error) in seen:
            continue
        seen.add(id(error))
        if isinstance(error, AMQPConnectionError):
            return "broker"
        if isinstance(error, PoolTimeout | ConnectionError | socket.gaierror | TimeoutError):
            return "database"
        if isinstance(error, DBAPIError) and (error.connection_invalidated or _unavailable_state(_sqlstate(error))):
            return "database"
        if isinstance(error, asyncpg.PostgresError) and _unavailable_state(error.sqlstate):
            return "database"
        if isinstance(error, BaseExceptionGroup):
            pending.extend(error.exceptions)
        pending.extend(e for e in (error.__cause__, error.__context__) if e is not None)
    return None


def _sqlstate(exc: DBAPIError) -> object:
    return getattr(exc.orig, "sqlstate", None)


def unavailable_response(path: str, exc: BaseException, cause: str) -> Response:
    """The 503 problem+json, with Retry-After, of a request a server out of reach or full could not serve."""
    log.warning("%s unavailable", cause, extra={"path": path, "error": str(exc)[:200]})
    response = problem_response(503, "Service unavailable", UNAVAILABLE_DETAILS[cause], instance=path)
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


async def _on_database_error(request: Request, exc: DBAPIError) -> Response:
    if _sqlstate(exc) in UNSTORABLE_TEXT:
        return problem_response(
            422,
            "Validation failed",
            "A parameter contains a character that cannot be stored (NUL).",
            instance=request.url.path,
        )
    return await _on_maybe_unavailable(request, exc)


async def _on_maybe_unavailable(request: Request, exc: Exception) -> Response:
    if cause := unavailable_cause(exc):
        return unavailable_response(request.url.path, exc, cause)
    return await _on_unexpected(request, exc)


async def _on_unexpected(request: Request, exc: Exception) -> Response:
    return internal_error(request.url.path, exc)


def internal_error(path: str, exc: BaseException) -> Response:
    """Log an error no handler expected and answer a problem+json 500."""
    log.error("unhandled error", exc_info=exc, extra={"path": path})
    return problem_response(500, "Internal error", "An unexpected error occurred.", instance=path)


def install_problem_handlers(app: FastAPI) -> None:
    """Render every error the app can raise as problem+json."""
    # The ignores: Starlette types a handler as taking any Exception; each of ours takes the class it is for.
    app.add_exception_handler(ProblemError, _on_problem)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _on_validation)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _on_http)  # type: ignore[arg-type]
    app.add_exception_handler(IntegrityError, _on_integrity)  # type: ignore[arg-type]
    app.add_exception_handler(DBAPIError, _on_database_error)  # type: ignore[arg-type]
    # No pool connection free within the pool timeout, and what asyncpg raises as is when the server
    # refuses the connection (nothing listens, a restart): 503. Errors that only wrap such a cause
    # (a task group's) are told apart by shared.http.UnhandledErrorMiddleware with the same test.
    for unreachable in (PoolTimeout, ConnectionError, socket.gaierror, TimeoutError, asyncpg.PostgresError):
        app.add_exception_handler(unreachable, _on_maybe_unavailable)
    # Any other exception is answered by shared.http.UnhandledErrorMiddleware, not by an Exception
    # handler: Starlette re-raises after such a handler, and the server then closes the connection.
