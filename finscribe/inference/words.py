"""Word segmentation of a recognised line: model spaces plus spaces recovered from ink gaps.

The recognisers often drop the space between Latin words (``InvoiceNo:INV-1``). Every
decoded character has a timestep position; between two neighbours the crop's ink profile
shows how wide the blank gap is. A gap wider than a fraction of the text height is a word
space. Each word gets the x-range of its characters' ink in the crop, mapped to the page.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from finscribe.inference.ctc import Decoded
from finscribe.inference.geometry import Crop

#: A blank run between two characters at least this wide (times the text height) is a space.
SPACE_GAP_RATIO = 0.26


@dataclass(frozen=True, slots=True)
class WordSpan:
    text: str
    x0: float  # crop pixels
    x1: float
    confidence: float


def ink_columns(crop: npt.NDArray[np.uint8]) -> tuple[npt.NDArray[np.bool_], float]:
    """Which crop columns hold ink, and the height of the inked rows (the text height)."""
    gray = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY) if crop.ndim == 3 else crop
    thr, _ = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    ink = gray < thr
    # ink must be clearly darker than the background: a flat crop has no ink at all
    if float(gray.max()) - float(gray.min()) < 40:
        ink = np.zeros_like(ink)
    rows = ink.sum(axis=1)
    cols = ink.sum(axis=0)
    h = crop.shape[0]
    noise = max(1, round(0.04 * h))
    rows_on = np.flatnonzero(rows > max(1, 0.01 * crop.shape[1]))
    text_h = float(rows_on[-1] - rows_on[0] + 1) if rows_on.size else float(h)
    return cols >= noise, max(text_h, 0.3 * h)


def _longest_blank(inked: npt.NDArray[np.bool_], a: int, b: int) -> int:
    if b <= a:
        return 0
    seg = inked[a:b]
    best = run = 0
    for v in seg:
        run = 0 if v else run + 1
        best = max(best, run)
    return best


def split_words(
    decoded: Decoded, crop: Crop, resized_width: int, padded_width: int
) -> list[WordSpan]:
    """Split a decoded line into words with crop x-ranges (see the module docstring)."""
    chars = decoded.chars
    if not chars:
        return []
    crop_w = crop.image.shape[1]
    # timestep t covers input columns [t, t+1) * padded/T; the crop is scaled by resized/crop_w
    step = padded_width / decoded.timesteps * crop_w / resized_width
    centers = [min(crop_w - 1.0, ((c.start + c.end) / 2 + 0.5) * step) for c in chars]
    inked, text_h = ink_columns(crop.image)
    min_gap = SPACE_GAP_RATIO * text_h

    groups: list[list[int]] = [[]]
    for i, ch in enumerate(chars):
        if ch.char.isspace():
            if groups[-1]:
                groups.append([])
            continue
        if groups[-1]:
            prev = groups[-1][-1]
            gap = _longest_blank(inked, int(centers[prev]), int(centers[i]) + 1)
            if gap >= min_gap:
                groups.append([])
        groups[-1].append(i)
    groups = [g for g in groups if g]

    words: list[WordSpan] = []
    for gi, group in enumerate(groups):
        left_limit = 0.0 if gi == 0 else (centers[groups[gi - 1][-1]] + centers[group[0]]) / 2
        right_limit = (
            float(crop_w)
            if gi == len(groups) - 1
            else (centers[group[-1]] + centers[groups[gi + 1][0]]) / 2
        )
        x0, x1 = _ink_extent(inked, left_limit, right_limit, centers[group[0]], centers[group[-1]])
        text = "".join(chars[i].char for i in group)
        conf = float(np.mean([chars[i].prob for i in group]))
        words.append(WordSpan(text=text, x0=x0, x1=x1, confidence=conf))
    return words


def _ink_extent(
    inked: npt.NDArray[np.bool_], lo: float, hi: float, first: float, last: float
) -> tuple[float, float]:
    """Tighten [lo, hi] to the ink around the word's first and last character centres."""
    a, b = int(lo), min(len(inked), int(np.ceil(hi)))
    on = np.flatnonzero(inked[a:b])
    if on.size == 0:
        return max(lo, first - 1), min(hi, last + 1)
    return float(a + on[0]), float(a + on[-1] + 1)
