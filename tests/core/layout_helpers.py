"""Build positioned text by hand for layout and extraction tests (no PDF or OCR needed)."""

from __future__ import annotations

from finscribe.core.model import BBox, DocumentText, Line, PageText, Word

CHAR_W = 11.0
HEIGHT = 22.0


def line(text: str, x: float, y: float, size: float = HEIGHT, conf: float = 1.0) -> Line:
    """A line of words starting at (x, y): each character ``size/2`` wide, spaces too."""
    words = []
    cx = x
    cw = size / 2
    for token in text.split(" "):
        if token:
            words.append(Word(token, BBox(cx, y, cx + cw * len(token), y + size), conf))
        cx += cw * (len(token) + 1)
    box = BBox.enclosing([w.bbox for w in words])
    return Line(tuple(words), conf, box, size)


def page(
    items: list[tuple[str, float, float] | tuple[str, float, float, float]],
    number: int = 1,
    width: int = 1654,
    height: int = 2339,
) -> PageText:
    lines = [line(*item) for item in items]
    return PageText(number, width, height, 200, "text_layer", lines)


def document(*pages: PageText) -> DocumentText:
    return DocumentText("application/pdf", list(pages))
