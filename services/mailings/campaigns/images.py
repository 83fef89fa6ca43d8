"""Campaigns' background images in the files' storage (shared.storage): stored, read, swept.

An upload stores the image under a new key before the request's transaction names it in
``campaign_images``; nothing deletes an object in a request, since the transaction may still roll
back. An object no row names (an image replaced or removed, a campaign deleted, a request that
failed after the upload) is deleted by the render worker's sweep once it is older than any request.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from services.mailings.campaigns import repository as repo
from services.mailings.settings import MailingsSettings
from shared.storage import Storage, open_storage

EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg"}
# An upload's request commits within seconds; an object this old that no row names never will be.
UNNAMED_GRACE = timedelta(hours=1)


def image_storage(settings: MailingsSettings) -> Storage:
    """Where background images are kept: NEGOCE_MAILINGS_IMAGE_DIR (render_dir/images by default), or
    ``mailings/images/`` in the S3 bucket."""
    local_dir = settings.image_dir or settings.render_dir / "images"
    return open_storage(settings.storage, area="mailings/images", local_dir=local_dir)


def new_image_key(*, campaign_id: int, mime_type: str) -> str:
    """A key no other upload takes: a replaced image's object stays readable until it is swept."""
    return f"{campaign_id}-{uuid.uuid4().hex}.{EXTENSIONS[mime_type]}"


async def background_bytes(session: AsyncSession, *, campaign_id: int, images: Storage) -> bytes | None:
    """The bytes of a campaign's background image, None if it has none."""
    source = await repo.image_source(session, campaign_id=campaign_id)
    if source is None:
        return None
    key, data = source
    if key is None:  # uploaded before the storage kept images, and not moved yet
        return data
    return await (await images.open(key)).read_all()


async def sweep_images(session: AsyncSession, *, images: Storage, grace: timedelta = UNNAMED_GRACE) -> int:
    """Delete the stored images no campaign names, older than ``grace``; how many."""
    cutoff = datetime.now(UTC) - grace
    old = [stored.key for stored in await images.list() if stored.modified < cutoff]
    if not old:
        return 0
    named = await repo.referenced_image_keys(session, keys=old)
    unnamed = [key for key in old if key not in named]
    for key in unnamed:
        await images.delete(key)
    return len(unnamed)


async def move_images_to_storage(session: AsyncSession, *, images: Storage, limit: int = 20) -> int:
    """Move images still held in the database into the storage, a few at a time; how many.

    A crash after an upload and before the commit leaves an object no row names: swept later.
    """
    moved = 0
    for image in await repo.images_held_in_database(session, limit=limit):
        if image.data is None:  # the CHECK constraint rules it out; typed so for the store below
            continue
        key = new_image_key(campaign_id=image.campaign_id, mime_type=image.mime_type)
        await images.put_bytes(key, image.data)
        await repo.image_stored(session, campaign_id=image.campaign_id, storage_key=key)
        moved += 1
    return moved
