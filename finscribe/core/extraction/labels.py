"""Label finding on the layout, and which value spans each label points at (inline/right/below)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from finscribe.core.extraction.lexicon import match_labels, normalise_token
from finscribe.core.layout.analysis import Layout, PageLayout, Segment, below
from finscribe.core.model import BBox


@dataclass(frozen=True, slots=True)
class Span:
    """Some consecutive words of one segment: a possible value."""

    segment: Segment
    start: int
    end: int

    @property
    def words(self) -> list[object]:
        return list(self.segment.words[self.start : self.end])

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.segment.words[self.start : self.end])

    @property
    def key(self) -> tuple[int, int, int, int]:
        return (self.segment.page, self.segment.index, self.start, self.end)


@dataclass(slots=True)
class LabelHit:
    """A label in a segment and the field it names."""

    field: str
    segment: Segment
    start: int
    end: int
    #: True when the label starts its segment (a true key, not a word inside a sentence).
    leading: bool


@dataclass(frozen=True, slots=True)
class Pointer:
    """A label pointing at a value span: the field, the direction and the distance."""

    field: str
    direction: str  # "inline" | "right" | "below"
    distance: float  # page pixels
    label_words: int
    leading: bool


@dataclass(slots=True)
class LabelMap:
    """All label hits of a document and, per value span, the labels that point at it."""

    hits: list[LabelHit] = field(default_factory=list)
    #: segment (page, index) -> hits inside it
    by_segment: dict[tuple[int, int], list[LabelHit]] = field(default_factory=dict)
    #: (page, segment index, start) -> pointers: the value starting at that word of the segment
    pointers: dict[tuple[int, int], list[tuple[int, Pointer]]] = field(default_factory=dict)

    def hits_in(self, seg: Segment) -> list[LabelHit]:
        return self.by_segment.get((seg.page, seg.index), [])

    def is_label_word(self, seg: Segment, i: int) -> bool:
        return any(h.start <= i < h.end for h in self.hits_in(seg))

    def pointers_at(self, seg: Segment, start: int) -> list[Pointer]:
        return [p for s, p in self.pointers.get((seg.page, seg.index), []) if s == start]

    def all_pointers(self, seg: Segment) -> list[tuple[int, Pointer]]:
        return self.pointers.get((seg.page, seg.index), [])


def segment_tokens(seg: Segment) -> list[str]:
    return [normalise_token(w.text) for w in seg.words]


#: Words OCR glued with a speck: "Zahlbar.bis", "factura,FAC" (two letters on each side:
#: "N.I.F." is one word).
_GLUED = re.compile(r"(?<=[^\W\d_]{2})[.,](?=[^\W\d_]{2})")


def _find_hits(seg: Segment, ocr: bool = False) -> list[LabelHit]:
    tokens = segment_tokens(seg)
    # match on non-empty tokens, keeping the original word positions (first, last)
    spans = [(i, i, t) for i, t in enumerate(tokens) if t]
    if ocr:
        # a word read with a speck inside is two words; a comma after a word is a speck
        spans = [
            (i, j, part.rstrip(","))
            for i, j, t in spans
            for part in (_GLUED.split(t) if i == j else [t])
        ]
        spans = _join_initials([(i, j, t) for i, j, t in spans if t], seg)
    idx = [i for i, _, _ in spans]
    last = [j for _, j, _ in spans]
    words = [t for _, _, t in spans]
    matches = match_labels(words, ocr=ocr)
    out = []
    for m in matches:
        start, end = idx[m.start], last[m.end - 1] + 1
        while end < len(tokens) and not tokens[end]:
            end += 1  # "Invoice # 42", "Total : 12.00": the punctuation belongs to the label
        out.append(LabelHit(m.field, seg, start, end, leading=start == 0))
    return out


_INITIALS = re.compile(r"^[^\W\d_](?:\.[^\W\d_])*$")


def _join_initials(spans: list[tuple[int, int, str]], seg: Segment) -> list[tuple[int, int, str]]:
    """Initials OCR read with a space between them (``N. I.F.``) joined into one word
    (``n.i.f``), as the lexicon spells the abbreviation."""
    out: list[tuple[int, int, str]] = []
    for i, j, t in spans:
        if (
            out
            and _INITIALS.match(t)
            and _INITIALS.match(out[-1][2])
            and seg.words[out[-1][1]].text.rstrip().endswith(".")
        ):
            out[-1] = (out[-1][0], j, f"{out[-1][2]}.{t}")
        else:
            out.append((i, j, t))
    return out


def _add(lm: LabelMap, seg: Segment, start: int, pointer: Pointer) -> None:
    lm.pointers.setdefault((seg.page, seg.index), []).append((start, pointer))


_SUMMARY_FIELDS = frozenset({"subtotal", "total_tax", "total", "amount_due"})


def _label_parts(lm: LabelMap, seg: Segment) -> list[tuple[BBox, LabelHit]]:
    """When ``seg`` holds only labels: each summary-field label with the box of its words."""
    hits = lm.hits_in(seg)
    covered = {i for h in hits for i in range(h.start, h.end)}
    if not hits or len(covered) != len(seg.words):
        return []
    out: list[tuple[BBox, LabelHit]] = []
    seen: set[tuple[int, int]] = set()
    for h in hits:
        if h.field not in _SUMMARY_FIELDS or (h.start, h.end) in seen:
            continue
        seen.add((h.start, h.end))
        out.append((BBox.enclosing([w.bbox for w in seg.words[h.start : h.end]]), h))
    return out


def _summary_columns(lm: LabelMap, page: PageLayout) -> set[int]:
    """Rows whose values sit under column labels (``Net  VAT  Gross`` over a totals row).

    For such a row the leading label points at nothing to its right; each amount is pointed
    at by the column label above it instead. Returns the indexes of those rows and of the
    header rows (whose labels point at nothing by themselves).
    """
    done: set[int] = set()
    rows = page.rows
    for ri, row in enumerate(rows):
        labelled = [part for seg in row.segments for part in _label_parts(lm, seg)]
        fields = {h.field for _, h in labelled}
        if len(labelled) < 2 or len(fields) < 2:
            continue
        done.add(ri)
        data_rows: list[int] = []
        total_rows: list[int] = []
        for rj in range(ri + 1, min(len(rows), ri + 8)):
            below_row = rows[rj]
            if len(below_row.segments) < 3:
                continue
            lead = lm.hits_in(below_row.segments[0])
            if lead and lead[0].leading and lead[0].field in _SUMMARY_FIELDS:
                total_rows.append(rj)
            else:
                data_rows.append(rj)
        # the totals row; with a single tax rate the only data row is the total
        targets = total_rows or (data_rows if len(data_rows) == 1 else [])
        for rj in targets:
            below_row = rows[rj]
            done.add(rj)
            lead = lm.hits_in(below_row.segments[0])
            for seg in below_row.segments[1 if lead else 0 :]:
                over = [
                    (min(seg.bbox.x1, h.x1) - max(seg.bbox.x0, h.x0), h, hit) for h, hit in labelled
                ]
                width, head, hit = max(over, key=lambda t: t[0])
                if width > 0:
                    dist = seg.bbox.y0 - head.y1
                    _add(lm, seg, 0, Pointer(hit.field, "below", dist, hit.end - hit.start, True))
    return done


def _page_pointers(lm: LabelMap, page: PageLayout) -> None:
    rows = page.rows
    column_rows = _summary_columns(lm, page)
    for ri, row in enumerate(rows):
        for si, seg in enumerate(row.segments):
            hits = lm.hits_in(seg)
            if not hits or ri in column_rows:
                continue
            for hit in hits:
                later = [h.start for h in hits if h.start >= hit.end]
                nxt = min(later) if later else len(seg.words)
                words = hit.end - hit.start
                if hit.end < nxt:
                    _add(lm, seg, hit.end, Pointer(hit.field, "inline", 0.0, words, hit.leading))
                    # "VAT 20%  260.00": a short remainder (a rate) leaves the value to the right
                    if nxt < len(seg.words) or nxt - hit.end > 2:
                        continue
                if later:
                    continue  # the next label follows at once: this one has no inline value
                # the value may be the next segment on the row ...
                if si + 1 < len(row.segments):
                    right = row.segments[si + 1]
                    dist = right.bbox.x0 - seg.bbox.x1
                    _add(lm, right, 0, Pointer(hit.field, "right", dist, words, hit.leading))
                # ... or the segment just below, when this label is alone in its segment
                if hit.leading:
                    for nrow in rows[ri + 1 : ri + 3]:
                        cands = [s for s in nrow.segments if below(seg, s, 1.6 * seg.font)]
                        if cands:
                            target = min(cands, key=lambda s: abs(s.bbox.x0 - seg.bbox.x0))
                            dist = target.bbox.y0 - seg.bbox.y1
                            _add(lm, target, 0, Pointer(hit.field, "below", dist, words, True))
                            break


def map_labels(layout: Layout) -> LabelMap:
    """Find every label and the values each points at."""
    lm = LabelMap()
    for page in layout.pages:
        for seg in page.segments:
            hits = _find_hits(seg, ocr=page.source == "ocr")
            if hits:
                lm.hits.extend(hits)
                lm.by_segment[(seg.page, seg.index)] = hits
    for page in layout.pages:
        _page_pointers(lm, page)
    return lm
