"""ASGI pieces every service's HTTP app uses."""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.errors import InvalidField, internal_error, problem_response, unavailable_cause, unavailable_response
from shared.schemas import unstorable


async def storable_parameters(request: Request) -> None:
    """Every route's dependency: a query or path parameter PostgreSQL cannot store is a 422 naming it.

    Without it a NUL in, say, a search text reached the database, whose refusal named no parameter.
    """
    parameters = [*request.query_params.multi_items(), *request.path_params.items()]
    for name, value in parameters:
        if isinstance(value, str) and (problem := unstorable(value) or unstorable(name)) is not None:
            raise InvalidField(name, problem)


class BodyTooLarge(Exception):
    """Raised while streaming a body that outgrows the limit."""


class BodySizeLimitMiddleware:
    """Answer 413 to bodies over the limit, declared or streamed, before any handler runs."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._reject(scope, receive, send)
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await self._reject(scope, receive, send)

    async def _reject(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem_response(
            413,
            "Request body too large",
            f"The body exceeds {self.max_bytes} bytes.",
            instance=scope.get("path"),
        )
        await response(scope, receive, send)


class UnhandledErrorMiddleware:
    """Answer an unexpected exception with a problem+json 500 (503 if a server was out of reach) and keep the connection open.

    Starlette's last-resort handler re-raises after answering, and uvicorn then closes the
    keep-alive connection: the gateway, which had already put that connection back in its pool,
    could hand it the next request of any account and answer it 502. Here the exception stops.
    Once a response has started (a streamed CSV), it is re-raised on purpose: the server aborts
    the connection, so the client sees an incomplete transfer rather than a file that looks whole.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            if started:
                raise
            path = scope.get("path", "")
            cause = unavailable_cause(exc)
            answer = unavailable_response(path, exc, cause) if cause else internal_error(path, exc)
            await answer(scope, receive, send)
