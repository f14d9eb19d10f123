"""The text stage: positioned words and lines for every page, from the text layer or OCR.

PDF pages with a usable text layer are read with PDFium (no OCR); every other page (images,
scanned PDF pages) goes to the OCR engine, all in one ``read_pages`` call so that an engine
can batch across pages. The result is a :class:`~finscribe.core.model.DocumentText`.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence

from finscribe.core import textlayer
from finscribe.core.ingest import IngestedDocument, PageInfo
from finscribe.core.model import BBox, DocumentText, Line, PageText, Word
from finscribe.inference.protocol import OcrEngine
from finscribe.inference.types import OcrLine, OcrWord
from finscribe.settings import Settings

_SPACES = re.compile(r"\S+")


async def read_text(
    ingested: IngestedDocument, engine: OcrEngine, settings: Settings
) -> DocumentText:
    """The positioned text of every page read from ``ingested``, pages in order.

    Each page's ``source`` says where its text came from: ``"text_layer"`` (PDF text,
    confidence 1.0) or ``"ocr"``. The engine is only called when a page needs OCR.
    """
    pages: dict[int, PageText] = {}
    if ingested.is_pdf:
        layer = await asyncio.to_thread(
            _read_text_layers, ingested, settings.ocr.min_text_layer_chars
        )
        pages.update(layer)
    need_ocr = [info for info in ingested.pages if info.number not in pages]
    if need_ocr:
        images = ingested.images([info.number for info in need_ocr])
        results = await engine.read_pages(images)
        if len(results) != len(need_ocr):
            raise RuntimeError(
                f"OCR engine {engine.name!r} returned {len(results)} pages for {len(need_ocr)}"
            )
        for info, ocr_lines in zip(need_ocr, results, strict=True):
            pages[info.number] = page_from_ocr(info, ocr_lines)
    return DocumentText(
        content_type=ingested.content_type,
        pages=[pages[info.number] for info in ingested.pages],
        sha256=ingested.sha256,
    )


def _read_text_layers(ingested: IngestedDocument, min_chars: int) -> dict[int, PageText]:
    out: dict[int, PageText] = {}
    for info in ingested.pages:
        page = textlayer.read_page(ingested, info.number, min_chars)
        if page is not None:
            out[info.number] = page
    return out


def page_from_ocr(info: PageInfo, ocr_lines: Sequence[OcrLine]) -> PageText:
    """An OCR'd page: the engine's lines (kept in its reading order) as model lines.

    Where the engine turned the page upright (``rotation`` 90/180/270), coordinates are
    those of the upright page, so the page's width and height are swapped for 90 and 270.
    """
    rotation = ocr_lines[0].rotation % 360 if ocr_lines else 0
    width, height = (
        (info.height, info.width) if rotation in (90, 270) else (info.width, info.height)
    )
    lines = [line for line in (_line(ocr, width, height) for ocr in ocr_lines) if line is not None]
    return PageText(
        number=info.number,
        width=width,
        height=height,
        dpi=info.dpi,
        source="ocr",
        lines=lines,
        rotation=rotation,
    )


def _clamp(box: tuple[float, float, float, float], width: int, height: int) -> BBox:
    x0, y0, x1, y1 = box
    x0, x1 = sorted((min(max(x0, 0.0), width), min(max(x1, 0.0), width)))
    y0, y1 = sorted((min(max(y0, 0.0), height), min(max(y1, 0.0), height)))
    return BBox(x0, y0, x1, y1)


def _line(ocr: OcrLine, width: int, height: int) -> Line | None:
    if not ocr.text.strip():
        return None
    xs = [p[0] for p in ocr.polygon]
    ys = [p[1] for p in ocr.polygon]
    line_box = _clamp((min(xs), min(ys), max(xs), max(ys)), width, height)
    if ocr.words:
        words = tuple(_word(w, width, height) for w in ocr.words if w.text.strip())
    else:
        words = _split_words(ocr.text, line_box, ocr.confidence)
    if not words:
        return None
    return Line(
        words=words,
        confidence=float(ocr.confidence),
        bbox=line_box.union(BBox.enclosing([w.bbox for w in words])),
        font_size=round(line_box.height, 2),
    )


def _word(word: OcrWord, width: int, height: int) -> Word:
    return Word(
        text=word.text.strip(), bbox=_clamp(word.box, width, height), confidence=word.confidence
    )


def _split_words(text: str, box: BBox, confidence: float) -> tuple[Word, ...]:
    """Words of a line the engine gave without word boxes: boxes shared out by characters."""
    n = max(len(text), 1)
    step = box.width / n
    return tuple(
        Word(
            text=m.group(),
            bbox=BBox(box.x0 + m.start() * step, box.y0, box.x0 + m.end() * step, box.y1),
            confidence=confidence,
        )
        for m in _SPACES.finditer(text)
    )
