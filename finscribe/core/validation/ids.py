"""Identifier checks: VAT / tax IDs (python-stdnum) and IBANs (ISO 13616 mod 97)."""

from __future__ import annotations

import re

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
    """An IBAN with a known country length and a correct mod-97 check."""
    try:
        stdnum_iban.validate(compact_id(text))
    except StdnumValidationError:
        return False
    return True


IBAN_RE = re.compile(r"\b([A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){2,7}(?:\s?[A-Z0-9]{1,4})?)\b")
VAT_RE = re.compile(
    r"\b((?:AT|BE|BG|CY|CZ|DE|DK|EE|EL|ES|FI|FR|GB|HR|HU|IE|IT|LT|LU|LV|MT|NL|PL|PT|RO|SE|SI|SK|XI)"
    r"\s?[0-9A-Z][0-9A-Z .]{1,16}[0-9A-Z]|CHE[-\s]?\d{3}\.?\d{3}\.?\d{3}(?:\s?(?:MWST|TVA|IVA))?)"
)
