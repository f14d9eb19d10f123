"""Extraction never crashes and always returns a schema-valid document, whatever the text."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finscribe.core.extraction import build_document
from finscribe.core.model import BBox, DocumentText, Line, PageText, Word
from finscribe.core.schema import schema_errors

TOKENS = st.sampled_from([
    "Total", "TVA", "20%", "1.234,56", "1,234.56", "€", "EUR", "-12.00", "(3.00)", "Invoice",
    "No.", "#", ":", "Datum", "12/13/2024", "31.02.2024", "IBAN", "DE89370400440532013000",
    "CHE-116.281.710", "MWST", "Qty", "Description", "Amount", "x", "2", "·", "", "%", "N°",
    "Rechnung", "Gutschrift", "Bill", "To", "ACME", "GmbH", "Subtotal", "Betrag", "A", "B",
])  # fmt: skip


@st.composite
def pages(draw: st.DrawFn) -> DocumentText:
    out = []
    for number in range(1, draw(st.integers(1, 2)) + 1):
        lines = []
        for _ in range(draw(st.integers(0, 25))):
            x = draw(st.floats(0, 1500))
            y = draw(st.floats(0, 2200))
            h = draw(st.floats(4, 80))
            words = []
            for text in draw(st.lists(TOKENS, min_size=1, max_size=6)):
                w = max(len(text), 1) * h / 2
                words.append(Word(text, BBox(x, y, x + w, y + h), draw(st.floats(0, 1))))
                x += w + draw(st.floats(0, 3 * h))
            lines.append(Line(tuple(words), 1.0, BBox.enclosing([w.bbox for w in words]), h))
        out.append(PageText(number, 1654, 2339, 200, "ocr", lines))
    return DocumentText("image/png", out)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=pages())
def test_any_text_gives_a_schema_valid_document(doc: DocumentText) -> None:
    out = build_document(doc)
    assert schema_errors(out) == []
    assert isinstance(out["needs_review"], bool)


def test_ocr_label_words_repaired_loosely_only_where_a_key_is_printed() -> None:
    from finscribe.core.extraction.lexicon import match_labels, repair_token

    # two misread letters in a long word: repaired for OCR text only
    assert repair_token("rechmngsnr", True) == "rechnungsnr"
    assert repair_token("rechmngsnr") == "rechmngsnr"
    assert [m.field for m in match_labels(["imvoice", "no"], ocr=True)] == ["invoice_number"]
    assert match_labels(["imvoice", "no"]) == []
    # a plain word inside a name or an address line is not taken for a label
    assert match_labels(["riverside", "office", "supplies", "inc"], ocr=True) == []
    assert match_labels(["suite", "12"], ocr=True) == []
    # right after a label word, where a key goes on
    assert [m.field for m in match_labels(["invoice", "mumber"], ocr=True)] == ["invoice_number"]


def _receipt_items(
    lines: list[tuple[str, float, float] | tuple[str, float, float, float]], decimal_comma: bool
) -> list[dict[str, Any]]:
    """The items a narrow receipt page of these lines gives."""
    from finscribe.core.extraction.items import receipt_items
    from finscribe.core.extraction.labels import map_labels
    from finscribe.core.layout import analyze_layout
    from tests.core.layout_helpers import document, page

    layout = analyze_layout(document(page(lines, width=630, height=900)))
    return receipt_items(layout, map_labels(layout), decimal_comma)


def test_receipt_lines_with_ocr_specks_and_a_legend_without_percent_signs() -> None:
    items = _receipt_items(
        [
            ("COSTA TABACCHERIA", 40, 40), ("SCONTRINO", 40, 120),
            ("14/12/2024 07:15", 40, 160),
            ("QUADERNO A5", 40, 220), ("7,78 A.", 480, 220),
            ("PANE CASERECCIO", 40, 260), ("6,36. B", 480, 260),
            ("TOTALE", 40, 320), ("14,14", 480, 320),
            ("A", 40, 380), ("22", 100, 380), ("6,38", 250, 380), ("1,40", 350, 380),
            ("B", 40, 410), ("10", 100, 410), ("5,78", 250, 410), ("0,58", 350, 410),
        ],
        decimal_comma=True,
    )  # fmt: skip
    got = [(i["description"], i["amount"], i.get("tax_rate")) for i in items]
    assert got == [("QUADERNO A5", "7.78", "22"), ("PANE CASERECCIO", "6.36", "10")]


def test_misread_table_header_words_on_an_ocr_page_only() -> None:
    from finscribe.core.layout import analyze_layout, find_tables
    from tests.core.layout_helpers import document, page

    items = [
        ("Deacription", 100, 600), ("Qty", 900, 600), ("Price", 1050, 600),
        ("Amouut", 1350, 600),
        ("Item one", 100, 650), ("1", 900, 650), ("10.00", 1050, 650), ("10.00", 1350, 650),
    ]  # fmt: skip
    scanned = page(items)
    scanned.source = "ocr"
    tables = find_tables(analyze_layout(document(scanned)))
    assert [c.role for c in tables[0].columns] == [
        "description",
        "quantity",
        "unit_price",
        "amount",
    ]
    assert find_tables(analyze_layout(document(page(items)))) == []


def test_credit_note_amounts_read_without_their_minus_are_negative() -> None:
    from tests.core.layout_helpers import document, page

    p = page(
        [
            ("Description", 100, 600), ("Qty", 900, 600), ("Price", 1050, 600),
            ("Amount", 1350, 600),
            ("Item one", 100, 650), ("2", 900, 650), ("-10.00", 1050, 650), ("20.00", 1350, 650),
            ("Item two", 100, 700), ("1", 900, 700), ("5.00", 1050, 700), ("-5.00", 1350, 700),
            ("Subtotal", 1000, 800), ("25.00", 1350, 800),
            ("VAT 20%", 1000, 840), ("-5.00", 1350, 840),
            ("Total", 1000, 880), ("-30.00", 1350, 880),
        ]
    )  # fmt: skip
    doc = build_document(document(p), {"document_type": "credit_note"})
    fields = {k: v["value"] for k, v in doc["fields"].items()}
    assert (fields["subtotal"], fields["total_tax"], fields["total"]) == (
        "-25.00",
        "-5.00",
        "-30.00",
    )
    assert [(i["unit_price"], i["amount"]) for i in doc["line_items"]] == [
        ("-10.00", "-20.00"),
        ("-5.00", "-5.00"),
    ]
    codes = {i["code"] for i in doc["validation"]["issues"]}
    assert not codes & {"TOTAL_MISMATCH", "LINE_AMOUNT_MISMATCH", "LINES_SUBTOTAL_MISMATCH"}
    # an invoice keeps its signs as printed
    invoice = build_document(document(p), {"document_type": "invoice"})
    assert invoice["fields"]["subtotal"]["value"] == "25.00"


def test_window_address_under_a_sender_line_whose_dots_ocr_misread() -> None:
    from tests.core.layout_helpers import document, page

    p = page(
        [
            ("Holloway & Mercer LLC", 100, 100, 40), ("1396 Victoria Road", 100, 150),
            ("Denver, CO 80202", 100, 180),
            ("Holloway & Mercer LLC.. 1396 Victoria Road - Suite 499", 100, 330, 17),
            ("Olivia Whitmore", 100, 360), ("458 Queensway", 100, 390),
            ("Austin, TX 78701", 100, 420),
            ("Invoice #", 1000, 390), ("INV-38311", 1300, 390),
            ("Total", 1000, 900), ("360.00", 1300, 900),
        ]
    )  # fmt: skip
    doc = build_document(document(p), {"document_type": "invoice"})
    assert doc["fields"]["customer_name"]["value"] == "Olivia Whitmore"
    assert doc["fields"]["customer_address"]["value"] == "458 Queensway, Austin, TX 78701"


def test_table_cells_as_ocr_misreads_them() -> None:
    from tests.core.layout_helpers import document, page

    p = page(
        [
            ("Artikel", 100, 600), ("Menge", 700, 600), ("Preis/Einheit . MwSt.", 850, 600),
            ("Gesamt", 1350, 600),
            # "%" read as "8"; a lone "1" lost; a decimal mark lost; "6,25" in a "." locale
            ("Beratung", 100, 650), ("6,25", 700, 650), ("112.21", 850, 650), ("20 8", 1060, 650),
            ("701.31", 1350, 650),
            ("Wartung", 100, 700), ("112.00", 850, 700), ("20 %", 1060, 700),
            ("112.00", 1350, 700),
            ("Projekt", 100, 750), ("1025", 700, 750), ("110.00", 850, 750), ("20 %", 1060, 750),
            ("1,127.50", 1350, 750),
            ("Rabatt", 100, 800), ("20 %", 1060, 800), ("10.00", 1350, 800),
        ]
    )  # fmt: skip
    scanned = page([])
    scanned.lines = p.lines
    scanned.source = "ocr"
    items = build_document(document(scanned))["line_items"]
    got = [(i.get("quantity"), i.get("unit_price"), i.get("tax_rate"), i["amount"]) for i in items]
    assert got == [
        ("6.25", "112.21", "20", "701.31"),
        ("1", "112.00", "20", "112.00"),
        ("10.25", "110.00", "20", "1127.50"),
        (None, None, "20", "-10.00"),
    ]


def test_a_quantity_whose_decimals_ocr_lost_after_the_mark() -> None:
    from tests.core.layout_helpers import document, page

    p = page(
        [
            ("Description", 100, 600), ("Qty", 700, 600), ("Price", 850, 600),
            ("Amount", 1350, 600),
            ("Coffee beans", 100, 650), ("10.", 700, 650), ("23.00", 850, 650),
            ("248.40", 1350, 650),  # 10.8 x 23.00
            ("Tea", 100, 700), ("10.", 700, 700), ("23.00", 850, 700), ("230.00", 1350, 700),
        ]
    )  # fmt: skip
    p.source = "ocr"
    items = build_document(document(p))["line_items"]
    assert [i["quantity"] for i in items] == ["10.8", "10"]


def test_an_amount_cell_whose_decimal_mark_ocr_read_as_a_colon() -> None:
    from tests.core.layout_helpers import document, page

    p = page(
        [
            ("Item", 100, 600), ("Rate", 850, 600), ("Total", 1350, 600),
            ("Catering", 100, 650), ("627.50", 850, 650), ("627:50", 1350, 650),
            ("Consulting", 100, 700), ("130:90", 850, 700), ("130.90", 1350, 700),
        ]
    )  # fmt: skip
    p.source = "ocr"
    items = build_document(document(p))["line_items"]
    assert [(i["unit_price"], i["amount"]) for i in items] == [
        ("627.50", "627.50"),
        ("130.90", "130.90"),
    ]


def test_rate_cells_whose_gap_or_decimal_mark_ocr_misread() -> None:
    from tests.core.layout_helpers import document, page

    p = page(
        [
            ("Article", 100, 600), ("Qté", 700, 600), ("Prix", 850, 600), ("TVA", 1060, 600),
            ("Montant", 1350, 600),
            # "20 %" read "20.8": the gap as a dot, the sign as a digit
            ("Conseil", 100, 650), ("1", 700, 650), ("429.00", 850, 650), ("20.8", 1060, 650),
            ("429.00", 1350, 650),
            # "5.5 %" read "55 %": no VAT rate is 55
            ("Livres", 100, 700), ("1", 700, 700), ("16.21", 850, 700), ("55 %", 1060, 700),
            ("16.21", 1350, 700),
            ("Port", 100, 750), ("1", 700, 750), ("10.00", 850, 750), ("21 %", 1060, 750),
            ("10.00", 1350, 750),
        ]
    )  # fmt: skip
    p.source = "ocr"
    items = build_document(document(p))["line_items"]
    assert [i.get("tax_rate") for i in items] == ["20", "5.5", "21"]


@pytest.mark.parametrize(
    ("keys", "number"),
    [
        ([("Invoice 8 942/2022", 100, 300)], "942/2022"),  # the "#" read as a glyph
        ([("Invoice n0", 100, 300), ("INV065632", 100, 325)], "INV065632"),  # "No" as "n0"
        ([("Invoice", 100, 300), ("hvoice 8", 300, 300), ("INV-7823", 100, 325)], "INV-7823"),
    ],
)
def test_a_scanned_number_label_whose_glyphs_ocr_misread_is_no_number(
    keys: list[tuple[str, float, float]], number: str
) -> None:
    rows = [("Tax Invoice", 100, 240, 37), *keys, ("Total", 1000, 900), ("360.00", 1300, 900)]
    doc = build_document(_scan_doc(rows))
    assert doc["fields"]["invoice_number"]["value"] == number


def _scan_doc(rows: list[tuple[str, float, float] | tuple[str, float, float, float]]) -> Any:
    from tests.core.layout_helpers import document

    return document(_scan_page(rows))


def test_receipt_legend_rate_whose_percent_sign_was_read_as_a_digit() -> None:
    items = _receipt_items(
        [
            ("SHOP SA", 40, 40), ("14/12/2024 07:15", 40, 160),
            ("SUCCO", 40, 220), ("7,78 A", 480, 220),
            ("TOTALE", 40, 320), ("7,78", 480, 320),
            ("A", 40, 380), ("8,18", 100, 380), ("7,19", 250, 380), ("0,59", 350, 380),
        ],
        decimal_comma=True,
    )  # fmt: skip
    assert [i.get("tax_rate") for i in items] == ["8.1"]


def test_receipt_legend_rate_ocr_lost_is_what_its_net_and_tax_show() -> None:
    def rates(legend: list[tuple[str, float, float]]) -> list[str | None]:
        items = _receipt_items(
            [
                ("SHOP NV", 40, 40), ("14/12/2024 07:15", 40, 160),
                ("MELK", 40, 220), ("1,43 B", 480, 220),
                ("SCHRIFT", 40, 250), ("3,55 A", 480, 250),
                ("TOTAAL", 40, 320), ("4,98", 480, 320),
                *legend,
            ],
            decimal_comma=True,
        )  # fmt: skip
        return [i.get("tax_rate") for i in items]

    # "B 6%": the rate not read, the net 21.54 read where it stood: 1.29 / 21.54 is 6 %
    lost = [("B", 40, 380), ("21.54", 100, 380), ("1.29", 250, 380), ("22.83", 350, 380)]
    assert rates(lost) == ["6", None]
    # amounts that do not add up show no rate
    wrong = [("B", 40, 380), ("21.54", 100, 380), ("1.29", 250, 380), ("25.00", 350, 380)]
    assert rates(wrong) == [None, None]


def test_tax_rate_printed_apart_from_its_percent_sign_is_checked() -> None:
    from tests.core.layout_helpers import document, page

    def doc(tax: str, total: str) -> dict[str, Any]:
        p = page(
            [
                ("Sous-total HT :", 1000, 800), ("1 000,00", 1350, 800),
                ("TVA 20 %:", 1000, 840), (tax, 1350, 840),
                ("Total TTC :", 1000, 880), (total, 1350, 880),
            ]
        )  # fmt: skip
        return build_document(document(p), {"document_type": "invoice"})

    codes = {i["code"] for i in doc("250,00", "1 250,00")["validation"]["issues"]}
    assert "TAX_RATE_MISMATCH" in codes
    codes = {i["code"] for i in doc("200,00", "1 200,00")["validation"]["issues"]}
    assert "TAX_RATE_MISMATCH" not in codes


def test_receipt_tax_codes_as_ocr_reads_them() -> None:
    items = _receipt_items(
        [
            ("SHOP SA", 40, 40), ("14/12/2024 07:15", 40, 160),
            ("SUCCO", 40, 220), ("2.17 8", 480, 220),
            ("SAP", 40, 260), ("3..22 .B", 480, 260),
            ("TOTALE", 40, 320), ("5.39", 480, 320),
            ("B", 40, 380), ("10%", 100, 380), ("4.90", 250, 380), ("0.49", 350, 380),
        ],
        decimal_comma=False,
    )  # fmt: skip
    assert [(i["amount"], i.get("tax_rate")) for i in items] == [("2.17", "10"), ("3.22", "10")]


def test_label_words_glued_by_a_speck_on_a_scan() -> None:
    from finscribe.core.extraction.labels import map_labels
    from finscribe.core.layout import analyze_layout
    from tests.core.layout_helpers import document, page

    p = page([("Zahlbar.bis", 100, 100), ("N.I.F.: B12345678", 100, 140)])
    p.source = "ocr"
    fields = {h.field for h in map_labels(analyze_layout(document(p))).hits}
    assert "due_date" in fields
    assert "vendor_tax_id" in fields or "customer_tax_id" in fields


def test_thousands_group_printed_apart_stays_with_its_amount_and_a_1_read_as_7() -> None:
    from tests.core.layout_helpers import document, page

    p = page(
        [
            ("Description", 100, 600), ("Qté", 800, 600), ("Prix unitaire", 950, 600),
            ("TVA", 1250, 600), ("Montant", 1400, 600),
            # the rate and the amount read as one run of numbers
            ("Formation", 100, 650), ("10", 800, 650), ("1 155,00", 950, 650),
            ("20 % 11 550,00 EUR", 1250, 650),
            ("Wartung", 100, 700), ("7", 800, 700), ("723,95", 950, 700), ("20 %", 1250, 700),
            ("723,95", 1400, 700),
        ]
    )  # fmt: skip
    items = build_document(document(p))["line_items"]
    got = [(i.get("quantity"), i.get("unit_price"), i.get("tax_rate"), i["amount"]) for i in items]
    assert got == [("10", "1155.00", "20", "11550.00"), ("1", "723.95", "20", "723.95")]


def test_ocr_label_words_with_look_alike_letters_and_equally_near_label_variants() -> None:
    from finscribe.core.extraction.lexicon import match_labels, repair_token

    # m/n and a/o print alike: two look-alike swaps in a seven-letter word are one edit
    assert repair_token("imvaice", True) == "invoice"
    assert [m.field for m in match_labels(["imvaice", "no"], ocr=True)] == ["invoice_number"]
    # two unrelated letters are still too far for a word that short
    assert repair_token("ixvzice", True) == "ixvzice"
    # as near "rechnung-nr" as "rechnungs-nr": both name the invoice number
    assert [m.field for m in match_labels(["rechnunga-nr"], ocr=True)] == ["invoice_number"]


def test_a_column_of_garbled_keys_and_dates_is_no_window_address() -> None:
    from tests.core.layout_helpers import document, page

    p = page(
        [
            ("Riverside Print Works DAC", 700, 80, 34), ("80 Station Road", 700, 130),
            ("Limerick V94 T9PX", 700, 160),
            ("Tax Invoice", 100, 240, 30), ("Date", 100, 340), ("20-06-2022", 100, 370),
            ("Dyve", 100, 440), ("04-08-2022", 100, 470), ("Ternes", 100, 500),
            ("Net 45 days", 100, 530),
            ("Total", 1000, 900), ("360.00", 1300, 900),
        ]
    )  # fmt: skip
    p.source = "ocr"
    doc = build_document(document(p), {"document_type": "invoice"})
    assert "customer_name" not in doc["fields"]
    assert "customer_address" not in doc["fields"]


def _scan_page(items: list[tuple[str, float, float] | tuple[str, float, float, float]]) -> Any:
    from tests.core.layout_helpers import page

    p = page(items)
    p.source = "ocr"
    return p


_VENDOR_BLOCK = [
    ("Mercer Logistics plc", 900, 80, 34), ("52 Market Street", 900, 130),
    ("Bristol BS1 6QH", 900, 160),
    ("Credit Memo #", 900, 300), ("CN2540971", 1200, 300),
    ("Total", 1000, 900), ("360.00", 1300, 900),
]  # fmt: skip


@pytest.mark.parametrize(
    "caption",
    [
        [("Cukomer:", 100, 300)],  # a key OCR garbled past the lexicon
        [("Cuatame21", 100, 300)],  # its colon read as "21"
        [("Cudit Note No.", 100, 270), ("2022-77961", 100, 300)],  # a key and its value
        [("Mercer Logistics pk 52 Market Street Sute 12", 100, 300, 17)],  # the sender line
        # the sender line as large as the address, its dots read as " . "
        [("Mecer Logistcs pic . 52 Markat Street . Bristol BS1 6QH", 100, 300)],
        # the sender line garbled past its name, without separators
        [("Merer Lgstics ple 52 Markt Stret Bristl BS1 6QH", 100, 300)],
    ],
)
def test_a_garbled_caption_over_a_scanned_window_address_is_not_the_name(
    caption: list[tuple[str, float, float] | tuple[str, float, float, float]],
) -> None:
    from tests.core.layout_helpers import document

    block = [("Michael Fairfax", 100, 330), ("Mill Lane 152", 100, 360), ("50667 Köln", 100, 390)]
    doc = build_document(document(_scan_page(_VENDOR_BLOCK + caption + block)))
    assert doc["fields"]["customer_name"]["value"] == "Michael Fairfax"
    assert doc["fields"]["customer_address"]["value"] == "Mill Lane 152, 50667 Köln"


def test_a_garbled_line_over_a_company_name_is_not_the_name() -> None:
    from tests.core.layout_helpers import document

    block = [
        ("Müller à zohlee", 100, 300, 17),  # the sender line, small and garbled past a separator
        ("Bäcker Steuerberatung AG", 100, 330), ("Mill Lane 152", 100, 360),
        ("50667 Köln", 100, 390),
    ]  # fmt: skip
    doc = build_document(document(_scan_page(_VENDOR_BLOCK + block)))
    assert doc["fields"]["customer_name"]["value"] == "Bäcker Steuerberatung AG"
    assert doc["fields"]["customer_address"]["value"] == "Mill Lane 152, 50667 Köln"


def test_a_garbled_key_and_its_value_left_of_the_window_address_are_no_customer() -> None:
    from tests.core.layout_helpers import document

    keys = [("lavoke 00", 100, 300), ("SI2223244", 100, 330), ("bsoc Date", 100, 400)]
    block = [
        ("Blackwood Analytics LLP", 600, 300), ("127 Station Road", 600, 330),
        ("Leeds LS1 5AB", 600, 360),
    ]  # fmt: skip
    doc = build_document(document(_scan_page(_VENDOR_BLOCK + keys + block)))
    assert doc["fields"]["customer_name"]["value"] == "Blackwood Analytics LLP"
    assert doc["fields"]["customer_address"]["value"] == "127 Station Road, Leeds LS1 5AB"


@pytest.mark.parametrize(
    "name", ["Michael Fairfax", "Mercer Logistics Ltd", "Mercer Legal Services"]
)
def test_a_customer_named_like_the_vendor_is_no_sender_line(name: str) -> None:
    from tests.core.layout_helpers import document

    block = [(name, 100, 330), ("Mill Lane 152", 100, 360), ("50667 Köln", 100, 390)]
    doc = build_document(document(_scan_page(_VENDOR_BLOCK + block)))
    assert doc["fields"]["customer_name"]["value"] == name
    assert doc["fields"]["customer_address"]["value"] == "Mill Lane 152, 50667 Köln"


def test_a_name_over_a_street_without_number_is_kept() -> None:
    from tests.core.layout_helpers import document

    block = [("Michael Fairfax", 100, 330), ("Marktplatz", 100, 360), ("50667 Köln", 100, 390)]
    doc = build_document(document(_scan_page(_VENDOR_BLOCK + block)))
    assert doc["fields"]["customer_name"]["value"] == "Michael Fairfax"


@pytest.mark.parametrize(
    ("read", "meant"),
    [
        ("23 King Street.", "23 King Street"),
        ("10115 Berlin.,", "10115 Berlin"),
        ("Viale dei Mille.168", "Viale dei Mille 168"),
        ("Via Dante. Alighieri 110", "Via Dante Alighieri 110"),
        ("Paseo de Gracia, 108 . 48001 Bilbao", "Paseo de Gracia, 108 · 48001 Bilbao"),
        ("Hauptstr. 5", "Hauptstr. 5"),
        ("Avda. de la Paz 2", "Avda. de la Paz 2"),
        ("2. OG", "2. OG"),
        ("St. Albans AL1 3AB", "St. Albans AL1 3AB"),
        ("50667 Kö1n", "50667 Köln"),  # a 1 between lower-case letters is an l
        ("Glasgow G1 1AA", "Glasgow G1 1AA"),
        ("Hauptatraße 155", "Hauptstraße 155"),  # one letter of a street ending misread
        ("Gartenstrasse 2", "Gartenstrasse 2"),
        ("Kerkstraet 3", "Kerkstraat 3"),
        ("10115 Berlin, Deutachland", "10115 Berlin, Deutschland"),  # a country name misread
        ("Caterreich", "Österreich"),
        ("Belgié", "België"),  # only its accent
        ("Uhited Kingdom", "United Kingdom"),
        ("Holland Park", "Holland Park"),
        ("Austin", "Austin"),
        ("Gebäude 3., 80331 München", "Gebäude 3, 80331 München"),  # a speck after a number
        ("Boston, MA 02110., USA", "Boston, MA 02110, USA"),
        ("2000. NEUCHÂTEL", "2000 NEUCHÂTEL"),
        ("3. Stock", "3. Stock"),  # an ordinal keeps its dot
        ("Bátiment B", "Bâtiment B"),  # a building word's accent misread
        ("Unít 4", "Unit 4"),
        ("Lindenallee 5, Allee 3", "Lindenallee 5, Allee 3"),  # German "Allee", French "Allée"
        ("Gartenstrasse 2, Strasse 4", "Gartenstrasse 2, Strasse 4"),
        ("Dorpsstraat17", "Dorpsstraat 17"),  # a space lost before the number
        ("13008MARSEILLE", "13008 MARSEILLE"),  # and after a postcode
        ("Mil1 Lane", "Mil1 Lane"),  # a 1 that may be an l stays for the town and name checks
        ("Suite 12A", "Suite 12A"),
        ("Kanaalstraat 73 - 9000 Gent - Beigié", "Kanaalstraat 73 · 9000 Gent · België"),
        ("Saint-Denis", "Saint-Denis"),
        ("157.Queensway, Unit 4", "157 Queensway, Unit 4"),  # a speck glued in
        ("10115.Berlin", "10115 Berlin"),
        ("3.Stock", "3.Stock"),  # a one-digit ordinal
        ("113. Park Avenue", "113 Park Avenue"),
        ("12. Stock", "12. Stock"),
        ("London, EC1V 98D", "London, EC1V 9BD"),  # a British postcode's B read as 8
        ("Manchester MI 48T", "Manchester M1 4BT"),
        ("London, ECIV.9BD", "London, EC1V 9BD"),
        ("Cambridge, CB21TN", "Cambridge, CB2 1TN"),
        ("Cork T12 RX9K", "Cork T12 RX9K"),  # an Eircode is left alone
        ("Chicago, IL 60606", "Chicago, IL 60606"),
    ],
)
def test_specks_read_as_dots_in_a_scanned_address(read: str, meant: str) -> None:
    from finscribe.core.extraction.parties import clean_ocr_address

    assert clean_ocr_address(read) == meant


def test_scanned_table_whose_header_words_ocr_garbled() -> None:
    from tests.core.layout_helpers import document

    rows = [
        # "Item" read "tem", "Qté" read "Qt6", a speck read "01" inside the header segment
        ("tem", 100, 600), ("Qt6", 700, 600), ("Price", 850, 600), ("Tax 01", 960, 600),
        ("Total", 1100, 600),
        ("Training workshop", 100, 650), ("20", 700, 650), ("17.13", 850, 650),
        ("20%", 960, 650), ("342.60", 1100, 650),
        ("Consulting", 100, 700), ("3", 700, 700), ("10.00", 850, 700), ("20%", 960, 700),
        ("30.00", 1100, 700),
        ("Subtotal", 850, 800), ("372.60", 1100, 800),
    ]  # fmt: skip
    doc = build_document(document(_scan_page(rows)))
    got = [
        (i["description"], i.get("quantity"), i["unit_price"], i["amount"])
        for i in doc["line_items"]
    ]
    assert got == [
        ("Training workshop", "20", "17.13", "342.60"),
        ("Consulting", "3", "10.00", "30.00"),
    ]
    assert schema_errors(doc) == []
    # the same header on a text layer is no table: only scans get the benefit of the doubt
    from tests.core.layout_helpers import page

    assert build_document(document(page(rows)))["line_items"] == []


def test_quantities_ocr_lost_are_the_ones_that_make_the_line_add_up() -> None:
    from tests.core.layout_helpers import document

    rows = [
        ("Description", 100, 600), ("Qty", 700, 600), ("Price", 850, 600), ("Total", 1100, 600),
        ("Software development", 100, 650), ("130.50", 850, 650), ("522.00", 1100, 650),
        ("Project management", 100, 700), ("188.00", 850, 700), ("414.00", 1100, 700),
        ("Office chair", 100, 750), ("12", 700, 750), ("343.90", 850, 750),
        ("4,126.80", 1100, 750),
        ("Subtotal", 850, 850), ("5,062.80", 1100, 850),
    ]  # fmt: skip
    doc = build_document(document(_scan_page(rows)))
    items = doc["line_items"]
    assert [i.get("quantity") for i in items] == ["4", None, "12"]
    assert not any(k.startswith("_") for i in items for k in i)
    issues = [i for i in doc["validation"]["issues"] if i["code"] == "LINE_AMOUNT_MISMATCH"]
    assert [i["fields"] for i in issues] == [["line_items[1].unit_price", "line_items[1].amount"]]


@pytest.mark.parametrize(
    ("read", "meant"),
    [
        ("Navarro.Suministros S.L.U.", "Navarro Suministros S.L.U."),
        ("Vogel Maschinenbau Särl", "Vogel Maschinenbau Sàrl"),
        ("Gallo Forniture Sârl", "Gallo Forniture Sàrl"),
        ("N.V. Lumen", "N.V. Lumen"),
        ("3M Co.", "3M Co."),
        ("Whitmore Software ple", "Whitmore Software plc"),  # c/e in the legal form
        ("James Hartley", "James Hartley"),
        ("Acme Gmbh", "Acme Gmbh"),
        ("Costa & Mancini S.r.I.", "Costa & Mancini S.r.l."),  # l read as I in a dotted form
        ("García y Romero 8.L.", "García y Romero S.L."),  # S read as 8
        ("Lumen S.A.", "Lumen S.A."),
        ("Studio 5.4.", "Studio 5.4."),  # no form is near
    ],
)
def test_scanned_party_names_put_right(read: str, meant: str) -> None:
    from finscribe.core.extraction.parties import clean_ocr_name

    assert clean_ocr_name(read) == meant


def test_initials_ocr_spaced_apart_still_make_their_label() -> None:
    from tests.core.layout_helpers import document

    rows = [("Avenida de Andalucía, 64", 100, 150), ("N. I.F. ESA14818959", 100, 180)]
    doc = build_document(document(_scan_page(_VENDOR_BLOCK + rows)))
    assert doc["fields"]["vendor_tax_id"]["value"] == "ESA14818959"


def test_a_misread_line_amount_the_subtotal_and_its_own_price_contradict() -> None:
    from decimal import Decimal

    from finscribe.core.extraction.repairs import amounts_the_sums_confirm

    def lines(*amounts: str) -> list[dict[str, Any]]:
        rows = [("2", "897.01"), ("1", "500.00"), ("3", "10.00")]
        return [
            {"quantity": q, "unit_price": p, "amount": a, "page": 1}
            for (q, p), a in zip(rows, amounts, strict=True)
        ]

    # "11794.02" read for 1794.02: quantity x price and the subtotal agree against it
    items = lines("11794.02", "500.00", "30.00")
    assert amounts_the_sums_confirm(items, [Decimal("2324.02")], {1}) == [0]
    assert items[0]["amount"] == "1794.02"
    # on a text layer the vendor's printed amount stands (validation reports it)
    items = lines("11794.02", "500.00", "30.00")
    assert amounts_the_sums_confirm(items, [Decimal("2324.02")], set()) == []
    # a vendor's wrong price: the amounts as read add up, nothing is changed
    items = lines("1794.02", "550.00", "30.00")
    assert amounts_the_sums_confirm(items, [Decimal("2374.02")], {1}) == []
    assert items[1]["amount"] == "550.00"
    # the sums do not confirm q x p either: left as read
    items = lines("11794.02", "500.00", "30.00")
    assert amounts_the_sums_confirm(items, [Decimal("2000.00")], {1}) == []


@pytest.mark.parametrize(
    ("label", "value", "tax_id"),
    [
        ("TVA 21 %", "6.917.08", None),  # a tax row of the totals: its amount is no tax ID
        ("N° TVA intracom.", "FR 40 303 265 045", "FR40303265045"),
    ],
)
def test_an_amount_beside_a_tax_label_is_no_tax_id(
    label: str, value: str, tax_id: str | None
) -> None:
    from finscribe.core.extraction.candidates import DocFacts, generate
    from finscribe.core.extraction.labels import map_labels
    from finscribe.core.layout import analyze_layout
    from tests.core.layout_helpers import document

    layout = analyze_layout(document(_scan_page([(label, 900, 1000), (value, 1200, 1000)])))
    facts = DocFacts(decimal_comma=None, date_order="DMY", table_segments=set(),
                     customer_segments=set())  # fmt: skip
    found = {c.value for c in generate(layout, map_labels(layout), facts)["vendor_tax_id"]}
    assert found == ({tax_id} if tax_id else set())


def test_a_currency_sign_read_as_a_digit_is_dropped_where_the_sums_say_so() -> None:
    from tests.core.layout_helpers import document, page

    rows = [
        ("Invoice No. INV-7", 100, 300),
        ("Subtotal", 1000, 1700), ("8657.20", 1300, 1700),  # "£657.20" on paper
        ("VAT 20%", 1000, 1740), ("131.44", 1300, 1740),
        ("Total", 1000, 1780), ("788.64", 1300, 1780),
    ]  # fmt: skip
    scanned = build_document(document(_scan_page(_VENDOR_BLOCK[:3] + rows)))
    assert scanned["fields"]["subtotal"]["value"] == "657.20"
    assert scanned["fields"]["subtotal"]["text"] == "8657.20"
    # a text layer is read exactly: the printed sums do not add up, and validation says so
    digital = build_document(document(page(_VENDOR_BLOCK[:3] + rows)))
    assert digital["fields"]["subtotal"]["value"] == "8657.20"
    assert "TOTAL_MISMATCH" in {i["code"] for i in digital["validation"]["issues"]}


def test_a_label_remnant_glued_to_a_scanned_vat_id_is_dropped_where_the_rest_is_valid() -> None:
    from tests.core.layout_helpers import document

    rows = [("VAT", 900, 1000), ("NOGB720351031", 1000, 1000)]  # "VAT No.GB 720 3510 31"
    doc = build_document(document(_scan_page(_VENDOR_BLOCK + rows)))
    assert doc["fields"]["vendor_tax_id"]["value"] == "GB720351031"
    # a Norwegian VAT number keeps its "NO"
    rows = [("VAT", 900, 1000), ("NO123456785MVA", 1000, 1000)]
    doc = build_document(document(_scan_page(_VENDOR_BLOCK + rows)))
    assert doc["fields"]["vendor_tax_id"]["value"] == "NO123456785MVA"


def test_scanned_references_with_a_misread_dash_and_a_lone_glyph() -> None:
    from tests.core.layout_helpers import document, page

    rows = [
        ("Invoice No.", 900, 300), ("INV=19366", 1200, 300),
        ("PO Number", 900, 340), ("8", 1200, 340),
        ("Payment terms", 900, 380), ("Net 45days", 1200, 380),
    ]  # fmt: skip
    scanned = build_document(document(_scan_page(_VENDOR_BLOCK[:3] + rows)))["fields"]
    assert scanned["invoice_number"]["value"] == "INV-19366"
    assert "purchase_order" not in scanned  # a lone "8" on a scan is no order number
    assert scanned["payment_terms"]["value"] == "Net 45 days"
    printed = build_document(document(page(_VENDOR_BLOCK[:3] + rows)))["fields"]
    assert printed["invoice_number"]["value"] == "INV=19366"  # a text layer is read as is
    assert printed["purchase_order"]["value"] == "8"


def test_a_skewed_scan_whose_first_header_cell_landed_on_the_row_above() -> None:
    from tests.core.layout_helpers import document, page

    rows = [
        ("Bezeichnung", 100, 570),  # a few pixels higher than the rest of its header row
        ("Menge", 700, 600), ("Preis", 850, 600), ("Gesamtpreis", 1100, 600),
        ("Beratungsleistung", 100, 650), ("6", 700, 650), ("165.41", 850, 650),
        ("992.46", 1100, 650),
        ("Summe netto", 850, 750), ("992.46", 1100, 750),
    ]  # fmt: skip
    items = build_document(document(_scan_page(rows)))["line_items"]
    assert [(i["description"], i["quantity"], i["amount"]) for i in items] == [
        ("Beratungsleistung", "6", "992.46")
    ]
    assert build_document(document(page(rows)))["line_items"] == []  # text layers: no guess


def test_scanned_credit_note_with_minus_signs_lost_or_read_as_dots() -> None:
    from tests.core.layout_helpers import document

    rows = [
        ("Description", 100, 600), ("Unit", 700, 600), ("Unit Price", 900, 600),
        ("Line Total", 1250, 600),
        # a rate glued to the price ("-10.00 23%"), minus signs lost or read as "."
        ("Coffee beans", 100, 650), ("2 kg", 700, 650), ("-10.00 23%", 900, 650),
        ("-20.00", 1250, 650),
        ("Catering", 100, 700), ("ea", 700, 700), ("-30.00 23%", 900, 700),
        ("-30.00", 1250, 700),
        ("Delivery", 100, 750), ("ea", 700, 750), ("50.00 23%", 900, 750),
        ("1,050.00", 1250, 750),
        ("Subtotal", 1000, 850), ("1,100.00", 1250, 850),
        ("VAT 23%", 1000, 890), ("253.00", 1250, 890),
        ("Total", 1000, 930), (".1,353.00", 1250, 930),
    ]  # fmt: skip
    doc = build_document(document(_scan_page(rows)), {"document_type": "credit_note"})
    items = doc["line_items"]
    assert [(i["unit_price"], i["tax_rate"], i["amount"]) for i in items] == [
        ("-10.00", "23", "-20.00"),
        ("-30.00", "23", "-30.00"),
        ("-50.00", "23", "-1050.00"),
    ]
    fields = {k: v["value"] for k, v in doc["fields"].items()}
    assert (fields["subtotal"], fields["total"]) == ("-1100.00", "-1353.00")
    codes = {i["code"] for i in doc["validation"]["issues"]}
    assert "LINES_SUBTOTAL_MISMATCH" not in codes


def _scan_lines(items: list[tuple[str, float, float, float]]) -> Any:
    """A scanned page of ``(text, x, y, confidence)`` lines."""
    from tests.core.layout_helpers import line

    lines = [line(text, x, y, 22.0, conf) for text, x, y, conf in items]
    return PageText(1, 1654, 2339, 200, "ocr", lines)


def test_scanned_lines_put_right_where_one_misread_glyph_explains_them() -> None:
    rows = [
        ("Omschrijving", 100, 600, 1.0), ("Eenheid", 700, 600, 1.0),
        ("Prijs", 900, 600, 1.0), ("Btw", 1050, 600, 1.0), ("Bedrag", 1250, 600, 1.0),
        # "1 st." read "2 st." (unsure), the rate "0%" read "05"
        ("Hoekbeugels", 100, 650, 1.0), ("2 st.", 700, 650, 0.82), ("5.18", 900, 650, 0.97),
        ("05", 1050, 650, 0.9), ("5.18", 1250, 650, 0.96),
        # "$1,320.50" and "$33,012.50" with the dollar read as an 8
        ("Workshop", 100, 700, 1.0), ("25 h", 700, 700, 0.99),
        ("81,320.50", 900, 700, 0.99), ("21%", 1050, 700, 1.0),
        ("833,012.50", 1250, 700, 0.99),
        ("Subtotaal", 1000, 800, 1.0), ("33,017.68", 1250, 800, 1.0),
    ]  # fmt: skip
    doc = build_document(DocumentText("image/png", [_scan_lines(rows)]))
    got = [
        (i["quantity"], i["unit_price"], i.get("tax_rate"), i["amount"]) for i in doc["line_items"]
    ]
    assert got == [("1", "5.18", "0", "5.18"), ("25", "1320.50", "21", "33012.50")]
    codes = {i["code"] for i in doc["validation"]["issues"]}
    assert not codes & {"LINE_AMOUNT_MISMATCH", "LINES_SUBTOTAL_MISMATCH"}


@pytest.mark.parametrize(
    ("read", "iban"),
    [
        # groups run together, a BIC read right after it
        ("IBAN: DE10 25750001 1058 6954 77. BICI NOLADE22CEL.", "DE10257500011058695477"),
        ("IBAN: ES48 0187 7724 4969 6371 4350: BIC: ALCLESMM", "ES4801877724496963714350"),
        ("Rekeningnummer.BE08 0961 2381 9713", "BE08096123819713"),  # its label glued on
        ("IBAN:.NL93 ZWLB 4977 9958 25", "NL93ZWLB4977995825"),  # glued by a colon and a speck
    ],
)
def test_scanned_ibans_in_a_payment_line(read: str, iban: str) -> None:
    from tests.core.layout_helpers import document

    doc = build_document(document(_scan_page([*_VENDOR_BLOCK, (read, 100, 2100)])))
    assert doc["fields"]["vendor_iban"]["value"] == iban


def test_a_scanned_iban_whose_bank_code_ocr_misread_is_put_right_by_the_bic_printed() -> None:
    from tests.core.layout_helpers import document

    rows = [("IBAN: NL77 BCTT 8377 8474 44", 100, 2100), ("Swift/BIC BCITNL2A", 100, 2130)]
    doc = build_document(document(_scan_page([*_VENDOR_BLOCK, *rows])))
    assert doc["fields"]["vendor_iban"]["value"] == "NL77BCIT8377847444"


@pytest.mark.parametrize("label", ["Nº de factura", "N' de factura", "N’ de factura"])
def test_the_ordinal_sign_of_a_number_label_read_as_an_apostrophe(label: str) -> None:
    from tests.core.layout_helpers import document

    p = _scan_page([*_VENDOR_BLOCK[:3], (label, 1000, 400), ("926/2023", 1000, 430)])
    doc = build_document(document(p), {"document_type": "invoice"})
    assert doc["fields"]["invoice_number"]["value"] == "926/2023"


def test_the_issuer_on_top_whose_legal_form_ocr_misread_is_still_the_vendor() -> None:
    rows = [
        ("FACTURA", 111, 96, 36),
        ("García y Romero 8.L.", 116, 145, 32), ("Avenida de Andalucia, 130", 116, 175),
        ("48001 Bilbao", 112, 200),
        ("N° de factura: A-2024-8422", 116, 265), ("Fecha de factura: 14-03-2024", 109, 291),
        ("Ciantes", 110, 368, 17),  # "Cliente:" garbled past the lexicon
        ("Domínguez y Martínez S.L.U.", 115, 387, 32), ("Calle Real, 24, bajo", 116, 413),
        ("41001 Sevilla", 117, 440),
        ("Total", 1000, 900), ("360,00", 1300, 900),
    ]  # fmt: skip
    fields = build_document(_scan_doc(rows))["fields"]
    assert fields["vendor_name"]["value"] == "García y Romero S.L."
    assert fields["customer_name"]["value"] == "Domínguez y Martínez S.L.U."


def test_of_unlabelled_blocks_the_one_with_a_postcode_and_town_is_the_customer() -> None:
    rows = [
        ("Distribuciones Muñoz S.L.", 81, 73, 28), ("Avenida de la Constitución, 51", 80, 120),
        ("08007 Barcelona", 80, 150),
        ("Instalaciones Gómez S.L.", 716, 228), ("Avenida de la Constitución, 95", 714, 256),
        ("48001 Bilbao", 715, 284),
        # items whose table header OCR lost, further left
        ("Instalación y configuración de equipos de red", 89, 433), ("-2.609,75", 1061, 433),
        ("Rediseño del sitio web, fase 2", 91, 466), ("-5.995,90", 1061, 466),
        ("Portes y embalaje", 89, 499), ("-74,00", 1089, 499),
        ("Gestión de proyecto", 91, 532), ("-1.487,50", 1061, 532),
        ("Total", 1000, 900), ("360,00", 1300, 900),
    ]  # fmt: skip
    fields = build_document(_scan_doc(rows))["fields"]
    assert fields["customer_name"]["value"] == "Instalaciones Gómez S.L."
    assert fields["customer_address"]["value"] == "Avenida de la Constitución, 95, 48001 Bilbao"
