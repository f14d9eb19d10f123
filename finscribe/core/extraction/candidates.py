"""Candidate values for each header field, with the features the scorer reads."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from finscribe.core.extraction.amounts import Money, parse_money
from finscribe.core.extraction.dates import DateOrder, parse_date
from finscribe.core.extraction.labels import LabelMap, Pointer
from finscribe.core.extraction.lexicon import normalise_token
from finscribe.core.layout.analysis import Layout, PageLayout, Segment
from finscribe.core.model import BBox, Word
from finscribe.core.validation.ids import (
    BIC_RE,
    IBAN_RE,
    compact_id,
    iban_with_bank_code,
    is_valid_iban,
    is_valid_tax_id,
    repair_iban,
    repair_tax_id,
)

MONEY_FIELDS = ("subtotal", "total_tax", "total", "amount_due")
DATE_FIELDS = ("invoice_date", "due_date")
REF_FIELDS = ("invoice_number", "purchase_order")
TAX_ID_FIELDS = ("vendor_tax_id", "customer_tax_id")
#: A dash between two characters of a reference that OCR read as "=" or "~".
_MISREAD_DASH = re.compile(r"(?<=\w)[=~](?=\w)")
#: An amount with cents ("6.917,08", "1 747.99", "-592.90"): never a tax ID.
_MONEY_LIKE = re.compile(r"^[-+(]?[€$£]?\s?\d{1,3}(?:[.,' ]?\d{3})*[.,]\d{2}\)?$")
SCORED_FIELDS = (*MONEY_FIELDS, *DATE_FIELDS, *REF_FIELDS, *TAX_ID_FIELDS, "vendor_iban")

#: The features every candidate carries, in this order (the learned scorer's columns).
FEATURES: tuple[str, ...] = (
    "lab_inline",
    "lab_right",
    "lab_below",
    "lab_dist",
    "lab_words",
    "lab_leading",
    "lab_other",
    "lab_other_money",
    "lab_title",
    "lab_ignore",
    "y_rel",
    "x_rel",
    "font_rel",
    "in_table",
    "last_page",
    "first_page",
    "amount_rank",
    "is_max",
    "repeats",
    "has_currency",
    "negative",
    "format_ok",
    "has_digit",
    "n_words",
    "arith",
    "in_customer",
    "first_date",
)

_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-/_.#]*[A-Za-z0-9]$|^[0-9]$")
_ALNUM = re.compile(r"^[A-Za-z0-9]+$")
_ALNUM_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.\-/]*$")


def _iban_run(words: list[Word]) -> tuple[int, int, str, str] | None:
    """The words of an IBAN in ``words``: the first, longest run that compacts to a valid
    IBAN (OCR misreadings put right by its checksum), else the first, longest run in IBAN
    format (``IBAN: DE10 25750001 1058 6954 77. BIC ...``: the BIC after it is no part of
    it). Returns (start, end, compact value, text as read) or None."""
    fallback: tuple[int, int, str, str] | None = None
    for i in range(len(words)):
        for j in range(min(len(words), i + 9), i, -1):
            if not all(_IBAN_WORD.match(w.text) for w in words[i:j]):
                continue
            text = " ".join(w.text for w in words[i:j])
            grouped = _IBAN_PREFIX.sub("", text).strip(".,:;")
            compact = compact_id(grouped)
            repaired = repair_iban(grouped) if len(compact) >= 15 else None
            if repaired is not None:
                return i, j, repaired, text
            if (
                fallback is None
                and len(compact) >= 15
                and IBAN_RE.match(compact)
                and compact[:2].isalpha()
            ):
                fallback = (i, j, compact, text)
    return fallback


# IBAN groups as OCR reads them: "9029.2066", "09.", "IBAN:BE36"
_IBAN_WORD = re.compile(r"^(?:[^\W\d_]+[.:]+)?[A-Za-z0-9]+(?:[.\-][A-Za-z0-9]+)*[.,:;]?$")
_GLUED_IBAN = re.compile(r"^[^\W\d_]+[.:]+[A-Z]{2}\d{2}$")
#: A label glued to the IBAN's first group: "IBAN:BE36", "Rekeningnummer.BE08".
_IBAN_PREFIX = re.compile(r"^[^\W\d_]+[.:]+(?=[A-Z0-9]{2}\d)")
_RATE_RE = re.compile(r"^\(?(\d{1,2}(?:[.,]\d{1,3})?)\s?%\)?$")


@dataclass(slots=True)
class Candidate:
    """One possible value of one field, where it is printed and its features."""

    field: str
    value: str
    text: str
    page: int
    bbox: BBox
    ocr_confidence: float
    segment: Segment
    start: int
    end: int
    features: dict[str, float] = dataclasses.field(default_factory=dict)
    amount: Decimal | None = None
    day: date | None = None
    currency: str | None = None
    score: float = 0.0

    def vector(self) -> list[float]:
        return [float(self.features.get(name, 0.0)) for name in FEATURES]


@dataclass(slots=True)
class DocFacts:
    """Per-document facts that shape parsing: separators, date order, tables, customer area."""

    decimal_comma: bool | None
    date_order: DateOrder
    table_segments: set[tuple[int, int]]
    customer_segments: set[tuple[int, int]]


def _runs(seg: Segment, lm: LabelMap) -> Iterator[tuple[int, int]]:
    """Runs of consecutive non-label words in a segment."""
    start = None
    for i in range(len(seg.words)):
        if lm.is_label_word(seg, i):
            if start is not None:
                yield start, i
            start = None
        elif start is None:
            start = i
    if start is not None:
        yield start, len(seg.words)


def _pointers_for(seg: Segment, start: int, lm: LabelMap) -> list[Pointer]:
    """Labels pointing at a value starting at word ``start``: pointers at the start of its run."""
    out = []
    for p_start, pointer in lm.all_pointers(seg):
        if p_start <= start and not any(lm.is_label_word(seg, i) for i in range(p_start, start)):
            # only the first value in the run takes an inline label fully
            out.append(pointer)
    return out


def money_spans(
    seg: Segment, lm: LabelMap, decimal_comma: bool | None
) -> list[tuple[int, int, Money]]:
    """Non-overlapping money spans of a segment, longest first."""
    out: list[tuple[int, int, Money]] = []
    for a, b in _runs(seg, lm):
        i = a
        while i < b:
            found = None
            for n in range(min(4, b - i), 0, -1):
                text = " ".join(w.text for w in seg.words[i : i + n])
                if "%" in text:
                    continue
                money = parse_money(text, decimal_comma)
                if money is not None and _looks_like_money(text):
                    found = (i, i + n, money)
                    break
            if found:
                out.append(found)
                i = found[1]
            else:
                i += 1
    return out


def _looks_like_money(text: str) -> bool:
    """An amount printed with decimals or a currency, not a bare integer like a year or ID."""
    t = text.strip()
    has_money_form = re.search(r"[.,;]\d{2}\b|[€$£]|\b[A-Z]{3}\b", t) is not None
    return has_money_form and re.search(r"\d{7,}", t) is None


def date_spans(seg: Segment, lm: LabelMap, order: DateOrder) -> list[tuple[int, int, date]]:
    out: list[tuple[int, int, date]] = []
    for a, b in _runs(seg, lm):
        i = a
        while i < b:
            found = None
            for n in range(min(5, b - i), 0, -1):
                text = " ".join(w.text for w in seg.words[i : i + n])
                d = parse_date(text, order)
                if d is not None:
                    found = (i, i + n, d)
                    break
            if found:
                out.append(found)
                i = found[1]
            else:
                i += 1
    return out


def parse_rate(text: str) -> Decimal | None:
    """A printed percentage (``20%``, ``5,5 %``) as a Decimal, else None."""
    m = _RATE_RE.match(text.strip().rstrip(":;,"))
    if not m:
        return None
    return Decimal(m.group(1).replace(",", "."))


def _base_features(
    seg: Segment, page: PageLayout, n_pages: int, facts: DocFacts
) -> dict[str, float]:
    b = seg.bbox
    return {
        "y_rel": b.cy / max(page.height, 1.0),
        "x_rel": b.cx / max(page.width, 1.0),
        "font_rel": seg.font / max(page.median_font, 1.0),
        "in_table": float((seg.page, seg.index) in facts.table_segments),
        "last_page": float(page.number == n_pages),
        "first_page": float(page.number == 1),
        "in_customer": float((seg.page, seg.index) in facts.customer_segments),
    }


def _label_features(fname: str, pointers: list[Pointer], page: PageLayout) -> dict[str, float]:
    own = [p for p in pointers if p.field == fname]
    other = [p for p in pointers if p.field != fname and p.field not in ("title", "ignore")]
    f: dict[str, float] = {
        "lab_title": float(any(p.field == "title" for p in pointers)),
        "lab_ignore": float(any(p.field in ("ignore", "payment", "paid") for p in pointers)),
        "lab_other": float(bool(other) and not own),
        "lab_other_money": float(
            any(p.field in (*MONEY_FIELDS, "paid", "payment") for p in other) and not own
        ),
    }
    if own:
        best = min(
            own, key=lambda p: ({"inline": 0, "right": 1, "below": 2}[p.direction], p.distance)
        )
        f["lab_" + best.direction] = 1.0
        f["lab_dist"] = min(best.distance / max(page.width, 1.0), 1.0)
        f["lab_words"] = min(best.label_words, 4) / 4
        f["lab_leading"] = float(best.leading)
        # a more specific label for another field that also points here weakens this one
        if other and max(p.label_words for p in other) > best.label_words:
            f["lab_other"] = 0.5
    return f


def _span_bbox(seg: Segment, a: int, b: int) -> BBox:
    return BBox.enclosing([w.bbox for w in seg.words[a:b]])


def _conf(seg: Segment, a: int, b: int) -> float:
    return min(w.confidence for w in seg.words[a:b])


#: What is left of a label glued to the ID it names on a scan ("VAT No.GB..." read "NOGB...").
_GLUED_LABEL = ("NO", "NR", "N")


def _without_glued_label(compact: str, valid: bool | None) -> tuple[str, bool | None]:
    """The ID without a label remnant OCR glued to it, where only that reading is valid."""
    for prefix in _GLUED_LABEL:
        rest = compact[len(prefix) :]
        if compact.startswith(prefix) and len(rest) >= 5 and is_valid_tax_id(rest) is True:
            return rest, True
    return compact, valid


def generate(layout: Layout, lm: LabelMap, facts: DocFacts) -> dict[str, list[Candidate]]:
    """Candidates for every scored field."""
    out: dict[str, list[Candidate]] = {f: [] for f in SCORED_FIELDS}
    n_pages = len(layout.pages)
    amounts: list[Candidate] = []
    for page in layout.pages:
        for seg in page.segments:
            base = _base_features(seg, page, n_pages, facts)
            for a, b, money in money_spans(seg, lm, facts.decimal_comma):
                pointers = _pointers_for(seg, a, lm)
                text = " ".join(w.text for w in seg.words[a:b])
                for fname in MONEY_FIELDS:
                    c = Candidate(
                        fname,
                        "",
                        text,
                        page.number,
                        _span_bbox(seg, a, b),
                        _conf(seg, a, b),
                        seg,
                        a,
                        b,
                        amount=money.amount,
                        currency=money.currency,
                    )
                    c.features = {
                        **base,
                        **_label_features(fname, pointers, page),
                        "has_currency": float(money.currency is not None),
                        "negative": float(money.amount < 0),
                        "format_ok": 1.0,
                        "has_digit": 1.0,
                        "n_words": (b - a) / 4,
                    }
                    out[fname].append(c)
                    amounts.append(c)
            for a, b, d in date_spans(seg, lm, facts.date_order):
                pointers = _pointers_for(seg, a, lm)
                text = " ".join(w.text for w in seg.words[a:b])
                for fname in DATE_FIELDS:
                    c = Candidate(
                        fname,
                        d.isoformat(),
                        text,
                        page.number,
                        _span_bbox(seg, a, b),
                        _conf(seg, a, b),
                        seg,
                        a,
                        b,
                        day=d,
                    )
                    c.features = {
                        **base,
                        **_label_features(fname, pointers, page),
                        "format_ok": 1.0,
                        "has_digit": 1.0,
                        "n_words": (b - a) / 4,
                    }
                    out[fname].append(c)
            _ref_candidates(out, seg, page, lm, base)
            _id_candidates(out, seg, page, lm, base)
    _amount_features(out)
    _ibans_by_bic(out["vendor_iban"], layout)
    for fname in DATE_FIELDS:
        dated = sorted(out[fname], key=lambda c: (c.page, c.segment.index, c.start))
        if dated:
            first = dated[0]
            for c in dated:
                c.features["first_date"] = float(c.day == first.day)
    return out


#: What OCR reads for a "#" printed between a label and its number.
_HASH_READINGS = frozenset({"8", "4", "H", "#", "≠", "非"})


def _ibans_by_bic(cands: list[Candidate], layout: Layout) -> None:
    """IBANs that fail their check put right by a BIC printed on the document
    (:func:`iban_with_bank_code`)."""
    broken = [c for c in cands if not c.features.get("format_ok")]
    if not broken:
        return
    bics = {
        w.text.strip(".,:;")
        for page in layout.pages
        for seg in page.segments
        for w in seg.words
        if BIC_RE.match(w.text.strip(".,:;"))
    }
    for c in broken:
        fixed = iban_with_bank_code(c.value, bics) if bics else None
        if fixed is not None:
            c.value = fixed
            c.features["format_ok"] = 1.0


def _ref_candidates(
    out: dict[str, list[Candidate]],
    seg: Segment,
    page: PageLayout,
    lm: LabelMap,
    base: dict[str, float],
) -> None:
    for a, b in _runs(seg, lm):
        pointers = _pointers_for(seg, a, lm)
        if not pointers:
            continue
        spans = [(a, a + 1)]
        if b - a > 1 and b - a <= 3:
            spans.append((a, b))
        if page.source == "ocr" and b - a > 1 and seg.words[a].text in _HASH_READINGS:
            spans.append((a + 1, a + 2))  # "Invoice 8 942/2022": the "#" read as a glyph
        for s, e in spans:
            text = " ".join(w.text for w in seg.words[s:e]).strip(" :#")
            if page.source == "ocr":
                text = _MISREAD_DASH.sub("-", text)  # "INV=19366", "CN~2022-4817"
            if not text or len(text) > 40:
                continue
            compact = text.replace(" ", "")
            fmt = bool(_ID_RE.match(compact)) and parse_date(text) is None
            for fname in REF_FIELDS:
                if fname == "purchase_order" and len(compact) < 2 and page.source == "ocr":
                    continue  # a lone glyph on a scan: a speck, no order number (a small
                    # business's invoice "7" is kept)
                c = Candidate(
                    fname,
                    text,
                    text,
                    page.number,
                    _span_bbox(seg, s, e),
                    _conf(seg, s, e),
                    seg,
                    s,
                    e,
                )
                c.features = {
                    **base,
                    **_label_features(fname, pointers, page),
                    "format_ok": float(fmt),
                    "has_digit": float(any(ch.isdigit() for ch in text)),
                    "n_words": (e - s) / 4,
                }
                out[fname].append(c)


def _id_candidates(
    out: dict[str, list[Candidate]],
    seg: Segment,
    page: PageLayout,
    lm: LabelMap,
    base: dict[str, float],
) -> None:
    for a, b in _runs(seg, lm):
        pointers = _pointers_for(seg, a, lm)
        words = seg.words[a:b]
        glued = a > 0 and _GLUED_IBAN.match(seg.words[a - 1].text) is not None
        start = a - 1 if glued else a  # "Rekeningnummer.BE08": the label word holds its start
        iban = _iban_run(seg.words[start:b])
        if iban is not None:
            i, j, compact, text = iban
            i, j = i + start - a, j + start - a
            c = Candidate(
                "vendor_iban",
                compact,
                text,
                page.number,
                _span_bbox(seg, a + i, a + j),
                _conf(seg, a + i, a + j),
                seg,
                a + i,
                a + j,
            )
            c.features = {
                **base,
                **_label_features("vendor_iban", pointers, page),
                "format_ok": float(is_valid_iban(compact)),
                "has_digit": 1.0,
                "n_words": (j - i) / 8,
            }
            out["vendor_iban"].append(c)
        if not pointers:
            continue
        # tax IDs: the value run after a tax-ID label (first 1..4 words)
        for n in range(min(5, len(words)), 0, -1):
            if not all(_ALNUM_ID.match(w.text) for w in words[:n]):
                continue
            last = normalise_token(words[n - 1].text)
            if n > 1 and last.isalpha() and last not in ("mwst", "tva", "iva"):
                # a check letter printed or read apart ("IE6834291 R") belongs to the ID
                joined = compact_id(" ".join(w.text for w in words[:n]))
                if len(last) > 1 or is_valid_tax_id(joined) is not True:
                    continue
            end = n
            # a Swiss UID ends in MWST / TVA / IVA (read as a label word): it is part of the ID
            if a + end < len(seg.words) and normalise_token(seg.words[a + end].text) in (
                "mwst",
                "tva",
                "iva",
            ):
                end += 1
            text = " ".join(w.text for w in seg.words[a : a + end]).strip(" :")
            compact = compact_id(text)
            if len(compact) < 5 or not any(ch.isdigit() for ch in compact):
                continue
            if sum(ch.isdigit() for ch in compact) < len(compact) // 2:
                continue
            if _MONEY_LIKE.match(text):
                continue  # "TVA  6.917,08": an amount beside a tax label, no tax ID ends in cents
            valid = is_valid_tax_id(compact)
            if not valid and page.source == "ocr":
                compact, valid = _without_glued_label(compact, valid)
            if not valid and page.source == "ocr":
                repaired = repair_tax_id(compact)
                if repaired is not None:
                    compact, valid = repaired, True  # misread characters put right by the check
            for fname in TAX_ID_FIELDS:
                labels = pointers
                if fname == "customer_tax_id" and base["in_customer"]:
                    # "VAT No." / "Partita IVA" in the customer's block names the customer's
                    labels = [_as_customer(p) for p in pointers]
                c = Candidate(
                    fname,
                    compact,
                    text,
                    page.number,
                    _span_bbox(seg, a, a + end),
                    _conf(seg, a, a + end),
                    seg,
                    a,
                    a + end,
                )
                c.features = {
                    **base,
                    **_label_features(fname, labels, page),
                    "format_ok": 1.0 if valid else (0.5 if valid is None else 0.0),
                    "has_digit": 1.0,
                    "n_words": n / 4,
                }
                out[fname].append(c)
            break


def _as_customer(pointer: Pointer) -> Pointer:
    if pointer.field != "vendor_tax_id":
        return pointer
    return dataclasses.replace(pointer, field="customer_tax_id")


def _amount_features(out: dict[str, list[Candidate]]) -> None:
    for fname in MONEY_FIELDS:
        cands = out[fname]
        values = sorted(
            {
                abs(c.amount)
                for c in cands
                if c.amount is not None and not c.features.get("in_table")
            },
            reverse=True,
        )
        counts: dict[Decimal, int] = {}
        for c in cands:
            if c.amount is not None:
                counts[abs(c.amount)] = counts.get(abs(c.amount), 0) + 1
        for c in cands:
            assert c.amount is not None
            v = abs(c.amount)
            rank = values.index(v) if v in values else len(values)
            c.features["amount_rank"] = 1.0 / (1 + rank)
            c.features["is_max"] = float(bool(values) and v == values[0])
            c.features["repeats"] = min(counts.get(v, 1) - 1, 3) / 3
