"""The API's type sniffing agrees with ingest's, and file names never become paths."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from finscribe.api import uploads
from finscribe.core.ingest import detect_type


def _image(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(out, format=fmt)
    return out.getvalue()


@pytest.mark.parametrize(
    "head",
    [
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
        b"\n\n  %PDF-1.4\n",
        _image("PNG"),
        _image("JPEG"),
        _image("TIFF"),
        _image("WEBP"),
        b"GIF89a\x01\x00",
        b"hello world",
        b"RIFF\x00\x00\x00\x00WAVEfmt ",
        b"",
    ],
)
def test_sniffing_agrees_with_ingest(head: bytes) -> None:
    assert uploads.sniff_content_type(head[:2048]) == detect_type(head[:2048])


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("invoice.pdf", "invoice.pdf"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\scan 1.png", "scan 1.png"),
        ("a/b/ü€.jpg", "__.jpg"),
        ("", "upload"),
        (None, "upload"),
        ("x" * 500 + ".pdf", "x" * 200),
    ],
)
def test_clean_filename(name: str | None, expected: str) -> None:
    assert uploads.clean_filename(name) == expected
