"""Layout on hand-placed text: rows, segments, tables (split headers, wrapped rows, pages)."""

from __future__ import annotations

from finscribe.core.extraction import build_document
from finscribe.core.layout import analyze_layout, find_tables
from tests.core.layout_helpers import document, page


def test_rows_keep_a_big_title_apart_from_small_lines() -> None:
    p = page([("INVOICE", 100, 100, 75), ("12 Main Street", 900, 100), ("Springfield", 900, 130)])
    rows = analyze_layout(document(p)).pages[0].rows
    texts = sorted(r.text for r in rows)
    assert texts == ["12 Main Street", "INVOICE", "Springfield"]


def test_segments_split_on_wide_gaps_only() -> None:
    p = page([("Invoice No.", 100, 100), ("INV-7", 600, 100)])
    segs = analyze_layout(document(p)).pages[0].rows[0].segments
    assert [s.text for s in segs] == ["Invoice No.", "INV-7"]


def test_header_cells_printed_together_become_columns() -> None:
    p = page([
        ("Description", 100, 600), ("Qty Unit Price", 800, 600), ("Amount", 1300, 600),
        ("Widgets", 100, 650), ("3", 800, 650), ("2.00", 1000, 650), ("6.00", 1300, 650),
    ])  # fmt: skip
    tables = find_tables(analyze_layout(document(p)))
    assert len(tables) == 1
    roles = [c.role for c in tables[0].columns]
    assert roles == ["description", "quantity", "unit_price", "amount"]


def test_table_continues_on_the_next_page_without_a_header() -> None:
    first = page([
        ("Description", 100, 600), ("Qty", 900, 600), ("Price", 1050, 600), ("Amount", 1350, 600),
        ("Item one", 100, 650), ("1", 900, 650), ("10.00", 1050, 650), ("10.00", 1350, 650),
        ("Item two", 100, 700), ("2", 900, 700), ("5.00", 1050, 700), ("10.00", 1350, 700),
    ])  # fmt: skip
    second = page(
        [
            ("Item three", 100, 300), ("3", 900, 300), ("1.00", 1050, 300), ("3.00", 1350, 300),
            ("long name that", 100, 350), ("1", 900, 350), ("7.00", 1050, 350),
            ("7.00", 1350, 350),
            ("wraps onto two lines", 100, 378),
            ("Subtotal", 1000, 500), ("30.00", 1350, 500),
            ("Total", 1000, 540), ("30.00", 1350, 540),
        ],
        number=2,
    )  # fmt: skip
    doc = build_document(document(first, second))
    items = doc["line_items"]
    assert [i["page"] for i in items] == [1, 1, 2, 2]
    assert items[3]["description"] == "long name that wraps onto two lines"
    assert [i["amount"] for i in items] == ["10.00", "10.00", "3.00", "7.00"]
    assert doc["fields"]["subtotal"]["value"] == "30.00"
    assert not [i for i in doc["validation"]["issues"] if i["code"].startswith("LINE")]


def _two_line_header(y: float) -> list[tuple[str, float, float, float]]:
    """``Prix unitaire`` over ``HT`` beside a one-line header row (the second line is no
    column word of its own)."""
    return [
        ("Prix unitaire", 1160, y - 16, 22), ("Désignation", 144, y, 22),
        ("Qté Unité", 968, y, 22), ("Total HT", 1409, y, 22), ("HT", 1271, y + 16, 22),
    ]  # fmt: skip


def test_a_repeated_two_line_header_continues_the_table_on_the_next_page() -> None:
    first = page([
        *_two_line_header(720),
        ("Café en grains", 144, 800), ("7 kg", 996, 800), ("27,95", 1241, 800),
        ("195,65", 1433, 800),
        ("suite page suivante", 144, 840),
    ])  # fmt: skip
    second = page([
        ("Facture 2021-83484 (suite)", 1202, 114),
        *_two_line_header(280),
        ("Frais de port", 144, 352), ("1 forfait", 996, 352), ("90,88", 1241, 352),
        ("90,88", 1447, 352),
        ("Total HT", 1100, 500), ("286,53", 1433, 500),
    ], number=2)  # fmt: skip
    doc = build_document(document(first, second))
    assert [(i["page"], i["amount"]) for i in doc["line_items"]] == [(1, "195.65"), (2, "90.88")]


def test_a_thousands_group_printed_apart_stays_with_its_amount() -> None:
    # "2 831,20 EUR" right-aligned under "Montant": its lone "2" nearer the price column
    p = page([
        ("Libellé", 128, 600), ("Quantité U.", 902, 600), ("Prix", 1277, 600),
        ("Montant", 1449, 600),
        ("Conseil", 128, 650), ("16 h", 930, 650), ("176,95 EUR", 1211, 650),
        ("2", 1365, 650), ("831,20 EUR", 1392, 650),
    ])  # fmt: skip
    items = build_document(document(p))["line_items"]
    assert [(i["quantity"], i["unit_price"], i["amount"]) for i in items] == [
        ("16", "176.95", "2831.20")
    ]


def test_a_scanned_header_ocr_boxed_as_two_rows_is_one_header() -> None:
    rows = [
        ("Item", 100, 600), ("Line Total", 1100, 600),  # the header's cells read a line apart
        ("Qty", 700, 626), ("Pric", 850, 626),  # "Price" cut short: no column word
        ("Consulting services", 100, 680), ("10", 700, 680), ("112.00", 850, 680),
        ("1,120.00", 1100, 680),
        ("Subtotal", 850, 760), ("1,120.00", 1100, 760),
    ]  # fmt: skip
    scan = page(rows)
    scan.source = "ocr"
    items = build_document(document(scan))["line_items"]
    assert [(i.get("quantity"), i["amount"]) for i in items] == [("10", "1120.00")]
    # on a text layer two rows stay two rows: no table
    assert build_document(document(page(rows)))["line_items"] == []


def test_stacked_lines_read_with_tall_boxes_stay_two_rows() -> None:
    # right-aligned address lines whose OCR boxes overlap in height: "Unit 4" sits over
    # "Limerick V94 T9PX", not inside it (two lines that overlap across the page are stacked)
    p = page([
        ("48 Victoria Road", 904, 100, 24), ("Unit 4", 1024, 130, 24),
        ("Limerick V94 T9PX", 841, 140, 30),
    ])  # fmt: skip
    p.source = "ocr"
    rows = [[s.text for s in r.segments] for r in analyze_layout(document(p)).pages[0].rows]
    assert rows == [["48 Victoria Road"], ["Unit 4"], ["Limerick V94 T9PX"]]


def test_side_by_side_lines_still_share_a_row() -> None:
    p = page([("Invoice No.", 100, 100), ("INV-7", 600, 104, 26)])
    p.source = "ocr"
    rows = analyze_layout(document(p)).pages[0].rows
    assert [[s.text for s in r.segments] for r in rows] == [["Invoice No.", "INV-7"]]


def test_a_scanned_header_whose_description_cell_ocr_lost() -> None:
    # "Description" printed small and grey was not read, "Unit" read "Uhit": the cells
    # naming quantities, prices and amounts on the right and the text under them on the
    # left still make the table
    rows = [
        ("Hours/Qty Unit", 680, 543), ("Uhit Price", 894, 543), ("Amount", 1082, 543),
        ("Software development", 96, 578), ("40.25 h", 722, 578), ("115.00", 935, 578),
        ("4,628.75", 1068, 578),
        ("Support", 96, 620), ("2", 740, 620), ("50.00", 935, 620), ("100.00", 1068, 620),
        ("Subtotal:", 676, 680), ("4,728.75", 1066, 680),
    ]  # fmt: skip
    scan = page(rows)
    scan.source = "ocr"
    items = build_document(document(scan))["line_items"]
    got = [(i["description"], i.get("quantity"), i.get("unit_price"), i["amount"]) for i in items]
    assert got == [
        ("Software development", "40.25", "115.00", "4628.75"),
        ("Support", "2", "50.00", "100.00"),
    ]


def test_a_totals_block_is_no_table_without_its_description_cell() -> None:
    rows = [
        ("Qty", 680, 543), ("Price", 894, 543), ("Amount", 1082, 543),
        ("Subtotal:", 96, 578), ("100.00", 1068, 578),
    ]  # fmt: skip
    scan = page(rows)
    scan.source = "ocr"
    assert build_document(document(scan))["line_items"] == []


def test_a_scanned_header_whose_amount_cell_ocr_lost() -> None:
    # "Amount" and the "Price" of "Unit Price" printed small and grey were not read: the
    # amounts right of every cell make the amount column, the amounts under "Unit" prices
    rows = [
        ("escription", 114, 425), ("Quantity", 682, 425), ("Unit", 800, 425),
        ("Tax", 947, 425),
        ("Office chair", 106, 460), ("6", 740, 460), ("292.00", 842, 460), ("23%", 950, 460),
        ("1,752.00", 1056, 460),
        ("Toner cartridge", 107, 492), ("10", 743, 492), ("107.00", 843, 492),
        ("23%", 950, 492), ("1,070.00", 1057, 492),
        ("Sub-total:", 666, 560), ("2,822.00", 1053, 560),
    ]  # fmt: skip
    scan = page(rows)
    scan.source = "ocr"
    items = build_document(document(scan))["line_items"]
    got = [(i.get("quantity"), i.get("unit_price"), i.get("tax_rate"), i["amount"]) for i in items]
    assert got == [("6", "292.00", "23", "1752.00"), ("10", "107.00", "23", "1070.00")]
