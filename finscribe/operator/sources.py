"""Reading a DocumentJob's source: an upload the API stored, an https URL, an S3 object.

Every read is bounded (size limit, timeout). A URL must be https on an allow-listed host
(redirects are followed only to allow-listed hosts); an upload key must lie under the
namespace's drop area (uploads/<namespace>/) or the tenant's own storage prefix; an S3
source is read with the credentials of the Secret it names (same namespace) or anonymously,
never with FinScribe's own credentials.
"""

from __future__ import annotations

import base64
import posixpath
import ssl
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import aiohttp

from finscribe.errors import (
    FileTooLargeError,
    InputError,
    NotFoundError,
    ObjectNotFoundError,
    SourceNotAllowedError,
    SourceNotFoundError,
    SourceUnavailableError,
)
from finscribe.kube.client import KubeClient
from finscribe.settings import OperatorSettings
from finscribe.storage import keys
from finscribe.storage.protocol import ObjectStorage

_MAX_REDIRECTS = 3
#: The per-namespace drop area for documents in FinScribe's bucket: uploads/<namespace>/...
UPLOADS_PREFIX = "uploads/"
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class SourceDocument:
    body: bytes
    filename: str | None
    content_type: str | None
    #: An upload the API staged: removed once the job holds its own copy.
    staged_key: str | None = None


def _too_large(limit: int) -> FileTooLargeError:
    return FileTooLargeError(f"the source exceeds the limit of {limit // (1024 * 1024)} MB")


def upload_prefixes(namespace: str, tenant_id: uuid.UUID) -> tuple[str, str]:
    """Where a DocumentJob in `namespace` may read an upload from: the namespace's drop area
    ``uploads/<namespace>/`` or anything of the namespace's tenant."""
    return f"{UPLOADS_PREFIX}{namespace}/", keys.tenant_prefix(tenant_id)


async def read_upload(
    spec: dict[str, Any],
    *,
    namespace: str,
    tenant_id: uuid.UUID,
    storage: ObjectStorage,
    limit: int,
) -> SourceDocument:
    key = str(spec.get("storageKey") or "")
    try:
        keys.validate_key(key)
    except ValueError as err:
        raise SourceNotAllowedError(f"invalid storage key {key!r}") from err
    if not key.startswith(upload_prefixes(namespace, tenant_id)):
        raise SourceNotAllowedError(
            "source.upload.storageKey must be under uploads/<namespace>/ or the tenant's prefix"
        )
    try:
        body = await storage.get_bytes(key)
    except ObjectNotFoundError as err:
        raise SourceNotFoundError(f"no uploaded document at {key!r}") from err
    if len(body) > limit:
        raise _too_large(limit)
    return SourceDocument(
        body=body,
        filename=spec.get("filename"),
        content_type=spec.get("contentType"),
        staged_key=key,
    )


def _host_allowed(url: str, allowed: list[str]) -> bool:
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        return False
    host = parts.hostname.lower()
    with_port = f"{host}:{parts.port}" if parts.port else host
    return host in allowed or with_port in allowed


async def read_url(url: str, *, settings: OperatorSettings, limit: int) -> SourceDocument:
    allowed = settings.allowed_hosts
    tls: ssl.SSLContext | bool = True
    if settings.url_ca_file is not None:
        tls = ssl.create_default_context(cafile=str(settings.url_ca_file))
    if not _host_allowed(url, allowed):
        raise SourceNotAllowedError(
            f"source.url host {urlsplit(url).hostname!r} is not https on an allow-listed host"
        )
    limit = min(limit, settings.url_max_bytes)
    timeout = aiohttp.ClientTimeout(total=settings.url_timeout_s)
    try:
        async with aiohttp.ClientSession(timeout=timeout) as http:
            for _ in range(_MAX_REDIRECTS + 1):
                async with http.get(url, allow_redirects=False, ssl=tls) as response:
                    if response.status in {301, 302, 303, 307, 308}:
                        url = urljoin(url, response.headers.get("Location", ""))
                        if not _host_allowed(url, allowed):
                            raise SourceNotAllowedError("source.url redirects off the allow list")
                        continue
                    if response.status in {404, 410}:
                        raise SourceNotFoundError(f"source.url answered {response.status}")
                    if response.status >= 500 or response.status == 429:
                        raise SourceUnavailableError(f"source.url answered {response.status}")
                    if response.status >= 300:
                        raise InputError(f"source.url answered {response.status}")
                    if (response.content_length or 0) > limit:
                        raise _too_large(limit)
                    data = bytearray()
                    async for chunk in response.content.iter_chunked(_CHUNK):
                        data += chunk
                        if len(data) > limit:
                            raise _too_large(limit)
                    content_type = response.headers.get("Content-Type", "").split(";")[0]
                    name = posixpath.basename(urlsplit(url).path) or None
                    return SourceDocument(bytes(data), name, content_type or None)
            raise SourceNotAllowedError("source.url redirects too often")
    except aiohttp.ClientSSLError as err:
        raise SourceNotAllowedError(f"source.url TLS verification failed: {err}") from err
    except (aiohttp.ClientError, TimeoutError, OSError) as err:
        raise SourceUnavailableError(f"source.url unreachable: {type(err).__name__}") from err


async def _secret(kube: KubeClient | None, namespace: str, name: str) -> dict[str, str]:
    if kube is None:
        raise SourceNotAllowedError("secretRef needs the operator's Kubernetes client")
    try:
        body = await kube.request("GET", f"/api/v1/namespaces/{namespace}/secrets/{name}")
    except NotFoundError as err:
        raise SourceNotFoundError(f"secret {name!r} not found in {namespace!r}") from err
    data = body.get("data") or {}
    return {k: base64.b64decode(v).decode() for k, v in data.items()}


def _pick(secret: dict[str, str], *names: str) -> str | None:
    return next((secret[n] for n in names if secret.get(n)), None)


async def read_s3(
    spec: dict[str, Any],
    *,
    namespace: str,
    kube: KubeClient | None,
    limit: int,
    own_endpoint: str | None,
    own_bucket: str | None,
) -> SourceDocument:
    import aioboto3
    from botocore import UNSIGNED
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError

    bucket, key = str(spec["bucket"]), str(spec["key"])
    endpoint = spec.get("endpoint") or own_endpoint
    if bucket == own_bucket and endpoint == own_endpoint:
        raise SourceNotAllowedError("source.s3 may not read FinScribe's own bucket")
    credentials: dict[str, Any] = {}
    config = Config(s3={"addressing_style": "path"}, retries={"max_attempts": 3})
    if spec.get("secretRef"):
        secret = await _secret(kube, namespace, str(spec["secretRef"]["name"]))
        credentials = {
            "aws_access_key_id": _pick(secret, "accessKeyId", "access-key-id", "AWS_ACCESS_KEY_ID"),
            "aws_secret_access_key": _pick(
                secret, "secretAccessKey", "secret-access-key", "AWS_SECRET_ACCESS_KEY"
            ),
        }
    else:
        config = config.merge(Config(signature_version=UNSIGNED))
    try:
        async with aioboto3.Session().client(
            "s3",
            endpoint_url=endpoint,
            region_name=spec.get("region") or "us-east-1",
            config=config,
            **credentials,
        ) as s3:
            response = await s3.get_object(Bucket=bucket, Key=key)
            if int(response.get("ContentLength") or 0) > limit:
                raise _too_large(limit)
            data = bytearray()
            body = response["Body"]
            try:
                async for chunk in body.iter_chunks(_CHUNK):
                    data += chunk
                    if len(data) > limit:
                        raise _too_large(limit)
            finally:
                body.close()
            content_type = response.get("ContentType")
    except ClientError as err:
        code = str(err.response.get("Error", {}).get("Code", ""))
        if code in {"NoSuchKey", "NoSuchBucket", "404"}:
            raise SourceNotFoundError(f"source.s3 object not found ({code})") from err
        if code in {"AccessDenied", "403", "InvalidAccessKeyId", "SignatureDoesNotMatch"}:
            raise SourceNotAllowedError(f"source.s3 access denied ({code})") from err
        raise SourceUnavailableError(f"source.s3 error {code}") from err
    except (BotoCoreError, OSError, TimeoutError) as err:
        raise SourceUnavailableError(f"source.s3 unreachable: {type(err).__name__}") from err
    return SourceDocument(bytes(data), posixpath.basename(key) or None, content_type)
