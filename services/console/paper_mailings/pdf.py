"""PDFs of the mailing service passed on to the browser as they arrive, never held whole in the console."""

from __future__ import annotations

import httpx
from fastapi import Request
from fastapi.responses import Response, StreamingResponse
from starlette.background import BackgroundTask

from services.console.base.api import Api, ApiUnavailable


async def pdf_download(request: Request, api: Api, *, method: str, path: str, filename: str) -> Response:
    """The API's PDF at ``path`` as a download; its refusals become the console's error pages."""
    headers = {"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"}
    http: httpx.AsyncClient = request.app.state.http
    upstream_request = http.build_request(
        method, path, headers={"Authorization": f"Bearer {api.context.session.access_token}"}
    )
    try:
        upstream = await http.send(upstream_request, stream=True)
    except httpx.HTTPError as failure:
        raise ApiUnavailable(str(failure)) from failure
    if upstream.status_code != 200:
        await upstream.aclose()
        # A refusal, or a token that expired meanwhile: Api renews the token once, or raises what the page shows.
        answer = await api.send(method, path)
        return Response(answer.content, media_type="application/pdf", headers=headers)
    return StreamingResponse(
        upstream.aiter_bytes(),
        media_type="application/pdf",
        headers=headers,
        background=BackgroundTask(upstream.aclose),
    )
