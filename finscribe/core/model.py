"""The positioned-text document model: boxes, words, lines and pages."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from finscribe.constants import PageSource


@dataclass(frozen=True, slots=True)
class BBox:
    """An axis-aligned box in page pixels (origin top-left, y down) at the page's DPI."""

    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    def union(self, other: BBox) -> BBox:
        return BBox(
            min(self.x0, other.x0),
            min(self.y0, other.y0),
            max(self.x1, other.x1),
            max(self.y1, other.y1),
        )

    def to_list(self) -> list[float]:
        return [round(self.x0, 1), round(self.y0, 1), round(self.x1, 1), round(self.y1, 1)]

    @staticmethod
    def enclosing(boxes: list[BBox]) -> BBox:
        if not boxes:
            raise ValueError("no boxes to enclose")
        return BBox(
            min(b.x0 for b in boxes),
            min(b.y0 for b in boxes),
            max(b.x1 for b in boxes),
            max(b.y1 for b in boxes),
        )


@dataclass(frozen=True, slots=True)
class Word:
    """One word as read, with its box and a confidence in [0, 1]."""

    text: str
    bbox: BBox
    confidence: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "bbox": self.bbox.to_list(),
            "confidence": round(self.confidence, 4),
        }


@dataclass(frozen=True, slots=True)
class Line:
    """A line of text: its words in reading order, left to right."""

    words: tuple[Word, ...]
    confidence: float
    bbox: BBox
    #: Font size in page pixels where known (text layer), else the line height.
    font_size: float | None = None

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "text": self.text,
            "bbox": self.bbox.to_list(),
            "confidence": round(self.confidence, 4),
            "words": [w.to_dict() for w in self.words],
        }
        return out


@dataclass(slots=True)
class PageText:
    """The positioned text of one page and where it came from."""

    number: int  # 1-based
    width: int  # pixels at ``dpi``
    height: int
    dpi: int
    source: PageSource
    lines: list[Line] = field(default_factory=list)
    #: Clockwise rotation (0/90/180/270) that was undone before reading the page.
    rotation: int = 0

    @property
    def words(self) -> list[Word]:
        return [w for line in self.lines for w in line.words]

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "width": self.width,
            "height": self.height,
            "dpi": self.dpi,
            "source": self.source,
            "rotation": self.rotation,
            "lines": [line.to_dict() for line in self.lines],
        }


@dataclass(slots=True)
class DocumentText:
    """All pages of one document with their positioned text."""

    content_type: str
    pages: list[PageText]
    sha256: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "content_type": self.content_type,
            "sha256": self.sha256,
            "pages": [p.to_dict() for p in self.pages],
        }
