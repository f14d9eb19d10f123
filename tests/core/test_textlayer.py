"""PDF text layer: words, lines and boxes match what reportlab drew; unusable layers refused."""

from __future__ import annotations

import io

import numpy as np
import pypdfium2 as pdfium
import pytest
from PIL import Image
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas

from finscribe.core import ingest, textlayer
from finscribe.settings import OcrSettings, Settings

DPI = 200
S = DPI / 72
PAGE = (595.0, 842.0)  # A4 in points

#: (x, baseline y in PDF points, font size, text) as drawn.
DRAWN = [
    (50, 790, 18, "ACME Supplies GmbH"),
    (50, 760, 10, "Invoice No: INV-2024-0042"),
    (400, 760, 10, "Date: 12.03.2024"),
    (50, 700, 9, "Widget, blue"),
    (300, 700, 9, "2"),
    (360, 700, 9, "10.00"),
    (480, 700, 9, "20.00"),
    (50, 650, 11, "Total TTC 1 234,56 €"),
]


def _settings() -> Settings:
    return Settings(ocr=OcrSettings(dpi=DPI))


def _draw(c: canvas.Canvas, items: list[tuple[float, float, float, str]]) -> None:
    for x, y, size, text in items:
        c.setFont("Helvetica", size)
        c.drawString(x, y, text)


def _pdf(items: list[tuple[float, float, float, str]] = DRAWN) -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=PAGE)
    _draw(c, items)
    c.showPage()
    c.save()
    return buf.getvalue()


def _read(data: bytes, min_chars: int = 8) -> textlayer.PageText | None:
    with ingest.ingest(data, _settings()) as doc:
        return textlayer.read_page(doc, 1, min_chars)


def _expected_words() -> list[tuple[str, float, float, float, float]]:
    """(text, x0, x1, baseline, size) in pixels for every word drawn."""
    out = []
    for x, y, size, text in DRAWN:
        cursor = x
        for word in text.split(" "):
            width = stringWidth(word, "Helvetica", size)
            out.append((word, cursor * S, (cursor + width) * S, (PAGE[1] - y) * S, size * S))
            cursor += width + stringWidth(" ", "Helvetica", size)
    return out


def test_words_and_boxes_match_what_was_drawn() -> None:
    page = _read(_pdf())
    assert page is not None
    assert page.source == "text_layer"
    assert (page.width, page.height, page.dpi) == (round(PAGE[0] * S), round(PAGE[1] * S), DPI)
    words = page.words
    expected = _expected_words()
    assert [w.text for w in words] == [e[0] for e in expected]
    for word, (text, x0, x1, baseline, size) in zip(words, expected, strict=True):
        assert word.confidence == 1.0
        assert word.bbox.x0 == pytest.approx(x0, abs=1.0), text
        # PDFium measures a glyph outside the standard encoding (here €) by its outline.
        assert word.bbox.x1 == pytest.approx(x1, abs=1.0 if text.isascii() else 0.2 * size), text
        # The box spans the font's ascent and descent around the baseline.
        assert word.bbox.y0 < baseline - 0.6 * size < baseline < word.bbox.y1, text
        assert word.bbox.height == pytest.approx(1.15 * size, rel=0.2), text


def test_lines_grouped_by_baseline_split_at_column_gaps_in_reading_order() -> None:
    page = _read(_pdf())
    assert page is not None
    assert [line.text for line in page.lines] == [
        "ACME Supplies GmbH",
        "Invoice No: INV-2024-0042",
        "Date: 12.03.2024",
        "Widget, blue",
        "2",
        "10.00",
        "20.00",
        "Total TTC 1 234,56 €",
    ]
    title = page.lines[0]
    assert title.font_size == pytest.approx(18 * S, rel=0.01)
    assert page.lines[1].font_size == pytest.approx(10 * S, rel=0.01)
    # Same baseline: the same vertical position.
    assert page.lines[1].bbox.y0 == pytest.approx(page.lines[2].bbox.y0, abs=0.5)
    assert all(line.confidence == 1.0 for line in page.lines)


def test_characters_placed_one_by_one_still_make_words() -> None:
    """Generators that position every glyph (no space characters) are split on the gaps."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=PAGE)
    c.setFont("Helvetica", 10)
    x = 50.0
    for word in ("Amount", "due", "99.50"):
        for ch in word:
            c.drawString(x, 500, ch)
            x += stringWidth(ch, "Helvetica", 10)
        x += 4  # a space's width, but no space character
    c.showPage()
    c.save()
    page = _read(buf.getvalue())
    assert page is not None
    assert [line.text for line in page.lines] == ["Amount due 99.50"]
    assert [w.text for w in page.words] == ["Amount", "due", "99.50"]


def test_fake_bold_drawn_twice_is_read_once() -> None:
    page = _read(_pdf([(50, 500, 12, "Total 10.00"), (50.4, 500, 12, "Total 10.00")]))
    assert page is not None
    assert [line.text for line in page.lines] == ["Total 10.00"]


def _ink_covered(image: np.ndarray, page: textlayer.PageText) -> tuple[float, float]:
    """Share of the dark pixels inside word boxes, and box area per dark pixel."""
    ink = image.min(axis=2) < 128
    covered = np.zeros_like(ink)
    for word in page.words:
        b = word.bbox
        covered[int(b.y0) : int(b.y1) + 1, int(b.x0) : int(b.x1) + 1] = True
    return float((ink & covered).sum() / ink.sum()), float(covered.sum() / ink.sum())


@pytest.mark.parametrize("turn", [90, 180, 270])
def test_sideways_page_is_read_upright(turn: int) -> None:
    """/Rotate displays the text sideways: it is read upright, like the OCR engine does."""
    pdf = pdfium.PdfDocument(_pdf())
    pdf[0].set_rotation(turn)
    buf = io.BytesIO()
    pdf.save(buf)
    pdf.close()
    with ingest.ingest(buf.getvalue(), _settings()) as doc:
        info = doc.pages[0]
        sideways = turn in (90, 270)
        assert (info.width, info.height) == (
            (round(PAGE[1] * S), round(PAGE[0] * S))
            if sideways
            else (round(PAGE[0] * S), round(PAGE[1] * S))
        )
        page = textlayer.read_page(doc, 1, 8)
        displayed = doc.render(1)
    assert page is not None
    assert page.rotation == (360 - turn) % 360
    assert (page.width, page.height) == (round(PAGE[0] * S), round(PAGE[1] * S))
    assert [w.text for w in page.words] == [e[0] for e in _expected_words()]
    upright = np.rot90(displayed, k=-page.rotation // 90)
    assert upright.shape[:2] == (page.height, page.width)
    inside, _ = _ink_covered(upright, page)
    assert inside > 0.99
    # And the same boxes as on the page drawn upright.
    straight = _read(_pdf())
    assert straight is not None
    for a, b in zip(page.words, straight.words, strict=True):
        assert a.bbox.x0 == pytest.approx(b.bbox.x0, abs=1.0)
        assert a.bbox.y0 == pytest.approx(b.bbox.y0, abs=1.0)


def test_upright_boxes_cover_the_rendered_ink() -> None:
    with ingest.ingest(_pdf(), _settings()) as doc:
        page = textlayer.read_page(doc, 1, 8)
        image = doc.render(1)
    assert page is not None
    assert page.rotation == 0
    inside, area = _ink_covered(image, page)
    assert inside > 0.99
    # Boxes are tight-ish: not mostly empty paper around the words.
    assert area < 6


def test_too_little_text_means_no_usable_layer() -> None:
    data = _pdf([(50, 500, 12, "p. 1")])
    assert _read(data, min_chars=8) is None
    assert _read(data, min_chars=3) is not None


def test_blank_page_has_no_text_layer() -> None:
    assert _read(_pdf([])) is None


def _scan_pdf(stamp: str | None, dense_text: bool = False) -> bytes:
    """A page that is one big picture of text, with an optional small text stamp on top."""
    picture = Image.new("RGB", (800, 1100), "white")
    picture.paste((0, 0, 0), (100, 100, 700, 130))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=PAGE)
    c.drawImage(ImageReader(picture), 0, 0, width=PAGE[0], height=PAGE[1])
    if stamp:
        c.setFont("Helvetica", 8)
        c.drawString(40, 20, stamp)
    if dense_text:  # a searchable scan: invisible OCR text over the whole picture
        c.setFont("Helvetica", 10)
        for row in range(40):
            c.drawString(50, 800 - row * 19, f"line {row} of the recognised text")
    c.showPage()
    c.save()
    return buf.getvalue()


def test_scan_with_only_a_stamp_is_ocrd() -> None:
    assert _read(_scan_pdf("Scanned with ScanApp Pro, page 1 of 1")) is None
    assert _read(_scan_pdf(None)) is None


def test_searchable_scan_keeps_its_text_layer() -> None:
    page = _read(_scan_pdf("Scanned with ScanApp", dense_text=True))
    assert page is not None
    assert page.lines[0].text == "line 0 of the recognised text"


def _raw_pdf(font: bytes, content: bytes) -> bytes:
    """A one-page PDF written by hand (to get fonts reportlab will not write)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        font,
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return out


def test_font_without_unicode_map_is_garbage() -> None:
    """Glyph names nobody can map: PDFium reports the raw codes, which are not the text."""
    names = b" ".join(b"/g%d" % n for n in range(1, 27))
    unmapped = (
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica "
        b"/Encoding << /Type /Encoding /Differences [65 " + names + b"] >> >>"
    )
    content = b"BT /F1 12 Tf 20 150 Td (ABCDEFGH IJKLMNOP QRSTUV) Tj ET"
    assert _read(_raw_pdf(unmapped, content)) is None
    # The same page with a mapped font is read.
    mapped = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
    page = _read(_raw_pdf(mapped, content))
    assert page is not None
    assert page.text == "ABCDEFGH IJKLMNOP QRSTUV"


def test_symbol_soup_is_garbage() -> None:
    # Glyphs the font cannot encode come out as boxes: not a text layer to trust.
    assert (
        _read(_pdf([(50, 500, 12, "\ue001\ue002\ue003\ue004 \ue005\ue006\ue007\ue008 ab")])) is None
    )


def test_ligatures_are_spelled_out() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont("Vera", "Vera.ttf"))  # ships with reportlab; has fi, fl
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=PAGE)
    c.setFont("Vera", 12)
    c.drawString(50, 500, "\ufb01le supplies \ufb02at \ufb01nal")
    c.showPage()
    c.save()
    page = _read(buf.getvalue())
    assert page is not None
    assert page.lines[0].text == "file supplies flat final"
