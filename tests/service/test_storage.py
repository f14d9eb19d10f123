"""Storage contract: the same tests on the local filesystem and on a real S3 (seaweedfs)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import socket
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest

from finscribe.errors import ObjectNotFoundError, StorageUnavailableError
from finscribe.settings import StorageSettings
from finscribe.storage import keys
from finscribe.storage.factory import make_storage
from finscribe.storage.local import LocalStorage
from finscribe.storage.protocol import ObjectStorage
from finscribe.storage.s3 import S3Storage


def _prefix() -> str:
    return keys.job_prefix(uuid.uuid4(), uuid.uuid4())


async def _chunks(data: bytes, size: int = 256 * 1024) -> AsyncIterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i : i + size]


async def test_bytes_round_trip_exists_delete(storage: ObjectStorage) -> None:
    key = _prefix() + "source"
    assert not await storage.exists(key)
    await storage.put_bytes(key, b"%PDF-1.7 hello")
    assert await storage.exists(key)
    assert await storage.get_bytes(key) == b"%PDF-1.7 hello"
    await storage.put_bytes(key, b"overwritten")
    assert await storage.get_bytes(key) == b"overwritten"
    await storage.delete(key)
    assert not await storage.exists(key)
    await storage.delete(key)  # deleting a missing key is not an error
    with pytest.raises(ObjectNotFoundError):
        await storage.get_bytes(key)


async def test_json_keeps_decimal_strings(storage: ObjectStorage) -> None:
    key = _prefix() + "result.json"
    doc = {"total": {"value": "1234.50", "currency": "EUR"}, "lines": [{"q": "0.10"}], "ü": "ß"}
    await storage.put_json(key, doc)
    assert await storage.get_json(key) == doc
    with pytest.raises(ObjectNotFoundError):
        await storage.get_json(_prefix() + "result.json")


async def test_list_prefix_and_delete_prefix(storage: ObjectStorage) -> None:
    tenant = uuid.uuid4()
    job_a, job_b = uuid.uuid4(), uuid.uuid4()
    written = [
        keys.source_key(tenant, job_a),
        keys.result_key(tenant, job_a),
        keys.artifact_key(tenant, job_a, "text"),
        keys.source_key(tenant, job_b),
    ]
    for key in written:
        await storage.put_bytes(key, key.encode())
    assert await storage.list(keys.job_prefix(tenant, job_a)) == sorted(written[:3])
    assert await storage.list(keys.tenant_prefix(tenant)) == sorted(written)
    assert await storage.list(keys.tenant_prefix(uuid.uuid4())) == []
    assert await storage.delete_prefix(keys.job_prefix(tenant, job_a)) == 3
    assert await storage.list(keys.tenant_prefix(tenant)) == [written[3]]


async def test_stream_upload_small_and_multipart(storage: ObjectStorage) -> None:
    small = os.urandom(100_000)
    key = _prefix() + "source"
    assert await storage.put_stream(key, _chunks(small)) == len(small)
    assert await storage.get_bytes(key) == small
    # Above the S3 fixture's 5 MB threshold: a multipart upload of three parts.
    large = os.urandom(11 * 1024 * 1024 + 123)
    key = _prefix() + "source"
    assert await storage.put_stream(key, _chunks(large)) == len(large)
    got = await storage.get_bytes(key)
    assert hashlib.sha256(got).digest() == hashlib.sha256(large).digest()


async def test_failed_stream_leaves_nothing(storage: ObjectStorage) -> None:
    class Boom(Exception):
        pass

    async def broken(total: int) -> AsyncIterator[bytes]:
        sent = 0
        while sent < total:
            yield b"x" * 1024 * 1024
            sent += 1024 * 1024
        raise Boom

    prefix = _prefix()
    for total in (1024 * 1024, 7 * 1024 * 1024):  # below and above the multipart threshold
        with pytest.raises(Boom):
            await storage.put_stream(prefix + "source", broken(total))
        assert not await storage.exists(prefix + "source")
        assert await storage.list(prefix) == []


async def test_presigned_url_reads_the_object(storage: ObjectStorage) -> None:
    key = _prefix() + "source"
    await storage.put_bytes(key, b"presigned body")
    url = await storage.presigned_url(key, expires_s=60)
    if storage.backend == "local":
        assert url.startswith("file://")
        data = await asyncio.to_thread(Path(urlparse(url).path).read_bytes)
        assert data == b"presigned body"
    else:
        async with httpx.AsyncClient() as client:
            response = await client.get(url)
        assert response.status_code == 200
        assert response.content == b"presigned body"


@pytest.mark.parametrize(
    "bad", ["", "/etc/passwd", "../x", "tenants/../../x", "a//b", "a/./b", "a b", "a\\b", "a/"]
)
async def test_invalid_keys_are_refused(storage: ObjectStorage, bad: str) -> None:
    with pytest.raises(ValueError):
        await storage.put_bytes(bad, b"x")


async def test_check_passes(storage: ObjectStorage) -> None:
    await storage.check()


def test_keys_are_built_from_ids_only() -> None:
    tenant, job = uuid.uuid4(), uuid.uuid4()
    assert keys.source_key(tenant, job) == f"tenants/{tenant}/jobs/{job}/source"
    assert keys.result_key(tenant, job) == f"tenants/{tenant}/jobs/{job}/result.json"
    with pytest.raises(ValueError):
        keys.source_key("../../etc", job)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        keys.artifact_key(tenant, job, "../evil")


async def test_local_storage_stays_under_its_root(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "root")
    await storage.put_bytes("a/b", b"1")
    assert (tmp_path / "root" / "a" / "b").read_bytes() == b"1"
    assert list((tmp_path / "root" / "a").iterdir()) == [tmp_path / "root" / "a" / "b"]


@pytest.mark.parametrize("size", [1024, 6 * 1024 * 1024], ids=["buffered", "streamed"])
async def test_local_write_fsyncs_file_then_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: int
) -> None:
    """Durability cannot be shown without crashing the host, so this records what os.fsync
    is called on (a spy around the real call, not a mock): the data file, the folder the
    file was renamed into, and the parent of every folder the write created."""
    import stat

    synced: list[tuple[str, tuple[int, int]]] = []
    real_fsync = os.fsync

    def spy(fd: int) -> None:
        st = os.fstat(fd)
        synced.append(("dir" if stat.S_ISDIR(st.st_mode) else "file", (st.st_dev, st.st_ino)))
        real_fsync(fd)

    def ident(path: Path) -> tuple[int, int]:
        st = path.stat()
        return (st.st_dev, st.st_ino)

    monkeypatch.setattr(os, "fsync", spy)
    root = tmp_path / "root"
    root.mkdir()
    storage = LocalStorage(root)
    await storage.put_stream("t/j/source", _chunks(os.urandom(size)))
    kinds = [kind for kind, _ in synced]
    assert kinds.count("file") == 1
    # the data before the rename, the folder holding the renamed file last
    assert synced[-1] == ("dir", ident(root / "t" / "j"))
    assert kinds.index("file") < len(kinds) - 1
    dirs = {ino for kind, ino in synced if kind == "dir"}
    assert {ident(root), ident(root / "t"), ident(root / "t" / "j")} <= dirs

    synced.clear()
    await storage.put_bytes("t/j/result.json", b"{}")  # folder exists: only it is synced
    assert [kind for kind, _ in synced] == ["file", "dir"]
    assert synced[1][1] == ident(root / "t" / "j")


async def test_s3_upload_carries_a_verified_sha256(s3_storage: S3Storage) -> None:
    key = _prefix() + "source"
    data = os.urandom(4096)
    await s3_storage.put_bytes(key, data)
    client = await s3_storage._get_client()
    head = await client.head_object(Bucket=s3_storage.bucket, Key=key, ChecksumMode="ENABLED")
    assert head["ChecksumSHA256"] == base64.b64encode(hashlib.sha256(data).digest()).decode()
    # A body that does not match its checksum is refused by the server, not stored.
    with pytest.raises(Exception, match="BadDigest"):
        await client.put_object(
            Bucket=s3_storage.bucket,
            Key=key + "-bad",
            Body=b"other",
            ChecksumSHA256=head["ChecksumSHA256"],
        )
    assert not await s3_storage.exists(key + "-bad")


def test_factory_picks_the_backend_explicitly(tmp_path: Path, s3_settings: StorageSettings) -> None:
    local = make_storage(StorageSettings(backend="local", local_path=tmp_path))
    assert isinstance(local, LocalStorage)
    assert isinstance(make_storage(s3_settings), S3Storage)


async def test_missing_bucket_fails_readiness(s3_settings: StorageSettings) -> None:
    settings = s3_settings.model_copy(update={"bucket": "no-such-bucket-x", "create_bucket": False})
    storage = S3Storage(settings)
    try:
        with pytest.raises(StorageUnavailableError, match="does not exist"):
            await storage.check()
    finally:
        await storage.close()


def _unreachable(endpoint: str, attempts: int = 3) -> StorageSettings:
    return StorageSettings(
        backend="s3",
        endpoint_url=endpoint,
        bucket="finscribe",
        access_key="k",
        secret_key="s",  # type: ignore[arg-type]
        max_attempts=attempts,
        retry_base_delay_s=0.01,
        retry_max_delay_s=0.05,
        connect_timeout_s=3,
        read_timeout_s=3,
    )


async def test_unreachable_s3_raises_after_retries() -> None:
    # A real server that accepts each connection and closes it at once: a broken endpoint.
    connections = 0

    async def hang_up(_r: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        writer.close()

    server = await asyncio.start_server(hang_up, "127.0.0.1", 0)
    endpoint = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    try:
        # One try: how many connections the HTTP client itself opens for one request.
        once = make_storage(_unreachable(endpoint, attempts=1))
        with pytest.raises(StorageUnavailableError, match="after 1 attempts"):
            await once.put_bytes("tenants/x/source", b"data")
        await once.close()
        per_try, connections = connections, 0
        assert per_try >= 1

        storage = make_storage(_unreachable(endpoint, attempts=3))
        with pytest.raises(StorageUnavailableError, match="after 3 attempts"):
            await storage.put_bytes("tenants/x/source", b"data")
        # Three tries, each opening what one try opens (more than two tries' worth).
        assert 2 * per_try < connections <= 3 * per_try
        with pytest.raises(StorageUnavailableError):
            await storage.check()
        await storage.close()
    finally:
        server.close()
        await server.wait_closed()


async def test_closed_port_is_unavailable_not_local_fallback() -> None:
    storage = make_storage(_unreachable(f"http://127.0.0.1:{_closed_port()}", attempts=2))
    try:
        assert storage.backend == "s3"
        with pytest.raises(StorageUnavailableError):
            await storage.get_bytes("tenants/x/source")
        with pytest.raises(StorageUnavailableError):
            await storage.check()
    finally:
        await storage.close()


def _closed_port() -> int:
    """A port that was free a moment ago (nothing listens on it)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_storage_settings_fail_clearly_and_accept_legacy_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from finscribe.errors import ConfigurationError
    from finscribe.settings import load_settings

    monkeypatch.setenv("STORAGE_TYPE", "s3")
    with pytest.raises(ConfigurationError, match="no bucket is set"):
        load_settings()
    monkeypatch.setenv("STORAGE_BUCKET", "finscribe")
    monkeypatch.setenv("MINIO_ENDPOINT", "minio:9000")
    monkeypatch.setenv("MINIO_ACCESS_KEY", "minioadmin")
    monkeypatch.setenv("MINIO_SECRET_KEY", "minio-secret")
    storage = load_settings().storage
    assert storage.backend == "s3"
    assert storage.bucket == "finscribe"
    assert storage.endpoint_url == "http://minio:9000"
    assert storage.use_path_style
    assert storage.secret_key is not None
    assert storage.secret_key.get_secret_value() == "minio-secret"
    assert "minio-secret" not in repr(storage)
    monkeypatch.delenv("MINIO_SECRET_KEY")
    with pytest.raises(ConfigurationError, match="or neither"):
        load_settings()
