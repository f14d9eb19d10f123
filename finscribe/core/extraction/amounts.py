"""Money parsing: printed amounts in any common notation to Decimal, with their currency."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

#: Currency symbols and the ISO 4217 code each stands for (most common reading).
CURRENCY_SYMBOLS: dict[str, str] = {
    "€": "EUR",
    "$": "USD",
    "US$": "USD",
    "£": "GBP",
    "¥": "JPY",
    "₹": "INR",
    "zł": "PLN",
    "kr": "SEK",
    "Fr.": "CHF",
    "CHF": "CHF",
    "R$": "BRL",
    "C$": "CAD",
    "CA$": "CAD",
    "A$": "AUD",
}
#: ISO 4217 codes accepted when printed next to an amount.
_CODES = (
    "EUR USD GBP CHF JPY CAD AUD SEK NOK DKK PLN CZK HUF RON BGN INR CNY BRL MXN ZAR NZD SGD HKD"
)
CURRENCY_CODES: frozenset[str] = frozenset(_CODES.split(" "))

_SPACES = "\u00a0\u202f\u2009 "
_APOS = "'’`´"
_MINUS = "-−–"
_NUM_RE = re.compile(r"^[0-9][0-9.,'’`´\u00a0\u202f\u2009 ]*$")


@dataclass(frozen=True, slots=True)
class Money:
    """A parsed amount and the currency printed with it (None when none was printed)."""

    amount: Decimal
    currency: str | None


def _code(token: str) -> str | None:
    """The ISO 4217 code ``token`` spells, also with an accent OCR added (``ÉUR``)."""
    plain = "".join(
        ch for ch in unicodedata.normalize("NFD", token) if not unicodedata.combining(ch)
    )
    return plain if plain in CURRENCY_CODES else None


def _strip_currency(text: str) -> tuple[str, str | None]:
    s = text.strip()
    currency: str | None = None
    # ISO codes before or after
    m = re.match(r"^([A-ZÀ-Ý]{3})\s*(.*)$", s)
    if m and (code := _code(m.group(1))) is not None:
        currency, s = code, m.group(2)
    m = re.match(r"^(.*?)\s*([A-ZÀ-Ý]{3})$", s)
    if m and (code := _code(m.group(2))) is not None:
        currency, s = code, m.group(1)
    for sym in sorted(CURRENCY_SYMBOLS, key=len, reverse=True):
        if s.startswith(sym):
            currency = currency or CURRENCY_SYMBOLS[sym]
            s = s[len(sym) :].strip()
            break
        if s.endswith(sym):
            currency = currency or CURRENCY_SYMBOLS[sym]
            s = s[: -len(sym)].strip()
            break
    return s.strip(), currency


_OCR_DIGITS = str.maketrans({"O": "0", "o": "0", "l": "1", "I": "1", "|": "1"})
_OCR_NUMBER = re.compile(r"^[0-9OoIl|][0-9OoIl|.,'’\u00a0\u202f\u2009 ]*$")


#: What OCR reads for a speck or a minus sign in front of an amount.
_NOISE = ".,~=·"
_MARK = re.compile(r"[.,]")

_SEMICOLON_MARK = re.compile(r"(?<=\d);(?=\d{2}$)")
_SEP_RUN = re.compile(r"(?<=\d)[.,]{2}(?=\d)")


def _normalise_number(s: str, decimal_comma: bool | None) -> Decimal | None:
    s = _SEP_RUN.sub(lambda m: m.group()[-1], s)  # "25,840..21": a doubled mark as OCR reads it
    s = _SEMICOLON_MARK.sub(",", s)  # "1.956;00": a decimal comma read with a speck above
    if s and not _NUM_RE.match(s) and _OCR_NUMBER.match(s) and sum(c.isdigit() for c in s) >= 2:
        s = s.translate(_OCR_DIGITS)  # OCR slips: "1O5,5O" is 105,50
    if not s or not _NUM_RE.match(s):
        return None
    for ch in _SPACES + _APOS:
        if ch in s:
            s = s.replace(ch, "_")
    has_dot, has_comma = "." in s, "," in s
    dec: str | None = None
    if has_dot and has_comma:
        dec = "." if s.rfind(".") > s.rfind(",") else ","
    elif has_dot or has_comma:
        sep = "." if has_dot else ","
        parts = s.split(sep)
        tail = parts[-1]
        if len(parts) > 2:
            dec = None  # several: thousands separators
            if len(tail) == 2 and all(len(g) == 3 for g in parts[1:-1]):
                dec = sep  # "1.138.58": the last one was a misread decimal mark
        elif len(tail) == 3 and "_" not in tail:
            # 1,234 / 1.234: thousands unless the locale says that sign is the decimal one
            dec = None
            if decimal_comma is not None and (sep == ",") == decimal_comma:
                dec = sep
            if len(parts[0].replace("_", "")) == 0 or parts[0].replace("_", "") == "0":
                dec = sep
        else:
            dec = sep
    if dec is not None:
        int_part, _, frac = s.rpartition(dec)
        if not frac.isdigit() or len(frac) > 4:
            return None
    else:
        int_part, frac = s, ""
    groups = re.split(r"[._,]", int_part)
    if len(groups) > 1 and (
        not groups[0] or len(groups[0]) > 3 or any(len(g) != 3 for g in groups[1:])
    ):
        return None
    digits = "".join(groups)
    if not digits.isdigit():
        return None
    try:
        return Decimal(f"{digits}.{frac}" if frac else digits)
    except InvalidOperation:  # pragma: no cover - guarded by the checks above
        return None


def parse_money(text: str, decimal_comma: bool | None = None) -> Money | None:
    """Parse a printed amount: ``1,234.56`` ``1.234,56`` ``1 234,56`` ``1'234.56``, ``-12.00``,
    ``(12.00)``, ``12.00-``, with a currency symbol or ISO code before or after.

    ``decimal_comma`` settles ``1,234`` / ``1.234`` (True: the comma is decimal); None reads a
    lone separator followed by exactly three digits as a thousands separator.
    """
    s = text.strip()
    if not s or len(s) > 40:
        return None
    negative = False
    if s.startswith("(") and s.endswith(")"):
        negative, s = True, s[1:-1].strip()
    s, currency = _strip_currency(s)
    if s and s[0] in _MINUS:
        negative, s = True, s[1:].strip()
    elif s and s[-1] in _MINUS:
        negative, s = True, s[:-1].strip()
    if s.startswith("+"):
        s = s[1:].strip()
    if len(s) > 3 and s[-1] in ".,:;" and s[-2].isdigit() and s[-4] in ".,":
        s = s[:-1]  # "1,68." as OCR reads a speck after the cents
    if currency is None:
        s2, currency = _strip_currency(s)
        s = s2
    if len(s) > 1 and s[0] == "E" and s[1].isdigit():
        s = s[1:]  # "E491.90": a currency sign (£ / €) read as a letter
    if s and s[0] in _MINUS:
        negative, s = True, s[1:].strip()
    if len(s) > 2 and s[0] in _NOISE and s[1].isdigit() and (s[0] in "~=" or _MARK.search(s[1:])):
        s = s[1:]  # ".2.427,39", "~850.00": a speck or a minus misread in front of an amount
    value = _normalise_number(s, decimal_comma)
    if value is None:
        return None
    if negative:
        value = -value
    return Money(value, currency)


def parse_amount(text: str, decimal_comma: bool | None = None) -> Decimal | None:
    """The amount of :func:`parse_money`, or None when ``text`` is not an amount."""
    money = parse_money(text, decimal_comma)
    return None if money is None else money.amount


def format_decimal(value: Decimal, places: int | None = 2) -> str:
    """A decimal string with ``.`` and no thousands separator (``"1234.56"``)."""
    if places is not None:
        value = value.quantize(Decimal(1).scaleb(-places))
    text = format(value, "f")
    return "0.00" if text in ("-0.00",) else text


def format_quantity(value: Decimal) -> str:
    """A quantity without needless trailing zeros (``"2"``, ``"1.5"``)."""
    text = format(value.normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"
