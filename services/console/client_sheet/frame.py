"""The client sheet's frame: the header with its buttons, the tabs along the top, the fields on the right.

Every tab of the sheet is served through ``render_sheet_tab``: the whole sheet for a page load (or a
browser without JavaScript), the tab's content alone when htmx switches tabs.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from services.console.base.api import Api
from services.console.base.i18n import N_
from services.console.base.web import is_htmx, render
from services.console.client_sheet.fields import BOXES, field_choices

# (tab, address suffix, label): the tabs along the top of the sheet, in the seed's order.
SHEET_TABS = (
    ("interactions", "", N_("Interactions")),
    ("contacts", "/contacts", N_("Contacts")),
    ("orders", "/commandes", N_("Commandes")),
    ("negotiated_prices", "/tarifs", N_("Tarifs négociés")),
    ("reservations", "/reservations", N_("Réservations")),
    ("top_products", "/top-produits", N_("Top produits")),
    ("statistics", "/statistiques", N_("Statistiques")),
)


async def load_sheet(api: Api, client_id: int) -> dict[str, Any]:
    """The client sheet as the API gives it (ApiError 404 for a client of another account or none)."""
    sheet: dict[str, Any] = await api.get(f"/api/clients/{client_id}")
    return sheet


async def render_sheet_tab(
    request: Request,
    api: Api,
    *,
    client_id: int,
    tab: str,
    template: str,
    context: dict[str, Any] | None = None,
    sheet: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """A tab of the sheet: its fragment for htmx, else the whole sheet around it."""
    values = {"section": "clients", "client_id": client_id, "tab": tab, "tab_template": template, **(context or {})}
    if is_htmx(request) and request.headers.get("hx-target") == "sheet-tab":
        if sheet is not None:
            values["sheet"] = sheet
        values["sheet_tabs"] = SHEET_TABS
        return render(request, "client_sheet/tab_fragment.html", values, status_code=status_code)
    values["sheet"] = sheet if sheet is not None else await load_sheet(api, client_id)
    values["sheet_tabs"] = SHEET_TABS
    # The boxes on the right name the client's category, tags and price grid.
    if "choices" not in values:
        values["choices"] = await field_choices(api)
    values["boxes"] = BOXES
    return render(request, "client_sheet/sheet.html", values, status_code=status_code)
