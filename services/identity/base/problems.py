"""Identity's own error answers, and how a route answers a refusal whose writes must still commit."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from shared.errors import PROBLEM_JSON, ProblemError, problem_response


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
