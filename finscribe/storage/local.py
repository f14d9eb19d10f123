"""Local filesystem storage: one file per key under a root folder (the embedded default).

Writes go to a temporary file renamed into place, so a reader never sees half an object;
the file, then its folder (and any folder just made) are fsynced, so an object that was
acknowledged survives a crash of the host.
`presigned_url` returns a ``file://`` URL, readable only on this host.
"""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import AsyncIterable
from pathlib import Path
from typing import Any

from finscribe.errors import ObjectNotFoundError, StorageUnavailableError
from finscribe.storage.keys import validate_key

_TMP_SUFFIX = ".part"
#: Uploads up to this size are buffered in memory and written with a single thread hop.
_BUFFER = 4 * 1024 * 1024


def _fsync_dir(directory: Path) -> None:
    """Make a folder's entries (a rename, a new file or folder) durable."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class LocalStorage:
    backend = "local"

    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()
        self._root = str(self.root)
        self._root_prefix = os.path.join(self._root, "")

    def _path(self, key: str) -> Path:
        """The file of a key. Lexical (no filesystem call: resolving cost a syscall per path
        part on every upload): a valid key is relative, without '.' or '..' parts, so the
        joined path stays under the (resolved) root; checked again here all the same."""
        validate_key(key)
        path = os.path.normpath(os.path.join(self._root, key))
        if not path.startswith(self._root_prefix):
            raise ValueError(f"invalid storage key: {key!r}")
        return Path(path)

    def _tmp_path(self, path: Path) -> Path:
        return path.with_name(f".{path.name}.{uuid.uuid4().hex}{_TMP_SUFFIX}")

    def _make_dirs(self, directory: Path) -> None:
        """mkdir -p, with each new folder's entry made durable in its parent."""
        missing: list[Path] = []
        probe = directory
        while not probe.is_dir() and probe != probe.parent:
            missing.append(probe)
            probe = probe.parent
        if not missing:
            return
        directory.mkdir(parents=True, exist_ok=True)
        for created in reversed(missing):
            _fsync_dir(created.parent)

    def _write(self, path: Path, data: bytes) -> None:
        try:
            self._make_dirs(path.parent)
            tmp = self._tmp_path(path)
            with tmp.open("wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            tmp.replace(path)
            _fsync_dir(path.parent)
        except OSError as err:
            raise StorageUnavailableError(f"local storage write failed: {err.strerror}") from err

    async def put_bytes(
        self, key: str, data: bytes, *, content_type: str = "application/octet-stream"
    ) -> None:
        await asyncio.to_thread(self._write, self._path(key), bytes(data))

    async def put_stream(
        self,
        key: str,
        chunks: AsyncIterable[bytes],
        *,
        content_type: str = "application/octet-stream",
    ) -> int:
        """Small uploads are gathered in memory and written in one go (one thread hop);
        past `_BUFFER` bytes the rest streams to a temporary file chunk by chunk."""
        path = self._path(key)
        iterator = aiter(chunks)
        buffer = bytearray()
        async for chunk in iterator:
            buffer += chunk
            if len(buffer) > _BUFFER:
                break
        else:
            await asyncio.to_thread(self._write, path, bytes(buffer))
            return len(buffer)
        tmp = self._tmp_path(path)
        size = len(buffer)
        try:
            await asyncio.to_thread(self._make_dirs, path.parent)
            fh = await asyncio.to_thread(tmp.open, "wb")
            try:
                await asyncio.to_thread(fh.write, buffer)
                del buffer
                async for chunk in iterator:
                    size += len(chunk)
                    await asyncio.to_thread(fh.write, chunk)
                await asyncio.to_thread(fh.flush)
                await asyncio.to_thread(os.fsync, fh.fileno())
            finally:
                await asyncio.to_thread(fh.close)
            await asyncio.to_thread(tmp.replace, path)
            await asyncio.to_thread(_fsync_dir, path.parent)
        except OSError as err:
            await asyncio.to_thread(tmp.unlink, missing_ok=True)
            raise StorageUnavailableError(f"local storage write failed: {err.strerror}") from err
        except BaseException:
            await asyncio.to_thread(tmp.unlink, missing_ok=True)
            raise
        return size

    async def get_bytes(self, key: str) -> bytes:
        path = self._path(key)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError) as err:
            raise ObjectNotFoundError(f"no object under key {key!r}") from err
        except OSError as err:
            raise StorageUnavailableError(f"local storage read failed: {err.strerror}") from err

    async def put_json(self, key: str, value: Any) -> None:
        data = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
        await self.put_bytes(key, data, content_type="application/json")

    async def get_json(self, key: str) -> Any:
        return json.loads(await self.get_bytes(key))

    async def exists(self, key: str) -> bool:
        return await asyncio.to_thread(self._path(key).is_file)

    async def delete(self, key: str) -> None:
        path = self._path(key)
        try:
            await asyncio.to_thread(path.unlink, missing_ok=True)
        except OSError as err:
            raise StorageUnavailableError(f"local storage delete failed: {err.strerror}") from err

    async def delete_prefix(self, prefix: str) -> int:
        keys = await self.list(prefix)
        for key in keys:
            await self.delete(key)
        return len(keys)

    def _list(self, prefix: str) -> list[str]:
        validate_key(prefix, prefix=True)
        # Walk the deepest folder the prefix names, then filter on the full prefix.
        base = self.root / prefix.rpartition("/")[0] if "/" in prefix else self.root
        if not base.is_dir():
            return []
        keys = []
        for dirpath, _dirs, files in os.walk(base):
            for name in files:
                if name.endswith(_TMP_SUFFIX) and name.startswith("."):
                    continue
                key = Path(dirpath, name).relative_to(self.root).as_posix()
                if key.startswith(prefix):
                    keys.append(key)
        return sorted(keys)

    async def list(self, prefix: str) -> list[str]:
        return await asyncio.to_thread(self._list, prefix)

    async def presigned_url(self, key: str, *, expires_s: int | None = None) -> str:
        path = self._path(key)
        if not await asyncio.to_thread(path.is_file):
            raise ObjectNotFoundError(f"no object under key {key!r}")
        return path.as_uri()

    def _check(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        probe = self.root / f".ready-{uuid.uuid4().hex}"
        probe.write_bytes(b"ok")
        probe.unlink()

    async def check(self) -> None:
        try:
            await asyncio.to_thread(self._check)
        except OSError as err:
            raise StorageUnavailableError(
                f"local storage at {self.root} is not writable: {err.strerror}"
            ) from err

    async def close(self) -> None:
        return None
