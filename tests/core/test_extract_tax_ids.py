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
