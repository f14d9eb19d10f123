"""How OCR misreads printed numbers: the other readings a scanned amount may stand for.

Each function names one kind of slip seen on scans and returns the value as printed, or
None where the slip cannot explain the reading. None of them can turn a vendor's own
arithmetic error (two digits swapped, a few units off) into a right number: each changes
the number of digits or the place of the decimal mark. Callers take a reading only where
the document's arithmetic confirms it.
"""

from __future__ import annotations

import re
from decimal import Decimal

#: Digits OCR reads for a currency sign printed in front of an amount ($ -> 5 / 8 / 6,
#: € -> 6 / 8, £ -> 8 / 9).
CURRENCY_SIGN_DIGITS = "5689"

_MARK = re.compile(r"\d[.,]\d")


def without_first_digit(value: Decimal) -> Decimal | None:
    """``value`` without its first digit, where a digit 1-9 follows it: the reading of a
    number whose currency sign OCR read as a digit (``-£143.69`` read ``-5143.69``); None
    otherwise."""
    text = format(value, "f")
    lead = next((j for j, ch in enumerate(text) if ch.isdigit()), -1)
    if 0 <= lead < len(text) - 1 and text[lead + 1] in "123456789":
        return Decimal(text[:lead] + text[lead + 1 :])
    return None


def without_currency_sign(value: Decimal) -> Decimal | None:
    """:func:`without_first_digit` where that digit is one a currency sign is read as and at
    least two digits stay before the decimal mark (``-81320.50`` for ``-$1,320.50``).

    The stricter form: a price a few units or tens off (``45.00`` printed ``145.00`` or
    ``55.00`` for ``5.00``) never passes for a misread sign."""
    rest = without_first_digit(value)
    if rest is None or abs(rest) < 10:
        return None
    first = next(ch for ch in format(value, "f") if ch.isdigit())
    return rest if first in CURRENCY_SIGN_DIGITS else None


def without_gap_one(value: Decimal) -> Decimal | None:
    """``value`` without a 1 standing where a thousands space or apostrophe was printed
    (``1 262,28`` read ``11262.28``, ``2'202.72`` read ``21202.72``); None otherwise."""
    text = format(abs(value), "f")
    whole, dot, frac = text.partition(".")
    for gap in (4, 8):
        if len(whole) > gap and whole[-gap] == "1":
            kept = whole[:-gap] + whole[-gap + 1 :]
            out = Decimal(kept + dot + frac)
            return -out if value < 0 else out
    return None


def extra_glyph_readings(value: Decimal) -> list[Decimal]:
    """``value`` without one glyph OCR added: a first digit that was a currency sign
    (:func:`without_first_digit`) or a 1 in a thousands gap (:func:`without_gap_one`), in
    that order, without repeats."""
    out: list[Decimal] = []
    for other in (without_first_digit(value), without_gap_one(value)):
        if other is not None and other not in out:
            out.append(other)
    return out


def decimal_mark_lost(value: Decimal, text: str) -> Decimal | None:
    """``value / 100`` where ``text`` (the cell as read) shows no decimal mark but a whole
    number of at least three digits (``323`` read for ``3.23``); None otherwise."""
    digits = sum(ch.isdigit() for ch in text)
    if not text or _MARK.search(text) or digits < 3 or value != value.to_integral_value():
        return None
    return (value / 100).quantize(Decimal("0.01"))


def readings(value: Decimal, text: str = "") -> list[Decimal]:
    """The other readings of a scanned amount read as ``value`` from ``text``: a currency
    sign read as a digit, a 1 in a thousands gap, a lost decimal mark (in that order,
    without repeats)."""
    out: list[Decimal] = []
    for other in (
        without_currency_sign(value),
        without_gap_one(value),
        decimal_mark_lost(value, text),
    ):
        if other is not None and other != value and other not in out:
            out.append(other)
    return out


def one_glyph_apart(read: str, printed: str) -> bool:
    """``read`` is ``printed`` with one character added, dropped or replaced."""
    if read == printed or abs(len(read) - len(printed)) > 1:
        return False
    if len(read) == len(printed):
        return sum(a != b for a, b in zip(read, printed, strict=True)) == 1
    short, long = sorted((read, printed), key=len)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))
