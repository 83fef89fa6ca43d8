"""Files any replica can read: one interface, a local folder or S3-compatible object storage behind it.

Exports, rendered PDFs and uploaded images (and, later, issued documents) are stored by key, never by
path: ``open_storage`` gives the backend the settings choose (shared/storage/settings.py).
"""

from shared.storage.base import MissingObject, Storage, StoredFile, StoredObject, check_key
from shared.storage.settings import StorageSettings, open_storage

__all__ = [
    "MissingObject",
    "Storage",
    "StorageSettings",
    "StoredFile",
    "StoredObject",
    "check_key",
    "open_storage",
]
