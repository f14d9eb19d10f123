"""OCR misreadings of numbers and the line repairs the arithmetic confirms."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finscribe.core.extraction.repairs import (
    CELL_CONFIDENCE,
    CELL_TEXT,
    QUANTITY_UNREAD,
    amounts_the_sums_confirm,
    repair_line,
)
from finscribe.core.misreads import (
    decimal_mark_lost,
    one_glyph_apart,
    readings,
    without_currency_sign,
    without_gap_one,
)

_UNSURE = 0.97


def _vendor_slips(value: Decimal) -> list[Decimal]:
    """What a vendor gets wrong on paper: two adjacent digits swapped, or a few units off."""
    digits = f"{value:.2f}".replace(".", "")
    out = [
        Decimal(digits[:i] + digits[i + 1] + digits[i] + digits[i + 2 :]) / 100
        for i in range(len(digits) - 1)
    ]
    for step in (1, 2, 5, 9, 10, 20, 50, 90, 100):
        out += [value + step, value - step]
    return [v for v in out if v > 0 and v != value]


@given(st.integers(min_value=1, max_value=10_000_000))
def test_no_reading_turns_a_vendor_slip_back_into_the_right_number(cents: int) -> None:
    right = Decimal(cents) / 100
    for slip in _vendor_slips(right):
        assert right not in readings(slip, f"{slip:.2f}")


@given(st.integers(min_value=10, max_value=999_999), st.sampled_from("568"))
def test_a_currency_sign_read_as_a_digit_is_taken_off(cents: int, glyph: str) -> None:
    printed = Decimal(cents) / 100
    if printed < 10:
        return
    read = Decimal(glyph + f"{printed:.2f}")
    assert without_currency_sign(read) == printed
    assert without_currency_sign(-read) == -printed


def test_currency_sign_examples() -> None:
    assert without_currency_sign(Decimal("-81320.50")) == Decimal("-1320.50")
    assert without_currency_sign(Decimal("55.00")) is None  # "$5.00" or a price 50 off
    assert without_currency_sign(Decimal("145.00")) is None  # a 1 is no currency sign
    assert without_currency_sign(Decimal("805.00")) is None  # a 0 follows: a real digit


def test_a_one_in_a_thousands_gap() -> None:
    assert without_gap_one(Decimal("11262.28")) == Decimal("1262.28")
    assert without_gap_one(Decimal("-21202.72")) == Decimal("-2202.72")
    assert without_gap_one(Decimal("2202.72")) is None
    assert without_gap_one(Decimal("23302.72")) is None


def test_a_lost_decimal_mark() -> None:
    assert decimal_mark_lost(Decimal(323), "323") == Decimal("3.23")
    assert decimal_mark_lost(Decimal(131490), "131490 EUR") == Decimal("1314.90")
    assert decimal_mark_lost(Decimal("323.00"), "323,00") is None
    assert decimal_mark_lost(Decimal(12), "12") is None


@pytest.mark.parametrize(
    ("read", "printed", "apart"),
    [("36", "16", True), ("2", "1", True), ("1.90", "81.90", True), ("12", "12", False),
     ("4", "16", False), ("19", "8190", False)],
)  # fmt: skip
def test_one_glyph_apart(read: str, printed: str, apart: bool) -> None:
    assert one_glyph_apart(read, printed) is apart


def _line(
    q: str | None, p: str, a: str, conf: dict[str, float] | None = None, **texts: str
) -> dict[str, Any]:
    item: dict[str, Any] = {"unit_price": p, "amount": a, "page": 1}
    if q is not None:
        item["quantity"] = q
    item[CELL_CONFIDENCE] = conf or {}
    item[CELL_TEXT] = {"unit_price": texts.get("price", p), "amount": texts.get("amount", a)}
    return item


def _values(item: dict[str, Any]) -> tuple[Any, ...]:
    return item.get("quantity"), item["unit_price"], item["amount"]


def test_dollar_signs_read_as_digits_in_price_and_amount() -> None:
    item = _line("25", "-81320.50", "-833012.50")  # -$1,320.50 and -$33,012.50
    assert repair_line(item, _UNSURE)
    assert _values(item) == ("25", "-1320.50", "-33012.50")


def test_a_lost_decimal_mark_in_the_price() -> None:
    item = _line("1", "131490.00", "1314.90", price="131490")
    assert repair_line(item, _UNSURE)
    assert _values(item) == ("1", "1314.90", "1314.90")


def test_an_unsure_quantity_one_glyph_off() -> None:
    item = _line("36", "-85.95", "-1375.20", {"quantity": 0.72})
    assert repair_line(item, _UNSURE)
    assert _values(item) == ("16", "-85.95", "-1375.20")
    # read sure: left as read (validation reports the line)
    item = _line("36", "-85.95", "-1375.20", {"quantity": 0.99})
    assert not repair_line(item, _UNSURE)
    assert item["quantity"] == "36"


def test_an_unsure_price_that_lost_a_digit() -> None:
    item = _line("2", "-1.90", "-163.80", {"unit_price": 0.83})
    assert repair_line(item, _UNSURE)
    assert _values(item) == ("2", "-81.90", "-163.80")


def test_a_vendors_wrong_price_is_left_alone() -> None:
    # 4 x 12.50 = 50.00, the price printed 10 too high: no misreading explains it
    item = _line("4", "22.50", "50.00", {"quantity": 0.5, "unit_price": 0.5, "amount": 0.5})
    assert not repair_line(item, _UNSURE)
    assert _values(item) == ("4", "22.50", "50.00")


def test_an_unread_quantity_found_with_the_readings_of_price_and_amount() -> None:
    item = _line(None, "-52222.90", "-82222.90")  # 1 x -$2,222.90, both signs read as digits
    item[QUANTITY_UNREAD] = True
    assert repair_line(item, _UNSURE)
    assert _values(item) == ("1", "-2222.90", "-2222.90")
    assert QUANTITY_UNREAD not in item


def test_receipt_amount_without_its_decimal_mark_the_total_confirms() -> None:
    items = [
        {"amount": "4.89", "page": 1, CELL_TEXT: {"amount": "4.89"}},
        {"amount": "323.00", "page": 1, CELL_TEXT: {"amount": "323"}},
        {"amount": "3.47", "page": 1, CELL_TEXT: {"amount": "3.47"}},
    ]
    assert amounts_the_sums_confirm(items, [Decimal("11.59")], {1}) == [1]
    assert items[1]["amount"] == "3.23"
    # a text layer's 323 is what was printed
    items[1]["amount"] = "323.00"
    assert amounts_the_sums_confirm(items, [Decimal("11.59")], set()) == []
