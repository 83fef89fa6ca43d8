"""HTTP route of the published keys."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse

from services.identity.base.problems import problem_answers
from services.identity.keys import service
from shared.db import Transaction

router = APIRouter(prefix="/api/identity", tags=["keys"])


@router.get(
    "/.well-known/jwks.json",
    responses=problem_answers({401: "Never answered here: the keys are public (listed like every route's)"}),
)
async def key_set(request: Request, session: Transaction) -> JSONResponse:
    """The public keys that verify access tokens (JWKS, OKP Ed25519 keys with their kid)."""
    settings = request.app.state.settings
    keys = await service.published_key_set(session, settings=settings)
    return JSONResponse(keys, headers={"Cache-Control": f"public, max-age={settings.jwks_max_age_seconds}"})
