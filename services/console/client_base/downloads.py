"""Files of the API passed on to the browser as they come, without holding them in the console's memory."""

from __future__ import annotations

from collections.abc import Mapping

import httpx
from fastapi import Request
from fastapi.responses import StreamingResponse
from starlette.background import BackgroundTask

from services.console.base.api import Api, ApiError, ApiUnavailable, SignInRequired

# What the browser needs of the API's answer to save the file under the API's name (the length may
# change: httpx decodes a compressed answer).
PASSED_HEADERS = ("content-type", "content-disposition")


async def _open(request: Request, api: Api, path: str, params: list[tuple[str, str]] | None) -> httpx.Response:
    # The same pool and token keeper as every other call of the session (Api buffers whole answers).
    http: httpx.AsyncClient = request.app.state.http
    for attempt in (1, 2):
        outgoing = http.build_request(
            "GET",
            path,
            params=list(params or []),
            headers={"Authorization": f"Bearer {api.context.session.access_token}"},
        )
        try:
            response = await http.send(outgoing, stream=True)
        except httpx.HTTPError as failure:
            raise ApiUnavailable(str(failure)) from failure
        if response.status_code == 401:
            await response.aclose()
            if attempt == 2:
                raise SignInRequired
            # A token that just expired or was revoked: renewed once, as Api.send does.
            await request.app.state.keeper.refresh(api.context)
            continue
        if response.status_code >= 400:
            await response.aread()
            await response.aclose()
            if response.status_code >= 500:
                raise ApiUnavailable(f"GET {path}: {response.status_code}")
            try:
                problem = response.json()
            except ValueError:
                problem = {"title": response.reason_phrase}
            raise ApiError(response.status_code, problem if isinstance(problem, Mapping) else {"detail": str(problem)})
        return response
    raise AssertionError("unreachable")


async def stream_file(
    request: Request, api: Api, path: str, *, params: list[tuple[str, str]] | None = None
) -> StreamingResponse:
    """GET a file of the API and stream it to the browser as an attachment (ApiError before the first byte)."""
    response = await _open(request, api, path, params)
    headers = {name: response.headers[name] for name in PASSED_HEADERS if name in response.headers}
    if "content-disposition" not in headers:
        headers["content-disposition"] = "attachment"
    media_type = headers.pop("content-type", "application/octet-stream")
    return StreamingResponse(
        response.aiter_bytes(), media_type=media_type, headers=headers, background=BackgroundTask(response.aclose)
    )
