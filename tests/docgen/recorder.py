"""A reportlab canvas wrapper that records every word it draws, in page pixels at 200 DPI."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

DPI = 200
PX_PER_PT = DPI / 72.0

#: Font families: (regular, bold). Only fonts that ship with reportlab, so output is the same
#: on every machine (the standard 14 PDF fonts and Bitstream Vera from reportlab/fonts).
FAMILIES: dict[str, tuple[str, str]] = {
    "helvetica": ("Helvetica", "Helvetica-Bold"),
    "times": ("Times-Roman", "Times-Bold"),
    "courier": ("Courier", "Courier-Bold"),
    "vera": ("Vera", "VeraBd"),
}

_registered: set[str] = set()
#: (font, WinAnsi code, advance per 1000 em) where pdfium's built-in metrics differ.
PDFIUM_WIDTHS = (
    ("Helvetica", 0x80, 667),
    ("Helvetica", 0xAB, 612),
    ("Helvetica", 0xBB, 612),
    ("Helvetica-Bold", 0x80, 722),
    ("Helvetica-Bold", 0x40, 1072),
    ("Times-Roman", 0x80, 722),
    ("Times-Bold", 0x80, 722),
)


def register_fonts() -> None:
    """Register the TrueType fonts shipped with reportlab (once per process)."""
    if _registered:
        return
    import reportlab

    font_dir = Path(reportlab.__file__).parent / "fonts"
    for name, file in (("Vera", "Vera.ttf"), ("VeraBd", "VeraBd.ttf")):
        pdfmetrics.registerFont(TTFont(name, str(font_dir / file)))
    # reportlab writes no /Widths for the standard 14 fonts, so viewers use their own metrics;
    # where pdfium's differ from reportlab's AFM tables, use pdfium's (measured) so the recorded
    # boxes match what pdfium renders and extracts.
    for font_name, code, width in PDFIUM_WIDTHS:
        pdfmetrics.getFont(font_name).widths[code] = width
    _registered.add("vera")


def text_width(text: str, font: str, size: float) -> float:
    """Advance width of ``text`` in points."""
    return float(pdfmetrics.stringWidth(text, font, size))


@dataclass(slots=True)
class Span:
    """A tagged part of a drawn line (a field value or a table cell)."""

    tag: str
    page: int
    text: str
    bbox: list[float]  # pixels: x0, y0, x1, y1


@dataclass
class Recorder:
    """Draws on a reportlab canvas with a top-left origin (points, y down) and records words.

    Every call to :meth:`text` draws one string with one ``drawString`` (so the PDF text layer
    holds it as one run, spaces included) and records one line and its words with boxes from
    the font's advance widths (x) and its ascent and descent (y), converted to pixels at 200 DPI.
    """

    width_px: int
    height_px: int
    words: list[dict[str, Any]] = field(default_factory=list)
    lines: list[dict[str, Any]] = field(default_factory=list)
    spans: list[Span] = field(default_factory=list)
    page: int = 1

    def __post_init__(self) -> None:
        register_fonts()
        # a hair under the exact size, so that renderers that round up (pdfium) get width_px
        self.w = (self.width_px - 0.01) / PX_PER_PT
        self.h = (self.height_px - 0.01) / PX_PER_PT
        self._buf = io.BytesIO()
        self.canvas = Canvas(self._buf, pagesize=(self.w, self.h), invariant=1, pageCompression=1)
        self.canvas.setAuthor("FinScribe docgen")
        self.canvas.setTitle("generated document")
        self.canvas.setCreator("FinScribe docgen")
        self.canvas.setProducer("FinScribe docgen")

    # -- text -------------------------------------------------------------------------------

    def text(
        self,
        x: float,
        y: float,
        parts: str | list[tuple[str, str | None]],
        font: str = "Helvetica",
        size: float = 9.0,
        align: str = "left",
        color: tuple[float, float, float] = (0, 0, 0),
        max_width: float | None = None,
    ) -> tuple[float, float, float, float]:
        """Draw one line with its baseline at ``y`` (points from the top); return its box in points.

        ``parts`` is a string or a list of ``(text, tag)``: tagged parts are recorded as spans
        (field values, table cells). ``align`` is "left", "right" (``x`` is the right edge) or
        "center".
        """
        if isinstance(parts, str):
            parts = [(parts, None)]
        full = "".join(p for p, _ in parts)
        if not full.strip():
            return (x, y, x, y)
        width = text_width(full, font, size)
        if max_width is not None and width > max_width:
            size = size * max_width / width
            width = text_width(full, font, size)
        if align == "right":
            x0 = x - width
        elif align == "center":
            x0 = x - width / 2
        else:
            x0 = x
        c = self.canvas
        c.setFillColorRGB(*color)
        c.setFont(font, size)
        c.drawString(x0, self.h - y, full)
        ascent, descent = pdfmetrics.getAscentDescent(font, size)
        top, bottom = y - ascent, y - descent
        first_word = len(self.words)
        # words: split on spaces, boxes from the advance widths of the prefixes
        pos = 0
        for token in full.split(" "):
            if token:
                wx0 = x0 + text_width(full[:pos], font, size)
                wx1 = wx0 + text_width(token, font, size)
                self.words.append(
                    {
                        "page": self.page,
                        "text": token,
                        "bbox": _px((wx0, top, wx1, bottom)),
                        "line": len(self.lines),
                    }
                )
            pos += len(token) + 1
        box = (x0, top, x0 + width, bottom)
        self.lines.append(
            {
                "page": self.page,
                "text": " ".join(full.split()),
                "bbox": _px(box),
                "font": font,
                "size": round(size * PX_PER_PT, 2),
                "words": [first_word, len(self.words)],
            }
        )
        pos = 0
        for part, tag in parts:
            if tag is not None and part.strip():
                lead = len(part) - len(part.lstrip())
                stripped = part.strip()
                sx0 = x0 + text_width(full[: pos + lead], font, size)
                sx1 = sx0 + text_width(stripped, font, size)
                self.spans.append(Span(tag, self.page, stripped, _px((sx0, top, sx1, bottom))))
            pos += len(part)
        return box

    def tag_span(self, tag: str, text: str, box_pt: tuple[float, float, float, float]) -> None:
        """Record a span for something drawn earlier (e.g. a whole table row)."""
        self.spans.append(Span(tag, self.page, text, _px(box_pt)))

    # -- graphics ---------------------------------------------------------------------------

    def hline(self, x0: float, x1: float, y: float, width: float = 0.5, gray: float = 0.0) -> None:
        c = self.canvas
        c.setStrokeColorRGB(gray, gray, gray)
        c.setLineWidth(width)
        c.line(x0, self.h - y, x1, self.h - y)

    def vline(self, x: float, y0: float, y1: float, width: float = 0.5, gray: float = 0.0) -> None:
        c = self.canvas
        c.setStrokeColorRGB(gray, gray, gray)
        c.setLineWidth(width)
        c.line(x, self.h - y0, x, self.h - y1)

    def rect(
        self,
        x0: float,
        y0: float,
        x1: float,
        y1: float,
        *,
        stroke: float | None = 0.0,
        fill: tuple[float, float, float] | None = None,
        width: float = 0.6,
    ) -> None:
        c = self.canvas
        if fill is not None:
            c.setFillColorRGB(*fill)
        if stroke is not None:
            c.setStrokeColorRGB(stroke, stroke, stroke)
        c.setLineWidth(width)
        c.rect(
            x0,
            self.h - y1,
            x1 - x0,
            y1 - y0,
            stroke=int(stroke is not None),
            fill=int(fill is not None),
        )

    def logo(
        self, x: float, y: float, size: float, shade: tuple[float, float, float], shape: int
    ) -> None:
        """A simple vector logo (no text) with its top-left corner at (x, y)."""
        c = self.canvas
        c.setFillColorRGB(*shade)
        c.setStrokeColorRGB(*shade)
        if shape == 0:
            c.circle(x + size / 2, self.h - y - size / 2, size / 2, stroke=0, fill=1)
        elif shape == 1:
            c.rect(x, self.h - y - size, size, size, stroke=0, fill=1)
        else:
            p = c.beginPath()
            p.moveTo(x, self.h - y - size)
            p.lineTo(x + size / 2, self.h - y)
            p.lineTo(x + size, self.h - y - size)
            p.close()
            c.drawPath(p, stroke=0, fill=1)

    # -- pages ------------------------------------------------------------------------------

    def next_page(self) -> None:
        self.canvas.showPage()
        self.page += 1

    def finish(self) -> bytes:
        self.canvas.showPage()
        self.canvas.save()
        return self._buf.getvalue()


def _px(box: tuple[float, float, float, float]) -> list[float]:
    return [round(v * PX_PER_PT, 1) for v in box]


def wrap(text: str, font: str, size: float, max_width: float) -> list[str]:
    """Greedy word wrap of ``text`` to ``max_width`` points."""
    words = text.split()
    lines: list[str] = []
    current = ""
    for word in words:
        trial = f"{current} {word}" if current else word
        if current and text_width(trial, font, size) > max_width:
            lines.append(current)
            current = word
        else:
            current = trial
    if current:
        lines.append(current)
    return lines or [""]
