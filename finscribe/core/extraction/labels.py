"""Label finding on the layout, and which value spans each label points at (inline/right/below)."""

from __future__ import annotations

from dataclasses import dataclass, field

from finscribe.core.extraction.lexicon import match_labels, normalise_token
from finscribe.core.layout.analysis import Layout, PageLayout, Segment, below


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


def _find_hits(seg: Segment) -> list[LabelHit]:
    tokens = segment_tokens(seg)
    # match on non-empty tokens, keeping the original word positions
    idx = [i for i, t in enumerate(tokens) if t]
    matches = match_labels([tokens[i] for i in idx])
    out = []
    for m in matches:
        start, end = idx[m.start], idx[m.end - 1] + 1
        out.append(LabelHit(m.field, seg, start, end, leading=start == 0))
    return out


def _add(lm: LabelMap, seg: Segment, start: int, pointer: Pointer) -> None:
    lm.pointers.setdefault((seg.page, seg.index), []).append((start, pointer))


def _page_pointers(lm: LabelMap, page: PageLayout) -> None:
    rows = page.rows
    for ri, row in enumerate(rows):
        for si, seg in enumerate(row.segments):
            hits = lm.hits_in(seg)
            if not hits:
                continue
            for hi, hit in enumerate(hits):
                nxt = hits[hi + 1].start if hi + 1 < len(hits) else len(seg.words)
                words = hit.end - hit.start
                if hit.end < nxt:
                    _add(lm, seg, hit.end, Pointer(hit.field, "inline", 0.0, words, hit.leading))
                    # "VAT 20%  260.00": a short remainder (a rate) leaves the value to the right
                    if nxt < len(seg.words) or nxt - hit.end > 2:
                        continue
                if hi + 1 < len(hits):
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
            hits = _find_hits(seg)
            if hits:
                lm.hits.extend(hits)
                lm.by_segment[(seg.page, seg.index)] = hits
    for page in layout.pages:
        _page_pointers(lm, page)
    return lm
