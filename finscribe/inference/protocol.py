"""The OCR-engine interface that the text stage calls and each inference backend implements."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from finscribe.inference.types import OcrLine

#: An RGB page image, uint8, shape (height, width, 3).
Image = npt.NDArray[np.uint8]


@runtime_checkable
class OcrEngine(Protocol):
    """Reads text lines with positions from page images.

    Implementations: the in-process onnxruntime engine (default) and the Triton engine.
    ``read_pages`` takes all pages of a document at once so that an engine can send every
    crop in as few requests as possible.
    """

    name: str

    async def read_pages(self, images: Sequence[Image]) -> list[list[OcrLine]]:
        """Detect and recognise the lines of each image, in reading order per page."""
        ...

    async def ready(self) -> None:
        """Raise InferenceUnavailableError unless the engine can serve now."""
        ...

    async def close(self) -> None:
        """Release sessions or connections."""
        ...
