"""The orders service's files (shared.storage): issued invoices' and credit notes' PDFs, and sellers' logos.

Keys are per account. An issued document's key carries its number: numbers are gapless, so a number whose
transaction rolled back after its PDF was stored is given again to the next document, whose PDF replaces
the orphan under the same key (a committed number is never given twice, so a committed PDF is never
replaced). A logo's key carries its SHA-256: a replaced logo, or one whose request rolled back, stays
stored, unnamed by any row (issued PDFs embed their logo and never read it again).
"""

from __future__ import annotations

import hashlib
import uuid

from services.orders.settings import OrdersSettings
from shared.storage import MissingObject, Storage, open_storage

FOLDERS = {"invoice": "invoices", "credit_note": "credit-notes"}


def document_storage(settings: OrdersSettings) -> Storage:
    """Where the documents are kept: NEGOCE_ORDERS_DOCUMENT_DIR, or ``orders/documents/`` in the S3 bucket."""
    return open_storage(settings.storage, area="orders/documents", local_dir=settings.document_dir)


def document_key(*, account_id: uuid.UUID, kind: str, number: str) -> str:
    """The key of an issued invoice's or credit note's PDF."""
    return f"{account_id}/{FOLDERS[kind]}/{number}.pdf"


def logo_key(*, account_id: uuid.UUID, data: bytes, extension: str) -> str:
    """The key of a logo, named by its content."""
    return f"{account_id}/logos/{hashlib.sha256(data).hexdigest()}.{extension}"


async def store_document(files: Storage, *, key: str, pdf: bytes) -> str:
    """Store an issued document's bytes, whole or not at all; their SHA-256 (hex), which the row records."""
    await files.put_bytes(key, pdf)
    return hashlib.sha256(pdf).hexdigest()


async def read_stored(files: Storage, *, key: str) -> bytes | None:
    """The bytes stored under ``key``, None if there are none."""
    try:
        return await (await files.open(key)).read_all()
    except MissingObject:
        return None
