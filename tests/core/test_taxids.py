"""VAT IDs printed without a label (or under one OCR garbled), found by their check digits."""

from __future__ import annotations

from finscribe.core.extraction import build_document
from finscribe.core.extraction.taxids import unlabelled_tax_ids, valid_tax_ids
from finscribe.core.layout.analysis import analyze_layout
from finscribe.core.validation.ids import is_valid_tax_id
from tests.core.layout_helpers import document, page

_VENDOR = [
    ("Fournitures Lefèvre SARL", 100, 80, 34), ("173 rue du Commerce", 100, 130),
    ("67000 STRASBOURG", 100, 160),
    ("Facture N°", 1000, 300), ("FAC-2022-1570", 1300, 300),
    ("Client", 100, 300), ("Garnier et Chevalier SA", 100, 330),
    ("rue de la République 58", 100, 360), ("4000 LIÈGE", 100, 390),
    ("Total", 1000, 900), ("360.00", 1300, 900),
]  # fmt: skip


def test_valid_ids_are_found_by_their_check_digits_only() -> None:
    assert is_valid_tax_id("FR61475771986") is True
    assert is_valid_tax_id("FR61475771987") is not True
    p = page(
        [("FR61475771986", 100, 100), ("CHE-551.362.574 TVA", 100, 200),
         ("FR61475771987", 100, 300), ("Tel. DE 123", 100, 400), ("IE8884902U .", 100, 500)]
    )  # fmt: skip
    found = valid_tax_ids(analyze_layout(document(p)))
    assert [f.value for f in found] == ["FR61475771986", "CHE551362574TVA", "IE8884902U"]
    assert found[1].text == "CHE-551.362.574 TVA"


def test_a_vendor_vat_id_printed_without_its_label_is_the_vendors() -> None:
    p = page([*_VENDOR, ("FR61475771986", 100, 2200)])
    doc = build_document(document(p), {"document_type": "invoice"})
    assert doc["fields"]["vendor_tax_id"]["value"] == "FR61475771986"
    assert "customer_tax_id" not in doc["fields"]
    # taken on its check digits alone: less sure than a labelled one
    assert doc["fields"]["vendor_tax_id"]["confidence"] <= 0.7


def test_a_vat_id_under_the_customers_block_is_the_customers() -> None:
    p = page([*_VENDOR, ("BE0185251192", 100, 420), ("FR61475771986", 100, 2200)])
    doc = build_document(document(p), {"document_type": "invoice"})
    assert doc["fields"]["customer_tax_id"]["value"] == "BE0185251192"
    assert doc["fields"]["vendor_tax_id"]["value"] == "FR61475771986"


def test_an_invalid_or_ambiguous_unlabelled_id_is_not_taken() -> None:
    wrong = page([*_VENDOR, ("FR61475771987", 100, 2200)])
    doc = build_document(document(wrong), {"document_type": "invoice"})
    assert "vendor_tax_id" not in doc["fields"]
    two = page([*_VENDOR, ("FR61475771986", 100, 2200), ("DE490083643", 900, 2200)])
    doc = build_document(document(two), {"document_type": "invoice"})
    assert "vendor_tax_id" not in doc["fields"]


def test_unlabelled_ids_are_shared_out_by_where_they_sit() -> None:
    p = page([("FR61475771986", 100, 100), ("BE0185251192", 100, 300), ("FR61475771986", 100, 900)])
    found = valid_tax_ids(analyze_layout(document(p)))
    block = {(found[1].page, found[1].segment.index)}
    vendor, customer = unlabelled_tax_ids(found, block, set())
    assert vendor is not None
    assert vendor.value == "FR61475771986"  # printed twice: one value
    assert customer is not None
    assert customer.value == "BE0185251192"
    # an ID a field already holds is not given again
    vendor, customer = unlabelled_tax_ids(found, block, {"FR61475771986", "BE0185251192"})
    assert vendor is None
    assert customer is None
