"""From positioned text to the schema-v1 document: layout, candidates, scoring, selection."""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections import Counter
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from finscribe.constants import SCHEMA_VERSION
from finscribe.core.extraction import detect
from finscribe.core.extraction.amounts import format_decimal
from finscribe.core.extraction.candidates import (
    DATE_FIELDS,
    MONEY_FIELDS,
    TAX_ID_FIELDS,
    Candidate,
    DocFacts,
    generate,
    parse_rate,
)
from finscribe.core.extraction.items import (
    discount_signs,
    glyph_rate,
    line_items,
    rate_before_sign,
    receipt_items,
    stray_amounts,
)
from finscribe.core.extraction.labels import LabelMap, map_labels
from finscribe.core.extraction.parties import (
    Party,
    PartyLine,
    find_customer,
    find_unlabelled_customer,
    find_vendor,
    line_under,
)
from finscribe.core.extraction.repairs import (
    CELL_CONFIDENCE,
    CELL_TEXT,
    QUANTITY_UNREAD,
    amounts_the_sums_confirm,
    repair_line,
)
from finscribe.core.extraction.scorer import Scorer, load_scorer
from finscribe.core.extraction.taxids import unlabelled_tax_ids, valid_tax_ids
from finscribe.core.extraction.terms import payment_terms
from finscribe.core.layout.analysis import Layout, analyze_layout
from finscribe.core.layout.tables import Table, find_tables
from finscribe.core.misreads import extra_glyph_readings
from finscribe.core.model import BBox, DocumentText
from finscribe.core.validation import needs_review
from finscribe.core.validation import validate as run_validation
from finscribe.core.validation.ids import tax_id_country
from finscribe.core.validation.rules import to_decimal
from finscribe.settings import Settings, ValidationSettings

#: Below this probability a field's best candidate is not reported (the field is left out).
MIN_PROBABILITY = 0.5
#: Confidence (times the OCR's) of a VAT ID taken by its check digits alone, without a label.
UNLABELLED_TAX_ID_CONFIDENCE = 0.7
#: Where a page's footer starts (share of its height).
FOOTER_Y = 0.85
_ARITH_BONUS = 2.5
_LINES_BONUS = 1.0
_TOP_K = 4

_scorer_cache: dict[str, Scorer] = {}


def default_scorer() -> Scorer:
    """The packaged scorer, loaded once per process."""
    if "default" not in _scorer_cache:
        _scorer_cache["default"] = load_scorer()
    return _scorer_cache["default"]


@dataclass(slots=True)
class Extraction:
    """What extraction found: the document (without validation) and facts validation reads."""

    document: dict[str, Any]
    candidates: dict[str, list[Candidate]]
    layout: Layout
    tax_rates: list[Decimal] = field(default_factory=list)
    currencies: set[str] = field(default_factory=set)
    paid: Decimal | None = None
    #: Amounts printed among the line items that no item took (rows lost or merged in reading).
    stray_amounts: list[Decimal] = field(default_factory=list)
    #: Indexes of line items whose printed quantity was not read and no quantity fits.
    unread_quantities: set[int] = field(default_factory=set)
    #: OCR confidence of each line item's quantity, unit price and amount cells.
    cell_confidence: dict[int, dict[str, float]] = field(default_factory=dict)


def _field(value: str, confidence: float, page: int, bbox: BBox, text: str) -> dict[str, Any]:
    return {
        "value": value,
        "confidence": round(max(0.0, min(1.0, confidence)), 4),
        "page": page,
        "bbox": bbox.to_list(),
        "text": text,
    }


def _cand_field(c: Candidate) -> dict[str, Any]:
    value = c.value
    if c.amount is not None:
        value = format_decimal(c.amount)
    return _field(value, c.score * c.ocr_confidence, c.page, c.bbox, c.text)


def _span_key(c: Candidate) -> tuple[int, int, int, int]:
    return (c.page, c.segment.index, c.start, c.end)


def _overlaps(a: Candidate, b: Candidate) -> bool:
    return (
        a.page == b.page and a.segment.index == b.segment.index and a.start < b.end
        and b.start < a.end
    )  # fmt: skip


def _log(p: float) -> float:
    return math.log(min(max(p, 1e-6), 1 - 1e-6))


def _misread_variants(c: Candidate) -> list[Candidate]:
    """The readings of a scanned amount whose first digit was its currency sign (``-£57,989.37``
    read ``-857,989.37``) or with a 1 in a thousands gap (``2 202,72`` read ``21202,72``).
    Only taken where they make the sums add up."""
    if c.amount is None or len(format(abs(c.amount), "f")) < 5:
        return []
    return [
        dataclasses.replace(c, amount=amount, features={**c.features, _MISREAD: 1.0})
        for amount in extra_glyph_readings(c.amount)
    ]


#: Feature key marking a candidate as a misread variant of another (never scored).
_MISREAD = "_misread"


def _choose_money(
    cands: dict[str, list[Candidate]],
    lines_sum: Decimal | None,
    scanned: Collection[int] = (),
) -> dict[str, Candidate]:
    """Pick subtotal, tax and total together, preferring a triple that adds up. On scanned
    pages an amount may also be read without a first digit that was a currency sign
    or with a 1 in a thousands gap (:func:`_misread_variants`), in a triple that adds up
    only."""
    fields = ("subtotal", "total_tax", "total")
    options: list[list[Candidate | None]] = []
    for f in fields:
        top = sorted(cands.get(f, []), key=lambda c: -c.score)[:_TOP_K]
        top = [c for c in top if c.score > 0.02]
        variants = [v for c in top if c.page in scanned for v in _misread_variants(c)]
        options.append([None, *top, *variants])
    best: tuple[float, tuple[Candidate | None, ...]] | None = None
    for combo in itertools.product(*options):
        chosen = [c for c in combo if c is not None]
        if any(_overlaps(a, b) for a, b in itertools.combinations(chosen, 2)):
            continue
        sub, tax, tot = combo
        adds_up = _adds_up(sub, tax, tot)
        if any(_MISREAD in c.features for c in chosen) and not (adds_up and tax is not None):
            continue
        util = 0.0
        for c, opts in zip(combo, options, strict=True):
            if c is None:
                top_p = max((o.score for o in opts if o is not None), default=0.0)
                util += _log(1 - top_p) if top_p > 0.5 else 0.0
            else:
                util += _log(c.score) - (_log(1 - c.score) if c.score > 0.5 else 0.0)
                util += 0.0 if c.score > 0.5 else _log(c.score / 0.5)
        if adds_up:
            util += _ARITH_BONUS if tax is not None else 0.5
        lines_total = sub if sub is not None else tot
        if lines_total is not None and lines_sum is not None and lines_total.amount == lines_sum:
            util += _LINES_BONUS
        if best is None or util > best[0]:
            best = (util, combo)
    out: dict[str, Candidate] = {}
    if best is not None:
        for f, c in zip(fields, best[1], strict=True):
            if c is not None:
                out[f] = c
    return out


def _adds_up(sub: Candidate | None, tax: Candidate | None, tot: Candidate | None) -> bool:
    """subtotal + tax = total (to the cent); without a tax, subtotal = total."""
    if sub is None or tot is None or sub.amount is None or tot.amount is None:
        return False
    if tax is None:
        return sub.amount == tot.amount
    tax_amount = tax.amount if tax.amount is not None else Decimal(0)
    return abs(sub.amount + tax_amount - tot.amount) <= Decimal("0.011")


def _pick(
    cands: dict[str, list[Candidate]], fields: tuple[str, ...], used: list[Candidate]
) -> dict[str, Candidate]:
    """Greedy: the most probable field first; a span serves one field only."""
    pool = [(c.score, f, c) for f in fields for c in cands.get(f, []) if c.score >= MIN_PROBABILITY]
    out: dict[str, Candidate] = {}
    for _, f, c in sorted(pool, key=lambda t: -t[0]):
        if f in out or any(_overlaps(c, u) for u in used):
            continue
        out[f] = c
        used.append(c)
    return out


def _second_tax_id(cands: dict[str, list[Candidate]], chosen: dict[str, Candidate]) -> None:
    """Two different valid VAT IDs, each after a VAT label, and the customer's not told
    apart by its label ("VAT No." in both parties): the vendor's is the one printed more
    often (a footer on every page), else the one in the page footer, else the scorer's
    choice; the other is the customer's."""
    vendor = chosen.get("vendor_tax_id")
    if vendor is None or "customer_tax_id" in chosen or vendor.features.get("format_ok") != 1.0:
        return
    valid = [
        c
        for c in cands.get("vendor_tax_id", [])
        if c.score >= MIN_PROBABILITY and c.features.get("format_ok") == 1.0
    ]
    others = [c for c in valid if c.value != vendor.value]
    if len({c.value for c in others}) != 1 or any(
        _overlaps(c, u) for c in others for u in chosen.values() if u is not vendor
    ):
        return
    other = max(others, key=lambda c: c.score)
    mine = [c for c in valid if c.value == vendor.value]

    def footer(cs: list[Candidate]) -> bool:
        return any(c.features.get("y_rel", 0.0) >= FOOTER_Y for c in cs)

    if len(others) > len(mine) or (
        len(others) == len(mine) and footer(others) and not footer(mine)
    ):
        chosen["vendor_tax_id"] = other
        other = max(mine, key=lambda c: c.score)
    twin = next(
        (c for c in cands.get("customer_tax_id", []) if _span_key(c) == _span_key(other)), None
    )
    if twin is not None:
        twin.score = other.score
        chosen["customer_tax_id"] = twin


def _unlabelled_tax_ids(
    fields: dict[str, dict[str, Any]], layout: Layout, lm: LabelMap, customer: Party | None
) -> None:
    """VAT IDs the scorer took for none of the parties (no label, or one OCR garbled;
    :mod:`taxids`), for a party that has none. The customer's: in its block, on the line
    under it or beside a customer's tax-ID label (``BTW-nr. klant``)."""
    if "vendor_tax_id" in fields and "customer_tax_id" in fields:
        return
    block = _beside_customer_tax_labels(layout, lm)
    if customer is not None:
        under = line_under(layout, customer)
        block |= {(s.page, s.index) for s in [*customer.segments, *([under] if under else [])]}
    taken = {str(fields[f]["value"]) for f in ("vendor_tax_id", "customer_tax_id") if f in fields}
    vendor_id, customer_id = unlabelled_tax_ids(valid_tax_ids(layout), block, taken)
    for name, found in (("vendor_tax_id", vendor_id), ("customer_tax_id", customer_id)):
        if found is not None and name not in fields:
            conf = UNLABELLED_TAX_ID_CONFIDENCE * found.confidence
            fields[name] = _field(found.value, conf, found.page, found.bbox, found.text)


def _customer_segments(
    layout: Layout, lm: LabelMap, customer: Party | None
) -> set[tuple[int, int]]:
    """The customer block's segments and a tax-ID line stacked right under it (``Partita IVA
    ...`` closes the block as a label, yet the ID is the customer's)."""
    if customer is None:
        return set()
    segs = {(s.page, s.index) for s in customer.segments}
    under = line_under(layout, customer)
    if under is not None and any(h.field in TAX_ID_FIELDS for h in lm.hits_in(under)):
        segs.add((under.page, under.index))
    return segs


def _beside_customer_tax_labels(layout: Layout, lm: LabelMap) -> set[tuple[int, int]]:
    """The segments holding a customer's tax-ID label or right of one on its line."""
    out: set[tuple[int, int]] = set()
    for page in layout.pages:
        labels = [
            s for s in page.segments if any(h.field == "customer_tax_id" for h in lm.hits_in(s))
        ]
        out |= {
            (s.page, s.index)
            for label in labels
            for s in page.segments
            if abs(s.bbox.cy - label.bbox.cy) <= 0.5 * label.font and s.bbox.x0 >= label.bbox.x0
        }
    return out


def _party_fields(prefix: str, party: Party | None) -> dict[str, dict[str, Any]]:
    if party is None or not party.name.text:
        return {}
    out = {f"{prefix}_name": _line_field(party.name, 0.85)}
    if party.address:
        lines: list[PartyLine] = party.address
        # "12 Main St · Suite 4 · Boston": one printed line holding several address lines
        text = ", ".join(
            part.strip() for line in lines for part in line.text.split("·") if part.strip()
        )
        box = BBox.enclosing([line.bbox for line in lines])
        conf = 0.8 * min(line.confidence for line in lines)
        out[f"{prefix}_address"] = _field(
            text, conf, lines[0].page, box, "\n".join(line.text for line in lines)
        )
    return out


def _line_field(line: PartyLine, p: float) -> dict[str, Any]:
    return _field(line.text, p * line.confidence, line.page, line.bbox, line.text)


def _tax_context(chosen: dict[str, Candidate], layout: Layout) -> list[Decimal]:
    """Rates printed on the row of the chosen tax amount (``VAT 20%``)."""
    tax = chosen.get("total_tax")
    if tax is None:
        return []
    page = layout.pages[tax.page - 1]
    rates: list[Decimal] = []
    row = page.rows[tax.segment.row]
    for seg in row.segments:
        words = [w.text for w in seg.words]
        for i, text in enumerate(words):
            apart = i + 1 < len(words) and words[i + 1].strip(":;") == "%"
            r = parse_rate(text + "%" if apart else text)  # "TVA 20 %:": the sign apart
            if r is not None and r not in rates:
                rates.append(r)
    if not rates:
        # "VAT 238": the % read as a digit, after the label and before the amount
        for seg in row.segments:
            inner = seg.words[1:] if seg is not tax.segment else seg.words[1:-1]
            words = [w.text for w in inner]
            signs: set[int] = set()  # words that are a misread "%" after a rate
            for i, text in enumerate(words):
                after = words[i + 1] if i + 1 < len(words) else ""
                r = rate_before_sign(text, after)
                if r is not None:
                    signs.add(i + 1)
                elif i not in signs:
                    r = glyph_rate(text)
                if r is not None and r not in rates:
                    rates.append(r)
    return rates


def _merge_tax_rows(
    cands: dict[str, list[Candidate]], chosen: dict[str, Candidate], layout: Layout
) -> None:
    """Several labelled tax rows with rates and no tax total: the tax is their sum."""
    tax = chosen.get("total_tax")
    if tax is None or tax.features.get("lab_other", 0) > 0:
        return
    rows: dict[tuple[int, int], Candidate] = {}
    for c in cands["total_tax"]:
        if c.score < MIN_PROBABILITY or c.features.get("in_table"):
            continue
        page = layout.pages[c.page - 1]
        row = page.rows[c.segment.row]
        if any(parse_rate(w.text) for s in row.segments for w in s.words):
            key = (c.page, c.segment.row)
            if key not in rows or c.score > rows[key].score:
                rows[key] = c
    if len(rows) < 2 or (tax.page, tax.segment.row) not in rows:
        return
    amounts = [c.amount for c in rows.values() if c.amount is not None]
    total = sum(amounts, Decimal(0))
    sub, tot = chosen.get("subtotal"), chosen.get("total")
    if (
        sub is not None
        and tot is not None
        and sub.amount is not None
        and tot.amount is not None
        and abs(sub.amount + total - tot.amount) > Decimal("0.011")
    ):
        return
    merged = Candidate(
        "total_tax",
        "",
        " + ".join(c.text for c in rows.values()),
        tax.page,
        BBox.enclosing([c.bbox for c in rows.values()]),
        min(c.ocr_confidence for c in rows.values()),
        tax.segment,
        tax.start,
        tax.end,
        features=dict(tax.features),
        amount=total,
        currency=tax.currency,
        score=min(c.score for c in rows.values()),
    )
    chosen["total_tax"] = merged


def _document_numbers(cands: list[Candidate], scanned: set[int]) -> list[Candidate]:
    """The invoice-number candidates that can be one. A label word OCR misread (``lmvoice``,
    ``Bil1``, ``hvoice 8``) is none; short numbers (``7``, ``A1``, ``INV-7``) are. On a scan
    a number holds a digit (``Bnsoice no`` is a label), and a speck of one or two glyphs
    (``n0``, ``G2``) stands back for a number of four or more."""
    kept = [c for c in cands if not _word_like(c.value)]
    ocr = [c for c in kept if c.page in scanned]
    kept = [c for c in kept if c.page not in scanned or any(ch.isdigit() for ch in c.value)]
    if any(_alnum(c.value) >= 4 and c.score >= MIN_PROBABILITY for c in ocr):
        kept = [c for c in kept if c.page not in scanned or _alnum(c.value) >= 3]
    return kept


def _alnum(value: str) -> int:
    return sum(ch.isalnum() for ch in value)


def _word_like(value: str) -> bool:
    """A word rather than a number: letters and digits only (spaces aside), three letters or
    more, at most one digit (what a misread label word looks like)."""
    compact = value.replace(" ", "")
    letters = sum(ch.isalpha() for ch in compact)
    return compact.isalnum() and letters >= 3 and sum(ch.isdigit() for ch in compact) < 2


def _sum_of_magnitudes(cands: dict[str, list[Candidate]], items: list[dict[str, Any]]) -> bool:
    """The line amounts, all taken without sign, add up to a subtotal or total read (signs
    mixed only because some minus signs were lost)."""
    lines = [to_decimal(i.get("amount")) for i in items]
    if not lines or any(a is None for a in lines):
        return False
    magnitude = sum((abs(a) for a in lines if a is not None), Decimal(0))
    return any(
        c.amount is not None and abs(abs(c.amount) - magnitude) <= Decimal("0.01")
        for f in ("subtotal", "total")
        for c in cands.get(f, [])
    )


def _credit_signs(cands: dict[str, list[Candidate]], items: list[dict[str, Any]]) -> None:
    """A credit note printing its amounts negative (its most probable total, most of its
    amounts, or two amounts where the lines add up without their signs, read with a minus):
    those read without their minus (OCR loses a short dash easily) are negative too."""
    totals = [c for c in cands.get("total", []) if c.amount]
    amounts = [c.amount for c in totals]
    amounts += [Decimal(i[k]) for i in items for k in ("unit_price", "amount") if k in i]
    negative = sum(1 for a in amounts if a is not None and a < 0)
    top = max(totals, key=lambda c: c.score, default=None)
    top_negative = top is not None and top.amount is not None and top.amount < 0
    if (
        not top_negative
        and (negative < 2 or negative <= len(amounts) - negative)
        and not (negative >= 2 and _sum_of_magnitudes(cands, items))
    ):
        return
    for fname in MONEY_FIELDS:
        for c in cands.get(fname, []):
            if c.amount is not None and c.amount > 0:
                c.amount = -c.amount
    for item in items:
        for k in ("unit_price", "amount"):
            if k in item and not item[k].startswith("-") and Decimal(item[k]) != 0:
                item[k] = "-" + item[k]


def _page_box(entry: dict[str, Any], layout: Layout) -> dict[str, Any]:
    """``entry`` with its bbox in the page's own pixels (layouts of skewed scans are upright)."""
    page_no = entry.get("page")
    if not isinstance(page_no, int) or not 1 <= page_no <= len(layout.pages):
        return entry
    page = layout.pages[page_no - 1]
    if not page.skew or not any(entry.get("bbox", ())):
        return entry
    box = page.to_page(BBox(*entry["bbox"]))
    clipped = BBox(
        max(box.x0, 0.0), max(box.y0, 0.0), min(box.x1, page.width), min(box.y1, page.height)
    )
    return {**entry, "bbox": clipped.to_list()}


def extract_fields(
    doc_text: DocumentText,
    layout: Layout | None = None,
    hints: Mapping[str, Any] | None = None,
    scorer: Scorer | None = None,
    *,
    unsure: float | None = None,
) -> Extraction:
    """Every field, line item, the language and document type of a document (no validation).

    A scanned number read below ``unsure`` confidence (default: the validation settings')
    may be put right where the line's arithmetic shows one glyph was misread
    (:func:`repairs.repair_line`)."""
    if unsure is None:
        unsure = ValidationSettings().unsure_read_confidence
    hints = dict(hints or {})
    layout = layout or analyze_layout(doc_text)
    scorer = scorer or default_scorer()
    lm = map_labels(layout)
    tables: list[Table] = find_tables(layout)
    table_segs = {(s.page, s.index) for t in tables for s in (*t.header, *t.body_segments)}
    language = str(hints.get("language") or detect.detect_language(layout))
    document_type = str(hints.get("document_type") or detect.detect_document_type(layout, lm))
    decimal_comma = detect.detect_decimal_comma(layout)
    printed = detect.printed_currencies(layout)
    currency = printed.most_common(1)[0][0] if printed else None
    customer = find_customer(layout, lm, table_segs)
    customer_segs = _customer_segments(layout, lm, customer)
    facts = DocFacts(
        decimal_comma=decimal_comma,
        date_order=detect.detect_date_order(layout, language, currency),
        table_segments=table_segs,
        customer_segments=customer_segs,
    )
    cands = generate(layout, lm, facts)
    for fname, cs in cands.items():
        for c, p in zip(cs, scorer.score(fname, cs), strict=True):
            c.score = p
    items = line_items(tables, decimal_comma)
    if not items and document_type == "receipt":
        items = receipt_items(layout, lm, decimal_comma)
    strays = stray_amounts(layout, tables, lm, decimal_comma, receipt=document_type == "receipt")
    discount_signs(items)
    if document_type == "credit_note":
        _credit_signs(cands, items)
    scanned = _scanned_pages(layout)
    for item in items:
        if item.get("page") in scanned:
            repair_line(item, unsure)
    lines_sum: Decimal | None = None
    if items and all("amount" in i for i in items):
        lines_sum = sum((Decimal(i["amount"]) for i in items), Decimal(0))
    cands["invoice_number"] = _document_numbers(cands.get("invoice_number", []), scanned)
    chosen = _choose_money(cands, lines_sum, scanned)
    used = list(chosen.values())
    amount_due = _pick(cands, ("amount_due",), list(used))
    for f, c in amount_due.items():
        chosen[f] = c
    chosen.update(
        _pick(
            cands,
            (
                "invoice_date",
                "due_date",
                "invoice_number",
                "purchase_order",
                "vendor_tax_id",
                "customer_tax_id",
                "vendor_iban",
            ),
            used,
        )
    )
    _merge_tax_rows(cands, chosen, layout)
    _second_tax_id(cands, chosen)
    amounts_the_sums_confirm(items, _lines_targets(chosen), scanned)
    fields: dict[str, dict[str, Any]] = {}
    for fname in (*MONEY_FIELDS, *DATE_FIELDS):
        if fname in chosen:
            fields[fname] = _cand_field(chosen[fname])
    for fname in (
        "invoice_number",
        "purchase_order",
        "vendor_tax_id",
        "customer_tax_id",
        "vendor_iban",
    ):
        if fname in chosen:
            fields[fname] = _cand_field(chosen[fname])
    excluded = table_segs | customer_segs | {(c.page, c.segment.index) for c in chosen.values()}
    vendor = find_vendor(layout, lm, excluded, receipt=document_type == "receipt")
    if customer is None and vendor is not None and document_type != "receipt":
        taken = excluded | {(s.page, s.index) for s in vendor.segments}
        customer = find_unlabelled_customer(layout, lm, taken, vendor)
    fields.update(_party_fields("vendor", vendor))
    fields.update(_party_fields("customer", customer))
    _unlabelled_tax_ids(fields, layout, lm, customer)
    terms = payment_terms(layout, lm)
    if terms is not None:
        fields["payment_terms"] = _field(*terms)
    # currency: printed with the amounts, else from the vendor's country
    # (only symbols and codes printed with an amount count: a stray "$" in OCR noise does not)
    span_currencies = Counter(c.currency for c in cands["total"] if c.currency)
    money_currencies = [c.currency for c in chosen.values() if c.currency]
    cur = money_currencies[0] if money_currencies else None
    if cur is None and span_currencies:
        cur = span_currencies.most_common(1)[0][0]
    if cur is None:
        country = None
        for name in ("vendor_iban", "vendor_tax_id"):
            if name in fields:
                country = tax_id_country(str(fields[name]["value"]))
                break
        cur = detect.currency_from_country(country)
    if cur is None and language in ("fr", "de", "es", "nl", "it"):
        cur = "EUR"  # no amount carries a currency and no Swiss / non-euro country shows
    if cur is not None:
        src = next((c for c in chosen.values() if c.currency == cur), None)
        if src is not None:
            fields["currency"] = _field(cur, 0.9 * src.ocr_confidence, src.page, src.bbox, src.text)
        else:
            fields["currency"] = _field(cur, 0.6, 1, BBox(0, 0, 0, 0), cur)
    paid = None
    paid_c = [
        c
        for c in cands["amount_due"]
        if c.features.get("lab_ignore")
        and any(p.field == "paid" for _, p in lm.all_pointers(c.segment))
    ]
    if paid_c:
        paid = paid_c[0].amount
    fields = {name: _page_box(f, layout) for name, f in fields.items()}
    unread = {i for i, item in enumerate(items) if item.pop(QUANTITY_UNREAD, False)}
    cell_confidence = {i: item.pop(CELL_CONFIDENCE, {}) for i, item in enumerate(items)}
    for item in items:
        item.pop(CELL_TEXT, None)
    items = [_page_box(item, layout) for item in items]
    document = {
        "schema_version": SCHEMA_VERSION,
        "document_type": document_type,
        "language": language,
        "pages": [
            {"number": p.number, "width": p.width, "height": p.height, "source": p.source}
            for p in doc_text.pages
        ],
        "fields": dict(sorted(fields.items())),
        "line_items": items,
    }
    return Extraction(
        document=document,
        candidates=cands,
        layout=layout,
        tax_rates=_tax_context(chosen, layout),
        currencies=set(span_currencies),
        paid=paid,
        stray_amounts=strays,
        unread_quantities=unread,
        cell_confidence=cell_confidence,
    )


def validate(extraction: Extraction, settings: ValidationSettings | None = None) -> dict[str, Any]:
    """The finished document: the extraction plus ``validation`` and ``needs_review``."""
    settings = settings or ValidationSettings()
    document = dict(extraction.document)
    result = run_validation(
        document,
        settings,
        tax_rates=extraction.tax_rates,
        currencies=extraction.currencies,
        paid=extraction.paid,
        stray_amounts=extraction.stray_amounts,
        unread_quantities=extraction.unread_quantities,
        cell_confidence=extraction.cell_confidence,
    )
    document["validation"] = result
    document["needs_review"] = needs_review(document, result, settings)
    return document


def _lines_targets(chosen: Mapping[str, Candidate]) -> list[Decimal]:
    """What the line amounts should add up to: the subtotal, else total minus tax; or the
    total (gross lines, as on receipts)."""
    amounts = {f: c.amount for f, c in chosen.items() if c.amount is not None}
    targets: list[Decimal] = []
    if "subtotal" in amounts:
        targets.append(amounts["subtotal"])
    elif "total" in amounts and "total_tax" in amounts:
        targets.append(amounts["total"] - amounts["total_tax"])
    if "total" in amounts:
        targets.append(amounts["total"])
    return targets


def _scanned_pages(layout: Layout) -> set[int]:
    return {p.number for p in layout.pages if p.source == "ocr"}


def build_document(
    doc_text: DocumentText,
    hints: Mapping[str, Any] | None = None,
    *,
    settings: ValidationSettings | Settings | None = None,
    scorer: Scorer | None = None,
    on_stage: Callable[[str, int | None], None] | None = None,
) -> dict[str, Any]:
    """The schema-v1 document dict of positioned text: layout, fields, items, validation.

    ``settings`` may be the root settings or their validation section; ``on_stage`` is
    told when the "fields" and "validate" stages start.
    """
    validation_settings = (
        settings.validation if isinstance(settings, Settings) else settings
    ) or ValidationSettings()
    layout = analyze_layout(doc_text)
    if on_stage is not None:
        on_stage("fields", None)
    unsure = validation_settings.unsure_read_confidence
    extraction = extract_fields(doc_text, layout, hints, scorer, unsure=unsure)
    if on_stage is not None:
        on_stage("validate", None)
    return validate(extraction, validation_settings)
