"""Ingest: type detection from bytes, every refused input class, multi-page files, lazy pages."""

from __future__ import annotations

import io
import os
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from reportlab.pdfgen import canvas

from finscribe import errors
from finscribe.core import ingest
from finscribe.settings import LimitsSettings, OcrSettings, Settings


def _settings(**limits: float) -> Settings:
    return Settings(limits=LimitsSettings(**limits), ocr=OcrSettings(dpi=100))


def _pdf(pages: int = 1, *, size: tuple[float, float] = (300, 200), **kwargs: object) -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=size, **kwargs)
    for n in range(pages):
        c.setFont("Helvetica", 12)
        c.drawString(20, size[1] - 40, f"Invoice page {n + 1}")
        c.showPage()
    c.save()
    return buf.getvalue()


def _image(fmt: str, size: tuple[int, int] = (120, 80), **save: object) -> bytes:
    im = Image.new("RGB", size, (255, 255, 255))
    im.paste((200, 30, 30), (10, 10, 60, 40))
    buf = io.BytesIO()
    im.save(buf, fmt, **save)
    return buf.getvalue()


def _png_header(width: int, height: int) -> bytes:
    """A PNG whose header claims width x height; only a few bytes of pixel data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def _refused(data: object, settings: Settings | None = None, **kw: object) -> errors.FinscribeError:
    with pytest.raises(errors.InputError) as info:
        ingest.ingest(data, settings or _settings(), **kw)  # type: ignore[arg-type]
    return info.value


# --- detection -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (_pdf(), "application/pdf"),
        (_image("PNG"), "image/png"),
        (_image("JPEG"), "image/jpeg"),
        (_image("TIFF"), "image/tiff"),
        (_image("WEBP"), "image/webp"),
        (b"hello world, this is text", None),
        (b"RIFF\x00\x00\x00\x00WAVEfmt ", None),
    ],
)
def test_detect_type_from_magic_numbers(data: bytes, expected: str | None) -> None:
    assert ingest.detect_type(data[:1024]) == expected


def test_type_comes_from_the_bytes_not_the_name(tmp_path: Path) -> None:
    png_named_pdf = tmp_path / "scan.pdf"
    png_named_pdf.write_bytes(_image("PNG"))
    with ingest.ingest(png_named_pdf, _settings()) as doc:
        assert doc.content_type == "image/png"
    pdf_named_jpg = tmp_path / "photo.jpg"
    pdf_named_jpg.write_bytes(_pdf())
    with ingest.ingest(pdf_named_jpg, _settings()) as doc:
        assert doc.content_type == "application/pdf"


# --- refused inputs ------------------------------------------------------------------------


def test_empty_file_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    for source in (empty, b"", io.BytesIO(b"")):
        err = _refused(source)
        assert err.code == "EMPTY_FILE"
        assert "empty" in err.message


def test_text_file_named_pdf_is_unsupported(tmp_path: Path) -> None:
    fake = tmp_path / "invoice.pdf"
    fake.write_text("Invoice 42\nTotal 10.00 EUR\n")
    err = _refused(fake)
    assert isinstance(err, errors.UnsupportedTypeError)
    assert err.code == "UNSUPPORTED_TYPE"
    assert "plain text" in err.message
    assert "PDF, PNG, JPEG, TIFF, WebP" in err.message


def test_unknown_binary_type_refused() -> None:
    err = _refused(b"\x00\x01\x02\x03" * 100)
    assert err.code == "UNSUPPORTED_TYPE"
    assert "00 01 02 03" in err.message


def test_encrypted_pdf_needs_its_password() -> None:
    data = _pdf(encrypt="s3cret")
    err = _refused(data)
    assert err.code == "ENCRYPTED_PDF"
    assert "encrypted" in err.message
    assert "no password" in err.message
    err = _refused(data, password="wrong")
    assert err.code == "ENCRYPTED_PDF"
    assert "wrong" in err.message
    with ingest.ingest(data, _settings(), password="s3cret") as doc:
        assert len(doc.pages) == 1
        assert doc.render(1).shape[2] == 3


@pytest.mark.parametrize("cut", [0.3, 0.7, 0.97])
def test_truncated_pdf_is_corrupt(cut: float) -> None:
    data = _pdf(3)
    err = _refused(data[: int(len(data) * cut)])
    assert err.code == "CORRUPT_FILE"
    assert "PDF" in err.message
    assert "damaged" in err.message or "truncated" in err.message


def test_garbage_after_pdf_header_is_corrupt() -> None:
    err = _refused(b"%PDF-1.7\n" + os.urandom(2000))
    assert err.code == "CORRUPT_FILE"


def test_truncated_png_is_corrupt() -> None:
    data = _image("PNG", (300, 200))
    for cut in (len(data) // 2, len(data) - 6, 30):
        err = _refused(data[:cut])
        assert err.code == "CORRUPT_FILE", cut
        assert "PNG" in err.message


def test_truncated_jpeg_is_corrupt_when_decoded() -> None:
    # A JPEG's header is readable before its data ends: the cut shows when pixels decode.
    data = _image("JPEG", (300, 200))
    with (
        ingest.ingest(data[: len(data) // 2], _settings()) as doc,
        pytest.raises(errors.CorruptFileError) as info,
    ):
        doc.render(1)
    assert info.value.code == "CORRUPT_FILE"
    assert "JPEG" in info.value.message


def test_too_many_pdf_pages() -> None:
    data = _pdf(3)
    err = _refused(data, _settings(max_pages=2))
    assert err.code == "TOO_MANY_PAGES"
    assert "3 pages" in err.message
    assert "limit is 2" in err.message
    # Reading only the first pages keeps under the limit.
    with ingest.ingest(data, _settings(max_pages=2), page_limit=2) as doc:
        assert doc.total_pages == 3
        assert [p.number for p in doc.pages] == [1, 2]


def test_too_many_tiff_pages() -> None:
    frames = [Image.new("L", (50, 40), 255) for _ in range(4)]
    buf = io.BytesIO()
    frames[0].save(buf, "TIFF", save_all=True, append_images=frames[1:])
    err = _refused(buf.getvalue(), _settings(max_pages=3))
    assert err.code == "TOO_MANY_PAGES"
    assert "4 pages" in err.message


def test_pixel_bomb_refused_from_header_without_decoding() -> None:
    # Far beyond Pillow's own bomb limit and beyond ours: refused with our code.
    err = _refused(_png_header(100_000, 100_000))
    assert err.code == "IMAGE_TOO_LARGE"
    # Over our 60 MP limit but under Pillow's: refused by our header check (the pixel data
    # is 64 bytes, so decoding would fail: the refusal must come first).
    err = _refused(_png_header(9_000, 8_000))
    assert err.code == "IMAGE_TOO_LARGE"
    assert "9000 x 8000" in err.message
    assert "60.0 megapixels" in err.message


def test_pixel_limit_is_a_setting() -> None:
    data = _image("PNG", (200, 100))
    err = _refused(data, _settings(max_pixels=10_000))
    assert err.code == "IMAGE_TOO_LARGE"
    with ingest.ingest(data, _settings(max_pixels=20_000)) as doc:
        assert (doc.pages[0].width, doc.pages[0].height) == (200, 100)


def test_pdf_page_too_large_at_dpi_refused_before_rendering() -> None:
    # A 200 x 200 inch page at 100 dpi is 400 megapixels.
    data = _pdf(size=(200 * 72, 200 * 72))
    err = _refused(data)
    assert err.code == "IMAGE_TOO_LARGE"
    assert "page 1 at 100 dpi" in err.message


class _Guarded(io.RawIOBase):
    """A non-seekable stream that fails the test if read more than ``allowed`` bytes."""

    def __init__(self, size: int, allowed: int) -> None:
        self.size, self.allowed, self.pos = size, allowed, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        want = min(len(buffer), self.size - self.pos)
        if self.pos + want > self.allowed:
            raise AssertionError(f"read past the limit: {self.pos + want} > {self.allowed}")
        buffer[:want] = b"%" * want
        self.pos += want
        return want


def test_file_over_size_limit_refused_without_reading_it_all(tmp_path: Path) -> None:
    settings = _settings(max_upload_mb=0.01)
    limit = settings.limits.max_upload_bytes
    # A stream: read at most one byte past the limit.
    stream = io.BufferedReader(_Guarded(size=10 * limit, allowed=limit + 1), buffer_size=1)
    err = _refused(stream, settings)
    assert err.code == "FILE_TOO_LARGE"
    assert "limit is" in err.message
    # A path: refused from its size on disk (a 20 GB sparse file, never read).
    huge = tmp_path / "huge.pdf"
    with huge.open("wb") as f:
        f.truncate(20 * 1024**3)
    err = _refused(huge)
    assert err.code == "FILE_TOO_LARGE"
    assert "20480.0 MB" in err.message
    assert "50.0 MB" in err.message
    # A seekable stream: refused from its length.
    err = _refused(io.BytesIO(b"%PDF-" + b"0" * limit), settings)
    assert err.code == "FILE_TOO_LARGE"


def test_missing_path_is_an_input_error(tmp_path: Path) -> None:
    err = _refused(tmp_path / "nope.pdf")
    assert err.code == "INVALID_INPUT"
    assert "no such file" in err.message


# --- accepted inputs -----------------------------------------------------------------------


def test_multi_page_pdf_pages_sized_at_dpi_and_rendered_lazily() -> None:
    data = _pdf(3, size=(144, 72))
    with ingest.ingest(data, _settings()) as doc:
        assert doc.content_type == "application/pdf"
        assert doc.total_pages == 3
        assert [(p.number, p.width, p.height, p.dpi) for p in doc.pages] == [
            (1, 200, 100, 100),
            (2, 200, 100, 100),
            (3, 200, 100, 100),
        ]
        images = doc.images()
        assert len(images) == 3
        first = images[0]
        assert first.shape == (100, 200, 3)
        assert first.dtype == np.uint8
        assert first.min() < 100  # the text is drawn
        assert images[0] is first  # the last page is cached, not rendered twice


def test_multi_page_tiff() -> None:
    frames = [Image.new("RGB", (60 + 10 * i, 40), (255, 255, 255)) for i in range(3)]
    frames[2].paste((0, 0, 0), (0, 0, 10, 10))
    buf = io.BytesIO()
    frames[0].save(buf, "TIFF", save_all=True, append_images=frames[1:], dpi=(300, 300))
    with ingest.ingest(buf.getvalue(), _settings()) as doc:
        assert doc.content_type == "image/tiff"
        assert [(p.width, p.height, p.dpi) for p in doc.pages] == [
            (60, 40, 300),
            (70, 40, 300),
            (80, 40, 300),
        ]
        third = doc.render(3)
        assert third.shape == (40, 80, 3)
        assert third[0, 0].tolist() == [0, 0, 0]


@pytest.mark.parametrize(("fmt", "content_type"), [("JPEG", "image/jpeg"), ("WEBP", "image/webp")])
def test_jpeg_and_webp_accepted(fmt: str, content_type: str) -> None:
    with ingest.ingest(io.BytesIO(_image(fmt)), _settings()) as doc:
        assert doc.content_type == content_type
        image = doc.render(1)
        assert image.shape == (80, 120, 3)
        assert image[20, 20, 0] > 150
        assert image[20, 20, 1] < 90


def test_png_transparency_on_white_and_grey_to_rgb() -> None:
    rgba = Image.new("RGBA", (20, 10), (0, 0, 0, 0))
    buf = io.BytesIO()
    rgba.save(buf, "PNG")
    with ingest.ingest(buf.getvalue(), _settings()) as doc:
        assert doc.render(1)[5, 5].tolist() == [255, 255, 255]
    grey = io.BytesIO()
    Image.new("L", (20, 10), 0).save(grey, "PNG")
    with ingest.ingest(grey.getvalue(), _settings()) as doc:
        assert doc.render(1).shape == (10, 20, 3)


def test_jpeg_exif_orientation_applied() -> None:
    im = Image.new("RGB", (60, 30), (255, 255, 255))
    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways: display rotated 90 degrees clockwise
    buf = io.BytesIO()
    im.save(buf, "JPEG", exif=exif)
    with ingest.ingest(buf.getvalue(), _settings()) as doc:
        assert (doc.pages[0].width, doc.pages[0].height) == (30, 60)
        assert doc.render(1).shape == (60, 30, 3)


def test_sha256_and_size_of_the_bytes(tmp_path: Path) -> None:
    import hashlib

    data = _pdf()
    path = tmp_path / "a.pdf"
    path.write_bytes(data)
    with ingest.ingest(path, _settings()) as doc:
        assert doc.sha256 == hashlib.sha256(data).hexdigest()
        assert doc.size_bytes == len(data)
