"""Word segmentation of a recognised line: model spaces plus spaces recovered from ink gaps.

The recognisers often drop the space between Latin words (``InvoiceNo:INV-1``). Every
decoded character has a timestep position; the crop's ink profile shows the blank column
runs between neighbours. A run wider than a fraction of the line height (a larger fraction
between digits and around number punctuation), wider than the line's own letter gaps and
not much narrower than the spaces the model kept, is a word space. Each word gets the
x-range of its characters' ink in the crop, mapped to the page.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from finscribe.inference.ctc import Decoded, DecodedChar
from finscribe.inference.geometry import Crop

#: Minimum blank run between two characters, times the crop height, that makes a word space.
#: Calibrated on rendered invoice lines (clean and degraded) against ground truth: gaps next
#: to a letter separate cleanly; digit pairs ("11") and digit/punctuation pairs ("2.", ",0")
#: are naturally wide in many fonts and need more.
GAP_LETTER = 0.175
GAP_DIGITS = 0.30
GAP_NUMBER_PUNCT = 0.40
GAP_OTHER = 0.20
#: Characters that hug the word before them ("word.", "1'000") or after them ("(net"):
#: ink gaps next to them split only when very wide.
_CLINGS_LEFT = frozenset(".,:;!?%)]}'’")
_CLINGS_RIGHT = frozenset("([{'’")
#: A space is also wider than this many times the line's median gap inside words ...
LETTER_GAP_FACTOR = 1.8
#: ... and at least this fraction of the median width of the spaces the model kept.
MODEL_SPACE_FACTOR = 0.6
_NUMBER_PUNCT = frozenset(".,-/")


def gap_threshold(a: str, b: str) -> float:
    """The blank-run threshold (times crop height) for a space between ``a`` and ``b``."""
    if b in _CLINGS_LEFT or a in _CLINGS_RIGHT:
        return GAP_NUMBER_PUNCT
    if a.isalpha() or b.isalpha():
        return GAP_LETTER
    if a.isdigit() and b.isdigit():
        return GAP_DIGITS
    if a in _NUMBER_PUNCT or b in _NUMBER_PUNCT:
        return GAP_NUMBER_PUNCT
    return GAP_OTHER


@dataclass(frozen=True, slots=True)
class WordSpan:
    text: str
    x0: float  # crop pixels
    x1: float
    confidence: float


def ink_columns(crop: npt.NDArray[np.uint8]) -> npt.NDArray[np.bool_]:
    """Which crop columns hold ink (Otsu binarisation; a flat crop has none)."""
    gray = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY) if crop.ndim == 3 else crop
    thr, _ = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    ink = gray <= thr  # Otsu: the dark class is <= the threshold (binary images: thr 0)
    # ink must be clearly darker than the background: a flat crop has no ink at all
    if float(gray.max()) - float(gray.min()) < 40:
        ink = np.zeros_like(ink)
    cols = ink.sum(axis=0)
    noise = max(1, round(0.04 * crop.shape[0]))
    return np.asarray(cols >= noise)


def blank_runs(inked: npt.NDArray[np.bool_]) -> list[tuple[int, int]]:
    """Maximal runs ``[start, end)`` of blank columns with ink on both sides."""
    on = np.flatnonzero(inked)
    if on.size < 2:
        return []
    jumps = np.flatnonzero(np.diff(on) > 1)
    return [(int(on[j]) + 1, int(on[j + 1])) for j in jumps]


def pair_gaps(inked: npt.NDArray[np.bool_], centers: list[float]) -> list[int]:
    """For each neighbouring character pair, the widest blank run centred between them.

    Runs are assigned by their centre rather than searched between the characters'
    positions: a CTC spike can sit a timestep off its glyph (narrow letters such as
    ``l`` or ``I``), which would otherwise count part of the next real space.
    """
    gaps = [0] * max(0, len(centers) - 1)
    if not gaps:
        return gaps
    edges = np.asarray(centers, dtype=np.float64)
    for start, end in blank_runs(inked):
        k = int(np.searchsorted(edges, (start + end) / 2))
        if 0 < k < len(centers):
            gaps[k - 1] = max(gaps[k - 1], end - start)
    return gaps


def split_words(
    decoded: Decoded, crop: Crop, resized_width: int, padded_width: int
) -> list[WordSpan]:
    """Split a decoded line into words with crop x-ranges (see the module docstring)."""
    chars = [c for c in decoded.chars if not c.char.isspace()]
    if not chars:
        return []
    model_space = _model_spaces(decoded)
    crop_w = crop.image.shape[1]
    # timestep t covers input columns [t, t+1) * padded/T; the crop is scaled by resized/crop_w
    step = padded_width / decoded.timesteps * crop_w / resized_width
    centers = [min(crop_w - 1.0, ((c.start + c.end) / 2 + 0.5) * step) for c in chars]
    inked = ink_columns(crop.image)
    gaps = pair_gaps(inked, centers)
    crop_h = crop.image.shape[0]
    _give_runs_to_model_spaces(gaps, model_space, chars, crop_h)
    line_floor = _line_floor(chars, gaps, model_space)

    groups: list[list[int]] = [[0]]
    for i in range(1, len(chars)):
        a, b = chars[i - 1].char, chars[i].char
        if model_space[i] or (
            gaps[i - 1] > 0 and gaps[i - 1] >= max(gap_threshold(a, b) * crop_h, line_floor)
        ):
            groups.append([])
        groups[-1].append(i)

    words: list[WordSpan] = []
    for gi, group in enumerate(groups):
        first, last = centers[group[0]], centers[group[-1]]
        lo = 0.0 if gi == 0 else (centers[groups[gi - 1][-1]] + first) / 2
        hi = float(crop_w) if gi == len(groups) - 1 else (last + centers[groups[gi + 1][0]]) / 2
        x0, x1 = _ink_extent(inked, lo, hi, first, last)
        text = "".join(chars[i].char for i in group)
        conf = float(np.mean([chars[i].prob for i in group]))
        words.append(WordSpan(text=text, x0=x0, x1=x1, confidence=conf))
    return words


def _model_spaces(decoded: Decoded) -> list[bool]:
    """Per non-space character: did the recogniser put a space before it?"""
    flags: list[bool] = []
    pending = False
    for c in decoded.chars:
        if c.char.isspace():
            pending = True
            continue
        flags.append(pending and bool(flags))
        pending = False
    return flags


def _give_runs_to_model_spaces(
    gaps: list[int], model_space: list[bool], chars: list[DecodedChar], crop_h: int
) -> None:
    """Hand a space's blank run back to the model space it belongs to (in place).

    A CTC spike can sit a timestep past its glyph, into the space after it (``Mill Lane``:
    the second ``l`` fires over the space): the space's blank run is then centred before
    that character and counted a second time, splitting ``Mil l Lane``. Where the model put
    a space between two characters that no blank run was assigned to, a wide run assigned to
    the pair next to it (without a model space) is that same space.
    """
    for i in range(1, len(chars)):
        if not model_space[i] or gaps[i - 1] >= GAP_LETTER * crop_h:
            continue
        for k in (i - 2, i):  # the pair before (char i-1 fired late) or after (i fired early)
            if (
                0 <= k < len(gaps)
                and not model_space[k + 1]
                and gaps[k] >= gap_threshold(chars[k].char, chars[k + 1].char) * crop_h
            ):
                gaps[k] = 0
                break


def _line_floor(chars: list[DecodedChar], gaps: list[int], model_space: list[bool]) -> float:
    """The line's own minimum space width, from its letter spacing and its model spaces.

    Fonts differ in letter spacing, so a space must also be clearly wider than the gaps
    inside this line's words (``LETTER_GAP_FACTOR`` x their median) and not much narrower
    than the spaces the recogniser did see (``MODEL_SPACE_FACTOR`` x their median).
    """
    inner = [
        g
        for i, g in enumerate(gaps)
        if not model_space[i + 1] and chars[i].char.isalpha() and chars[i + 1].char.isalpha()
    ]
    seen = [g for i, g in enumerate(gaps) if model_space[i + 1]]
    floor = 0.0
    if len(inner) >= 3:
        floor = LETTER_GAP_FACTOR * float(np.median(inner))
    if seen:
        floor = max(floor, MODEL_SPACE_FACTOR * float(np.median(seen)))
    return floor


def _ink_extent(
    inked: npt.NDArray[np.bool_], lo: float, hi: float, first: float, last: float
) -> tuple[float, float]:
    """Tighten [lo, hi] to the ink around the word's first and last character centres."""
    a, b = int(lo), min(len(inked), int(np.ceil(hi)))
    on = np.flatnonzero(inked[a:b])
    if on.size == 0:
        return max(lo, first - 1), min(hi, last + 1)
    return float(a + on[0]), float(a + on[-1] + 1)
