"""Idempotency-Key on every request that changes something: a retry gets the first answer.

The answer is kept in the request's own transaction, written after the route returns and
before the transaction commits, so the change and its answer are committed together or not at
all: a process killed after the commit leaves a key whose retry gets the first answer, and a
process killed before it leaves nothing, so the retry runs for real.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any, TypeVar

import orjson
from fastapi import Depends, Header, Request, Response
from fastapi.routing import APIRoute
from sqlalchemy import Row, Table
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import CurrentPrincipal
from shared.db import Transaction
from shared.errors import Conflict, problem_response
from shared.idempotency import repository

HEADER = "Idempotency-Key"
RETENTION = timedelta(hours=24)
UNSAFE_METHODS = frozenset({"POST", "PATCH", "DELETE"})
# Visible ASCII only: no spaces, no control characters, nothing a log line or a header could be forged with.
KEY_PATTERN = r"^[\x21-\x7E]+$"
MAX_KEY_LENGTH = 255
# Headers that describe the stored body itself are set again when it is sent.
NOT_KEPT_HEADERS = frozenset({"content-length"})
_CLAIM = "idempotency_claim"
_CHANGES_NOTHING = "_changes_nothing"

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias=HEADER,
        min_length=1,
        max_length=MAX_KEY_LENGTH,
        pattern=KEY_PATTERN,
        description=(
            "Makes a retry safe. The first successful (2xx) answer is kept 24 hours for the account; the same key "
            "with the same method, path and body (JSON compared as JSON) gets that answer again, with "
            "`Idempotent-Replayed: true`, and changes nothing. The same key with another body or path is a 409 "
            "naming this header; while the first request is still running a duplicate gets a 409 with "
            "`Retry-After`. Errors are not kept: a request that failed changed nothing, so its retry runs again. "
            "Erasing a client (GDPR) empties the kept answers that named it: their retry is a 409. "
            "1 to 255 visible ASCII characters, e.g. a UUID."
        ),
    ),
]

F = TypeVar("F", bound=Callable[..., Any])


def changes_nothing(endpoint: F) -> F:
    """Mark a POST that only reads (a query with a body): it takes no Idempotency-Key."""
    setattr(endpoint, _CHANGES_NOTHING, True)
    return endpoint


class KeyReused(Conflict):
    """The key was first used for another request."""

    def __init__(self, first: Row[Any]) -> None:
        message = (
            f"was first used within 24 hours for another request ({first.method} {first.path}, or another "
            "body); use a new key for a new request"
        )
        super().__init__(f"{HEADER}: {message}", extra={"errors": [{"field": HEADER, "message": message}]})


class KeyInProgress(Conflict):
    """A request with the same key is still running."""

    def __init__(self) -> None:
        message = "a request with this key is still being processed; retry when it has finished"
        super().__init__(f"{HEADER}: {message}", extra={"errors": [{"field": HEADER, "message": message}]})


class AnswerErased(Conflict):
    """The key's request was carried out, but its answer named a client since erased."""

    def __init__(self) -> None:
        message = (
            "the request was carried out, but its answer named a client whose personal data was since "
            "erased, so it is not kept; read the resource again instead of retrying"
        )
        super().__init__(f"{HEADER}: {message}", extra={"errors": [{"field": HEADER, "message": message}]})


class FirstAnswer(Exception):
    """Raised by the key's dependency to skip the route and send the kept answer instead."""

    def __init__(self, response: Response) -> None:
        super().__init__("replayed")
        self.response = response


@dataclass(frozen=True, slots=True)
class Claim:
    """A new key, locked in the request's transaction until its answer is kept with the change."""

    session: AsyncSession
    table: Table
    account_id: uuid.UUID
    key: str
    method: str
    path: str
    fingerprint: bytes


def request_fingerprint(*, query: bytes, body: bytes) -> bytes:
    """What makes two requests on one path the same: the query string and the body, JSON as JSON."""
    try:
        canonical = orjson.dumps(orjson.loads(body), option=orjson.OPT_SORT_KEYS) if body else b""
    except orjson.JSONDecodeError:
        canonical = body
    return hashlib.sha256(query + b"\n" + canonical).digest()


async def claim_key(
    request: Request, principal: CurrentPrincipal, session: Transaction, key: IdempotencyKey = None
) -> None:
    """Lock the request's key, or skip the route with the first answer or a 409."""
    if key is None:
        return
    table: Table = request.app.state.context.idempotency_keys
    method, path = request.method, request.url.path
    fingerprint = request_fingerprint(query=request.scope.get("query_string", b""), body=await request.body())
    if not await repository.try_lock_key(session, account_id=principal.account_id, key=key):
        raise KeyInProgress()
    first = await repository.find_answer(session, table, account_id=principal.account_id, key=key, retention=RETENTION)
    if first is not None:
        if (first.method, first.path, first.fingerprint) != (method, path, fingerprint):
            raise KeyReused(first)
        if first.answer_erased_at is not None:
            raise AnswerErased()
        raise FirstAnswer(_replayed(first))
    setattr(
        request.state,
        _CLAIM,
        Claim(
            session=session,
            table=table,
            account_id=principal.account_id,
            key=key,
            method=method,
            path=path,
            fingerprint=fingerprint,
        ),
    )


async def keep(*, claim: Claim, response: Response) -> None:
    """Keep a successful answer under its key, in the transaction that made the change."""
    body = getattr(response, "body", None)
    if not isinstance(body, bytes):
        # A streamed answer cannot be kept: fail (and roll back) rather than run a retry twice.
        raise TypeError(f"{claim.method} {claim.path} streams its answer: mark it changes_nothing or answer whole")
    headers = {
        name.decode("latin-1"): value.decode("latin-1")
        for name, value in response.raw_headers
        if name.decode("latin-1").lower() not in NOT_KEPT_HEADERS
    }
    await repository.keep_answer(
        claim.session,
        claim.table,
        values={
            "account_id": claim.account_id,
            "key": claim.key,
            "method": claim.method,
            "path": claim.path,
            "fingerprint": claim.fingerprint,
            "status_code": response.status_code,
            "headers": headers,
            "body": body,
        },
    )


def _replayed(first: Row[Any]) -> Response:
    response = Response(content=first.body, status_code=first.status_code, headers=first.headers)
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _in_progress(request: Request, error: KeyInProgress) -> Response:
    response = problem_response(error.status_code, error.title, error.detail, instance=request.url.path, **error.extra)
    response.headers["Retry-After"] = "1"
    return response


Handler = Callable[[Request], Coroutine[Any, Any, Response]]


class IdempotentRoute(APIRoute):
    """A route that, for POST, PATCH and DELETE, takes an Idempotency-Key and answers a retry once."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        methods = {m.upper() for m in kwargs.get("methods") or ()}
        self.takes_key = bool(methods & UNSAFE_METHODS) and not getattr(endpoint, _CHANGES_NOTHING, False)
        if self.takes_key:
            kwargs["dependencies"] = [*(kwargs.get("dependencies") or ()), Depends(claim_key)]
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Handler:
        """The route's handler, wrapped to replay first answers and keep new ones."""
        handler = super().get_route_handler()
        if not self.takes_key:
            return handler

        # Runs inside the request's transaction (shared.db.Transaction is function-scoped): what is
        # kept here commits with the route's change, and a skipped route commits nothing.
        async def answer_once(request: Request) -> Response:
            try:
                response = await handler(request)
            except FirstAnswer as first:
                return first.response
            except KeyInProgress as busy:
                return _in_progress(request, busy)
            claim: Claim | None = getattr(request.state, _CLAIM, None)
            if claim is not None and 200 <= response.status_code < 300:
                await keep(claim=claim, response=response)
            return response

        return answer_once
