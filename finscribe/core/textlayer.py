"""PDF text layer: the positioned words and lines of a born-digital page, read with PDFium.

Characters with their boxes become words (split on spaces and wide gaps), words become lines
(grouped by baseline, split at column-wide gaps), in page pixels at the document's DPI
(origin top-left, y down), confidence 1.0. A page whose text layer is missing, too short,
garbage, or only a stamp on a full-page scan is reported unusable so that it is OCR'd.
"""

from __future__ import annotations

import ctypes
import math
import statistics
from dataclasses import dataclass
from typing import Final

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from finscribe.core.ingest import PDFIUM_LOCK, IngestedDocument, PageInfo
from finscribe.core.model import BBox, Line, PageText, Word

#: A gap between two characters wider than this (in ems) splits a word.
WORD_GAP_EM: Final = 0.2
#: Characters from different text objects (separate strings) this far apart (in ems) are
#: different words even without a space between them.
OBJECT_GAP_EM: Final = 0.05
#: A gap between two words wider than this (in ems) splits a line (columns, table cells),
#: the way an OCR detector separates text regions.
LINE_GAP_EM: Final = 1.5
#: Words whose baselines differ by less than this (in ems) are on the same line.
BASELINE_TOLERANCE_EM: Final = 0.35
#: A text layer must be at least this share letters or digits (symbol-font garbage is not).
MIN_ALNUM_SHARE: Final = 0.4
#: At most this share of the characters may be unmapped (U+FFFD, private use, map errors).
MAX_BAD_SHARE: Final = 0.1
#: An image covering this share of the page makes it a scan, unless text covers it too.
SCAN_IMAGE_SHARE: Final = 0.5
#: Over a full-page image, text spanning less than this share of its height is a stamp.
MIN_TEXT_SPAN_OVER_SCAN: Final = 0.5

_WHITESPACE: Final = frozenset(" \t\r\n\x0b\x0c\xa0\u2002\u2003\u2009\u200a\u200b\u3000")
_WHITESPACE_CODES: Final = frozenset(ord(ch) for ch in _WHITESPACE) | frozenset(range(0x7F, 0xA1))
_LIGATURES: Final = {
    "\ufb00": "ff",
    "\ufb01": "fi",
    "\ufb02": "fl",
    "\ufb03": "ffi",
    "\ufb04": "ffl",
    "\ufb05": "st",
    "\ufb06": "st",
}
_PRECISION: Final = 1000  # PDFium maps to integer device pixels: map at 1000x, divide back


@dataclass(slots=True)
class _Char:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    baseline: float
    size: float  # font size in page pixels


class _Word:
    """A word being built: its characters' text and running box, baseline and size."""

    __slots__ = ("baseline", "last", "n", "parts", "size", "x0", "x1", "y0", "y1")

    def __init__(self, char: _Char) -> None:
        self.parts = [char.text]
        self.x0, self.y0, self.x1, self.y1 = char.x0, char.y0, char.x1, char.y1
        self.baseline = char.baseline
        self.size = char.size
        self.n = 1
        self.last = char

    def add(self, char: _Char) -> None:
        self.parts.append(char.text)
        self.x0 = min(self.x0, char.x0)
        self.y0 = min(self.y0, char.y0)
        self.x1 = max(self.x1, char.x1)
        self.y1 = max(self.y1, char.y1)
        self.n += 1
        self.baseline += (char.baseline - self.baseline) / self.n
        self.size = max(self.size, char.size)
        self.last = char

    def to_word(self) -> Word:
        return Word("".join(self.parts), BBox(self.x0, self.y0, self.x1, self.y1), 1.0)


@dataclass(frozen=True, slots=True)
class _Affine:
    """Page space (points, y up) -> device pixels (y down), the renderer's own mapping."""

    a: float
    b: float
    c: float
    d: float
    e: float
    f: float

    def apply(self, x: float, y: float) -> tuple[float, float]:
        return self.a * x + self.c * y + self.e, self.b * x + self.d * y + self.f

    def scale(self) -> float:
        return math.hypot(self.a, self.b)


def read_page(document: IngestedDocument, number: int, min_chars: int) -> PageText | None:
    """The page's positioned text from its text layer, or None when it must be OCR'd.

    A page whose text runs down, up or right-to-left as displayed (a sideways page) is read
    upright, like the OCR engine does: coordinates are then pixels of the displayed page
    turned clockwise by the returned page's ``rotation``.
    """
    info = document.page(number)
    with PDFIUM_LOCK:
        page = document.pdf[number - 1]
        try:
            textpage = page.get_textpage()
            try:
                displayed = _page_affine(page, info)
                rotation = _text_rotation(textpage, displayed)
                affine = _turned(displayed, rotation, info)
                chars, good, bad, alnum = _read_chars(textpage, affine)
                width, height = info.width, info.height
                if rotation in (90, 270):
                    width, height = height, width
            finally:
                textpage.close()
            if not _usable(good, bad, alnum, min_chars):
                return None
            if good < 20 * max(min_chars, 1) and _is_stamped_scan(
                page, affine, width, height, chars
            ):
                return None
        finally:
            page.close()
    return PageText(
        number=number,
        width=width,
        height=height,
        dpi=info.dpi,
        source="text_layer",
        lines=_lines(_words(chars)),
        rotation=rotation,
    )


def _direction(affine: _Affine, ma: float, mb: float) -> int | None:
    """Where a character's baseline runs as displayed: the clockwise turn that makes it
    run left to right (0, 90, 180, 270), or None when it is slanted."""
    vx = affine.a * ma + affine.c * mb
    vy = affine.b * ma + affine.d * mb
    if abs(vy) <= 0.2 * abs(vx):
        return 0 if vx > 0 else 180
    if abs(vx) <= 0.2 * abs(vy):
        return 270 if vy > 0 else 90  # running down: turn 270 clockwise; up: 90
    return None


def _text_rotation(textpage: pdfium.PdfTextPage, affine: _Affine, samples: int = 200) -> int:
    """The clockwise turn that makes most of the page's text upright (sampled)."""
    raw = textpage.raw
    count = pdfium_c.FPDFText_CountChars(raw)
    if count <= 0:
        return 0
    matrix = pdfium_c.FS_MATRIX()
    votes = {0: 0, 90: 0, 180: 0, 270: 0}
    for i in range(0, count, max(1, count // samples)):
        if pdfium_c.FPDFText_GetUnicode(raw, i) <= 0x20:
            continue
        if pdfium_c.FPDFText_GetMatrix(raw, i, matrix):
            turn = _direction(affine, matrix.a, matrix.b)
            if turn is not None:
                votes[turn] += 1
    best = max(votes, key=lambda k: votes[k])
    return best if votes[best] > votes[0] else 0


def _turned(affine: _Affine, rotation: int, info: PageInfo) -> _Affine:
    """``affine`` followed by turning the displayed page clockwise by ``rotation``."""
    a, b, c, d, e, f = affine.a, affine.b, affine.c, affine.d, affine.e, affine.f
    w, h = info.width, info.height
    if rotation == 90:  # (x, y) -> (h - y, x)
        return _Affine(-b, a, -d, c, h - f, e)
    if rotation == 180:  # (x, y) -> (w - x, h - y)
        return _Affine(-a, -b, -c, -d, w - e, h - f)
    if rotation == 270:  # (x, y) -> (y, w - x)
        return _Affine(b, -a, d, -c, f, w - e)
    return affine


def _usable(good: int, bad: int, alnum: int, min_chars: int) -> bool:
    if good < max(min_chars, 1):
        return False
    if bad > MAX_BAD_SHARE * (good + bad):
        return False
    return alnum >= MIN_ALNUM_SHARE * good


def _page_affine(page: pdfium.PdfPage, info: PageInfo) -> _Affine:
    raw = page.raw
    width, height = info.width * _PRECISION, info.height * _PRECISION
    dx, dy = ctypes.c_int(), ctypes.c_int()

    def to_device(x: float, y: float) -> tuple[float, float]:
        pdfium_c.FPDF_PageToDevice(raw, 0, 0, width, height, 0, x, y, dx, dy)
        return dx.value / _PRECISION, dy.value / _PRECISION

    ox, oy = to_device(0.0, 0.0)
    xx, xy = to_device(100.0, 0.0)
    yx, yy = to_device(0.0, 100.0)
    return _Affine((xx - ox) / 100, (xy - oy) / 100, (yx - ox) / 100, (yy - oy) / 100, ox, oy)


def _codes(raw: object, count: int) -> list[int]:
    """The Unicode code point of every character, in one call where PDFium allows it."""
    buffer = (ctypes.c_ushort * (count + 1))()
    written = pdfium_c.FPDFText_GetText(raw, 0, count, buffer)
    units = list(buffer[: max(written - 1, 0)])
    if len(units) == count and not any(0xD800 <= u <= 0xDFFF for u in units):
        return units
    return [pdfium_c.FPDFText_GetUnicode(raw, i) for i in range(count)]


def _text_object(raw: object, index: int) -> int:
    handle = pdfium_c.FPDFText_GetTextObject(raw, index)
    return ctypes.cast(handle, ctypes.c_void_p).value or 0


def _read_chars(
    textpage: pdfium.PdfTextPage, affine: _Affine
) -> tuple[list[_Char | None], int, int, int]:
    """Characters (None marks a word break), and counts of good, bad and alphanumeric ones.

    PDFium is asked for a character's origin, font size and direction only when its box
    differs in height or bottom from the previous one (a new line, font or text object):
    that keeps a dense page at about one call per character.
    """
    a, b, c, d, e, f = affine.a, affine.b, affine.c, affine.d, affine.e, affine.f
    scale = affine.scale()
    raw = textpage.raw
    count = pdfium_c.FPDFText_CountChars(raw)
    if count <= 0:
        return [], 0, 0, 0
    codes = _codes(raw, count)
    rect = pdfium_c.FS_RECTF()
    matrix = pdfium_c.FS_MATRIX()
    ox, oy = ctypes.c_double(), ctypes.c_double()
    get_box = pdfium_c.FPDFText_GetLooseCharBox
    get_origin = pdfium_c.FPDFText_GetCharOrigin
    get_size = pdfium_c.FPDFText_GetFontSize
    get_matrix = pdfium_c.FPDFText_GetMatrix
    map_error = pdfium_c.FPDFText_HasUnicodeMapError
    chars: list[_Char | None] = []
    append = chars.append
    good = bad = alnum = 0
    last_key: tuple[float, float] | None = None
    size = baseline_offset = 0.0
    horizontal = True
    unmapped = False
    for i, code in enumerate(codes):
        if code <= 0x20 or code in _WHITESPACE_CODES:
            append(None)
            continue
        if code == 0xFFFD or 0xE000 <= code <= 0xF8FF:
            bad += 1
            append(None)
            continue
        if not get_box(raw, i, rect):
            append(None)
            continue
        left, top, right, bottom = rect.left, rect.top, rect.right, rect.bottom
        key = (top, bottom)
        if key != last_key:
            last_key = key
            # Only horizontal text as displayed: rotated watermarks and vertical labels are
            # not lines a reader would take.
            horizontal = True
            if get_matrix(raw, i, matrix):
                vx = a * matrix.a + c * matrix.b
                vy = b * matrix.a + d * matrix.b
                horizontal = vx > 0 and abs(vy) <= 0.2 * vx
            get_origin(raw, i, ox, oy)
            baseline_offset = (b * ox.value + d * oy.value + f) - (b * left + d * bottom + f)
            size = get_size(raw, i) * scale
            # A font without a Unicode map gives its raw codes: letters, but not the text.
            unmapped = map_error(raw, i) == 1
        if unmapped:
            bad += 1
            append(None)
            continue
        if not horizontal:
            append(None)
            continue
        x0 = a * left + c * top + e
        y0 = b * left + d * top + f
        x1 = a * right + c * bottom + e
        y1 = b * right + d * bottom + f
        if x1 < x0:
            x0, x1 = x1, x0
        if y1 < y0:
            y0, y1 = y1, y0
        bottom_y = b * left + d * bottom + f
        text = chr(code)
        text = _LIGATURES.get(text, text)
        char = _Char(text, x0, y0, x1, y1, bottom_y + baseline_offset, size or (y1 - y0))
        previous = chars[-1] if chars else None
        if (
            previous is not None
            and previous.x1 + OBJECT_GAP_EM * char.size < char.x0
            and _text_object(raw, i - 1) != _text_object(raw, i)
        ):
            append(None)  # two strings drawn next to each other, not one word
        append(char)
        good += 1
        if text.isalnum():
            alnum += 1
    return chars, good, bad, alnum


def _is_stamped_scan(
    page: pdfium.PdfPage, affine: _Affine, width: int, height: int, chars: list[_Char | None]
) -> bool:
    """A full-page image with only a little text (a stamp, a page number) is a scan."""
    page_area = float(width * height)
    biggest: BBox | None = None
    for obj in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=2):
        left, bottom, right, top = obj.get_bounds()
        x0, y0 = affine.apply(left, top)
        x1, y1 = affine.apply(right, bottom)
        box = BBox(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
        box = BBox(max(box.x0, 0), max(box.y0, 0), min(box.x1, width), min(box.y1, height))
        if box.width <= 0 or box.height <= 0:
            continue
        if biggest is None or box.width * box.height > biggest.width * biggest.height:
            biggest = box
    if biggest is None or biggest.width * biggest.height < SCAN_IMAGE_SHARE * page_area:
        return False
    inside = [c for c in chars if c is not None and biggest.y0 <= (c.y0 + c.y1) / 2 <= biggest.y1]
    if not inside:
        return True
    span = max(c.y1 for c in inside) - min(c.y0 for c in inside)
    return span < MIN_TEXT_SPAN_OVER_SCAN * biggest.height


def _words(chars: list[_Char | None]) -> list[_Word]:
    """Characters in stream order -> words, split on spaces, wide gaps and line jumps."""
    words: list[_Word] = []
    current: _Word | None = None
    for char in chars:
        if char is None:
            current = None
            continue
        if current is not None:
            last = current.last
            em = max(last.size, char.size, 1.0)
            if (
                char.x0 - last.x1 > WORD_GAP_EM * em
                or char.x0 < last.x0 - 0.1 * em  # went back: a new line or column
                or abs(char.baseline - last.baseline) > BASELINE_TOLERANCE_EM * em
            ):
                current = None
        if current is None:
            current = _Word(char)
            words.append(current)
        else:
            current.add(char)
    return words


def _lines(words: list[_Word]) -> list[Line]:
    """Words -> lines grouped by baseline, split at wide gaps, in reading order."""
    rows: list[list[_Word]] = []
    row_baseline = 0.0
    for word in sorted(words, key=lambda w: w.baseline):
        if rows and abs(word.baseline - row_baseline) <= BASELINE_TOLERANCE_EM * word.size:
            row = rows[-1]
            row.append(word)
            row_baseline += (word.baseline - row_baseline) / len(row)
        else:
            rows.append([word])
            row_baseline = word.baseline
    lines: list[Line] = []
    for row in rows:
        row.sort(key=lambda w: w.x0)
        group: list[tuple[Word, float]] = []
        last_x1 = -math.inf
        for word in row:
            built = word.to_word()
            if group and _duplicate(group[-1][0], built, word.size):
                continue  # fake bold: the same word drawn twice, slightly offset
            if group and word.x0 - last_x1 > LINE_GAP_EM * word.size:
                lines.append(_line(group))
                group = []
            group.append((built, word.size))
            last_x1 = max(last_x1, word.x1)
        if group:
            lines.append(_line(group))
    return lines


def _duplicate(a: Word, b: Word, size: float) -> bool:
    return a.text == b.text and abs(a.bbox.x0 - b.bbox.x0) < 0.3 * size


def _line(group: list[tuple[Word, float]]) -> Line:
    words = tuple(w for w, _ in group)
    return Line(
        words=words,
        confidence=1.0,
        bbox=BBox.enclosing([w.bbox for w in words]),
        font_size=round(statistics.median(size for _, size in group), 2),
    )
