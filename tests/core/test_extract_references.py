"""Lines that name no field of ours (delivery notes, delivery and order dates) and the legal
forms that mark a company name."""

from __future__ import annotations

import pytest

from finscribe.core.extraction import build_document
from tests.core.layout_helpers import document, page

ITEMS = [
    ("Artikel", 100, 700), ("Anzahl", 900, 700), ("Preis", 1050, 700), ("Gesamt", 1350, 700),
    ("Beratung", 100, 750), ("2", 900, 750), ("100,00", 1050, 750), ("200,00", 1350, 750),
    ("Netto", 1000, 900), ("200,00", 1350, 900),
    ("MwSt. 19%", 1000, 950), ("38,00", 1350, 950),
    ("Gesamtbetrag", 1000, 1000), ("238,00", 1350, 1000),
]  # fmt: skip


def _german_letter(reference: tuple[str, float, float]) -> dict[str, str]:
    rows = [
        ("RECHNUNG", 100, 80, 34),
        ("Sinanet Beratung UG (haftungsbeschränkt)", 100, 150, 26),
        ("Lindenallee 124", 100, 185), ("20095 Hamburg", 100, 215),
        reference,
        ("Rechnungsnr. RE034047", 100, 310), ("Belegdatum 02.08.2025", 100, 340),
        ("Fuchs & Weiß GmbH", 100, 420), ("Am Marktplatz 176", 100, 450),
        ("60311 Frankfurt am Main", 100, 480),
        *ITEMS,
    ]  # fmt: skip
    doc = build_document(document(page(rows)))
    return {k: v["value"] for k, v in doc["fields"].items()}


def test_a_delivery_note_line_over_the_window_address_is_no_party() -> None:
    fields = _german_letter(("Lieferschein-Nr. LS-30408", 100, 280))
    assert fields["vendor_name"] == "Sinanet Beratung UG (haftungsbeschränkt)"
    assert fields["vendor_address"] == "Lindenallee 124, 20095 Hamburg"
    assert fields["customer_name"] == "Fuchs & Weiß GmbH"
    assert fields["invoice_number"] == "RE034047"
    assert "LS-30408" not in fields.values()


@pytest.mark.parametrize(
    "printed", ["Lieferdatum 28.07.2025", "Bestelldatum 28.07.2025", "Leistungsdatum 28.07.2025"]
)
def test_a_delivery_or_order_date_is_not_the_invoice_date(printed: str) -> None:
    fields = _german_letter((printed, 100, 280))
    assert fields["invoice_date"] == "2025-08-02"
    assert "due_date" not in fields


@pytest.mark.parametrize("printed", ["Delivery Note DN-33720", "Packing Slip No.: PS-4411"])
def test_a_delivery_note_line_ends_the_address_over_it(printed: str) -> None:
    rows = [
        ("Northwind Trading Ltd", 100, 100, 30), ("INVOICE", 1200, 100),
        ("Invoice No.", 1000, 200), ("INV-7781", 1250, 200),
        ("Bill to", 100, 400), ("Harbour Foods Ltd", 100, 440), ("12 Quay Street", 100, 480),
        ("Leeds LS1 5AB", 100, 520), (printed, 100, 560),
        ("Description", 100, 700), ("Qty", 900, 700), ("Price", 1050, 700), ("Amount", 1350, 700),
        ("Consulting", 100, 750), ("1", 900, 750), ("100.00", 1050, 750), ("100.00", 1350, 750),
        ("Total", 1000, 1000), ("100.00", 1350, 1000),
    ]  # fmt: skip
    doc = build_document(document(page(rows)))
    fields = {k: v["value"] for k, v in doc["fields"].items()}
    assert fields["customer_address"] == "12 Quay Street, Leeds LS1 5AB"
    assert fields["invoice_number"] == "INV-7781"


@pytest.mark.parametrize("heading", ["Betaalgegevens", "Bankverbindung", "Coordonnées bancaires"])
def test_a_bank_details_heading_in_a_sidebar_is_no_customer(heading: str) -> None:
    rows = [
        ("Advies de Vries V.O.F.", 900, 80, 30), ("Molenweg 168", 900, 120),
        ("1017 GC Amsterdam", 900, 150),
        ("CREDITNOTA", 100, 240, 34),
        (heading, 40, 330), ("BAN", 40, 360),  # "IBAN" garbled under the heading
        ("Vos & de Groot V.O.F.", 370, 330), ("Dorpsstraat 73", 370, 360),
        ("3511 LX Utrecht", 370, 390),
        ("Totaal", 1000, 900), ("360,00", 1300, 900),
    ]  # fmt: skip
    p = page(rows)
    p.source = "ocr"
    fields = {k: v["value"] for k, v in build_document(document(p))["fields"].items()}
    assert fields["customer_name"] == "Vos & de Groot V.O.F."
    assert fields["customer_address"] == "Dorpsstraat 73, 3511 LX Utrecht"
