"""Date parsing: numeric dates in every order and month names in six languages to ``date``."""

from __future__ import annotations

import itertools
import re
import unicodedata
from datetime import date
from typing import Literal

DateOrder = Literal["DMY", "MDY", "YMD"]

_MONTHS: dict[int, tuple[str, ...]] = {
    1: (
        "january",
        "jan",
        "janvier",
        "janv",
        "januar",
        "jänner",
        "enero",
        "ene",
        "januari",
        "gennaio",
        "gen",
    ),
    2: (
        "february",
        "feb",
        "fevrier",
        "fevr",
        "fev",
        "februar",
        "febrero",
        "februari",
        "febbraio",
        "febr",
    ),
    3: ("march", "mar", "mars", "marz", "mrz", "marzo", "maart", "mrt"),
    4: ("april", "apr", "avril", "avr", "abril", "abr", "aprile"),
    5: ("may", "mai", "mayo", "may", "mei", "maggio", "mag"),
    6: ("june", "jun", "juin", "juni", "junio", "giugno", "giu"),
    7: ("july", "jul", "juillet", "juil", "juli", "julio", "luglio", "lug"),
    8: ("august", "aug", "aout", "agosto", "ago", "augustus"),
    9: ("september", "sep", "sept", "septembre", "septiembre", "set", "settembre"),
    10: ("october", "oct", "octobre", "oktober", "okt", "octubre", "ottobre", "ott"),
    11: ("november", "nov", "novembre", "noviembre"),
    12: ("december", "dec", "decembre", "dezember", "dez", "diciembre", "dic", "dicembre"),
}


def _fold(text: str) -> str:
    """Lower case without accents (``Février`` -> ``fevrier``, ``März`` -> ``marz``)."""
    nfkd = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in nfkd if not unicodedata.combining(c))


MONTH_NAMES: dict[str, int] = {name: m for m, names in _MONTHS.items() for name in names}

_MONTH_ALT = "|".join(sorted(MONTH_NAMES, key=len, reverse=True))
_SEP = r"[./\-]"
_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_NUMERIC = re.compile(rf"^(\d{{1,2}}){_SEP}\s?(\d{{1,2}}){_SEP}\s?(\d{{2}}|\d{{4}})$")
_DAY_MONTH_YEAR = re.compile(
    rf"^(\d{{1,2}})(?:er|st|nd|rd|th|º|°)?\.?\s*(?:de\s+)?({_MONTH_ALT})\.?,?\s*(?:de\s+)?(\d{{4}})$"
)
_MONTH_DAY_YEAR = re.compile(rf"^({_MONTH_ALT})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})$")
_DAY_MONTHNUM_HYPHEN = re.compile(rf"^(\d{{1,2}})[-/ ]({_MONTH_ALT})[-/ ](\d{{2}}|\d{{4}})$")


def _year(text: str) -> int:
    y = int(text)
    if len(text) == 2:
        y += 2000 if y < 70 else 1900
    return y


def _make(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def numeric_order(text: str) -> DateOrder | None:
    """The order a numeric date must have (``25/03/2024`` -> DMY), None when ambiguous/not one."""
    m = _NUMERIC.match(text.strip())
    if not m:
        return None
    a, b = int(m.group(1)), int(m.group(2))
    if a > 12 >= b:
        return "DMY"
    if b > 12 >= a:
        return "MDY"
    return None


def parse_date(text: str, order: DateOrder = "DMY") -> date | None:
    """Parse a printed date; ``order`` settles ambiguous numeric dates (``03/04/2024``).

    Accepts ISO (``2024-03-25``), numeric day/month/year in either order with ``/ . -``
    separators and two- or four-digit years, and month names or abbreviations in English,
    French, German, Spanish, Dutch and Italian (``25 mars 2024``, ``March 25, 2024``,
    ``25. März 2024``, ``25 de marzo de 2024``, ``25-Mar-2024``).
    """
    s = _fold(text.strip().rstrip(",;"))
    if not s or len(s) > 40:
        return None
    m = _ISO.match(s)
    if m:
        return _make(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = _NUMERIC.match(s)
    if m:
        a, b, y = int(m.group(1)), int(m.group(2)), _year(m.group(3))
        if a > 12 >= b:
            return _make(y, b, a)
        if b > 12 >= a:
            return _make(y, a, b)
        return _make(y, b, a) if order != "MDY" else _make(y, a, b)
    m = _DAY_MONTH_YEAR.match(s) or _DAY_MONTHNUM_HYPHEN.match(s)
    if m:
        return _make(_year(m.group(3)), MONTH_NAMES[m.group(2)], int(m.group(1)))
    m = _MONTH_DAY_YEAR.match(s)
    if m:
        return _make(int(m.group(3)), MONTH_NAMES[m.group(1)], int(m.group(2)))
    month = _misread_month(s)
    return parse_date(month, order) if month is not None else None


#: Digits OCR reads for the letters of a month name (``Apr11`` for ``April``).
_MONTH_GLYPHS = {"1": "il", "0": "o", "5": "s"}


def _misread_month(s: str) -> str | None:
    """``s`` (folded) with the one word that mixes letters and digits read as the month name
    it is (``8. apr11 2024``), else None."""
    words = s.split(" ")
    mixed = [i for i, w in enumerate(words) if re.search(r"[a-z]{2}", w) and re.search(r"\d", w)]
    if len(mixed) != 1:
        return None
    word = words[mixed[0]].rstrip(".,")
    options = [_MONTH_GLYPHS.get(ch, ch) for ch in word]
    names = {
        "".join(chars)
        for chars in itertools.islice(itertools.product(*options), 64)
        if "".join(chars) in MONTH_NAMES
    }
    if len(names) != 1:
        return None
    words[mixed[0]] = names.pop()
    return " ".join(words)


#: A regular expression finding date-like spans inside a longer line (folded text).
DATE_SPAN = re.compile(
    rf"(\d{{4}}[-/.]\d{{1,2}}[-/.]\d{{1,2}}"
    rf"|\d{{1,2}}{_SEP}\s?\d{{1,2}}{_SEP}\s?(?:\d{{4}}|\d{{2}})(?!\d)"
    rf"|\d{{1,2}}(?:er|st|nd|rd|th|º|°)?\.?\s*(?:de\s+)?(?:{_MONTH_ALT})\.?,?\s*(?:de\s+)?\d{{4}}"
    rf"|\d{{1,2}}[-/ ](?:{_MONTH_ALT})[-/ ](?:\d{{4}}|\d{{2}})"
    rf"|(?:{_MONTH_ALT})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}})"
)


def fold(text: str) -> str:
    """Public accent- and case-folding used by the lexicons and date spans."""
    return _fold(text)
