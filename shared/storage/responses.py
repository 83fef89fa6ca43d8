"""A stored object sent as a download: streamed from the storage through the API, after its checks."""

from __future__ import annotations

from urllib.parse import quote

from fastapi.responses import StreamingResponse

from shared.storage.base import StoredFile


def download_response(stored: StoredFile, *, filename: str, media_type: str) -> StreamingResponse:
    """An attachment named ``filename``, its length known in advance (so a cut transfer shows as one)."""
    quoted = quote(filename)
    # As Starlette's FileResponse names it, so the downloads' headers are what they were.
    disposition = (
        f'attachment; filename="{filename}"' if quoted == filename else f"attachment; filename*=utf-8''{quoted}"
    )
    return StreamingResponse(
        stored.chunks(),
        media_type=media_type,
        headers={"Content-Disposition": disposition, "Content-Length": str(stored.size)},
    )
