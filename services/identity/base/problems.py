"""How an identity route answers a refusal whose writes must still commit, and documents its error answers."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from shared.errors import PROBLEM_JSON, ProblemError, TooManyAttempts, problem_response


def answer(problem: ProblemError, request: Request) -> Response:
    """The problem+json answer of a refusal, returned by the route instead of raised.

    A raised error rolls the request's transaction back; some refusals record something that must
    last (a failed sign-in, the revocation of a reused refresh token's family), so they are answered.
    """
    response = problem_response(
        problem.status_code, problem.title, problem.detail, instance=request.url.path, **problem.extra
    )
    if isinstance(problem, TooManyAttempts):
        response.headers["Retry-After"] = str(problem.retry_after)
    return response


def problem_answers(answers: dict[int, str]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` declaring extra error answers of a route, as problem+json."""
    content = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    return {status: {"description": description, "content": content} for status, description in answers.items()}
