"""Plain result types of an OCR engine (no dependency on the core document model)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class OcrWord:
    """A word inside a recognised line: text, axis-aligned box in page pixels, confidence."""

    text: str
    box: tuple[float, float, float, float]  # x0, y0, x1, y1
    confidence: float


@dataclass(frozen=True, slots=True)
class OcrLine:
    """One detected and recognised text line in pixels of the upright page (see ``rotation``)."""

    text: str
    confidence: float
    #: Four corner points (clockwise from top-left) of the detected region.
    polygon: tuple[tuple[float, float], ...]
    words: tuple[OcrWord, ...]
    #: The clockwise turn (0/90/180/270) the engine gave the image to make the page upright
    #: (same meaning as ``PageText.rotation`` from the text layer). ``polygon`` and word boxes
    #: are pixels of that upright page (the image as given when 0); see
    #: :class:`finscribe.inference.pipeline.OcrPipeline`.
    rotation: int = 0
