"""Lines that do not add up: the vendor's arithmetic, or a row our reading lost or merged."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from finscribe.core.extraction import build_document
from finscribe.core.extraction.document import extract_fields
from finscribe.core.layout import analyze_layout
from finscribe.core.model import DocumentText
from finscribe.core.schema import schema_errors
from tests.core.layout_helpers import document, page

HEAD = [
    ("ACME Supplies Ltd", 100, 100), ("Invoice", 100, 200), ("INV-2041", 400, 200),
    ("Date", 100, 250), ("2024-03-01", 400, 250),
    ("Description", 100, 600), ("Qty", 900, 600), ("Price", 1050, 600), ("Amount", 1350, 600),
    ("Item one", 100, 650), ("1", 900, 650), ("10.00", 1050, 650), ("10.00", 1350, 650),
]  # fmt: skip
FOOT = [
    ("Subtotal", 1000, 900), ("30.00", 1350, 900),
    ("Total", 1000, 950), ("30.00", 1350, 950),
]  # fmt: skip


def _scan(rows: list[tuple[str, float, float]]) -> DocumentText:
    p = page(rows)
    p.source = "ocr"
    return document(p)


def _codes(doc: dict[str, Any]) -> list[str]:
    return [i["code"] for i in doc["validation"]["issues"]]


def test_short_lines_with_nothing_left_unread_stay_an_arithmetic_error() -> None:
    doc = build_document(_scan([*HEAD, *FOOT]))
    assert schema_errors(doc) == []
    assert "LINES_SUBTOTAL_MISMATCH" in _codes(doc)
    assert "LINE_ITEMS_INCOMPLETE" not in _codes(doc)


def test_a_row_read_without_its_columns_is_evidence_of_a_lost_item() -> None:
    # the second row's words ran together into one piece: no price or amount column
    lost = ("Item two 2 x 10.00 20.00", 100, 700)
    text = _scan([*HEAD, lost, *FOOT])
    extraction = extract_fields(text, analyze_layout(text), {})
    assert Decimal("20.00") in extraction.stray_amounts
    doc = build_document(text)
    assert schema_errors(doc) == []
    assert [i["amount"] for i in doc["line_items"]] == ["10.00"]
    assert "LINES_SUBTOTAL_MISMATCH" not in _codes(doc)
    assert "LINE_ITEMS_INCOMPLETE" in _codes(doc)
    assert doc["needs_review"] is True


def test_rows_below_the_totals_are_not_evidence() -> None:
    after = ("Paid by card 30.00 thank you", 100, 1100)
    text = _scan([*HEAD, ("Item two", 100, 700), ("1", 900, 700), ("20.00", 1050, 700),
                  ("20.00", 1350, 700), *FOOT, after])  # fmt: skip
    extraction = extract_fields(text, analyze_layout(text), {})
    assert extraction.stray_amounts == []
    doc = build_document(text)
    assert [i["amount"] for i in doc["line_items"]] == ["10.00", "20.00"]
    assert not {"LINES_SUBTOTAL_MISMATCH", "LINE_ITEMS_INCOMPLETE"} & set(_codes(doc))


def test_receipt_row_with_name_and_price_run_together_is_evidence() -> None:
    rows = [
        ("BAKKERIJ JANSEN", 40, 40), ("14-12-2024 07:15", 40, 120),
        ("BROOD WIT", 40, 220), ("2,95", 480, 220),
        ("KOFFIE VERKEERD 3,47", 40, 260),
        ("TOTAAL", 40, 320), ("6,42", 480, 320),
    ]  # fmt: skip
    p = page(rows, width=630, height=900)  # type: ignore[arg-type]
    p.source = "ocr"
    text = document(p)
    doc = build_document(text, {"document_type": "receipt"})
    extraction = extract_fields(text, analyze_layout(text), {"document_type": "receipt"})
    assert extraction.stray_amounts == [Decimal("3.47")]
    assert [i["amount"] for i in doc["line_items"]] == ["2.95"]
    assert "LINES_SUBTOTAL_MISMATCH" not in _codes(doc)
    assert "LINE_ITEMS_INCOMPLETE" in _codes(doc)


def test_a_sum_row_whose_label_was_not_read_is_no_item() -> None:
    rows = [
        *HEAD,
        ("Item two", 100, 700), ("2", 900, 700), ("5.00", 1050, 700), ("10.00", 1350, 700),
        ("Sbtotl", 900, 760), ("20.00", 1350, 760),
        ("Total", 1000, 950), ("20.00", 1350, 950),
    ]  # fmt: skip
    doc = build_document(_scan(rows))
    assert [i["amount"] for i in doc["line_items"]] == ["10.00", "10.00"]
    assert not {"LINES_SUBTOTAL_MISMATCH", "LINE_ITEMS_INCOMPLETE"} & set(_codes(doc))
    # an amount alone that the items above do not add up to stays an item
    rows[-4:-2] = [("Sbtotl", 900, 760), ("25.00", 1350, 760)]
    doc = build_document(_scan(rows))
    assert [i["amount"] for i in doc["line_items"]] == ["10.00", "10.00", "25.00"]


def test_receipt_code_letter_with_a_speck_after_it() -> None:
    rows = [
        ("BAKKERIJ JANSEN", 40, 40), ("14-12-2024 07:15", 40, 120),
        ("MELK HALFVOL 1L", 40, 220), ("5,76 B .", 480, 220),
        ("BROOD WIT", 40, 260), ("2,95 A", 480, 260),
        ("TOTAAL", 40, 320), ("8,71", 480, 320),
    ]  # fmt: skip
    doc = _scanned_receipt(rows)
    assert [i["amount"] for i in doc["line_items"]] == ["5.76", "2.95"]
    assert not [c for c in _codes(doc) if c.startswith("LINE")]


def test_tax_rate_with_its_percent_read_as_a_digit_feeds_the_rate_check() -> None:
    from finscribe.core.extraction.items import glyph_rate

    assert glyph_rate("238") == Decimal("23")
    assert glyph_rate("208:") == Decimal("20")
    assert glyph_rate("5.58") == Decimal("5.5")
    assert glyph_rate("158") is None  # 15 is no VAT rate in use
    assert glyph_rate("2024") is None

    assert "TAX_RATE_MISMATCH" not in _codes(_taxed_scan("VAT 238", "2.30", "12.30"))
    assert "TAX_RATE_MISMATCH" in _codes(_taxed_scan("VAT 238", "3.20", "13.20"))


def _taxed_scan(label: str, tax: str, total: str) -> dict[str, Any]:
    """A scanned invoice of 10.00 net with ``label`` beside its tax amount."""
    rows = [
        *HEAD,
        ("Subtotal", 1000, 900), ("10.00", 1350, 900),
        (label, 1000, 950), (tax, 1350, 950),
        ("Total", 1000, 1000), (total, 1350, 1000),
    ]  # fmt: skip
    return build_document(_scan(rows))


@pytest.mark.parametrize("label", ["IVA 21 84", "IVA 21 8", "IVA 21 %"])
def test_a_rate_printed_apart_from_its_misread_percent_sign_is_the_rate(label: str) -> None:
    assert "TAX_RATE_MISMATCH" not in _codes(_taxed_scan(label, "2.10", "12.10"))
    assert "TAX_RATE_MISMATCH" in _codes(_taxed_scan(label, "1.20", "11.20"))


def test_a_speck_read_as_a_digit_beside_a_receipt_line_is_no_item() -> None:
    rows = [
        ("DROGUERIA SANCHEZ", 40, 40), ("18-04-2021 16:47", 40, 160),
        ("A5", 110, 207), ("1", 464, 206, 6),  # a mark on the paper, read as "1"
        ("CUADERNO", 40, 230), ("3,85 A", 392, 230),
        ("PAN DE BARRA", 40, 260), ("0,94 B", 392, 260),
        ("TOTAL", 40, 320), ("4,79", 392, 320),
    ]  # fmt: skip
    doc = _scanned_receipt(rows)
    assert [i["amount"] for i in doc["line_items"]] == ["3.85", "0.94"]
    assert "LINES_SUBTOTAL_MISMATCH" not in _codes(doc)


def _scanned_receipt(
    rows: list[tuple[str, float, float] | tuple[str, float, float, float]],
) -> dict[str, Any]:
    p = page(rows, width=630, height=900)
    p.source = "ocr"
    return build_document(document(p), {"document_type": "receipt"})
