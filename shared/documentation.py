"""Each service's API documents, served under its own prefix so the gateway exposes them as is.

``/api/<service>/openapi.json`` (with every error answer a route can give, as problem+json),
``/api/<service>/docs`` (Swagger UI) and ``/api/<service>/asyncapi.json`` (the events it
publishes and consumes, generated from its broker like docs/asyncapi.json). The gateway's
``/api/docs`` page links them all.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from faststream.rabbit import RabbitBroker
from faststream.specification import AsyncAPI
from pydantic import BaseModel, Field
from starlette.responses import JSONResponse

from shared.errors import PROBLEM_JSON

WRITES = {"post", "put", "patch", "delete"}


class FieldError(BaseModel):
    """One field a request got wrong."""

    field: str = Field(description="Where in the request: 'billing_address.postal_code', 'q', 'cursor'...")
    message: str
    position: int | None = Field(default=None, description="For a search text: the 1-based position of the problem")


class Problem(BaseModel):
    """An error, as RFC 9457 problem details; validation errors list the fields."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[FieldError] | None = Field(default=None, description="On a 422: every field in error")


ERROR_ANSWERS = {
    400: "Malformed JSON body",
    401: (
        "Missing or invalid bearer token, or one no longer honoured: expired, revoked, "
        "of a disabled user, or of an unknown or closed account"
    ),
    403: "The caller's role is below the one the operation needs (named in its security requirement)",
    404: "No such resource in this account (another account's rows included), or one the request names",
    409: (
        "The request contradicts the current state (a duplicate, a blocked client, a concurrent change), "
        "or its Idempotency-Key was used for another request or is still in progress"
    ),
    413: "The body exceeds the size limit",
    422: "A parameter or a field of the body is invalid; the problem names it",
}


def error_answers(operation: dict[str, Any], method: str) -> list[int]:
    """The error statuses an operation can answer, from what it takes: a token, parameters, a body."""
    parameters = operation.get("parameters", [])
    body = "requestBody" in operation
    statuses = []
    if body and "application/json" in operation["requestBody"].get("content", {}):
        statuses.append(400)
    if operation.get("security"):
        statuses.append(401)
    # Each route names its least role as its security scope; only read_only routes admit every role.
    roles = {role for requirement in operation.get("security", []) for roles in requirement.values() for role in roles}
    if roles - {"read_only"}:
        statuses.append(403)
    names_a_resource = any(p["in"] == "path" or p["name"].endswith("_id") for p in parameters)
    if names_a_resource or body:
        statuses.append(404)
    if method in WRITES:
        statuses.append(409)
    if body:
        statuses.append(413)
    if parameters or body:
        statuses.append(422)
    return statuses


def with_problem_answers(schema: dict[str, Any]) -> dict[str, Any]:
    """Declare every operation's error answers as problem+json, replacing FastAPI's plain 422."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    problem_schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(problem_schema.pop("$defs", {}))
    components["Problem"] = problem_schema
    problem = {"content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}}
    for operations in schema.get("paths", {}).values():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for status in error_answers(operation, method):
                responses[str(status)] = {"description": ERROR_ANSWERS[status], **problem}
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    return schema


def install_documentation(app: FastAPI, *, broker: RabbitBroker) -> None:
    """Complete the OpenAPI document with the error answers and serve the AsyncAPI one beside it."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = with_problem_answers(generate())
        return app.openapi_schema

    # FastAPI's documented way to extend its schema is replacing the method, which mypy flags.
    app.openapi = openapi  # type: ignore[method-assign]
    events: dict[str, Any] = {}
    prefix = (app.openapi_url or "").rsplit("/", 1)[0]

    @app.get(f"{prefix}/asyncapi.json", include_in_schema=False)
    async def asyncapi() -> JSONResponse:
        """The events this service publishes and consumes (AsyncAPI)."""
        if not events:
            document = AsyncAPI(
                broker,
                title=f"{app.title} events",
                version=app.version,
                description="Events this service publishes and the queues it consumes.",
            )
            events.update(document.to_specification().to_jsonable())
        return JSONResponse(events)
