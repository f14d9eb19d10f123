"""Two parties' VAT IDs under the same label: which is the vendor's, which the customer's."""

from __future__ import annotations

from finscribe.core.extraction import build_document
from tests.core.layout_helpers import document, page

TOP = [
    ("Northwind Trading Ltd", 100, 100), ("INVOICE", 1200, 100),
    ("Invoice No.", 1000, 200), ("INV-7781", 1250, 200),
    ("Date", 1000, 240), ("2024-03-01", 1250, 240),
    ("Bill to", 100, 400), ("Harbour Foods Ltd", 100, 440), ("12 Quay Street", 100, 480),
    ("Description", 100, 700), ("Qty", 900, 700), ("Price", 1050, 700), ("Amount", 1350, 700),
    ("Consulting", 100, 750), ("1", 900, 750), ("100.00", 1050, 750), ("100.00", 1350, 750),
    ("Subtotal", 1000, 900), ("100.00", 1350, 900),
    ("VAT 20%", 1000, 950), ("20.00", 1350, 950),
    ("Total", 1000, 1000), ("120.00", 1350, 1000),
]  # fmt: skip
CUSTOMER_VAT = ("VAT No. GB952609900", 1000, 440)
VENDOR_VAT = ("Northwind Trading Ltd, 4 Mill Lane, London - VAT No. GB744058826", 100, 2150)


def _fields(rows: list[tuple[str, float, float]]) -> dict[str, str]:
    doc = build_document(document(page(rows)))
    return {k: v["value"] for k, v in doc["fields"].items() if k.endswith("tax_id")}


def test_footer_vat_is_the_vendors_and_the_other_the_customers() -> None:
    got = _fields([*TOP, CUSTOMER_VAT, VENDOR_VAT])
    assert got == {"vendor_tax_id": "GB744058826", "customer_tax_id": "GB952609900"}


def test_one_vat_id_is_the_vendors_only() -> None:
    assert _fields([*TOP, VENDOR_VAT]) == {"vendor_tax_id": "GB744058826"}


def test_the_same_id_printed_twice_is_no_customer() -> None:
    again = ("VAT No. GB744058826", 1000, 440)
    assert _fields([*TOP, again, VENDOR_VAT]) == {"vendor_tax_id": "GB744058826"}


def test_tax_id_misread_put_right_only_by_a_single_valid_reading() -> None:
    from finscribe.core.validation.ids import is_valid_tax_id, repair_tax_id

    assert repair_tax_id("NL105003700801") == "NL105003700B01"  # B read as 8
    assert repair_tax_id("B80622973887") == "BE0622973887"  # E of the prefix read as 8
    assert repair_tax_id("ESB5O357060") == "ESB50357060"  # 0 read as O
    assert repair_tax_id("A7U30850745") == "ATU30850745"  # T of the prefix read as 7
    assert repair_tax_id("PR34559273263") == "FR34559273263"  # F read as P
    assert repair_tax_id("GB744058826") == "GB744058826"  # valid: as is
    assert repair_tax_id("B64876709") is None  # no country prefix: a national number
    assert repair_tax_id("1845309883983") is None
    # a reading that needs more changes than allowed is left alone
    assert is_valid_tax_id("DE826097222")
    assert repair_tax_id("DE8Z6O97ZZZ") is None


def _vat_on(source: str, printed: str) -> str | None:
    rows = [*TOP, ("Northwind Trading Ltd - VAT No. " + printed, 100, 2150)]
    p = page(rows)
    p.source = source
    doc = build_document(document(p))
    field = doc["fields"].get("vendor_tax_id")
    return None if field is None else str(field["value"])


def test_misread_vat_id_repaired_on_a_scan_not_on_a_text_layer() -> None:
    assert _vat_on("ocr", "NL105003700801") == "NL105003700B01"
    # printed text is what the document says: an invalid ID stays for INVALID_TAX_ID
    assert _vat_on("text_layer", "NL105003700801") == "NL105003700801"


def test_check_letter_read_apart_belongs_to_the_id() -> None:
    assert _vat_on("ocr", "IE6834291 R") == "IE6834291R"


def test_vat_label_on_the_line_under_the_customer_block_names_the_customers() -> None:
    # "VAT No." stacked right under the customer's address: the only VAT ID printed is the
    # customer's, not the vendor's (the label ends the block as a label, yet belongs to it)
    under = ("VAT No. GB952609900", 100, 520)
    assert _fields([*TOP, under]) == {"customer_tax_id": "GB952609900"}
    assert _fields([*TOP, under, VENDOR_VAT]) == {
        "vendor_tax_id": "GB744058826",
        "customer_tax_id": "GB952609900",
    }
