"""Extraction on hand-placed text: labels right and below, tables, wrapped rows, languages."""

from __future__ import annotations

from typing import Any

from finscribe.core.extraction import build_document
from finscribe.core.schema import schema_errors
from tests.core.layout_helpers import document, page


def _values(doc: dict[str, Any]) -> dict[str, str]:
    return {k: v["value"] for k, v in doc["fields"].items()}


def english_invoice() -> dict[str, Any]:
    p = page([
        ("Northwind Traders Ltd", 120, 120, 40),
        ("12 Market Street", 120, 180),
        ("London EC1A 1BB", 120, 210),
        ("INVOICE", 1200, 120, 44),
        ("Invoice No.", 1000, 260), ("INV-2024-0042", 1250, 260),
        ("Date", 1000, 295), ("14/03/2024", 1250, 295),
        ("Due Date", 1000, 330), ("13/04/2024", 1250, 330),
        ("Bill To", 120, 400),
        ("Contoso plc", 120, 435),
        ("5 High Road", 120, 465),
        ("Leeds LS1 4AP", 120, 495),
        ("Description", 120, 650), ("Qty", 900, 650), ("Unit Price", 1050, 650),
        ("Amount", 1350, 650),
        ("Consulting services for the", 120, 700), ("10", 900, 700), ("£120.00", 1050, 700),
        ("£1,200.00", 1350, 700),
        ("migration project", 120, 728),
        ("Licence", 120, 770), ("2", 900, 770), ("£50.00", 1050, 770), ("£100.00", 1350, 770),
        ("Subtotal", 1050, 900), ("£1,300.00", 1350, 900),
        ("VAT 20%", 1050, 935), ("£260.00", 1350, 935),
        ("Total", 1050, 970), ("£1,560.00", 1350, 970),
        ("VAT No. GB980780684", 120, 2200),
        ("IBAN GB82 WEST 1234 5698 7654 32", 120, 2235),
    ])  # fmt: skip
    return build_document(document(p))


def test_english_invoice_fields_and_items() -> None:
    doc = english_invoice()
    assert schema_errors(doc) == []
    v = _values(doc)
    assert v["invoice_number"] == "INV-2024-0042"
    assert v["invoice_date"] == "2024-03-14"
    assert v["due_date"] == "2024-04-13"
    assert v["subtotal"] == "1300.00"
    assert v["total_tax"] == "260.00"
    assert v["total"] == "1560.00"
    assert v["currency"] == "GBP"
    assert v["vendor_name"] == "Northwind Traders Ltd"
    assert v["vendor_address"] == "12 Market Street, London EC1A 1BB"
    assert v["customer_name"] == "Contoso plc"
    assert v["customer_address"] == "5 High Road, Leeds LS1 4AP"
    assert v["vendor_tax_id"] == "GB980780684"
    assert v["vendor_iban"] == "GB82WEST12345698765432"
    assert doc["document_type"] == "invoice"
    assert doc["language"] == "en"
    items = doc["line_items"]
    assert len(items) == 2
    assert items[0]["description"] == "Consulting services for the migration project"
    assert items[0]["quantity"] == "10"
    assert items[0]["unit_price"] == "120.00"
    assert items[0]["amount"] == "1200.00"
    assert doc["validation"] == {"valid": True, "issues": []}
    assert doc["needs_review"] is False


def test_german_invoice_labels_below_and_decimal_comma() -> None:
    p = page([
        ("Müller & Söhne GmbH", 120, 120, 40),
        ("Hauptstraße 5", 120, 180),
        ("10115 Berlin", 120, 210),
        ("RECHNUNG", 1200, 120, 44),
        ("Rechnungsnummer", 1000, 260), ("Rechnungsdatum", 1300, 260),
        ("RE-2024-0815", 1000, 290), ("25. März 2024", 1300, 290),
        ("Rechnungsempfänger", 120, 400),
        ("Beispiel AG", 120, 435),
        ("Bahnhofstraße 1", 120, 465),
        ("80331 München", 120, 495),
        ("Beschreibung", 120, 650), ("Menge", 900, 650), ("Einzelpreis", 1050, 650),
        ("Betrag", 1350, 650),
        ("Wartung", 120, 700), ("3", 900, 700), ("1.000,00 €", 1050, 700),
        ("3.000,00 €", 1350, 700),
        ("Zwischensumme", 1000, 900), ("3.000,00 €", 1350, 900),
        ("MwSt. 19 %", 1000, 935), ("570,00 €", 1350, 935),
        ("Gesamtbetrag", 1000, 970), ("3.570,00 €", 1350, 970),
    ])  # fmt: skip
    doc = build_document(document(p))
    assert schema_errors(doc) == []
    v = _values(doc)
    assert v["invoice_number"] == "RE-2024-0815"
    assert v["invoice_date"] == "2024-03-25"
    assert v["total"] == "3570.00"
    assert v["subtotal"] == "3000.00"
    assert v["total_tax"] == "570.00"
    assert v["currency"] == "EUR"
    assert v["vendor_name"] == "Müller & Söhne GmbH"
    assert v["customer_name"] == "Beispiel AG"
    assert doc["language"] == "de"
    assert doc["line_items"][0]["unit_price"] == "1000.00"


def test_planted_total_error_is_flagged() -> None:
    p = page([
        ("Acme SARL", 120, 120, 40),
        ("FACTURE", 1200, 120, 44),
        ("N° facture", 1000, 260), ("FA-77", 1250, 260),
        ("Date", 1000, 295), ("02/05/2024", 1250, 295),
        ("Total HT", 1000, 900), ("100,00 €", 1350, 900),
        ("TVA 20 %", 1000, 935), ("20,00 €", 1350, 935),
        ("Total TTC", 1000, 970), ("130,00 €", 1350, 970),
    ])  # fmt: skip
    doc = build_document(document(p))
    v = _values(doc)
    assert v["total"] == "130.00"
    assert v["invoice_date"] == "2024-05-02"
    codes = [i["code"] for i in doc["validation"]["issues"]]
    assert "TOTAL_MISMATCH" in codes
    assert doc["needs_review"] is True
    assert doc["language"] == "fr"
