"""Line items put right where OCR misread a number and the document's arithmetic shows what
was printed (scanned pages only; a text layer is taken as printed)."""

from __future__ import annotations

import itertools
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from finscribe.core.extraction.amounts import format_decimal, format_quantity
from finscribe.core.misreads import one_glyph_apart, readings
from finscribe.core.validation.rules import implied_quantity, to_decimal

#: Private item key: the row's table prints a quantity that was not read and no quantity
#: makes the line add up (popped by the document builder for validation; not in the schema).
QUANTITY_UNREAD = "_quantity_unread"
#: Private item key: the cells as read, by role (popped by the document builder).
CELL_TEXT = "_cell_text"
#: Private item key: the OCR confidence of the row's quantity, unit price and amount cells
#: (popped by the document builder for validation; not in the schema).
CELL_CONFIDENCE = "_cell_confidence"

_CENT = Decimal("0.01")


def _cents(value: Decimal) -> Decimal:
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


def _fits(q: Decimal, p: Decimal, a: Decimal) -> bool:
    return abs(_cents(q * p) - a) <= _CENT


def _lost_digit(read: Decimal, implied: Decimal) -> bool:
    """``read`` is ``implied`` (a cent amount) with one digit lost (``-1.90`` for ``-81.90``)."""
    if implied != _cents(implied) or (read < 0) != (implied < 0):
        return False
    shown, printed = format_decimal(abs(read)), format_decimal(abs(implied))
    return len(shown) < len(printed) and one_glyph_apart(shown, printed)


def repair_line(item: dict[str, Any], unsure: float) -> bool:
    """Put right one scanned line whose quantity x unit price is not its amount, where one
    reading explains it: a price or amount with a currency sign read as a digit, a 1 in a
    thousands gap or a lost decimal mark (each as read, whatever the confidence); a price
    read below ``unsure`` with a digit lost; a quantity read below ``unsure`` one glyph off
    the one that fits. Several equally simple readings leave the line as read (validation
    reports it). Returns whether the line changed."""
    q, p, a = (to_decimal(item.get(k)) for k in ("quantity", "unit_price", "amount"))
    if p is None or a is None:
        return False
    if q is None:
        return _repair_unread_quantity(item, p, a)
    if _fits(q, p, a):
        return False
    sure: dict[str, float] = item.get(CELL_CONFIDENCE, {})
    prices, amounts = _readings(item, p, a)
    found: dict[tuple[Decimal, Decimal, Decimal], int] = {}
    for (pv, pc), (av, ac) in itertools.product(prices, amounts):
        if pc + ac and _fits(q, pv, av):
            found[(q, pv, av)] = pc + ac
        if pc == 0 and q and sure.get("unit_price", 1.0) < unsure:
            implied = av / q
            if _lost_digit(pv, implied):
                found[(q, implied, av)] = 1 + ac
        if sure.get("quantity", 1.0) < unsure and pv:
            qv = implied_quantity(abs(pv), abs(av))
            if qv is not None and one_glyph_apart(format_quantity(q), format_quantity(qv)):
                found[(qv, pv, av)] = 1 + pc + ac
    return _take_simplest(item, found)


def _readings(
    item: dict[str, Any], p: Decimal, a: Decimal
) -> tuple[list[tuple[Decimal, int]], list[tuple[Decimal, int]]]:
    """The readings of the line's price and amount with their cost (0: as read)."""
    texts: dict[str, str] = item.get(CELL_TEXT, {})
    prices = [(p, 0)] + [(v, 1) for v in readings(p, texts.get("unit_price", ""))]
    amounts = [(a, 0)] + [(v, 1) for v in readings(a, texts.get("amount", ""))]
    return prices, amounts


def _repair_unread_quantity(item: dict[str, Any], p: Decimal, a: Decimal) -> bool:
    """A line whose quantity was not read and no quantity fits price and amount as read:
    the readings of both for which a whole quantity fits (``1 x -$2,222.90`` read
    ``-52222.90`` and ``-82222.90``)."""
    if p == 0 or implied_quantity(abs(p), abs(a)) is not None:
        return False
    prices, amounts = _readings(item, p, a)
    found: dict[tuple[Decimal, Decimal, Decimal], int] = {}
    for (pv, pc), (av, ac) in itertools.product(prices, amounts):
        qv = implied_quantity(abs(pv), abs(av)) if pv and pc + ac else None
        if qv is not None and qv == qv.to_integral_value():
            found[(qv, pv, av)] = pc + ac
    return _take_simplest(item, found)


def _take_simplest(
    item: dict[str, Any], found: dict[tuple[Decimal, Decimal, Decimal], int]
) -> bool:
    """Set the line to the one cheapest reading in ``found``; False when none or a tie."""
    if not found:
        return False
    cheapest = min(found.values())
    best = [k for k, cost in found.items() if cost == cheapest]
    if len(best) != 1:
        return False
    qv, pv, av = best[0]
    item["quantity"] = format_quantity(qv)
    item["unit_price"] = format_decimal(pv)
    item["amount"] = format_decimal(av)
    item.pop(QUANTITY_UNREAD, None)
    return True


def amounts_the_sums_confirm(
    items: list[dict[str, Any]], targets: list[Decimal], scanned: set[int]
) -> list[int]:
    """Put right line amounts that OCR misread, where the sums agree against them.

    When the read amounts do not add up to any of ``targets`` (the subtotal, or total minus
    tax) but do once some scanned lines (at most three; pages in ``scanned``) take their own
    quantity x unit price instead, or another reading of their amount
    (:func:`finscribe.core.misreads.readings`: ``323`` for ``3.23``), those amounts were
    misread: they are set to it. A vendor's wrong line (the price printed wrong, the amount
    and the sums right) still adds up as read and is left to validation. Returns the
    indexes put right.
    """
    parsed = [to_decimal(item.get("amount")) for item in items]
    if not targets or any(a is None for a in parsed):
        return []
    amounts = [a for a in parsed if a is not None]
    read = sum(amounts, Decimal(0))
    if any(abs(read - t) <= _CENT for t in targets):
        return []
    options: list[tuple[int, list[Decimal]]] = []
    for i, (item, amount) in enumerate(zip(items, amounts, strict=True)):
        if item.get("page") not in scanned:
            continue
        q, p = to_decimal(item.get("quantity")), to_decimal(item.get("unit_price"))
        if q is not None and p is not None:
            expected = _cents(q * p)
            if abs(expected - amount) > _CENT:
                options.append((i, [expected - amount]))
        elif q is None and p is None:
            others = readings(amount, item.get(CELL_TEXT, {}).get("amount", ""))
            if others:
                options.append((i, [v - amount for v in others]))
    if not options or len(options) > 3:
        return []
    for size in range(1, len(options) + 1):
        for subset in itertools.combinations(options, size):
            for deltas in itertools.product(*(d for _, d in subset)):
                fixed = read + sum(deltas, Decimal(0))
                if any(abs(fixed - t) <= _CENT for t in targets):
                    picked = [(i, d) for (i, _), d in zip(subset, deltas, strict=True)]
                    for i, d in picked:
                        items[i]["amount"] = format_decimal(amounts[i] + d)
                    return [i for i, _ in picked]
    return []
