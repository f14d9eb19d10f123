"""Identifier checks: VAT / tax IDs (python-stdnum) and IBANs (ISO 13616 mod 97)."""

from __future__ import annotations

import functools
import itertools
import re
import string
from collections.abc import Iterable

from stdnum import iban as stdnum_iban
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError as StdnumValidationError

_COMPACT = re.compile(r"[\s.\-/]")

#: Countries with a national (non-EU-VAT) tax number module in python-stdnum we check.
_NATIONAL = {"GB": "stdnum.gb.vat", "CH": "stdnum.ch.vat", "NO": "stdnum.no.mva"}


def compact_id(text: str) -> str:
    """Upper case without spaces, dots, hyphens and slashes."""
    return _COMPACT.sub("", text).upper()


def tax_id_country(text: str) -> str | None:
    """The two-letter country prefix of a VAT number, when it has one."""
    s = compact_id(text)
    if len(s) > 2 and s[:2].isalpha():
        return "GR" if s[:2] == "EL" else s[:2]
    return None


def is_valid_tax_id(text: str) -> bool | None:
    """True/False for a VAT ID whose country python-stdnum knows; None when it cannot tell.

    EU VAT numbers (``FR40303265045``, ``DE136695976``, ``ESX2482300W``), GB, CH (``CHE-...``)
    and NO are checked with their check digits.
    """
    s = compact_id(text)
    if len(s) < 4:
        return False
    country = tax_id_country(s)
    if country is None:
        return None
    if country in _NATIONAL:
        import importlib

        module = importlib.import_module(_NATIONAL[country])
        try:
            module.validate(s)
        except StdnumValidationError:
            return False
        return True
    if country.lower() in eu_vat.MEMBER_STATES or country == "GR":
        try:
            eu_vat.validate(s)
        except StdnumValidationError:
            return False
        return True
    return None


def is_valid_iban(text: str) -> bool:
    """An IBAN with a known country length, two check digits and a correct mod-97 check
    (python-stdnum alone takes letters for check digits: ``ROR8...``)."""
    compact = compact_id(text)
    if not compact[2:4].isdigit():
        return False
    try:
        stdnum_iban.validate(compact)
    except StdnumValidationError:
        return False
    return True


#: What OCR reads for a letter where a digit is printed, and the other way round.
_AS_DIGIT = str.maketrans("OoDQIlL|JZSGbBTAgq", "000011111256688749")
_AS_LETTER = str.maketrans("01256847", "OIZSGBAT")
#: Digits read where a letter is printed that may stand for more than one letter.
_LETTER_CHOICES = {"7": "TI", "1": "IL", "0": "OD"}
_STRUCT = re.compile(r"(\d+)!([nac])")
#: What OCR reads between an IBAN's groups: spaces, specks, dashes, a label's colon.
_IBAN_SEPARATORS = re.compile(r"[\s.\-/,:;·]+")
_LETTERS = string.ascii_uppercase


def repair_iban(text: str) -> str | None:
    """An IBAN as OCR misread it (``IE92IVE530730928052416``, ``G879 PCOG ...``) repaired
    by its country's format: a letter where the format wants a digit is read as the digit it
    looks like (``S`` -> ``5``), a digit where it wants a letter as that letter, a country
    code that is none read as the one a look-alike letter makes (``OH19`` -> ``CH19``), one
    glyph OCR lost put back where the printed groups of four show it (``GB51 MAEQ 199 8110``)
    or in the country code (``C590 ...``); the result is returned only when it is the one
    reading that passes the mod-97 check, else None. A valid IBAN comes back as is.
    """
    s = _IBAN_SEPARATORS.sub("", text).upper()
    if is_valid_iban(s):
        return s
    if len(s) < 15:
        return None
    for country, bban in _iban_countries(s[:2]):
        repaired = _repair_bban(s, country, bban)
        if repaired is not None:
            return repaired
    return _repair_lost_glyph(text, s) or _repair_country(s)


def _repair_country(s: str) -> str | None:
    """``s`` read with one letter of its country code wrong in a way no look-alike explains
    (``BE70 EBSI ...`` for ``IE70``): the IBAN countries one letter away whose IBANs are as
    long as ``s`` are tried, and the one valid reading returned, else None. Only a reading
    that looks like an IBAN is tried: check digits read as digits, a BBAN of mostly digits."""
    rest = s[4:]
    if not s[2:4].isdigit() or 2 * sum(ch.isdigit() for ch in rest) < len(rest):
        return None
    code = s[:2].translate(_AS_LETTER)
    found = {
        repaired
        for country, bban in _iban_formats()
        if sum(a != b for a, b in zip(country, code, strict=True)) == 1
        and _iban_length(bban) == len(s)
        and (repaired := _repair_bban(s, country, bban)) is not None
    }
    return found.pop() if len(found) == 1 else None


#: A BIC (SWIFT code): bank, country, location and an optional branch.
BIC_RE = re.compile(r"^([A-Z]{4})([A-Z]{2})[A-Z0-9]{2}(?:[A-Z0-9]{3})?$")


def iban_with_bank_code(iban: str, bics: Iterable[str]) -> str | None:
    """An IBAN whose bank code OCR misread (``NL77 BCTT ...``), put right from a BIC printed
    on the same document (``BCITNL2A``): in the countries whose IBAN holds the bank's four
    letters after the check digits (NL, GB, IE ...) those of a BIC of the same country are
    tried; the one valid reading is returned, else None."""
    s = _IBAN_SEPARATORS.sub("", iban).upper()
    bban = _bban_format(s[:2])
    if bban is None or not bban.startswith("4!a") or len(s) != _iban_length(bban):
        return None
    found = set()
    for bic in bics:
        m = BIC_RE.match(bic)
        if m is not None and m.group(2) == s[:2]:
            read = s[:4] + m.group(1) + s[8:]
            if is_valid_iban(read):
                found.add(read)
    return found.pop() if len(found) == 1 else None


@functools.cache
def _iban_formats() -> tuple[tuple[str, str], ...]:
    """Every IBAN country with its BBAN format."""
    countries = sorted({str(prefix[1]) for prefix in stdnum_iban._ibandb.prefixes})
    return tuple((c, bban) for c in countries if (bban := _bban_format(c)) is not None)


def _repair_lost_glyph(text: str, s: str) -> str | None:
    """``s`` (``text`` compacted) read as an IBAN one glyph short: the glyph put back in the
    one group of three among groups of four, or after the country code's first letter; each
    glyph the format allows there is tried (with :func:`_repair_bban`'s look-alikes) and the
    one valid reading is returned, else None."""
    groups = [g for g in _IBAN_SEPARATORS.split(text.upper().strip()) if g]
    short = [k for k, g in enumerate(groups[:-1]) if len(g) == 3]
    others = [g for k, g in enumerate(groups[:-1]) if k not in short]
    if len(short) == 1 and others and all(len(g) == 4 for g in others) and len(groups[-1]) <= 4:
        start = sum(len(g) for g in groups[: short[0]])
        places = range(start, start + 4)
    elif s[:1].isalpha() and s[1:2].isdigit():
        places = range(1, 2)  # a country code's second letter lost ("C5908...")
    else:
        return None
    found: set[str] = set()
    for at in places:
        for glyph in _LETTERS if at < 2 else string.digits + _LETTERS:
            read = s[:at] + glyph + s[at:]
            for country, bban in _iban_countries(read[:2]):
                if _iban_length(bban) == len(read) and _allowed(bban, at, glyph):
                    repaired = _repair_bban(read, country, bban)
                    if repaired is not None:
                        found.add(repaired)
        if len(found) > 1:
            return None
    return found.pop() if len(found) == 1 else None


def _iban_length(bban: str) -> int:
    return 4 + sum(int(count) for count, _ in _STRUCT.findall(bban))


def _allowed(bban: str, at: int, glyph: str) -> bool:
    """Whether the BBAN format (``"4!a6!n8!n"``) allows ``glyph`` at IBAN position ``at``."""
    if at < 4:
        return glyph.isalpha() if at < 2 else glyph.isdigit()
    pos = 4
    for count, kind in _STRUCT.findall(bban):
        pos += int(count)
        if at < pos:
            return bool(kind == "c" or (kind == "n") == glyph.isdigit())
    return False


#: Letters OCR reads for another in an IBAN's country code ("OH" for CH, "FK" for FR).
_COUNTRY_LOOKALIKES = {
    "O": "CDQG", "C": "OG", "D": "O", "K": "R", "R": "K", "F": "E", "E": "F", "M": "N", "N": "M",
}  # fmt: skip


def _iban_countries(read: str) -> list[tuple[str, str]]:
    """The IBAN countries a two-letter code as read may stand for, each with its BBAN
    format: itself (digits read as the letters they look like), then codes one look-alike
    letter away (``FK`` is an IBAN country too, yet mostly a misread ``FR``)."""
    code = read.translate(_AS_LETTER)
    codes = [code] + [
        code[:i] + other + code[i + 1 :]
        for i, ch in enumerate(code)
        for other in _COUNTRY_LOOKALIKES.get(ch, "")
    ]
    return [(c, bban) for c in codes if (bban := _bban_format(c)) is not None]


def _bban_format(country: str) -> str | None:
    """The BBAN structure of an IBAN country (``"3!n4!n7!c"``), None for no IBAN country."""
    try:
        info = stdnum_iban._ibandb.info(country + "00")
    except Exception:  # pragma: no cover - the bundled database is always readable
        return None
    bban = info[0][1].get("bban") if info and info[0][0] == country else None
    return bban if isinstance(bban, str) else None


def _repair_bban(s: str, country: str, bban: str) -> str | None:
    """``s`` read as an IBAN of ``country``, whose BBAN format is ``bban`` (see
    :func:`repair_iban`)."""
    options: list[tuple[str, ...]] = [(country,), (s[2:4].translate(_AS_DIGIT),)]
    pos = 4
    for count, kind in _STRUCT.findall(bban):
        part = s[pos : pos + int(count)]
        pos += int(count)
        if kind == "n":
            options.append((part.translate(_AS_DIGIT),))
        elif kind == "a":
            options.extend(tuple(_LETTER_CHOICES.get(ch, ch.translate(_AS_LETTER))) for ch in part)
        else:
            options.append((part,))
    if pos != len(s):
        return None
    readings = {"".join(r) for r in itertools.islice(itertools.product(*options), 64)}
    valid = [r for r in readings if is_valid_iban(r)]
    return valid[0] if len(valid) == 1 else None


IBAN_RE = re.compile(r"\b([A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){2,7}(?:\s?[A-Z0-9]{1,4})?)\b")
VAT_RE = re.compile(
    r"\b((?:AT|BE|BG|CY|CZ|DE|DK|EE|EL|ES|FI|FR|GB|HR|HU|IE|IT|LT|LU|LV|MT|NL|PL|PT|RO|SE|SI|SK|XI)"
    r"\s?[0-9A-Z][0-9A-Z .]{1,16}[0-9A-Z]|CHE[-\s]?\d{3}\.?\d{3}\.?\d{3}(?:\s?(?:MWST|TVA|IVA))?)"
)


#: Characters OCR confuses inside an ID, each with what it may stand for.
_ID_CONFUSIONS = {
    "O": "0", "D": "0", "Q": "0", "0": "O", "I": "1", "L": "1", "1": "I",
    "S": "5", "5": "S", "B": "8", "8": "B", "Z": "2", "2": "Z", "G": "6", "6": "G",
}  # fmt: skip
#: In the two-letter country prefix, digits (and look-alike letters) read for its letters.
_PREFIX_LETTERS = {
    "0": "OD", "1": "IL", "2": "Z", "4": "A", "5": "S", "6": "G", "7": "T", "8": "BE", "P": "F",
    "K": "R",
}  # fmt: skip
_VAT_COUNTRIES = frozenset(
    [
        "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "EL", "ES", "FI", "FR", "GB", "HR", "HU",
        "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK", "CH", "NO",
    ]
)  # fmt: skip


def repair_tax_id(text: str, max_changes: int = 2) -> str | None:
    """A VAT ID as OCR misread it (``NL105003700801``, ``B80622973887``) put right by its
    check digits: up to ``max_changes`` confusable characters (O/0, I/1, S/5, B/8, Z/2, G/6;
    a digit read for a prefix letter) are swapped, and a reading is returned only when it
    is the one reading that validates. A valid ID comes back as is; None when no single
    reading validates or the ID has no country prefix (as read, or a digit away)."""
    s = compact_id(text)
    if is_valid_tax_id(s):
        return s
    if len(s) < 6:
        return None
    prefixes = [(s[:2], 0)]
    if s[:2] not in _VAT_COUNTRIES:
        prefixes = [
            (a + b, int(a != s[0]) + int(b != s[1]))
            for a in (s[0], *_PREFIX_LETTERS.get(s[0], ""))
            for b in (s[1], *_PREFIX_LETTERS.get(s[1], ""))
            if a + b in _VAT_COUNTRIES and (a != s[0] or b != s[1])
        ]
        if not prefixes or not (s[0].isalpha() or s[1].isalpha()):
            return None
    valid: set[str] = set()
    body = s[2:]
    for prefix, used in prefixes:
        spots = [i for i, ch in enumerate(body) if ch in _ID_CONFUSIONS]
        for k in range(0, max_changes - used + 1):
            for chosen in itertools.combinations(spots, k):
                chars = list(body)
                for i in chosen:
                    chars[i] = _ID_CONFUSIONS[chars[i]]
                reading = prefix + "".join(chars)
                if is_valid_tax_id(reading):
                    valid.add(reading)
            if valid:
                break  # the fewest changes that validate
        if len(valid) > 1:
            return None
    return valid.pop() if len(valid) == 1 else None
