"""Words regrouped into segments (runs of close words) and rows, in reading order.

Scanned pages are often skewed by a degree or more, so that a row's words drift by more than
a text height across the page; before grouping, an OCR page is turned upright by the skew its
lines show (:func:`estimate_skew`), and the layout keeps that skew so that boxes can be turned
back into the page's own pixels (:func:`PageLayout.to_page`).
"""

from __future__ import annotations

import math
import re
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
    #: The page's skew (slope dy/dx of its text lines) that was undone; 0 when none.
    skew: float = 0.0

    @property
    def segments(self) -> list[Segment]:
        return [s for r in self.rows for s in r.segments]

    def to_page(self, box: BBox) -> BBox:
        """A box of this (deskewed) layout in the page's own pixels: the box enclosing it
        turned back by the skew."""
        if not self.skew:
            return box
        corners = [
            _rotate(x, y, self.width / 2, self.height / 2, self.skew)
            for x, y in ((box.x0, box.y0), (box.x1, box.y0), (box.x1, box.y1), (box.x0, box.y1))
        ]
        return BBox(
            min(x for x, _ in corners),
            min(y for _, y in corners),
            max(x for x, _ in corners),
            max(y for _, y in corners),
        )


@dataclass(slots=True)
class Layout:
    """The whole document's layout, page by page."""

    pages: list[PageLayout] = field(default_factory=list)

    @property
    def segments(self) -> list[Segment]:
        return [s for p in self.pages for s in p.segments]

    def page(self, number: int) -> PageLayout | None:
        """The page numbered ``number`` (1-based), None when there is none."""
        return next((p for p in self.pages if p.number == number), None)


def _rows_of_words(words: list[Word], lines: list[int] | None = None) -> list[list[Word]]:
    """Cluster words into visual rows by vertical overlap of their boxes.

    ``lines`` gives each word's source line (OCR line or text-layer line): two lines whose
    spans overlap across the page are stacked, never one row, however close they sit
    (right-aligned address lines read with tall boxes).
    """
    line_of = lines if lines is not None else list(range(len(words)))
    reach: dict[int, tuple[float, float]] = {}
    for w, line in zip(words, line_of, strict=True):
        x0, x1 = reach.get(line, (w.bbox.x0, w.bbox.x1))
        reach[line] = (min(x0, w.bbox.x0), max(x1, w.bbox.x1))
    rows: list[list[Word]] = []
    spans: list[tuple[float, float]] = []
    heights: list[float] = []
    row_lines: list[set[int]] = []
    order = sorted(range(len(words)), key=lambda k: (words[k].bbox.cy, words[k].bbox.x0))
    for k in order:
        w, line = words[k], line_of[k]
        h = max(w.bbox.height, 1.0)
        placed = False
        for i in range(len(rows) - 1, max(-1, len(rows) - 6), -1):
            y0, y1 = spans[i]
            if len(w.text) > 3 and max(h, heights[i]) > 1.6 * min(h, heights[i]):
                continue  # a title beside small lines is a row of its own
            if any(_stacked(reach[line], reach[other]) for other in row_lines[i] - {line}):
                continue
            overlap = min(y1, w.bbox.y1) - max(y0, w.bbox.y0)
            if overlap > 0.5 * min(h, y1 - y0) and abs(w.bbox.cy - (y0 + y1) / 2) < 0.6 * h:
                rows[i].append(w)
                row_lines[i].add(line)
                spans[i] = (min(y0, w.bbox.y0), max(y1, w.bbox.y1))
                placed = True
                break
        if not placed:
            rows.append([w])
            row_lines.append({line})
            spans.append((w.bbox.y0, w.bbox.y1))
            heights.append(h)
    ranks = sorted(range(len(rows)), key=lambda i: spans[i][0] + spans[i][1])
    return [sorted(rows[i], key=lambda w: w.bbox.x0) for i in ranks]


def _stacked(a: tuple[float, float], b: tuple[float, float]) -> bool:
    """Whether two lines' horizontal spans overlap by more than a quarter of the shorter:
    lines of one row sit side by side."""
    overlap = min(a[1], b[1]) - max(a[0], b[0])
    return overlap > 0.25 * min(a[1] - a[0], b[1] - b[0])


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


#: Below this slope (about 0.15 degrees) a page is taken as straight.
MIN_SKEW = 0.0025
#: Above this slope (about 8.5 degrees) the estimate is not trusted.
MAX_SKEW = 0.15


def estimate_skew(page: PageText) -> float:
    """The slope (dy/dx) of the page's text lines: the median over OCR lines of the slope
    through their words' centres; 0 for text-layer pages and where too few lines show it."""
    if page.source != "ocr":
        return 0.0
    slopes: list[float] = []
    weights: list[float] = []
    for line in page.lines:
        words = [w for w in line.words if w.text.strip()]
        if len(words) < 2:
            continue
        xs = [w.bbox.cx for w in words]
        ys = [w.bbox.cy for w in words]
        span = max(xs) - min(xs)
        if span < 4 * statistics.median(w.bbox.height for w in words):
            continue
        mx, my = statistics.fmean(xs), statistics.fmean(ys)
        sxx = sum((x - mx) ** 2 for x in xs)
        slopes.append(sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx)
        weights.append(span)
    if len(slopes) < 4:
        return 0.0
    # weighted median: long lines say more about the page's angle than short ones
    order = sorted(range(len(slopes)), key=lambda i: slopes[i])
    half, acc = sum(weights) / 2, 0.0
    skew = slopes[order[-1]]
    for i in order:
        acc += weights[i]
        if acc >= half:
            skew = slopes[i]
            break
    if abs(skew) < MIN_SKEW or abs(skew) > MAX_SKEW:
        return 0.0
    return skew


def _rotate(x: float, y: float, cx: float, cy: float, slope: float) -> tuple[float, float]:
    """(x, y) turned about (cx, cy) by the angle whose tangent is ``slope`` (y down)."""
    a = math.atan(slope)
    c, s = math.cos(a), math.sin(a)
    dx, dy = x - cx, y - cy
    return cx + dx * c - dy * s, cy + dx * s + dy * c


def deskew_words(words: list[Word], skew: float, width: float, height: float) -> list[Word]:
    """Words turned upright: each box centre turned by ``-skew`` about the page centre and the
    box shrunk to the upright word (an axis-aligned box of a tilted word is too tall)."""
    if not skew:
        return words
    a = math.atan(abs(skew))
    c, s = math.cos(a), math.sin(a)
    c2 = c * c - s * s
    out: list[Word] = []
    for w in words:
        b = w.bbox
        x, y = _rotate(b.cx, b.cy, width / 2, height / 2, -skew)
        ww = (b.width * c - b.height * s) / c2
        hh = (b.height * c - b.width * s) / c2
        ww = min(max(ww, 0.6 * b.width), b.width)
        hh = min(max(hh, 0.55 * b.height), b.height)
        box = BBox(x - ww / 2, y - hh / 2, x + ww / 2, y + hh / 2)
        out.append(Word(text=w.text, bbox=box, confidence=w.confidence))
    return out


#: Characters OCR reads for a printed one that no invoice prints (``~`` for a hyphen/minus).
_OCR_CHARS = str.maketrans({"~": "-"})


_ORDINAL = re.compile(r"(?<=\d)°")
_LEADING_SPECK = re.compile(r"^[.·,']+(?=[^\W_]{2})")


def _ocr_word(word: Word) -> Word:
    """A word as OCR read it with its tell-tale slips undone: ``~`` for ``-``, a speck read as
    a dot before a word (``.107``), a degree sign for the ordinal in ``3º``, a middle dot for
    the thousands apostrophe in ``1'020.98``."""
    text = word.text.translate(_OCR_CHARS)
    text = _ORDINAL.sub("º", _LEADING_SPECK.sub("", text))
    text = _DOT_THOUSANDS.sub("'", text)
    return word if text == word.text else Word(text, word.bbox, word.confidence)


#: A middle dot OCR glued between two words (``Umsatzsteuer·19``).
_GLUED_DOT = re.compile(r"(?<=[^\W\d_])·(?=\w)|(?<=\w)·(?=[^\W\d_])")
#: A Swiss thousands apostrophe read as a middle dot (``1·020.98``).
_DOT_THOUSANDS = re.compile(r"(?<=\d)·(?=\d{3}(?:\D|$))")


def _unglued(word: Word) -> list[Word]:
    """A word OCR read with a separator dot glued inside (``Umsatzsteuer·19``) as the words
    and the dot it holds, each with its share of the box."""
    if not _GLUED_DOT.search(word.text):
        return [word]
    parts = [p for p in re.split(r"(·)", word.text) if p]
    b, n = word.bbox, len(word.text)
    out: list[Word] = []
    at = 0
    for part in parts:
        x0 = b.x0 + b.width * at / n
        at += len(part)
        x1 = b.x0 + b.width * at / n
        out.append(Word(part, BBox(x0, b.y0, x1, b.y1), word.confidence))
    return out


def page_layout(page: PageText) -> PageLayout:
    """Rows and segments of one page in reading order (top to bottom, left to right)."""
    placed = [(w, i) for i, line in enumerate(page.lines) for w in line.words if w.text.strip()]
    if page.source == "ocr":
        placed = [(part, i) for w, i in placed for part in _unglued(_ocr_word(w))]
    words = [w for w, _ in placed]
    skew = estimate_skew(page)
    words = deskew_words(words, skew, float(page.width), float(page.height))
    rows: list[Row] = []
    for ri, row_words in enumerate(_rows_of_words(words, [i for _, i in placed])):
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
        skew=skew,
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
