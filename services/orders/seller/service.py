"""Use cases of the seller profile: read and replace it, set and remove its logo; what invoicing reads of it."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.orders.files import logo_key, read_stored
from services.orders.models import SellerProfile
from services.orders.seller import repository as repo
from services.orders.seller.domain import (
    DEFAULT_LATE_PENALTY_RATE,
    DEFAULT_PAYMENT_TERMS_DAYS,
    LOGO_EXTENSIONS,
    check_logo,
    missing_mentions,
)
from services.orders.seller.schemas import SellerProfileWrite
from shared.auth import Principal
from shared.errors import InvalidField, NotFound
from shared.storage import Storage


def _body(profile: SellerProfile | None) -> dict[str, Any]:
    if profile is None:  # never set: the defaults, and everything an invoice needs is missing
        return {
            **dict.fromkeys(SellerProfileWrite.model_fields),
            "address_lines": [],
            "country_code": "FR",
            "payment_terms_days": DEFAULT_PAYMENT_TERMS_DAYS,
            "late_penalty_rate": DEFAULT_LATE_PENALTY_RATE,
            "has_logo": False,
            "missing_for_invoices": missing_mentions(None),
            "updated_at": None,
        }
    return {
        **{name: getattr(profile, name) for name in SellerProfileWrite.model_fields},
        "has_logo": profile.logo_key is not None,
        "missing_for_invoices": missing_mentions(profile),
        "updated_at": profile.updated_at,
    }


async def get_seller(session: AsyncSession, *, principal: Principal) -> dict[str, Any]:
    """The account's seller profile (its defaults when never set)."""
    return _body(await repo.get_profile(session, account_id=principal.account_id))


async def put_seller(session: AsyncSession, *, principal: Principal, data: SellerProfileWrite) -> dict[str, Any]:
    """Replace the seller profile; a SIRET that is not of the SIREN is a 422 naming ``siret``."""
    if data.siren and data.siret and not data.siret.startswith(data.siren):
        raise InvalidField("siret", "does not start with the SIREN")
    profile = await repo.put_profile(session, account_id=principal.account_id, values=data.model_dump())
    return _body(profile)


async def put_logo(session: AsyncSession, *, principal: Principal, data: bytes, files: Storage) -> dict[str, Any]:
    """Set the logo: PNG or JPEG by its content, at most 1 MB; anything else is a 422 naming ``logo``."""
    try:
        mime_type = check_logo(data)
    except ValueError as error:
        raise InvalidField("logo", str(error)) from error
    key = logo_key(account_id=principal.account_id, data=data, extension=LOGO_EXTENSIONS[mime_type])
    # Stored before the row names it: a rollback leaves an object no row names, never a row without its object.
    await files.put_bytes(key, data)
    return _body(await repo.set_logo(session, account_id=principal.account_id, key=key, mime_type=mime_type))


async def get_logo(session: AsyncSession, *, principal: Principal, files: Storage) -> tuple[bytes, str]:
    """The logo's bytes and mime type; 404 when there is none."""
    profile = await repo.get_profile(session, account_id=principal.account_id)
    if profile is None or profile.logo_key is None or profile.logo_mime_type is None:
        raise NotFound("The seller profile has no logo.")
    data = await read_stored(files, key=profile.logo_key)
    if data is None:
        raise NotFound("The seller profile's logo is no longer stored.")
    return data, profile.logo_mime_type


async def delete_logo(session: AsyncSession, *, principal: Principal) -> None:
    """Remove the logo from the profile (the documents already issued keep theirs)."""
    profile = await repo.get_profile(session, account_id=principal.account_id)
    if profile is not None and profile.logo_key is not None:
        await repo.set_logo(session, account_id=principal.account_id, key=None, mime_type=None)


async def issuing_profile(
    session: AsyncSession, *, account_id: uuid.UUID, files: Storage
) -> tuple[SellerProfile | None, bytes | None]:
    """The profile and its logo's bytes, as a document about to be issued prints them."""
    profile = await repo.get_profile(session, account_id=account_id)
    if profile is None or profile.logo_key is None:
        return profile, None
    return profile, await read_stored(files, key=profile.logo_key)
