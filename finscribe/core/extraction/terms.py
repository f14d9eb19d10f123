"""Payment terms: the text after a terms label, put right where OCR misread it."""

from __future__ import annotations

import re

from finscribe.core.extraction.dates import fold
from finscribe.core.extraction.labels import LabelMap
from finscribe.core.extraction.lexicon import (
    PAYMENT_METHOD_LEAD,
    PAYMENT_METHOD_WORDS,
    TERMS_UNITS,
    TERMS_WORDS,
    edit_distance,
)
from finscribe.core.extraction.towns import holds_postcode_and_town
from finscribe.core.layout.analysis import Layout, below
from finscribe.core.model import BBox

_TERMS_BY_FOLD = {fold(w): w for w in TERMS_WORDS}


def repair_terms(text: str) -> str:
    """Terms as OCR read them put right word by word: an accent lost (``dias`` -> ``días``),
    one letter misread (``daya`` -> ``days``) where one terms word is that near, a speck
    read as a dot after a terms word or a number (``Net. 30``, ``30.Tage``) or as an
    apostrophe after a word dropped, a space lost after a number (``45days``)."""
    out: list[str] = []
    # "30.Tage", "a 30. días": a speck after a number; "Paiement'": after a word
    text = re.sub(r"(?<=\d)\.\s?(?=[^\W\d_]{3})", " ", text)
    text = re.sub(r"(?<=[^\W\d_]{3})['’](?=\s)", "", text)
    # "Net 45days": a number glued to the unit after it
    text = re.sub(r"(?<=\d)(?=[^\W\d_]{3})", " ", text)
    for token in text.split(" "):
        word = token.rstrip(".")
        key = fold(word)
        if word.isalpha() and key not in _TERMS_BY_FOLD and len(key) >= 4:
            near = {v for k, v in _TERMS_BY_FOLD.items() if edit_distance(key, k, 1) <= 1}
            if len(near) > 1:
                near = {v for v in near if len(fold(v)) == len(key)} or near  # a letter misread
            if len(near) > 1 and out and out[-1].isdigit():
                near &= TERMS_UNITS  # after a number: "30 daya" is days, not data
            if len(near) == 1:
                key = fold(near.pop())
        fixed = _TERMS_BY_FOLD.get(key) if word.isalpha() else None
        if fixed is None:
            out.append(token)
        elif word.isupper() and len(word) > 1:
            out.append(fixed.upper())
        else:
            out.append(fixed.capitalize() if word[:1].isupper() else fixed)
    return " ".join(out)


def _terms_like(text: str) -> bool:
    """Scanned terms hold a terms word (``Net 30``, ``Zahlbar sofort``), and are no line
    with a postcode and town."""
    words = {fold(w) for w in re.findall(r"[^\W\d_]+", text)}
    return bool(words & set(_TERMS_BY_FOLD)) and not holds_postcode_and_town(text)


def payment_method(text: str) -> bool:
    """The text names a payment method, not terms: no number, and a transfer word (as OCR
    may misread it) or a French / Italian "by ..." ("par virement", "tramite bonifico")."""
    head = re.split(r"·|\bIBAN\b|\b1BAN\b", text)[0]  # bank details may follow
    if any(ch.isdigit() for ch in head):
        return False
    folded = fold(head).strip()
    if folded.startswith(PAYMENT_METHOD_LEAD):
        return True
    return any(
        edit_distance(w, m, 2) <= 2
        for w in re.findall(r"[a-z]{6,}", folded)
        for m in PAYMENT_METHOD_WORDS
    )


def payment_terms(layout: Layout, lm: LabelMap) -> tuple[str, float, int, BBox, str] | None:
    """The text after a payment-terms label (in its segment, to its right, or below it) as
    (value, confidence, page, box, text as read)."""
    for hit in lm.hits:
        if hit.field != "payment_terms":
            continue
        seg = hit.segment
        page = layout.pages[seg.page - 1]
        words = list(seg.words[hit.end :])
        if not words:
            row = page.rows[seg.row]
            right = [s for s in row.segments if s.bbox.x0 > seg.bbox.x1]
            if right:
                words = list(min(right, key=lambda s: s.bbox.x0).words)
        if not words and hit.leading:
            for nrow in page.rows[seg.row + 1 : seg.row + 3]:
                cands = [s for s in nrow.segments if below(seg, s, 1.6 * seg.font)]
                if cands:
                    words = list(min(cands, key=lambda s: abs(s.bbox.x0 - seg.bbox.x0)).words)
                    break
        text = " ".join(w.text for w in words).strip(" :")
        if len(text) < 2 or payment_method(text):
            continue
        if page.source == "ocr":
            text = repair_terms(text)
            if not _terms_like(text):
                continue  # an address line or a country under a garbled label
        box = BBox.enclosing([w.bbox for w in words])
        conf = 0.8 * min(w.confidence for w in words)
        return text, conf, seg.page, box, text
    return None
