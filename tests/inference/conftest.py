"""Fixtures for the OCR engine tests: one real engine per session and rendered test pages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from finscribe.inference.factory import create_engine
from finscribe.inference.protocol import OcrEngine
from finscribe.settings import OcrSettings

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"

#: Known lines drawn on the test page (Latin text, numbers, punctuation).
PAGE_LINES = (
    "Invoice No: INV-2024-0042",
    "Bill to: Acme Widgets Ltd, 42 Baker Street",
    "Consulting services March 2024",
    "Total due 1,428.00 EUR",
    "Thank you for your business!",
)


@dataclass(frozen=True)
class DrawnWord:
    text: str
    box: tuple[float, float, float, float]


@dataclass(frozen=True)
class RenderedPage:
    image: np.ndarray
    lines: tuple[str, ...]
    words: tuple[DrawnWord, ...]


def render_page(
    lines: tuple[str, ...] = PAGE_LINES, size: tuple[int, int] = (1240, 760), font_px: int = 34
) -> RenderedPage:
    """White page with ``lines`` in DejaVu Sans, and the pixel box of every drawn word."""
    img = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(FONT, font_px)
    words: list[DrawnWord] = []
    y = 80
    for line in lines:
        x = 90
        for i, word in enumerate(line.split(" ")):
            if i:
                x += draw.textlength(" ", font=font)
            x0, y0, x1, y1 = draw.textbbox((x, y), word, font=font)
            draw.text((x, y), word, fill="black", font=font)
            words.append(DrawnWord(word, (x0, y0, x1, y1)))
            x += draw.textlength(word, font=font)
        y += int(font_px * 3.2)
    return RenderedPage(np.asarray(img), lines, tuple(words))


@pytest.fixture(scope="session")
def ocr_settings() -> OcrSettings:
    return OcrSettings()


@pytest.fixture(scope="session")
async def ocr_engine(ocr_settings: OcrSettings) -> AsyncIterator[OcrEngine]:
    """The default in-process engine, models loaded once for the whole session."""
    engine = create_engine(ocr_settings)
    await engine.ready()
    yield engine
    await engine.close()


@pytest.fixture(scope="session")
def rendered_page() -> RenderedPage:
    return render_page()
