"""The clients service seen from the mailings service: a selection's postal addresses over HTTP."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx

from shared.errors import ProblemError

log = logging.getLogger(__name__)
ADDRESSES_PATH = "/api/clients/selection/addresses"
PAGE_SIZE = 1_000


class ClientsProblem(ProblemError):
    """A 4xx answer of the clients service, passed on as it came (status, detail and field errors)."""

    def __init__(self, status: int, body: dict[str, Any], *, selection: dict[str, Any] | None = None) -> None:
        extra = {k: v for k, v in body.items() if k not in {"type", "title", "status", "detail", "instance"}}
        search = (selection or {}).get("search")
        search_fields = set(search) if isinstance(search, dict) else set()
        detail = str(body.get("detail") or "The clients service refused the selection.")
        if isinstance(extra.get("errors"), list):
            extra["errors"] = [_in_selection(e, search_fields) for e in extra["errors"]]
            named = [e for e in extra["errors"] if isinstance(e, dict) and "field" in e and "message" in e]
            if named:  # the detail names the fields as the caller wrote them, like every validation error
                detail = "; ".join(f"{e['field']}: {e['message']}" for e in named)
        super().__init__(detail, extra=extra)
        self.status_code = status
        self.title = str(body.get("title") or "Refused by the clients service")


class ClientsUnavailable(ProblemError):
    """The clients service did not answer usefully: the campaign cannot be resolved now."""

    status_code = 503
    title = "Clients service unavailable"


async def selection_recipients(
    http: httpx.AsyncClient,
    *,
    token: str,
    selection: dict[str, Any],
) -> AsyncIterator[dict[str, Any]]:
    """Every client of a selection with its postal address, in client id order, page after page."""
    after_id: int | None = None
    while True:
        body = {"selection": selection, "after_id": after_id, "limit": PAGE_SIZE}
        try:
            response = await http.post(ADDRESSES_PATH, json=body, headers={"Authorization": f"Bearer {token}"})
        except httpx.HTTPError as exc:
            log.warning("clients service unreachable", exc_info=True)
            raise ClientsUnavailable(f"The clients service could not be reached: {type(exc).__name__}.") from exc
        if 400 <= response.status_code < 500:
            raise ClientsProblem(response.status_code, _problem_body(response), selection=selection)
        if response.status_code != 200:
            log.warning("clients service answered %s", response.status_code)
            raise ClientsUnavailable(f"The clients service answered {response.status_code}; try again later.")
        page = response.json()
        for item in page["items"]:
            yield item
        after_id = page.get("next_after_id")
        if after_id is None:
            return


def _in_selection(error: Any, search_fields: set[str]) -> Any:
    # Only the selection can be wrong in what we send; some of the clients service's business rules
    # name their field without the "selection." prefix (a search text error names q), which the caller
    # would not find in its own body: a field of the search is named where the caller wrote it.
    if isinstance(error, dict) and isinstance(error.get("field"), str) and not error["field"].startswith("selection"):
        inside = "selection.search" if error["field"].split(".")[0] in search_fields else "selection"
        return {**error, "field": f"{inside}.{error['field']}"}
    return error


def _problem_body(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {"detail": response.text[:500]}
    return body if isinstance(body, dict) else {"detail": str(body)[:500]}
