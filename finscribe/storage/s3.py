"""S3 storage on aioboto3: retries with backoff, multipart above a threshold, SHA-256 checksums.

Every call is tried ``max_attempts`` times with exponential backoff and full jitter on
transient faults (connection errors, timeouts, 5xx, throttling); after the last one
StorageUnavailableError is raised. Checksums: each upload carries the SHA-256 we computed
(``ChecksumSHA256``), so the server verifies what it received; with ``checksum="auto"`` a
server that refuses checksums is detected on the first upload and they are turned off.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import random
import zlib
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from typing import Any, TypeVar

import aioboto3
import aiohttp
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from finscribe.errors import ObjectNotFoundError, StorageUnavailableError
from finscribe.metrics import STORAGE_ERRORS, STORAGE_OPERATIONS
from finscribe.settings import StorageSettings
from finscribe.storage.keys import validate_key

T = TypeVar("T")

_NOT_FOUND = {"NoSuchKey", "404", "NotFound"}
_TRANSIENT_CODES = {
    "InternalError",
    "ServiceUnavailable",
    "SlowDown",
    "RequestTimeout",
    "RequestTimeTooSkewed",
    "Throttling",
    "ThrottlingException",
    "OperationAborted",
}
#: Error codes a server answers when it does not implement the checksum headers.
_CHECKSUM_REFUSED = {
    "NotImplemented",
    "InvalidRequest",
    "InvalidArgument",
    "XAmzContentSHA256Mismatch",
}


def _error_code(err: ClientError) -> tuple[str, int]:
    code = str(err.response.get("Error", {}).get("Code", ""))
    status = int(err.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
    return code, status


class S3Storage:
    backend = "s3"

    def __init__(self, settings: StorageSettings) -> None:
        if not settings.bucket:
            raise ValueError("S3 storage needs a bucket")
        self.settings = settings
        self.bucket = settings.bucket
        self._session = aioboto3.Session()
        self._stack: AsyncExitStack | None = None
        self._client: Any = None
        self._lock = asyncio.Lock()
        self._checksum: str | None = {
            "auto": "SHA256",
            "sha256": "SHA256",
            "crc32": "CRC32",
            "none": None,
        }[settings.checksum]
        self._threshold = int(settings.multipart_threshold_mb * 1024 * 1024)
        self._chunk = int(settings.multipart_chunk_mb * 1024 * 1024)

    # --- plumbing ------------------------------------------------------------------------

    async def _get_client(self) -> Any:
        if self._client is not None:
            return self._client
        async with self._lock:
            if self._client is None:
                s = self.settings
                config = Config(
                    s3={"addressing_style": "path" if s.use_path_style else "virtual"},
                    connect_timeout=s.connect_timeout_s,
                    read_timeout=s.read_timeout_s,
                    retries={"total_max_attempts": 1},  # retries are ours, see _call
                    request_checksum_calculation="when_required",
                    response_checksum_validation="when_required",
                )
                stack = AsyncExitStack()
                self._client = await stack.enter_async_context(
                    self._session.client(
                        "s3",
                        endpoint_url=s.endpoint_url,
                        region_name=s.region,
                        aws_access_key_id=s.access_key,
                        aws_secret_access_key=(
                            s.secret_key.get_secret_value() if s.secret_key else None
                        ),
                        config=config,
                    )
                )
                self._stack = stack
        return self._client

    def _delay(self, attempt: int) -> float:
        cap = min(self.settings.retry_max_delay_s, self.settings.retry_base_delay_s * 2**attempt)
        return random.uniform(0, cap)  # full jitter

    async def _call(self, operation: str, fn: Callable[[Any], Awaitable[T]]) -> T:
        """Run fn(client) with retries; map S3 errors to typed errors."""
        STORAGE_OPERATIONS.labels(operation, self.backend).inc()
        last: BaseException | None = None
        for attempt in range(self.settings.max_attempts):
            if attempt:
                await asyncio.sleep(self._delay(attempt - 1))
            try:
                return await fn(await self._get_client())
            except ClientError as err:
                code, status = _error_code(err)
                if code in _NOT_FOUND or (status == 404 and code not in {"NoSuchBucket"}):
                    raise ObjectNotFoundError(f"no object under the key ({operation})") from err
                if code in _TRANSIENT_CODES or status >= 500 or status == 429:
                    last = err
                    continue
                STORAGE_ERRORS.labels(operation, self.backend).inc()
                raise StorageUnavailableError(f"S3 {operation} failed: {code or status}") from err
            except (BotoCoreError, aiohttp.ClientError, OSError, TimeoutError) as err:
                last = err
                continue
        STORAGE_ERRORS.labels(operation, self.backend).inc()
        raise StorageUnavailableError(
            f"S3 {operation} failed after {self.settings.max_attempts} attempts: "
            f"{type(last).__name__}"
        ) from last

    def _checksum_args(self, data: bytes) -> dict[str, str]:
        if self._checksum == "SHA256":
            return {"ChecksumSHA256": base64.b64encode(hashlib.sha256(data).digest()).decode()}
        if self._checksum == "CRC32":
            crc = zlib.crc32(data).to_bytes(4, "big")
            return {"ChecksumCRC32": base64.b64encode(crc).decode()}
        return {}

    async def _with_checksum_fallback(self, operation: str, fn: Callable[[Any], Awaitable[T]]) -> T:
        """With checksum=auto, a server that refuses checksum headers turns them off once."""
        try:
            return await self._call(operation, fn)
        except StorageUnavailableError as err:
            cause = err.__cause__
            if (
                self.settings.checksum == "auto"
                and self._checksum is not None
                and isinstance(cause, ClientError)
                and _error_code(cause)[0] in _CHECKSUM_REFUSED
            ):
                self._checksum = None
                return await self._call(operation, fn)
            raise

    # --- the interface ---------------------------------------------------------------------

    async def put_bytes(
        self, key: str, data: bytes, *, content_type: str = "application/octet-stream"
    ) -> None:
        validate_key(key)
        data = bytes(data)
        if len(data) > self._threshold:
            await self._multipart(key, _empty(), content_type, first=data)
            return

        async def put(client: Any) -> None:
            await client.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=data,
                ContentType=content_type,
                **self._checksum_args(data),
            )

        await self._with_checksum_fallback("put", put)

    async def put_stream(
        self,
        key: str,
        chunks: AsyncIterable[bytes],
        *,
        content_type: str = "application/octet-stream",
    ) -> int:
        validate_key(key)
        iterator = aiter(chunks)
        buffer = bytearray()
        async for chunk in iterator:
            buffer += chunk
            if len(buffer) > self._threshold:
                return await self._multipart(key, iterator, content_type, first=bytes(buffer))
        await self.put_bytes(key, bytes(buffer), content_type=content_type)
        return len(buffer)

    async def _multipart(
        self, key: str, rest: AsyncIterable[bytes], content_type: str, *, first: bytes
    ) -> int:
        extra = {"ChecksumAlgorithm": self._checksum} if self._checksum else {}

        async def create(client: Any) -> str:
            response = await client.create_multipart_upload(
                Bucket=self.bucket, Key=key, ContentType=content_type, **extra
            )
            return str(response["UploadId"])

        upload_id = await self._with_checksum_fallback("multipart_create", create)
        parts: list[dict[str, Any]] = []
        size = 0

        async def send(data: bytes) -> None:
            number = len(parts) + 1
            checksum = self._checksum_args(data)

            async def upload(client: Any) -> dict[str, Any]:
                response = await client.upload_part(
                    Bucket=self.bucket,
                    Key=key,
                    UploadId=upload_id,
                    PartNumber=number,
                    Body=data,
                    **checksum,
                )
                return {"PartNumber": number, "ETag": response["ETag"], **checksum}

            parts.append(await self._call("multipart_part", upload))

        try:
            buffer = bytearray(first)
            async for chunk in rest:
                buffer += chunk
                while len(buffer) >= self._chunk:
                    size += self._chunk
                    await send(bytes(buffer[: self._chunk]))
                    del buffer[: self._chunk]
            if buffer or not parts:
                size += len(buffer)
                await send(bytes(buffer))

            async def complete(client: Any) -> None:
                await client.complete_multipart_upload(
                    Bucket=self.bucket,
                    Key=key,
                    UploadId=upload_id,
                    MultipartUpload={"Parts": parts},
                )

            await self._call("multipart_complete", complete)
        except BaseException:
            await self._abort(key, upload_id)
            raise
        return size

    async def _abort(self, key: str, upload_id: str) -> None:
        try:
            client = await self._get_client()
            await client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
        except (ClientError, BotoCoreError, aiohttp.ClientError, OSError, TimeoutError):
            STORAGE_ERRORS.labels("multipart_abort", self.backend).inc()

    async def get_bytes(self, key: str) -> bytes:
        validate_key(key)

        async def get(client: Any) -> bytes:
            response = await client.get_object(Bucket=self.bucket, Key=key)
            async with response["Body"] as body:
                return bytes(await body.read())

        return await self._call("get", get)

    async def put_json(self, key: str, value: Any) -> None:
        data = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
        await self.put_bytes(key, data, content_type="application/json")

    async def get_json(self, key: str) -> Any:
        return json.loads(await self.get_bytes(key))

    async def exists(self, key: str) -> bool:
        validate_key(key)

        async def head(client: Any) -> None:
            await client.head_object(Bucket=self.bucket, Key=key)

        try:
            await self._call("head", head)
        except ObjectNotFoundError:
            return False
        return True

    async def delete(self, key: str) -> None:
        validate_key(key)

        async def delete(client: Any) -> None:
            await client.delete_object(Bucket=self.bucket, Key=key)

        try:
            await self._call("delete", delete)
        except ObjectNotFoundError:
            return

    async def delete_prefix(self, prefix: str) -> int:
        keys = await self.list(prefix)
        for key in keys:
            await self.delete(key)
        return len(keys)

    async def list(self, prefix: str) -> list[str]:
        validate_key(prefix, prefix=True)

        async def list_all(client: Any) -> list[str]:
            keys: list[str] = []
            paginator = client.get_paginator("list_objects_v2")
            async for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
                keys.extend(str(item["Key"]) for item in page.get("Contents", []))
            return sorted(keys)

        return await self._call("list", list_all)

    async def presigned_url(self, key: str, *, expires_s: int | None = None) -> str:
        validate_key(key)
        client = await self._get_client()
        url = await client.generate_presigned_url(
            "get_object",
            Params={"Bucket": self.bucket, "Key": key},
            ExpiresIn=expires_s or self.settings.presign_expiry_s,
        )
        return str(url)

    async def check(self) -> None:
        """The bucket answers (created first when ``create_bucket`` is set)."""

        async def head_bucket(client: Any) -> None:
            await client.head_bucket(Bucket=self.bucket)

        try:
            await self._call("head_bucket", head_bucket)
        except ObjectNotFoundError as err:
            if not self.settings.create_bucket:
                raise StorageUnavailableError(f"bucket {self.bucket!r} does not exist") from err

            async def create_bucket(client: Any) -> None:
                try:
                    await client.create_bucket(Bucket=self.bucket)
                except ClientError as exc:
                    if _error_code(exc)[0] not in {
                        "BucketAlreadyOwnedByYou",
                        "BucketAlreadyExists",
                    }:
                        raise

            await self._call("create_bucket", create_bucket)

    async def close(self) -> None:
        async with self._lock:
            if self._stack is not None:
                await self._stack.aclose()
            self._stack = None
            self._client = None


async def _empty() -> AsyncIterator[bytes]:
    """An empty stream (a large `put_bytes` hands all its data to `_multipart` up front)."""
    empty: tuple[bytes, ...] = ()
    for chunk in empty:
        yield chunk
