"""Skewed scans: the page's slope is estimated from its OCR lines and undone before rows."""

from __future__ import annotations

import math

from finscribe.core.extraction import build_document
from finscribe.core.layout import analyze_layout
from finscribe.core.layout.analysis import estimate_skew
from finscribe.core.model import BBox, DocumentText, Line, PageText, Word
from tests.core.layout_helpers import line

W, H = 1654, 2339


def _tilt(ln: Line, slope: float) -> Line:
    """The line's words turned by ``slope`` about the page centre (axis-aligned boxes)."""
    a = math.atan(slope)
    c, s = math.cos(a), math.sin(a)
    words = []
    for w in ln.words:
        b = w.bbox
        corners = [
            (W / 2 + (x - W / 2) * c - (y - H / 2) * s, H / 2 + (x - W / 2) * s + (y - H / 2) * c)
            for x, y in ((b.x0, b.y0), (b.x1, b.y0), (b.x1, b.y1), (b.x0, b.y1))
        ]
        xs, ys = [p[0] for p in corners], [p[1] for p in corners]
        words.append(Word(w.text, BBox(min(xs), min(ys), max(xs), max(ys)), w.confidence))
    return Line(tuple(words), ln.confidence, BBox.enclosing([w.bbox for w in words]), None)


def _scan(items: list[tuple[str, float, float]], slope: float, source: str = "ocr") -> PageText:
    lines = [_tilt(line(t, x, y), slope) for t, x, y in items]
    return PageText(1, W, H, 200, source, lines)  # type: ignore[arg-type]


_ITEMS = [
    ("Northwind Supplies Ltd", 100, 100),
    ("14 Harbour Road, Unit 7", 100, 130), ("Portsmouth PO1 3AX United Kingdom", 100, 160),
    ("Bill to: Fabrikam Trading GmbH", 900, 250), ("Hauptstrasse 12, 10115 Berlin", 900, 280),
    ("Invoice number", 100, 400), ("INV-2024-118", 1300, 400),
    ("Invoice date", 100, 440), ("12/03/2024", 1300, 440),
    ("Description", 100, 600), ("Qty", 800, 600), ("Unit price", 1000, 600),
    ("Amount", 1350, 600),
    ("Consulting services rendered", 100, 650), ("2", 800, 650), ("150.00", 1000, 650),
    ("300.00", 1350, 650),
    ("Subtotal", 1000, 750), ("300.00", 1350, 750),
    ("VAT 20%", 1000, 790), ("60.00", 1350, 790),
    ("Total", 1000, 830), ("360.00", 1350, 830),
    ("Payment within thirty days of the invoice date please", 100, 1000),
]  # fmt: skip


def test_skew_is_estimated_from_ocr_lines() -> None:
    assert abs(estimate_skew(_scan(_ITEMS, 0.04)) - 0.04) < 0.005
    assert abs(estimate_skew(_scan(_ITEMS, -0.03)) + 0.03) < 0.005
    assert estimate_skew(_scan(_ITEMS, 0.0)) == 0.0
    # a text layer is never skewed
    assert estimate_skew(_scan(_ITEMS, 0.04, source="text_layer")) == 0.0


def test_rows_of_a_skewed_page_are_its_printed_rows() -> None:
    layout = analyze_layout(DocumentText("image/png", [_scan(_ITEMS, 0.05)]))
    texts = [r.text for r in layout.pages[0].rows]
    assert "Invoice number  INV-2024-118" in texts
    assert "Subtotal  300.00" in texts
    assert "Total  360.00" in texts


def test_fields_and_items_of_a_skewed_scan_with_boxes_on_the_page() -> None:
    doc = build_document(DocumentText("image/png", [_scan(_ITEMS, 0.05)]))
    fields = {k: v["value"] for k, v in doc["fields"].items()}
    assert fields["invoice_number"] == "INV-2024-118"
    money = (fields["subtotal"], fields["total_tax"], fields["total"])
    assert money == ("300.00", "60.00", "360.00")
    assert [(i["quantity"], i["unit_price"], i["amount"]) for i in doc["line_items"]] == [
        ("2", "150.00", "300.00")
    ]
    # the reported box is where the value is printed on the (skewed) page
    total = doc["fields"]["total"]
    printed = [w.bbox for ln in _scan(_ITEMS, 0.05).lines for w in ln.words if w.text == "360.00"]
    assert abs(total["bbox"][1] - printed[0].y0) < 8
    assert abs(total["bbox"][0] - printed[0].x0) < 8


def test_ocr_slips_in_words_are_undone_on_scans_only() -> None:
    items = [("Avenida de Andalucía, 4, 3° D", 100, 100), ("Kanaalstraat .107", 100, 140)]
    scan = DocumentText("image/png", [_scan(items, 0.0)])
    texts = [r.text for r in analyze_layout(scan).pages[0].rows]
    assert texts == ["Avenida de Andalucía, 4, 3º D", "Kanaalstraat 107"]
    digital = DocumentText("application/pdf", [_scan(items, 0.0, source="text_layer")])
    texts = [r.text for r in analyze_layout(digital).pages[0].rows]
    assert texts == ["Avenida de Andalucía, 4, 3° D", "Kanaalstraat .107"]


def test_a_middle_dot_ocr_glued_into_a_word_on_a_scan() -> None:
    items = [("Umsatzsteuer·19 %", 100, 100), ("1·020.98 CHF", 900, 100)]
    scan = DocumentText("image/png", [_scan(items, 0.0)])
    rows = analyze_layout(scan).pages[0].rows
    words = [[w.text for w in s.words] for s in rows[0].segments]
    # the dot between a label and its rate splits them; between digits it is the
    # thousands apostrophe (1'020.98)
    assert words == [["Umsatzsteuer", "·", "19", "%"], ["1'020.98", "CHF"]]
    box = rows[0].segments[0].words
    assert box[0].bbox.x1 <= box[1].bbox.x0 <= box[2].bbox.x0


def test_contact_lines_with_a_misread_phone_label_end_an_address() -> None:
    from finscribe.core.extraction.parties import _CONTACT

    assert _CONTACT.search("T61. ±32 533 261 714")
    assert _CONTACT.search("infoeorinettudesn.example")
    assert not _CONTACT.search("Prinsengracht 23")
    assert not _CONTACT.search("Galway H91 E2K3")
