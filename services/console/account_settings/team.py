"""Paramètres: the account's users (invite, role, disable) and its API tokens (issue, shown once, revoke)."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from services.console.base.api import Api, ApiError
from services.console.base.forms import last_values
from services.console.base.web import ApiClient, csrf_protect, render, require_role

router = APIRouter(dependencies=[Depends(csrf_protect)])

USERS = "/api/identity/users"
TOKENS = "/api/identity/api-tokens"
ROLES = ("owner", "manager", "staff", "read_only")


def _uuid(text: str) -> str:
    """A user's or token's id as the API writes it; 404 for anything else, before the API is asked."""
    try:
        return str(uuid.UUID(text))
    except ValueError:
        raise HTTPException(status_code=404) from None


async def _users_page(
    request: Request,
    api: Api,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    users: list[dict[str, Any]] = await api.get(USERS)
    context = {
        "section": "settings",
        "subsection": "users",
        "users": sorted(users, key=lambda user: (not user["active"], user["name"].lower())),
        "roles": ROLES,
        "values": values or {"role": "staff"},
        "errors": errors or {},
        "notice": request.query_params.get("fait", ""),
    }
    return render(request, "account_settings/users.html", context, status_code=status_code)


@router.get("/parametres/utilisateurs")
async def users_page(request: Request, api: ApiClient) -> Response:
    """The account's users and their roles; the owner invites, changes roles, disables."""
    return await _users_page(request, api)


@router.post("/parametres/utilisateurs")
async def invite(request: Request, api: ApiClient) -> Response:
    """Invite someone with a role (owner); identity e-mails them the link."""
    require_role(request, "owner")
    values = last_values(await request.form())
    body = {key: values.get(key, "").strip() for key in ("name", "email", "role")}
    try:
        await api.post("/api/identity/invitations", json=body)
    except ApiError as refused:
        if refused.status not in (409, 422):
            raise
        errors = refused.field_errors() or {"email": refused.detail}
        return await _users_page(request, api, values=values, errors=errors, status_code=refused.status)
    return RedirectResponse("/parametres/utilisateurs?fait=invite", status_code=303)


@router.post("/parametres/utilisateurs/{user_id}/role")
async def change_role(request: Request, api: ApiClient, user_id: str) -> Response:
    """Give a user another role (owner)."""
    require_role(request, "owner")
    role = last_values(await request.form()).get("role", "")
    await api.patch(f"{USERS}/{_uuid(user_id)}", json={"role": role})
    return RedirectResponse("/parametres/utilisateurs?fait=role", status_code=303)


@router.post("/parametres/utilisateurs/{user_id}/desactiver")
async def disable(request: Request, api: ApiClient, user_id: str) -> Response:
    """Disable a user (owner): they cannot sign in any more and their sessions end."""
    require_role(request, "owner")
    await api.post(f"{USERS}/{_uuid(user_id)}/disable")
    return RedirectResponse("/parametres/utilisateurs?fait=desactive", status_code=303)


async def _tokens_page(
    request: Request,
    api: Api,
    *,
    created: dict[str, Any] | None = None,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    tokens = await api.get(TOKENS)
    context = {
        "section": "settings",
        "subsection": "tokens",
        "tokens": tokens,
        "created": created,
        "roles": ROLES,
        "values": values or {"role": "read_only", "ttl_days": "90"},
        "errors": errors or {},
        "notice": request.query_params.get("fait", ""),
    }
    return render(request, "account_settings/tokens.html", context, status_code=status_code)


@router.get("/parametres/jetons")
async def tokens_page(request: Request, api: ApiClient) -> Response:
    """The account's API tokens (owner): never the tokens themselves."""
    require_role(request, "owner")
    return await _tokens_page(request, api)


@router.post("/parametres/jetons")
async def issue_token(request: Request, api: ApiClient) -> Response:
    """Issue a token (owner) and show it this once: answered directly, never put in an address or the session."""
    require_role(request, "owner")
    values = last_values(await request.form())
    days = values.get("ttl_days", "").strip()
    body: dict[str, Any] = {
        "name": values.get("name", "").strip(),
        "role": values.get("role", ""),
        "ttl_days": int(days) if days.isdigit() else (days or None),
    }
    try:
        created = await api.post(TOKENS, json=body)
    except ApiError as refused:
        if refused.status != 422:
            raise
        errors = refused.field_errors() or {"name": refused.detail}
        return await _tokens_page(request, api, values=values, errors=errors, status_code=422)
    response = await _tokens_page(request, api, created=created, status_code=201)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/parametres/jetons/{token_id}/revoquer")
async def revoke_token(request: Request, api: ApiClient, token_id: str) -> Response:
    """Revoke a token (owner): every service refuses it from then on."""
    require_role(request, "owner")
    await api.post(f"{TOKENS}/{_uuid(token_id)}/revoke")
    return RedirectResponse("/parametres/jetons?fait=revoque", status_code=303)
