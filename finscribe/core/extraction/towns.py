"""Where the town sits in an address line as OCR read it, and its misread name put right.

The town slot is the words after a postcode (``1017 GC Amaterdam``), before a British or
Irish postcode (``Brlstol BS1 6QH``) or alone before a postcode or a US state and ZIP code
(``Boaton, MA 02110``); a part holding a street's or a building's word is no town. The name
itself is put right by :func:`gazetteer.nearest_town`.
"""

from __future__ import annotations

import re

from finscribe.core.extraction.dates import fold
from finscribe.core.extraction.gazetteer import is_town, nearest_town


def towns_put_right(part: str, after: str) -> str:
    """One part of an address line as OCR read it (between commas) with its town's name put
    right (:func:`_town`, on each piece printed with ``·`` between them); ``after`` is the
    part that follows it (on the line below for the last one)."""
    pieces = part.split(" · ")
    nexts = [*pieces[1:], after]
    return " · ".join(_town(p, a) for p, a in zip(pieces, nexts, strict=True))


#: A postcode opening a part before its town (``1017 GC``, ``D-10115``, ``75011``).
_POSTCODE_FIRST = re.compile(r"^(?:[A-Z]{1,2}-)?\d{4,5}(?:\s[A-Z]{2})?\s+(?=[^\W\d_])")
#: A British or Irish postcode closing a part after its town (``Bristol BS1 6QH``), or a US
#: state and ZIP code or such a postcode alone in the part after the town (``MA 02110``).
_UK_POSTCODE = r"[A-Z]{1,2}\d[A-Z\d]?(?:\s?\d[A-Z]{2}|\s[A-Z\d]{4})"
_POSTCODE_LAST = re.compile(rf"\s+{_UK_POSTCODE}$")
_POSTCODE_NEXT = re.compile(rf"^(?:[A-Z]{{2}}\s\d{{5}}|{_UK_POSTCODE})$")
_TOWN_WORDS = re.compile(r"^[^\W\d_]+(?:[\s'-][^\W\d_]+){0,3}$")
_LETTERS = re.compile(r"[^\W\d_]+")
#: Words that make a part a street or a building, not a town (``1000 Victoria Road``: a
#: house number that looks like a postcode).
_STREET_WORDS = frozenset(
    {
        "street", "road", "lane", "avenue", "drive", "way", "place", "square", "court", "close",
        "crescent", "terrace", "park", "suite", "floor", "unit", "building", "house", "rue",
        "chemin", "allée", "boulevard", "impasse", "quai", "route", "bâtiment", "étage", "straße",
        "strasse", "weg", "gasse", "platz", "allee", "ring", "damm", "via", "viale", "corso",
        "piazza", "largo", "vicolo", "scala", "piano", "calle", "avenida", "paseo", "plaza",
        "carretera", "camino", "planta", "piso", "straat", "laan", "plein", "gracht", "kade",
        "singel", "dijk",
    }
)  # fmt: skip


#: A US state and ZIP code ending a part (``IL 60606``; OCR may read the state ``Co``).
_STATE_ZIP = re.compile(r"(?:^|\s)([A-Z][A-Za-z])\s\d{5}(?:-\d{4})?$")
_US_STATES = frozenset(
    {
        "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL",
        "IN", "IA", "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE",
        "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD",
        "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY",
    }
)  # fmt: skip
_PROVINCE = re.compile(r"\s*\([A-Z]{2}\)$")


def holds_postcode_and_town(line: str) -> bool:
    """Whether an address line holds the town with its postcode (``10115 Berlin``, ``Leeds
    LS1 5AB``, ``Chicago, IL 60606``, a British postcode alone): the line that ends an
    address, but for a country. A town after a postcode must be one the gazetteer knows
    (``1513 Queensway`` is a house number and its street)."""
    for piece in re.split(r",|\s·\s", line):
        part = piece.strip()
        start = _POSTCODE_FIRST.match(part)
        if start is not None and _known_town(part[start.end() :]):
            return True
        end = _POSTCODE_LAST.search(part)
        if end is not None and _is_town_slot(part[: end.start()]):
            return True
        if re.fullmatch(_UK_POSTCODE, part):
            return True
        state = _STATE_ZIP.search(part)
        if state is not None and state.group(1).upper() in _US_STATES:
            return True
    return False


#: A British postcode closing a part, as OCR may misread it (``EC1V 98D``, ``M1 48T``,
#: ``ECIV.9BD``, ``CB21TN``): its outward and inward codes.
_UK_READ = re.compile(r"(?<![\w.])([A-Z]{1,2}[0-9IOS][0-9A-Z]?)[\s.]?([0-9OISB][A-Z0-9]{2})$")
_UK_STRICT = re.compile(r"^[A-Z]{1,2}\d[A-Z\d]?\s\d[ABD-HJLNP-UW-Z]{2}$")
_AS_DIGIT = str.maketrans("OISB", "0158")
_AS_LETTER = str.maketrans("0158256", "OISBZSG")


def uk_postcode_put_right(part: str) -> str:
    """A part ending in a British postcode OCR misread (``London, EC1V 98D``) with it put
    right by the postcode's format: a digit where the format wants a letter read as the
    letter it looks like and the other way round, the space put back. Parts whose end fits
    no postcode when so read are returned as they are."""
    m = _UK_READ.search(part)
    if m is None:
        return part
    outward, inward = m.group(1), m.group(2)
    if not any(ch.isdigit() for ch in outward[1:]):
        outward = outward[:1] + outward[1:].translate(_AS_DIGIT)  # "MI" for "M1"
    elif len(outward) > 2 and outward[2] in "IOS" and outward[1].isalpha():
        outward = outward[:2] + outward[2].translate(_AS_DIGIT) + outward[3:]  # "ECIV"
    inward = inward[0].translate(_AS_DIGIT) + inward[1:].translate(_AS_LETTER)
    fixed = f"{outward} {inward}"
    if not _UK_STRICT.match(fixed) or fixed == m.group(0):
        return part
    return part[: m.start()] + fixed


def _known_town(text: str) -> bool:
    name = _PROVINCE.sub("", text).strip()
    if not _is_town_slot(name):
        return False
    first = name.split()[0]
    return any(is_town(t) or nearest_town(t) is not None for t in {name, first})


#: Address words whose accents OCR misreads most (as printed).
_ACCENTED_WORDS = ("Bâtiment", "Gebäude", "Étage", "Allée", "Straße")
_SPELLINGS: dict[str, set[str]] = {}
for _w in (*_ACCENTED_WORDS, *(w.capitalize() for w in _STREET_WORDS), "Unit"):
    _SPELLINGS.setdefault(fold(_w), set()).add(_w.capitalize())
#: Folded word -> its one spelling (``allee``: German "Allee" and French "Allée" both are
#: printed, so it is left out).
_BY_FOLD = {k: v.pop() for k, v in _SPELLINGS.items() if len(v) == 1}


def street_words_put_right(text: str) -> str:
    """Street and building words of an address line whose accents OCR misread put back as
    printed (``Bátiment``, ``Unít``); words that fold to no such word are left alone."""
    return _LETTERS.sub(_street_word, text)


def _street_word(m: re.Match[str]) -> str:
    word = m.group()
    printed = _BY_FOLD.get(fold(word))
    if printed is None or printed.lower() == word.lower() or len(word) < 4:
        return word
    if word.isupper():
        return printed.upper()
    return printed if word[:1].isupper() else printed[:1].lower() + printed[1:]


def _town(part: str, after: str) -> str:
    """An address part with its town's name put right where OCR misread it
    (:func:`gazetteer.nearest_town`): the words after a postcode (``1017 GC Amaterdam``),
    before a British postcode (``Brlstol BS1 6QH``) or alone before a postcode or state and
    ZIP code (``Boaton, MA 02110``)."""
    start = _POSTCODE_FIRST.match(part)
    if start is not None and _is_town_slot(part[start.end() :]):
        return part[: start.end()] + _LETTERS.sub(_town_word, part[start.end() :])
    end = _POSTCODE_LAST.search(part)
    if end is not None and _is_town_slot(part[: end.start()]):
        return _LETTERS.sub(_town_word, part[: end.start()]) + part[end.start() :]
    if _is_town_slot(part) and _POSTCODE_NEXT.match(after):
        return _LETTERS.sub(_town_word, part)
    return part


def _is_town_slot(text: str) -> bool:
    """One to four words of letters only (a province in brackets allowed: ``Roma (RM)``),
    none of them a street's or a building's."""
    words = _PROVINCE.sub("", text)
    return bool(_TOWN_WORDS.match(words)) and not any(
        w.lower() in _STREET_WORDS for w in _LETTERS.findall(words)
    )


def _town_word(m: re.Match[str]) -> str:
    return nearest_town(m.group()) or m.group()
