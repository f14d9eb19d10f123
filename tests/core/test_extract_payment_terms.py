"""Header values as OCR misreads them: payment terms (and the method beside them), numbers."""

from __future__ import annotations

from finscribe.core.extraction import build_document
from tests.core.layout_helpers import document, page

TOP = [
    ("Ruiz Construcciones S.L.", 100, 100), ("FACTURA", 1200, 100),
    ("Factura n.º", 1000, 200), ("FAC-2041", 1250, 200),
    ("Fecha", 1000, 240), ("01/03/2024", 1250, 240),
    ("Total", 1000, 1000), ("120,00", 1350, 1000),
]  # fmt: skip


def _terms(*rows: tuple[str, float, float]) -> str | None:
    p = page([*TOP, *rows])
    p.source = "ocr"
    field = build_document(document(p))["fields"].get("payment_terms")
    return None if field is None else str(field["value"])


def test_terms_after_the_label_are_kept() -> None:
    assert _terms(("Forma de pago: Pago a 30 días", 100, 1200)) == "Pago a 30 días"
    assert _terms(("Condiciones de pago: Pago al contado", 100, 1200)) == "Pago al contado"


def test_a_payment_method_is_no_terms() -> None:
    assert _terms(("Forma de pago: transferencia", 100, 1200)) is None
    # as OCR misreads it, with the bank details after it
    assert _terms(("Forma de pago: transferenda · IBAN ES60 3081 7624", 100, 1200)) is None
    # a method with a number of days is terms
    got = _terms(("Forma de pago: Transferencia bancaria a 30 días", 100, 1200))
    assert got == "Transferencia bancaria a 30 días"


def test_method_words() -> None:
    from finscribe.core.extraction.terms import payment_method as _payment_method

    assert _payment_method("tramite bonifico")
    assert _payment_method("par vlrement")
    assert not _payment_method("Net 30")
    assert not _payment_method("Due on receipt")
    assert not _payment_method("Sofort zahlbar ohne Abzug")


def test_terms_words_misread_by_ocr_are_put_right() -> None:
    from finscribe.core.extraction.terms import repair_terms as _repair_terms

    assert _repair_terms("Pago a 30 dias") == "Pago a 30 días"  # accent lost
    assert _repair_terms("14 daya net") == "14 days net"  # one letter misread
    assert _repair_terms("Net. 30") == "Net 30"  # a speck read as a dot
    assert _repair_terms("Pago a 30 díaa") == "Pago a 30 días"
    # words that are no terms word, or near more than one, stay as read
    assert _repair_terms("Due on receipt") == "Due on receipt"
    assert _repair_terms("Zahlbar bis Quartalsende") == "Zahlbar bis Quartalsende"
    assert _terms(("Forma de pago: Pago a 30 dias", 100, 1200)) == "Pago a 30 días"
    assert _repair_terms("30.Tage netto") == "30 Tage netto"  # a speck after the number
    assert _repair_terms("Pago a 30. días") == "Pago a 30 días"
    assert _repair_terms("Paiement' à réception") == "Paiement à réception"


def test_an_address_line_or_a_country_under_a_scanned_terms_label_is_no_terms() -> None:
    assert _terms(("Forma de pago:", 100, 1200), ("08007 Barcelona", 100, 1230)) is None
    assert _terms(("Forma de pago:", 100, 1200), ("España", 100, 1230)) is None
    assert _terms(("Forma de pago:", 100, 1200), ("Pago a 30 días", 100, 1230)) == (
        "Pago a 30 días"
    )


def test_terms_on_a_text_layer_are_what_is_printed() -> None:
    p = page([*TOP, ("Forma de pago: Pago a 30 dias", 100, 1200)])
    field = build_document(document(p))["fields"]["payment_terms"]
    assert field["value"] == "Pago a 30 dias"


def test_a_label_word_misread_is_no_invoice_number() -> None:
    def number(*key: tuple[str, float, float]) -> str | None:
        rows = [("Northwind Trading Ltd", 100, 100), *key, ("Total", 1000, 1000)]
        p = page([*rows, ("120.00", 1350, 1000)])
        p.source = "ocr"
        field = build_document(document(p))["fields"].get("invoice_number")
        return None if field is None else str(field["value"])

    assert number(("Invoice No.", 1000, 150), ("Bil1", 1300, 150)) is None
    assert number(("Invoice Number", 1000, 150), ("lmvoice", 1300, 150)) is None
    assert number(("Invoice No.", 1000, 150), ("INV-2041", 1300, 150)) == "INV-2041"
    # short numbers of a small business are numbers all the same
    assert number(("Invoice No.", 1000, 150), ("7", 1300, 150)) == "7"
    assert number(("Invoice No.", 1000, 150), ("INV-7", 1300, 150)) == "INV-7"
