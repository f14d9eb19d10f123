"""Streaming multipart uploads: size limits enforced while reading, type sniffed from bytes.

The request body is read chunk by chunk and pushed through an incremental multipart parser;
each file part is spooled (in memory up to a small threshold, then to a temporary
file) so a large upload is never held in memory whole and an oversize one is refused as
soon as it crosses the limit.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import IO, Any, Final

import multipart  # type: ignore[import-untyped]
from litestar import Request

from finscribe import errors
from finscribe.api.errors import BadRequest

#: Spooled in memory up to this size, then in a temporary file.
SPOOL_MEMORY_BYTES: Final = 1024 * 1024
#: Slack for multipart headers and text fields around the files.
FORM_OVERHEAD_BYTES: Final = 64 * 1024
MAX_FIELD_BYTES: Final = 4096

_MAGIC: Final[tuple[tuple[bytes, int, str], ...]] = (
    (b"%PDF-", 0, "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"II*\x00", 0, "image/tiff"),
    (b"MM\x00*", 0, "image/tiff"),
)
_SAFE_NAME: Final = re.compile(r"[^A-Za-z0-9._ -]")


def sniff_content_type(head: bytes) -> str | None:
    """The document type the leading bytes show, or None when it is not one we read."""
    for magic, offset, content_type in _MAGIC:
        if head[offset : offset + len(magic)] == magic:
            return content_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    # A PDF may carry a little junk before its header (allowed within the first 1 KB).
    if b"%PDF-" in head[:1024]:
        return "application/pdf"
    return None


def clean_filename(name: str | None) -> str:
    """The client's file name, for display only: never used to build storage keys."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    return _SAFE_NAME.sub("_", base)[:200] or "upload"


@dataclass
class UploadedFile:
    """One file part: spooled bytes with their size and sniffed type (hashed on storing)."""

    filename: str
    declared_type: str
    spool: IO[bytes]
    size: int = 0
    content_type: str = ""
    _head: bytearray = field(default_factory=bytearray)

    def write(self, chunk: bytes, limit: int) -> None:
        self.size += len(chunk)
        if self.size > limit:
            raise errors.FileTooLargeError(
                f"{self.filename}: larger than the upload limit of {limit} bytes"
            )
        if len(self._head) < 2048:
            self._head += chunk[: 2048 - len(self._head)]
        self.spool.write(chunk)

    def finish(self) -> None:
        if self.size == 0:
            raise errors.EmptyFileError(f"{self.filename}: the file is empty")
        sniffed = sniff_content_type(bytes(self._head))
        if sniffed is None:
            raise errors.UnsupportedTypeError(
                f"{self.filename}: not a PDF, PNG, JPEG, TIFF or WebP file"
            )
        self.content_type = sniffed
        self.spool.seek(0)

    def read_all(self) -> bytes:
        self.spool.seek(0)
        return self.spool.read()

    async def chunks(self, size: int = 256 * 1024) -> AsyncIterator[bytes]:
        self.spool.seek(0)
        while block := self.spool.read(size):
            yield block

    def close(self) -> None:
        self.spool.close()


@dataclass
class MultipartUpload:
    """The files and text fields of one multipart request."""

    files: list[UploadedFile] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)

    def close(self) -> None:
        for f in self.files:
            f.close()


def _boundary(content_type: str) -> str:
    media, options = multipart.parse_options_header(content_type)
    if media != "multipart/form-data" or not options.get("boundary"):
        raise errors.UnsupportedTypeError(
            "send the document as multipart/form-data with a 'file' part"
        )
    return str(options["boundary"])


async def read_multipart(
    request: Request[Any, Any, Any], *, max_file_bytes: int, max_files: int
) -> MultipartUpload:
    """Parse the request body as it streams in, enforcing the limits as bytes arrive."""
    boundary = _boundary(request.headers.get("content-type", ""))
    max_total = max_files * max_file_bytes + FORM_OVERHEAD_BYTES
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_total:
        raise errors.FileTooLargeError(
            f"the request declares {declared} bytes, over the upload limit"
        )
    upload = MultipartUpload()
    parser = multipart.PushMultipartParser(
        boundary, max_segment_count=max_files + 16, max_header_count=16
    )
    current_file: UploadedFile | None = None
    current_field: tuple[str, bytearray] | None = None
    total = 0
    try:
        async for chunk in request.stream():
            total += len(chunk)
            if total > max_total:
                raise errors.FileTooLargeError("the request is larger than the upload limit")
            for event in parser.parse(chunk):
                if isinstance(event, multipart.MultipartSegment):
                    if event.filename is not None:
                        if len(upload.files) >= max_files:
                            raise BadRequest(f"at most {max_files} files per request")
                        current_file = UploadedFile(
                            filename=clean_filename(event.filename),
                            declared_type=event.content_type or "",
                            spool=tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY_BYTES),  # noqa: SIM115
                        )
                        upload.files.append(current_file)
                    else:
                        current_field = (event.name, bytearray())
                elif event is None:
                    if current_file is not None:
                        current_file.finish()
                    elif current_field is not None:
                        name, value = current_field
                        upload.fields[name] = value.decode("utf-8", errors="replace").strip()
                    current_file, current_field = None, None
                elif current_file is not None:
                    current_file.write(event, max_file_bytes)
                elif current_field is not None:
                    current_field[1].extend(event)
                    if len(current_field[1]) > MAX_FIELD_BYTES:
                        raise BadRequest(f"form field {current_field[0]!r} is too long")
        for event in parser.parse(b""):
            if event is None and current_file is not None:
                current_file.finish()
        if not parser.closed:
            raise BadRequest("the multipart body ended early")
    except multipart.MultipartError as exc:
        upload.close()
        raise BadRequest(f"malformed multipart body: {exc}") from exc
    except BaseException:
        upload.close()
        raise
    return upload
