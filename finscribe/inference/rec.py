"""Recognition input: line crops resized to height 48 and grouped in width-sorted batches."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from finscribe.constants import OCR_REC_HEIGHT, OCR_REC_WIDTH_SCALE
from finscribe.inference.geometry import Image

#: Padded batch widths are rounded up to a multiple of this (the network's stride is 8;
#: a coarser step lets a server batch lines of similar width together).
WIDTH_STEP = 32
#: The narrowest input the recognisers accept well (PaddleOCR's 3x48x320 shape).
MIN_WIDTH = 64
#: Lines wider than this (aspect ratio x 48) are squeezed horizontally.
MAX_WIDTH = 3200
#: Default horizontal scale of a line against its aspect ratio (see the constant).
WIDTH_SCALE = OCR_REC_WIDTH_SCALE


def resized_width(image: Image, width_scale: float = WIDTH_SCALE) -> int:
    """Width of the crop once scaled to the recognition height (aspect ratio x ``width_scale``)."""
    h, w = image.shape[:2]
    return max(1, min(MAX_WIDTH, math.ceil(width_scale * OCR_REC_HEIGHT * w / max(h, 1))))


@dataclass(frozen=True, slots=True)
class RecBatch:
    """One recognition input and, per row, the crop it holds and its unpadded width."""

    tensor: npt.NDArray[np.float32]  # (N, 3, 48, W)
    indices: tuple[int, ...]
    widths: tuple[int, ...]


def plan_batches(
    crops: Sequence[Image], batch_size: int, width_scale: float = WIDTH_SCALE
) -> list[list[int]]:
    """Group crop indices by equal padded width, at most ``batch_size`` a group.

    Every line in a group is padded to the same width it would have alone, so a batch feeds
    the network exactly the tensor rows single-line runs would (no padding waste, the same
    words whatever the batch size or the runner).
    """
    buckets: dict[int, list[int]] = {}
    for i, crop in enumerate(crops):
        buckets.setdefault(padded_width(resized_width(crop, width_scale)), []).append(i)
    return [
        members[j : j + batch_size]
        for _, members in sorted(buckets.items())
        for j in range(0, len(members), batch_size)
    ]


def padded_width(max_width: int) -> int:
    return max(MIN_WIDTH, math.ceil(max_width / WIDTH_STEP) * WIDTH_STEP)


def prepare_batch(
    crops: Sequence[Image], indices: Sequence[int], width_scale: float = WIDTH_SCALE
) -> RecBatch:
    """Resize each crop to height 48 (width: :func:`resized_width`), scale to [-1, 1] (BGR)
    and right-pad with zeros."""
    widths = [resized_width(crops[i], width_scale) for i in indices]
    width = padded_width(max(widths))
    tensor = np.zeros((len(indices), 3, OCR_REC_HEIGHT, width), dtype=np.float32)
    for row, (i, w) in enumerate(zip(indices, widths, strict=True)):
        resized = cv2.resize(crops[i], (w, OCR_REC_HEIGHT), interpolation=cv2.INTER_LINEAR)
        chw = resized[:, :, ::-1].transpose(2, 0, 1).astype(np.float32)
        tensor[row, :, :, :w] = chw * (2.0 / 255.0) - 1.0
    return RecBatch(tensor=tensor, indices=tuple(indices), widths=tuple(widths))
