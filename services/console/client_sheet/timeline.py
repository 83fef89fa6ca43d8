"""The timeline in the middle of the sheet: one page of it, filtered by kind, and what its forms need."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlencode

from fastapi import Request

from services.console.base.api import Api, unless_unavailable
from services.console.base.i18n import N_
from services.console.base.web import can

PAGE_SIZE = 25
# The API's filter categories, with what the filter calls them.
KINDS = (
    ("note", N_("Notes, appels et rendez-vous")),
    ("order", N_("Commandes")),
    ("invoice", N_("Factures")),
    ("shipment", N_("Expéditions")),
    ("payment", N_("Paiements")),
    ("reminder", N_("Rappels")),
    ("email", N_("E-mails")),
    ("mailing", N_("Mailings papier")),
    ("created", N_("Création")),
    ("edited", N_("Modifications de la fiche")),
    ("block", N_("Blocages")),
    ("merge", N_("Fusions")),
    ("archive", N_("Archivage")),
    ("erase", N_("Effacement")),
)
# What an entry of each category is called on its line.
ENTRY_NAMES = {
    "note": N_("Note"),
    "order": N_("Commande"),
    "invoice": N_("Facture"),
    "shipment": N_("Expédition"),
    "payment": N_("Paiement"),
    "reminder": N_("Rappel"),
    "email": N_("E-mail"),
    "mailing": N_("Mailing papier"),
    "created": N_("Création"),
    "edited": N_("Modification"),
    "block": N_("Blocage"),
    "merge": N_("Fusion"),
    "archive": N_("Archivage"),
    "erase": N_("Effacement"),
}
KIND_NAMES = dict(KINDS)
DOCUMENTS = (
    ("quotes", N_("Devis")),
    ("proforma", N_("Pro-forma")),
    ("invoices", N_("Factures")),
    ("dunning", N_("Relances")),
)


def timeline_view(request: Request) -> tuple[str | None, str | None]:
    """The kind and the page the address asks for; an unknown kind shows every kind."""
    kind = request.query_params.get("kind") or None
    cursor = request.query_params.get("cursor") or None
    return (kind if kind in KIND_NAMES else None), (cursor[:512] if cursor else None)


def timeline_url(client_id: int, *, kind: str | None, cursor: str | None = None) -> str:
    """The sheet's address showing a kind and a page of the timeline."""
    params = [(name, value) for name, value in (("kind", kind), ("cursor", cursor)) if value]
    return f"/clients/{client_id}" + (f"?{urlencode(params)}" if params else "")


async def timeline_context(api: Api, client_id: int, *, kind: str | None, cursor: str | None) -> dict[str, Any]:
    """One page of the timeline and how to reach the next one."""
    params: list[tuple[str, str]] = [("limit", str(PAGE_SIZE))]
    if kind:
        params.append(("kind", kind))
    if cursor:
        params.append(("cursor", cursor))
    page = await api.get(f"/api/clients/{client_id}/timeline", params=params)
    return {
        "timeline": page,
        "kind": kind,
        "cursor": cursor,
        "kinds": KINDS,
        "entry_names": ENTRY_NAMES,
        "first_url": timeline_url(client_id, kind=kind),
        "next_url": timeline_url(client_id, kind=kind, cursor=page["next_cursor"]) if page["next_cursor"] else None,
    }


async def _recipients(api: Api, client_id: int) -> dict[str, list[dict[str, Any]]]:
    recipients: dict[str, list[dict[str, Any]]] = await api.get(f"/api/clients/{client_id}/recipients/by-document")
    return recipients


async def _users(api: Api) -> list[dict[str, Any]]:
    # Reminders being down leaves the assignee to the API's default: the user adding the reminder.
    users: list[dict[str, Any]] = await unless_unavailable(api.get("/api/reminders/users"), default=[])
    return users


async def interactions_context(request: Request, api: Api, client_id: int) -> dict[str, Any]:
    """What the Interactions tab shows: the timeline, and for staff the choices its forms offer."""
    kind, cursor = timeline_view(request)
    if can(getattr(request.state, "signed_in", None), "staff"):
        context, recipients, users = await asyncio.gather(
            timeline_context(api, client_id, kind=kind, cursor=cursor), _recipients(api, client_id), _users(api)
        )
        context["recipients"], context["users"] = recipients, users
    else:
        context = await timeline_context(api, client_id, kind=kind, cursor=cursor)
    context["documents"] = DOCUMENTS
    return context
