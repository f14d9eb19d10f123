"""Ingest: read a submitted file within the limits, detect its type from its bytes, open it.

The result is an :class:`IngestedDocument` that knows its pages' sizes and renders one page
at a time on demand (PDF pages with pypdfium2 at the settings' DPI, image frames with Pillow),
so memory stays bounded on long documents. Every refusal is a typed error from
:mod:`finscribe.errors` with a clear message.
"""

from __future__ import annotations

import hashlib
import io
import os
import threading
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import BinaryIO, Final, Literal, overload

import numpy as np
import numpy.typing as npt
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image as PILImage
from PIL import ImageOps, UnidentifiedImageError

from finscribe import errors
from finscribe.constants import PDF_POINTS_PER_INCH
from finscribe.settings import Settings

#: An RGB page image, uint8, shape (height, width, 3) (the OCR engine's input type).
PageImage = npt.NDArray[np.uint8]

#: What a caller may submit: a file path, the bytes, or a readable binary stream.
Source = Path | str | bytes | bytearray | memoryview | BinaryIO

ContentType = Literal["application/pdf", "image/png", "image/jpeg", "image/tiff", "image/webp"]
PDF: Final = "application/pdf"
PNG: Final = "image/png"
JPEG: Final = "image/jpeg"
TIFF: Final = "image/tiff"
WEBP: Final = "image/webp"
SUPPORTED_TYPES: Final[tuple[str, ...]] = (PDF, PNG, JPEG, TIFF, WEBP)

_CHUNK: Final = 1 << 20
_HEAD: Final = 1024
#: An image's own DPI is believed only inside this range (phone photos say 72).
_IMAGE_DPI_RANGE: Final = (100, 1200)

# Our own pixel limit (checked on the header) is what refuses images; Pillow's bomb check
# stays on as a backstop above it, and its warning below that is noise.
warnings.filterwarnings("ignore", category=PILImage.DecompressionBombWarning)

#: PDFium is not thread-safe: every call into it goes through this lock.
PDFIUM_LOCK = threading.RLock()


def detect_type(head: bytes) -> ContentType | None:
    """The content type from the first bytes of a file (magic numbers), or None if unknown."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "image/tiff"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    # PDF readers accept a header preceded by junk within the first 1024 bytes.
    if b"%PDF-" in head[:_HEAD]:
        return "application/pdf"
    return None


@dataclass(frozen=True, slots=True)
class PageInfo:
    """One page to read: its 1-based number and size in pixels at ``dpi``."""

    number: int
    width: int
    height: int
    dpi: int


class IngestedDocument:
    """An opened, checked document whose pages are rendered lazily, one at a time.

    Use as a context manager (or call :meth:`close`) to release the PDF handle.
    """

    def __init__(
        self,
        *,
        content_type: ContentType,
        sha256: str,
        size_bytes: int,
        total_pages: int,
        pages: tuple[PageInfo, ...],
        data: bytes,
        pdf: pdfium.PdfDocument | None,
        exif_transpose: bool,
    ) -> None:
        self.content_type: ContentType = content_type
        self.sha256 = sha256
        self.size_bytes = size_bytes
        #: Pages in the file; ``pages`` may be fewer when a page limit was asked for.
        self.total_pages = total_pages
        self.pages = pages
        self._data = data
        self._pdf = pdf
        self._exif_transpose = exif_transpose

    @property
    def is_pdf(self) -> bool:
        return self._pdf is not None

    @property
    def pdf(self) -> pdfium.PdfDocument:
        """The open PDF (only for PDFs); hold :data:`PDFIUM_LOCK` while calling into it."""
        if self._pdf is None:
            raise TypeError(f"{self.content_type} is not a PDF")
        return self._pdf

    def page(self, number: int) -> PageInfo:
        for info in self.pages:
            if info.number == number:
                return info
        raise IndexError(f"page {number} is not among the pages read")

    def render(self, number: int) -> PageImage:
        """The page (1-based) as an RGB uint8 array of shape (height, width, 3)."""
        info = self.page(number)
        if self._pdf is not None:
            return self._render_pdf(info)
        return self._render_image(info)

    def images(self, numbers: Sequence[int] | None = None) -> LazyPages:
        """A sequence of page images rendered when indexed (one kept at a time)."""
        return LazyPages(self, list(numbers) if numbers is not None else self.numbers)

    @property
    def numbers(self) -> list[int]:
        return [p.number for p in self.pages]

    def _render_pdf(self, info: PageInfo) -> PageImage:
        scale = info.dpi / PDF_POINTS_PER_INCH
        with PDFIUM_LOCK:
            page = self.pdf[info.number - 1]
            try:
                bitmap = page.render(scale=scale, rev_byteorder=True, may_draw_forms=False)
                try:
                    array = np.array(bitmap.to_numpy()[:, :, :3], dtype=np.uint8, copy=True)
                finally:
                    bitmap.close()
            except pdfium.PdfiumError as exc:
                raise errors.CorruptFileError(
                    f"page {info.number} of the PDF could not be rendered: {exc}"
                ) from exc
            finally:
                page.close()
        return array

    def _render_image(self, info: PageInfo) -> PageImage:
        try:
            with _open_image(self._data) as image:
                image.seek(info.number - 1)
                frame: PILImage.Image = image
                frame.load()
                if self._exif_transpose:
                    frame = ImageOps.exif_transpose(frame)
                rgb = _to_rgb(frame)
        except errors.FinscribeError:
            raise
        except (OSError, ValueError, SyntaxError, EOFError) as exc:
            raise errors.CorruptFileError(
                f"the {_kind(self.content_type)} image could not be decoded "
                f"(page {info.number}): {exc}"
            ) from exc
        array = np.asarray(rgb, dtype=np.uint8)
        return array

    def close(self) -> None:
        if self._pdf is not None:
            with PDFIUM_LOCK:
                self._pdf.close()
            self._pdf = None

    def __enter__(self) -> IngestedDocument:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return (
            f"IngestedDocument({self.content_type}, {len(self.pages)}/{self.total_pages} pages, "
            f"{self.size_bytes} bytes, sha256={self.sha256[:12]})"
        )


class LazyPages(Sequence[PageImage]):
    """Page images rendered on access; the last one is cached so re-reads are free."""

    def __init__(self, document: IngestedDocument, numbers: list[int]) -> None:
        self._document = document
        self._numbers = numbers
        self._cache: tuple[int, PageImage] | None = None
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._numbers)

    @overload
    def __getitem__(self, index: int) -> PageImage: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[PageImage]: ...
    def __getitem__(self, index: int | slice) -> PageImage | Sequence[PageImage]:
        if isinstance(index, slice):
            return LazyPages(self._document, self._numbers[index])
        number = self._numbers[index]
        with self._lock:
            if self._cache is not None and self._cache[0] == number:
                return self._cache[1]
        image = self._document.render(number)
        with self._lock:
            self._cache = (number, image)
        return image

    def __iter__(self) -> Iterator[PageImage]:
        for i in range(len(self._numbers)):
            yield self[i]


# --- reading the bytes within the size limit -------------------------------------------


def _read_bounded(source: Source, limit: int) -> bytes:
    """The source's bytes, refusing (without reading it all) anything over ``limit`` bytes."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        _check_size(len(data), limit)
        return data
    if isinstance(source, (str, Path)):
        path = Path(source)
        try:
            size = path.stat().st_size
            if not path.is_file():
                raise errors.InputError(f"{path} is not a regular file")
            _check_size(size, limit)
            with path.open("rb") as file:
                return _read_stream(file, limit)
        except FileNotFoundError as exc:
            raise errors.InputError(f"no such file: {path}") from exc
        except IsADirectoryError as exc:
            raise errors.InputError(f"{path} is a directory, not a file") from exc
        except PermissionError as exc:
            raise errors.InputError(f"cannot read {path}: permission denied") from exc
    stream = source
    try:
        if stream.seekable():
            here = stream.tell()
            end = stream.seek(0, os.SEEK_END)
            stream.seek(here)
            _check_size(end - here, limit)
    except (OSError, ValueError, AttributeError):
        pass  # not really seekable: the bounded read below still enforces the limit
    return _read_stream(stream, limit)


def _read_stream(stream: BinaryIO, limit: int) -> bytes:
    chunks: list[bytes] = []
    total = 0
    while True:
        # Never ask for more than one byte past the limit in total.
        chunk = stream.read(min(_CHUNK, limit + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            _check_size(total, limit, at_least=True)
    data = b"".join(chunks)
    _check_size(len(data), limit)
    return data


def _check_size(size: int, limit: int, *, at_least: bool = False) -> None:
    if size == 0:
        raise errors.EmptyFileError("the file is empty (0 bytes)")
    if size > limit:
        shown = "more than " + _mb(limit) if at_least else _mb(size)
        raise errors.FileTooLargeError(
            f"the file is {shown}; the limit is {_mb(limit)} (FINSCRIBE_LIMITS_MAX_UPLOAD_MB)"
        )


def _mb(size: int) -> str:
    if size < 1024 * 1024:
        return f"{size} bytes"
    return f"{size / (1024 * 1024):.1f} MB"


def _kind(content_type: str) -> str:
    return content_type.rsplit("/", maxsplit=1)[-1].upper()


# --- opening --------------------------------------------------------------------------------


def ingest(
    source: Source,
    settings: Settings,
    *,
    password: str | None = None,
    page_limit: int | None = None,
) -> IngestedDocument:
    """Read, check and open a document; pages are rendered later, one at a time.

    ``page_limit`` reads only the first N pages (the page-count limit applies to the pages
    that will be read). Raises a :class:`finscribe.errors.InputError` subclass for anything
    refused: EMPTY_FILE, FILE_TOO_LARGE, UNSUPPORTED_TYPE, ENCRYPTED_PDF, CORRUPT_FILE,
    TOO_MANY_PAGES, IMAGE_TOO_LARGE.
    """
    limits = settings.limits
    if PILImage.MAX_IMAGE_PIXELS is not None and limits.max_pixels > PILImage.MAX_IMAGE_PIXELS:
        PILImage.MAX_IMAGE_PIXELS = limits.max_pixels  # never let Pillow refuse below our limit
    data = _read_bounded(source, limits.max_upload_bytes)
    content_type = detect_type(data[:_HEAD])
    if content_type is None:
        raise errors.UnsupportedTypeError(
            f"unsupported file type ({_describe_head(data)}); accepted: PDF, PNG, JPEG, TIFF, WebP"
        )
    sha256 = hashlib.sha256(data).hexdigest()
    if page_limit is not None and page_limit < 1:
        raise ValueError("page_limit must be at least 1")
    if content_type == PDF:
        return _open_pdf(data, sha256, settings, password, page_limit)
    return _open_raster(data, content_type, sha256, settings, page_limit)


def _describe_head(data: bytes) -> str:
    head = data[:16]
    if all(32 <= b < 127 or b in (9, 10, 13) for b in data[:512]):
        return "it looks like plain text"
    return "first bytes " + head[:8].hex(" ")


def _pages_to_read(total: int, page_limit: int | None, max_pages: int, what: str) -> int:
    count = min(total, page_limit) if page_limit is not None else total
    if count > max_pages:
        raise errors.TooManyPagesError(
            f"the {what} has {total} pages; the limit is {max_pages} (FINSCRIBE_LIMITS_MAX_PAGES)"
        )
    return count


def _check_pixels(width: int, height: int, max_pixels: int, where: str) -> None:
    if width * height > max_pixels:
        raise errors.ImageTooLargeError(
            f"{where} is {width} x {height} pixels ({width * height / 1e6:.1f} megapixels); "
            f"the limit is {max_pixels / 1e6:.1f} megapixels (FINSCRIBE_LIMITS_MAX_PIXELS)"
        )


def _open_pdf(
    data: bytes, sha256: str, settings: Settings, password: str | None, page_limit: int | None
) -> IngestedDocument:
    dpi = settings.ocr.dpi
    with PDFIUM_LOCK:
        try:
            pdf = pdfium.PdfDocument(data, password=password)
        except pdfium.PdfiumError as exc:
            code = getattr(exc, "err_code", None)
            if code == pdfium_c.FPDF_ERR_PASSWORD:
                if password is None:
                    raise errors.EncryptedPdfError(
                        "the PDF is encrypted and no password was given"
                    ) from exc
                raise errors.EncryptedPdfError(
                    "the PDF is encrypted and the password given is wrong"
                ) from exc
            if code == pdfium_c.FPDF_ERR_SECURITY:
                raise errors.EncryptedPdfError(
                    "the PDF uses an unsupported security handler"
                ) from exc
            raise errors.CorruptFileError(
                "the PDF is damaged or truncated and cannot be opened"
                + (" (it has no pages)" if code == pdfium_c.FPDF_ERR_SUCCESS else "")
            ) from exc
        try:
            total = len(pdf)
            count = _pages_to_read(total, page_limit, settings.limits.max_pages, "PDF")
            pages = []
            for index in range(count):
                # The size as displayed: PDFium already swaps it for /Rotate 90 or 270.
                w_pt, h_pt = pdf.get_page_size(index)
                width = max(1, round(w_pt * dpi / PDF_POINTS_PER_INCH))
                height = max(1, round(h_pt * dpi / PDF_POINTS_PER_INCH))
                _check_pixels(
                    width,
                    height,
                    settings.limits.max_pixels,
                    f"page {index + 1} at {dpi} dpi",
                )
                pages.append(PageInfo(index + 1, width, height, dpi))
        except BaseException:
            pdf.close()
            raise
    return IngestedDocument(
        content_type=PDF,
        sha256=sha256,
        size_bytes=len(data),
        total_pages=total,
        pages=tuple(pages),
        data=data,
        pdf=pdf,
        exif_transpose=False,
    )


def _open_image(data: bytes) -> PILImage.Image:
    """Open an image (headers only) with Pillow's own bomb check turned into our error."""
    try:
        return PILImage.open(io.BytesIO(data))
    except PILImage.DecompressionBombError as exc:
        raise errors.ImageTooLargeError(
            f"the image's header claims more pixels than allowed: {exc}"
        ) from exc


def _open_raster(
    data: bytes,
    content_type: ContentType,
    sha256: str,
    settings: Settings,
    page_limit: int | None,
) -> IngestedDocument:
    limits = settings.limits
    kind = _kind(content_type)
    pages: list[PageInfo] = []
    transpose = False
    try:
        with _open_image(data) as image:
            total = int(getattr(image, "n_frames", 1))
            count = _pages_to_read(total, page_limit, limits.max_pages, f"{kind} image")
            orientation = image.getexif().get(0x0112, 1) if content_type == JPEG else 1
            transpose = orientation in range(2, 9)
            for index in range(count):
                if index:
                    image.seek(index)
                width, height = image.size
                if width < 1 or height < 1:
                    raise errors.CorruptFileError(f"the {kind} image has no pixels")
                where = f"page {index + 1} of the {kind} image" if total > 1 else "the image"
                # Checked from the header, before any pixel is decoded.
                _check_pixels(width, height, limits.max_pixels, where)
                if orientation in (5, 6, 7, 8):
                    width, height = height, width
                pages.append(PageInfo(index + 1, width, height, _image_dpi(image, settings)))
            if content_type == PNG:
                _verify_png(data)
    except errors.FinscribeError:
        raise
    except (OSError, ValueError, SyntaxError, EOFError, IndexError, KeyError) as exc:
        detail = "unreadable header" if isinstance(exc, UnidentifiedImageError) else exc
        raise errors.CorruptFileError(
            f"the {kind} image is damaged or truncated and cannot be read: {detail}"
        ) from exc
    return IngestedDocument(
        content_type=content_type,
        sha256=sha256,
        size_bytes=len(data),
        total_pages=total,
        pages=tuple(pages),
        data=data,
        pdf=None,
        exif_transpose=transpose,
    )


def _verify_png(data: bytes) -> None:
    """Check a PNG's chunk structure and checksums without decoding pixels."""
    with _open_image(data) as image:
        image.verify()


def _image_dpi(image: PILImage.Image, settings: Settings) -> int:
    dpi = image.info.get("dpi")
    try:
        value = round(float(dpi[0])) if dpi else 0
    except (TypeError, ValueError, IndexError):
        value = 0
    low, high = _IMAGE_DPI_RANGE
    return value if low <= value <= high else settings.ocr.dpi


def _to_rgb(image: PILImage.Image) -> PILImage.Image:
    """RGB pixels; transparency composited on white (documents are dark on light)."""
    if image.mode == "RGB":
        return image
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        image = image.point(lambda v: v / 256).convert("L")
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = PILImage.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")
