"""HTTP route of the signed-in user's account."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from services.identity.accounts import service
from services.identity.accounts.schemas import AccountRead
from services.identity.base.auth import Reader
from shared.db import Transaction

router = APIRouter(prefix="/api/identity", tags=["accounts"])


@router.get("/account", response_model=AccountRead)
async def get_account(user: Reader, session: Transaction) -> Any:
    """The signed-in user's account."""
    return await service.get_account(session, account_id=user.account_id)
