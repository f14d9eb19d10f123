"""Document-level guesses: language, document type, decimal mark, date order, currency."""

from __future__ import annotations

import re
from collections import Counter

from finscribe.core.extraction.amounts import CURRENCY_CODES, CURRENCY_SYMBOLS
from finscribe.core.extraction.dates import DateOrder, fold, numeric_order
from finscribe.core.extraction.labels import LabelMap
from finscribe.core.extraction.lexicon import DOC_TYPE_WORDS, LANGUAGE_WORDS
from finscribe.core.layout.analysis import Layout

_COMMA_DEC = re.compile(r"\d,\d{2}(?!\d)")
_DOT_DEC = re.compile(r"\d\.\d{2}(?!\d)")
_COUNTRY_CURRENCY = {
    "GB": "GBP", "US": "USD", "CH": "CHF", "LI": "CHF", "SE": "SEK", "DK": "DKK",
    "NO": "NOK", "PL": "PLN", "CZ": "CZK", "HU": "HUF",
}  # fmt: skip
_EURO = frozenset(
    [
        "AT",
        "BE",
        "CY",
        "DE",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PT",
        "SI",
        "SK",
    ]
)


def detect_language(layout: Layout) -> str:
    """The language whose common words and labels appear most (``en`` when nothing matches)."""
    counts: Counter[str] = Counter()
    for seg in layout.segments:
        for w in seg.words:
            t = fold(w.text).strip(".,:;()#")
            for lang, words in LANGUAGE_WORDS.items():
                if t in words:
                    counts[lang] += 1
    if not counts:
        return "en"
    return counts.most_common(1)[0][0]


def detect_document_type(layout: Layout, lm: LabelMap) -> str:
    """invoice / credit_note / receipt / unknown, from the title words (largest first)."""
    titles = sorted((h for h in lm.hits if h.field == "title"), key=lambda h: -h.segment.font)
    folded: dict[str, set[str]] = {
        kind: {fold(w) for w in words} for kind, words in DOC_TYPE_WORDS.items()
    }
    for hit in titles[:3]:
        text = fold(" ".join(w.text for w in hit.segment.words[hit.start : hit.end]))
        text = text.strip(" .:")
        # a credit-note word anywhere in a title wins ("Facture d'avoir", "Rechnungskorrektur")
        if any(_has_phrase(text, k) for k in folded["credit_note"]):
            return "credit_note"
        for kind in ("receipt", "invoice"):
            if text in folded[kind] or any(text.startswith(k + " ") for k in folded[kind]):
                return kind
    # "Credit Note No.", "Gutschrift-Nr.", "N° avoir": the number's label names the type
    for hit in lm.hits:
        if hit.field != "invoice_number":
            continue
        text = fold(" ".join(w.text for w in hit.segment.words[hit.start : hit.end]))
        if any(word in text for word in folded["credit_note"]):
            return "credit_note"
    if layout.pages:
        page = layout.pages[0]
        if page.width / max(page.height, 1.0) < 0.62:
            return "receipt"
    if any(h.field == "invoice_number" for h in lm.hits):
        return "invoice"
    return "unknown"


def _has_phrase(text: str, phrase: str) -> bool:
    """``phrase`` occurs in ``text`` as whole words (an apostrophe also separates words)."""
    return re.search(rf"(?<![\w]){re.escape(phrase)}(?![\w])", text) is not None


def detect_decimal_comma(layout: Layout) -> bool | None:
    """True when amounts use a decimal comma (``1.234,56``), False for a dot, None unknown."""
    comma = dot = 0
    for seg in layout.segments:
        for w in seg.words:
            if _COMMA_DEC.search(w.text) and not re.search(r"\d,\d{2}\.\d", w.text):
                comma += 1
            if _DOT_DEC.search(w.text) and not re.search(r"\d\.\d{2}[.,]\d", w.text):
                dot += 1
    if comma == dot == 0:
        return None
    return comma > dot


def detect_date_order(layout: Layout, language: str, currency: str | None) -> DateOrder:
    """MDY or DMY from unambiguous numeric dates; else US English reads MDY, others DMY."""
    votes: Counter[str] = Counter()
    for seg in layout.segments:
        for w in seg.words:
            order = numeric_order(w.text)
            if order:
                votes[order] += 1
    if votes:
        return "MDY" if votes["MDY"] > votes["DMY"] else "DMY"
    return "MDY" if language == "en" and currency == "USD" else "DMY"


def printed_currencies(layout: Layout) -> Counter[str]:
    """Currencies printed on the document (symbols and ISO codes), counted."""
    counts: Counter[str] = Counter()
    for seg in layout.segments:
        for w in seg.words:
            t = w.text.strip(".,:;()")
            if t in CURRENCY_CODES:
                counts[t] += 1
                continue
            for sym, code in CURRENCY_SYMBOLS.items():
                if len(sym) == 1 and sym in t:
                    counts[code] += 1
    return counts


def currency_from_country(country: str | None) -> str | None:
    if country is None:
        return None
    if country in _EURO:
        return "EUR"
    return _COUNTRY_CURRENCY.get(country)
