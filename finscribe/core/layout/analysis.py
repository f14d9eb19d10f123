"""Words regrouped into segments (runs of close words) and rows, in reading order."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from finscribe.core.model import BBox, DocumentText, PageText, Word

#: Two words on a row belong to one segment when the gap is below this many text heights.
SEGMENT_GAP = 1.2


@dataclass(slots=True)
class Segment:
    """A run of words on one visual row with small gaps: a label, a value or a cell."""

    words: list[Word]
    page: int
    font: float  # text height in page pixels
    index: int = -1  # position in the page's reading order
    row: int = -1

    @property
    def bbox(self) -> BBox:
        return BBox.enclosing([w.bbox for w in self.words])

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def confidence(self) -> float:
        return min(w.confidence for w in self.words)


@dataclass(slots=True)
class Row:
    """Segments sharing a baseline, left to right."""

    segments: list[Segment]
    index: int = -1

    @property
    def bbox(self) -> BBox:
        return BBox.enclosing([s.bbox for s in self.segments])

    @property
    def text(self) -> str:
        return "  ".join(s.text for s in self.segments)


@dataclass(slots=True)
class PageLayout:
    """One page: its size, rows top to bottom and the median text height."""

    number: int
    width: float
    height: float
    rows: list[Row]
    median_font: float
    source: str

    @property
    def segments(self) -> list[Segment]:
        return [s for r in self.rows for s in r.segments]


@dataclass(slots=True)
class Layout:
    """The whole document's layout, page by page."""

    pages: list[PageLayout] = field(default_factory=list)

    @property
    def segments(self) -> list[Segment]:
        return [s for p in self.pages for s in p.segments]


def _rows_of_words(words: list[Word]) -> list[list[Word]]:
    """Cluster words into visual rows by vertical overlap of their boxes."""
    rows: list[list[Word]] = []
    spans: list[tuple[float, float]] = []
    heights: list[float] = []
    for w in sorted(words, key=lambda w: (w.bbox.cy, w.bbox.x0)):
        h = max(w.bbox.height, 1.0)
        placed = False
        for i in range(len(rows) - 1, max(-1, len(rows) - 6), -1):
            y0, y1 = spans[i]
            if len(w.text) > 3 and max(h, heights[i]) > 1.6 * min(h, heights[i]):
                continue  # a title beside small lines is a row of its own
            overlap = min(y1, w.bbox.y1) - max(y0, w.bbox.y0)
            if overlap > 0.5 * min(h, y1 - y0) and abs(w.bbox.cy - (y0 + y1) / 2) < 0.6 * h:
                rows[i].append(w)
                spans[i] = (min(y0, w.bbox.y0), max(y1, w.bbox.y1))
                placed = True
                break
        if not placed:
            rows.append([w])
            spans.append((w.bbox.y0, w.bbox.y1))
            heights.append(h)
    order = sorted(range(len(rows)), key=lambda i: spans[i][0] + spans[i][1])
    return [sorted(rows[i], key=lambda w: w.bbox.x0) for i in order]


def _split_segments(words: list[Word], page: int) -> list[Segment]:
    segments: list[Segment] = []
    current: list[Word] = []
    for w in words:
        if current:
            prev = current[-1]
            height = max(min(prev.bbox.height, w.bbox.height), 1.0)
            if w.bbox.x0 - prev.bbox.x1 > SEGMENT_GAP * height:
                segments.append(_segment(current, page))
                current = []
        current.append(w)
    if current:
        segments.append(_segment(current, page))
    return segments


def _segment(words: list[Word], page: int) -> Segment:
    return Segment(
        words=list(words), page=page, font=statistics.median(w.bbox.height for w in words)
    )


def page_layout(page: PageText) -> PageLayout:
    """Rows and segments of one page in reading order (top to bottom, left to right)."""
    words = [w for w in page.words if w.text.strip()]
    rows: list[Row] = []
    for ri, row_words in enumerate(_rows_of_words(words)):
        segs = _split_segments(row_words, page.number)
        for s in segs:
            s.row = ri
        rows.append(Row(segments=segs, index=ri))
    idx = 0
    for r in rows:
        for s in r.segments:
            s.index = idx
            idx += 1
    fonts = [s.font for r in rows for s in r.segments]
    return PageLayout(
        number=page.number,
        width=float(page.width),
        height=float(page.height),
        rows=rows,
        median_font=statistics.median(fonts) if fonts else 10.0,
        source=page.source,
    )


def analyze_layout(doc: DocumentText) -> Layout:
    """The layout of every page."""
    return Layout(pages=[page_layout(p) for p in doc.pages])


def below(a: Segment, b: Segment, max_gap: float) -> bool:
    """True when ``b`` sits just under ``a`` and overlaps it horizontally."""
    ab, bb = a.bbox, b.bbox
    gap = bb.y0 - ab.y1
    if gap < -0.3 * a.font or gap > max_gap:
        return False
    overlap = min(ab.x1, bb.x1) - max(ab.x0, bb.x0)
    return overlap > 0 or abs(ab.x0 - bb.x0) < 2 * a.font
