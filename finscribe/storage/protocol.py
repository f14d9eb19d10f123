"""The object storage interface every backend implements."""

from __future__ import annotations

from collections.abc import AsyncIterable
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class ObjectStorage(Protocol):
    """Bytes and JSON under string keys (see finscribe.storage.keys; never user-supplied names).

    Missing keys raise ObjectNotFoundError; an unreachable backend raises
    StorageUnavailableError (after the backend's retries); invalid keys raise ValueError.
    """

    #: "local" or "s3".
    backend: str

    async def put_bytes(
        self, key: str, data: bytes, *, content_type: str = "application/octet-stream"
    ) -> None: ...

    async def put_stream(
        self,
        key: str,
        chunks: AsyncIterable[bytes],
        *,
        content_type: str = "application/octet-stream",
    ) -> int:
        """Write an async stream of chunks; returns the size. If the stream raises, nothing is
        left under the key (partial files and multipart uploads are removed) and the error
        propagates unchanged."""
        ...

    async def get_bytes(self, key: str) -> bytes: ...

    async def put_json(self, key: str, value: Any) -> None: ...

    async def get_json(self, key: str) -> Any: ...

    async def exists(self, key: str) -> bool: ...

    async def delete(self, key: str) -> None:
        """Remove one object; removing a missing key is not an error."""
        ...

    async def delete_prefix(self, prefix: str) -> int:
        """Remove every object under the prefix; returns how many."""
        ...

    async def list(self, prefix: str) -> list[str]:
        """Every key under the prefix, sorted."""
        ...

    async def presigned_url(self, key: str, *, expires_s: int | None = None) -> str:
        """A URL to read the object: S3 a presigned GET; local a ``file://`` URL of the file
        (readable only on the same host: the API streams local objects itself)."""
        ...

    async def check(self) -> None:
        """Readiness: raises StorageUnavailableError if the backend cannot be used."""
        ...

    async def close(self) -> None: ...
