"""Each validation rule with a document that fails it and one that passes it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from finscribe.core.validation import needs_review, validate
from finscribe.settings import ValidationSettings

TODAY = date(2026, 11, 23)


def doc(
    fields: dict[str, str], lines: list[dict[str, str]] | None = None, kind: str = "invoice"
) -> dict[str, Any]:
    base = {
        "invoice_number": "INV-1",
        "invoice_date": "2026-10-01",
        "vendor_name": "ACME GmbH",
        "total": "120.00",
    }
    base.update(fields)
    return {
        "schema_version": "1",
        "document_type": kind,
        "language": "en",
        "pages": [],
        "fields": {
            k: {"value": v, "confidence": 0.9, "page": 1, "bbox": [0, 0, 1, 1], "text": v}
            for k, v in base.items()
            if v != ""
        },
        "line_items": lines or [],
    }


def codes(document: dict[str, Any], **kw: Any) -> list[str]:
    return [i["code"] for i in validate(document, today=TODAY, **kw)["issues"]]


LINES_OK = [
    {"description": "a", "quantity": "2", "unit_price": "25.00", "amount": "50.00"},
    {"description": "b", "quantity": "1", "unit_price": "50.00", "amount": "50.00"},
]
for _line in LINES_OK:
    _line["tax_rate"] = "20"
GOOD = {"subtotal": "100.00", "total_tax": "20.00", "total": "120.00"}


def test_clean_document_is_valid() -> None:
    result = validate(doc(GOOD, LINES_OK), today=TODAY)
    assert result == {"valid": True, "issues": []}


@pytest.mark.parametrize(
    ("code", "fields", "lines", "kw"),
    [
        ("LINE_AMOUNT_MISMATCH", GOOD, [{**LINES_OK[0], "amount": "60.00"}, LINES_OK[1]], {}),
        ("LINES_SUBTOTAL_MISMATCH", {**GOOD, "subtotal": "90.00", "total": "108.00",
                                     "total_tax": "18.00"}, LINES_OK, {}),
        ("TOTAL_MISMATCH", {**GOOD, "total": "130.00"}, [], {}),
        ("TAX_RATE_MISMATCH", {**GOOD, "total_tax": "19.00", "total": "119.00"}, LINES_OK, {}),
        ("TAX_RATE_MISMATCH", {**GOOD, "total_tax": "19.00", "total": "119.00"}, [],
         {"tax_rates": [Decimal(20)]}),
        ("AMOUNT_DUE_MISMATCH", {**GOOD, "amount_due": "150.00"}, [], {}),
        ("AMOUNT_DUE_MISMATCH", {**GOOD, "amount_due": "80.00"}, [], {"paid": Decimal(20)}),
        ("DUE_BEFORE_ISSUE", {"due_date": "2026-09-01"}, [], {}),
        ("DATE_IMPLAUSIBLE", {"invoice_date": "2031-01-01"}, [], {}),
        ("DATE_IMPLAUSIBLE", {"invoice_date": "1970-01-01"}, [], {}),
        ("CURRENCY_INCONSISTENT", {"currency": "EUR"}, [], {"currencies": ["EUR", "USD"]}),
        ("INVALID_TAX_ID", {"vendor_tax_id": "DE136695977"}, [], {}),
        ("INVALID_IBAN", {"vendor_iban": "DE89 3704 0044 0532 0130 01"}, [], {}),
        ("MISSING_REQUIRED_FIELD", {"invoice_number": ""}, [], {}),
    ],
)  # fmt: skip
def test_rule_fails_on_a_bad_document(
    code: str, fields: dict[str, str], lines: list[dict[str, str]], kw: dict[str, Any]
) -> None:
    document = doc(fields, lines)
    found = codes(document, **kw)
    assert code in found
    result = validate(document, today=TODAY, **kw)
    issue = next(i for i in result["issues"] if i["code"] == code)
    assert issue["fields"]
    assert issue["message"]
    assert issue["severity"] in ("error", "warning")


@pytest.mark.parametrize(
    ("code", "fields", "lines", "kw"),
    [
        ("LINE_AMOUNT_MISMATCH", GOOD, LINES_OK, {}),
        ("LINES_SUBTOTAL_MISMATCH", GOOD, LINES_OK, {}),
        ("TOTAL_MISMATCH", GOOD, [], {}),
        ("TOTAL_MISMATCH", {**GOOD, "total": "110.00"}, [], {"discount": Decimal(10)}),
        ("TAX_RATE_MISMATCH", GOOD, LINES_OK, {"tax_rates": [Decimal(20)]}),
        ("AMOUNT_DUE_MISMATCH", {**GOOD, "amount_due": "120.00"}, [], {}),
        ("AMOUNT_DUE_MISMATCH", {**GOOD, "amount_due": "100.00"}, [], {"paid": Decimal(20)}),
        ("DUE_BEFORE_ISSUE", {"due_date": "2026-10-31"}, [], {}),
        ("DATE_IMPLAUSIBLE", {"invoice_date": "2026-12-01"}, [], {}),
        ("CURRENCY_INCONSISTENT", {"currency": "EUR"}, [], {"currencies": ["EUR"]}),
        ("INVALID_TAX_ID", {"vendor_tax_id": "DE136695976"}, [], {}),
        ("INVALID_IBAN", {"vendor_iban": "DE89 3704 0044 0532 0130 00"}, [], {}),
        ("MISSING_REQUIRED_FIELD", {}, [], {}),
    ],
)  # fmt: skip
def test_rule_passes_on_a_good_document(
    code: str, fields: dict[str, str], lines: list[dict[str, str]], kw: dict[str, Any]
) -> None:
    assert code not in codes(doc(fields, lines), **kw)


def test_credit_note_with_negative_amounts_is_consistent() -> None:
    lines = [{"description": "x", "quantity": "1", "unit_price": "-100.00", "amount": "-100.00"}]
    fields = {"subtotal": "-100.00", "total_tax": "-20.00", "total": "-120.00"}
    assert codes(doc(fields, lines, kind="credit_note")) == []


def test_receipt_requires_no_invoice_number() -> None:
    assert codes(doc({"invoice_number": ""}, kind="receipt")) == []


def test_tolerance_is_a_setting() -> None:
    document = doc({**GOOD, "total": "120.10"})
    assert "TOTAL_MISMATCH" in codes(document)
    loose = ValidationSettings(amount_tolerance=Decimal("0.05"))
    assert validate(document, loose, today=TODAY)["valid"]


def test_needs_review_on_error_or_low_confidence() -> None:
    settings = ValidationSettings(review_confidence=0.6)
    good = doc(GOOD)
    assert not needs_review(good, validate(good, today=TODAY), settings)
    bad = doc({**GOOD, "total": "130.00"})
    assert needs_review(bad, validate(bad, today=TODAY), settings)
    unsure = doc(GOOD)
    unsure["fields"]["total"]["confidence"] = 0.3
    assert needs_review(unsure, validate(unsure, today=TODAY), settings)


def test_settings_read_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FINSCRIBE_VALIDATION_REVIEW_CONFIDENCE", "0.8")
    monkeypatch.setenv("FINSCRIBE_VALIDATION_AMOUNT_TOLERANCE", "0.02")
    s = ValidationSettings()
    assert s.review_confidence == 0.8
    assert s.amount_tolerance == Decimal("0.02")


LINE_A = {"description": "a", "quantity": "2", "unit_price": "25.00", "amount": "50.00"}


def test_lines_short_with_no_stray_amount_are_the_vendors_error() -> None:
    # one row of two read, nothing else printed among the items: the sums are wrong
    got = validate(doc(GOOD, [LINE_A]), today=TODAY)
    assert [i["code"] for i in got["issues"]] == ["LINES_SUBTOTAL_MISMATCH"]
    assert got["valid"] is False


def test_lines_short_with_a_stray_amount_are_our_reading() -> None:
    settings = ValidationSettings()
    document = doc(GOOD, [LINE_A])
    got = validate(document, today=TODAY, stray_amounts=[Decimal("50.00")])
    assert [(i["code"], i["severity"]) for i in got["issues"]] == [
        ("LINE_ITEMS_INCOMPLETE", "warning")
    ]
    assert "50.00" in got["issues"][0]["message"]
    assert got["valid"] is True
    assert needs_review(document, got, settings)  # a warning that still asks for a look


def test_stray_amounts_do_not_touch_lines_that_add_up() -> None:
    assert codes(doc(GOOD, LINES_OK), stray_amounts=[Decimal("7.50")]) == []


def test_line_amount_printed_stray_means_rows_merged() -> None:
    # 2 x 25.00 read with the amount of the next row (9.99); 50.00 lies unread among the items
    merged = [{**LINE_A, "amount": "9.99"}]
    fields = {"subtotal": "59.99", "total_tax": "", "total": "59.99"}
    assert "LINE_AMOUNT_MISMATCH" in codes(doc(fields, merged))
    got = codes(doc(fields, merged), stray_amounts=[Decimal("50.00")])
    assert "LINE_AMOUNT_MISMATCH" not in got
    assert "LINE_ITEMS_INCOMPLETE" in got
    # a stray amount that is not the line's own product does not excuse the line
    other = codes(doc(fields, merged), stray_amounts=[Decimal("12.00")])
    assert "LINE_AMOUNT_MISMATCH" in other


def test_lines_against_total_when_no_subtotal_was_read() -> None:
    no_sub = {"subtotal": "", "total_tax": "", "total": "121.00"}
    # net lines plus one VAT rate (21 %), the tax line unread: nothing to say
    assert codes(doc(no_sub, LINES_OK)) == []
    # a total no VAT rate explains is still a mismatch
    assert "LINES_SUBTOTAL_MISMATCH" in codes(doc({**no_sub, "total": "133.33"}, LINES_OK))
    # with the tax read, the lines are held to total - tax
    taxed = {"subtotal": "", "total_tax": "20.00", "total": "120.00"}
    assert codes(doc(taxed, LINES_OK)) == []
    assert "LINES_SUBTOTAL_MISMATCH" in codes(doc({**taxed, "total_tax": "25.00"}, LINES_OK))


def test_tax_rate_checked_on_total_minus_tax_when_no_subtotal_was_read() -> None:
    lines = [{k: v for k, v in line.items() if k != "tax_rate"} for line in LINES_OK]
    right = {"subtotal": "", "total_tax": "20.00", "total": "120.00"}
    assert codes(doc(right, lines), tax_rates=[Decimal("20")]) == []
    wrong = {"subtotal": "", "total_tax": "22.00", "total": "122.00"}
    assert codes(doc(wrong, lines), tax_rates=[Decimal("20")]) == ["TAX_RATE_MISMATCH"]


def test_tax_inside_gross_receipt_lines() -> None:
    # receipt lines carry their VAT: 1.43 + 27.96 = 29.39 total, 22 % of it is 5.30
    lines = [
        {"description": "CAPPUCCINO", "tax_rate": "22", "amount": "1.43"},
        {"description": "QUADERNO", "quantity": "6", "unit_price": "4.66", "tax_rate": "22",
         "amount": "27.96"},
    ]  # fmt: skip
    gross = {"invoice_number": "", "subtotal": "", "total_tax": "5.30", "total": "29.39"}
    assert codes(doc(gross, lines, kind="receipt")) == []
    wrong = {**gross, "total_tax": "6.47"}
    assert codes(doc(wrong, lines, kind="receipt")) == ["TAX_RATE_MISMATCH"]


def test_unread_quantity_is_checked_for_a_quantity_that_fits() -> None:
    fields = {"subtotal": "614.00", "total_tax": "0.00", "total": "614.00"}
    lines = [
        {"description": "a", "unit_price": "188.00", "amount": "414.00"},  # 414 / 188: none
        {"description": "b", "unit_price": "100.00", "amount": "200.00"},
    ]
    assert codes(doc(fields, lines), unread_quantities={0, 1}) == ["LINE_AMOUNT_MISMATCH"]
    # a quantity that was not printed (no quantity column) is not checked
    assert codes(doc(fields, lines)) == []


def test_a_mismatch_one_unsure_digit_explains_is_our_reading() -> None:
    lines = [
        {"description": "a", "quantity": "10", "unit_price": "8.85", "amount": "88.60"},
        {"description": "b", "quantity": "1", "unit_price": "31.40", "amount": "31.40"},
    ]
    fields = {"subtotal": "120.00", "total_tax": "0.00", "total": "120.00"}
    unsure = {0: {"quantity": 1.0, "unit_price": 0.82, "amount": 0.99}}
    result = validate(doc(fields, lines), today=TODAY, cell_confidence=unsure)
    assert [i["code"] for i in result["issues"]] == ["LINE_READ_UNCERTAIN"]
    assert "unit price (read 0.82 sure)" in result["issues"][0]["message"]
    assert result["valid"] is True
    assert needs_review(doc(fields, lines), result, ValidationSettings()) is True
    # read sure (a text layer, a crisp scan): the vendor's error
    sure = {0: {"quantity": 1.0, "unit_price": 0.99, "amount": 0.99}}
    assert codes(doc(fields, lines), cell_confidence=sure) == ["LINE_AMOUNT_MISMATCH"]
    assert codes(doc(fields, lines)) == ["LINE_AMOUNT_MISMATCH"]
    # unsure, but two digits would have to be misread (88.60 vs 79.50): an error
    two = [{**lines[0], "amount": "79.50"}, lines[1]]
    fields2 = {"subtotal": "110.90", "total_tax": "0.00", "total": "110.90"}
    all_unsure = {0: {"quantity": 0.5, "unit_price": 0.5, "amount": 0.5}}
    assert codes(doc(fields2, two), cell_confidence=all_unsure) == ["LINE_AMOUNT_MISMATCH"]
    # the threshold is a setting
    strict = ValidationSettings(unsure_read_confidence=0.5)
    got = validate(doc(fields, lines), strict, today=TODAY, cell_confidence=unsure)
    assert [i["code"] for i in got["issues"]] == ["LINE_AMOUNT_MISMATCH"]


def test_a_lost_leading_digit_is_no_one_digit_misread() -> None:
    lines = [{"description": "a", "quantity": "1", "unit_price": "76.99", "amount": "4076.99"}]
    fields = {"subtotal": "4076.99", "total_tax": "0.00", "total": "4076.99"}
    unsure = {0: {"quantity": 0.5, "unit_price": 0.5, "amount": 0.5}}
    assert codes(doc(fields, lines), cell_confidence=unsure) == ["LINE_AMOUNT_MISMATCH"]


def test_a_decimal_mark_lost_in_an_unsure_scanned_price_is_our_reading() -> None:
    lines = [{"description": "a", "quantity": "1", "unit_price": "131490.00", "amount": "1314.90"}]
    fields = {"subtotal": "1314.90", "total_tax": "0.00", "total": "1314.90"}
    unsure = {0: {"quantity": 1.0, "unit_price": 0.87, "amount": 0.99}}
    assert codes(doc(fields, lines), cell_confidence=unsure) == ["LINE_READ_UNCERTAIN"]
    assert codes(doc(fields, lines)) == ["LINE_AMOUNT_MISMATCH"]


def test_a_currency_sign_read_as_a_digit_in_an_unsure_scanned_price() -> None:
    lines = [{"description": "a", "quantity": "8", "unit_price": "-5143.69", "amount": "-1149.52"}]
    fields = {"subtotal": "-1149.52", "total_tax": "0.00", "total": "-1149.52"}
    unsure = {0: {"quantity": 1.0, "unit_price": 0.9, "amount": 0.99}}
    assert codes(doc(fields, lines, "credit_note"), cell_confidence=unsure) == [
        "LINE_READ_UNCERTAIN"
    ]
    assert codes(doc(fields, lines, "credit_note")) == ["LINE_AMOUNT_MISMATCH"]


@pytest.mark.parametrize("sign", ["", "-"])
def test_a_total_over_the_subtotal_without_a_tax_read_is_not_checked(sign: str) -> None:
    # the tax line was not read: a larger total (a credit note's too) is no mismatch,
    # a total smaller than the net amount is
    fields = {"subtotal": f"{sign}100.00", "total_tax": "", "total": f"{sign}120.00"}
    assert "TOTAL_MISMATCH" not in codes(doc(fields))
    smaller = {**fields, "total": f"{sign}90.00"}
    assert "TOTAL_MISMATCH" in codes(doc(smaller))
