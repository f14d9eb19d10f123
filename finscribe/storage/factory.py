"""Builds the storage backend the settings name explicitly (no silent fallback to local disk)."""

from __future__ import annotations

from finscribe.settings import StorageSettings
from finscribe.storage.local import LocalStorage
from finscribe.storage.protocol import ObjectStorage
from finscribe.storage.s3 import S3Storage


def make_storage(settings: StorageSettings) -> ObjectStorage:
    """LocalStorage for backend=local, S3Storage for backend=s3. Nothing else, no fallback:
    an unreachable S3 surfaces as StorageUnavailableError from `check()` and each call."""
    if settings.backend == "local":
        return LocalStorage(settings.local_path)
    if settings.backend == "s3":
        return S3Storage(settings)
    raise ValueError(f"unknown storage backend {settings.backend!r}")  # pragma: no cover
