"""Text detection around the DB network: input preparation and probability map -> quads."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt
import pyclipper

from finscribe.inference.geometry import Image, Quad, order_quad

_MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32) * 255.0
_INV_STD = 1.0 / (np.array([0.229, 0.224, 0.225], dtype=np.float32) * 255.0)
_MAX_CANDIDATES = 1000
_MIN_SIDE = 3


@dataclass(frozen=True, slots=True)
class DetParams:
    """DB post-processing parameters (PaddleOCR's names in brackets)."""

    limit_side: int = 1280  # longest side of the detector input [det_limit_side_len, 'max']
    threshold: float = 0.3  # pixel probability threshold [det_db_thresh]
    box_threshold: float = 0.5  # mean probability inside a box [det_db_box_thresh]
    unclip_ratio: float = 1.6  # how far boxes grow back [det_db_unclip_ratio]


@dataclass(frozen=True, slots=True)
class DetInput:
    """One prepared detector input and the scale back to the page."""

    tensor: npt.NDArray[np.float32]  # (1, 3, H, W)
    scale_x: float  # page pixels per input pixel
    scale_y: float


def prepare(image: Image, limit_side: int) -> DetInput:
    """Resize so the longest side is at most ``limit_side`` (multiples of 32), normalise.

    The models were trained on BGR images normalised with ImageNet statistics.
    """
    h, w = image.shape[:2]
    ratio = min(1.0, limit_side / max(h, w))
    rh = max(32, round(h * ratio / 32) * 32)
    rw = max(32, round(w * ratio / 32) * 32)
    resized = cv2.resize(
        image, (rw, rh), interpolation=cv2.INTER_AREA if ratio < 1 else cv2.INTER_LINEAR
    )
    bgr = resized[:, :, ::-1].astype(np.float32)
    bgr -= _MEAN[::-1]
    bgr *= _INV_STD[::-1]
    tensor = np.ascontiguousarray(bgr.transpose(2, 0, 1)[None])
    return DetInput(tensor=tensor, scale_x=w / rw, scale_y=h / rh)


def boxes_from_map(
    prob: npt.NDArray[np.float32], det_in: DetInput, params: DetParams, page_w: int, page_h: int
) -> list[Quad]:
    """DB post-processing: threshold, contours, score, unclip -> quads in page pixels."""
    bitmap = (prob > params.threshold).astype(np.uint8)
    contours, _ = cv2.findContours(bitmap, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    quads: list[Quad] = []
    for contour in contours[:_MAX_CANDIDATES]:
        box, short = _min_box(contour)
        if short < _MIN_SIDE:
            continue
        if _box_score(prob, box) < params.box_threshold:
            continue
        grown = _unclip(box, params.unclip_ratio)
        if grown is None:
            continue
        box, short = _min_box(grown)
        if short < _MIN_SIDE + 2:
            continue
        box[:, 0] = np.clip(box[:, 0] * det_in.scale_x, 0, page_w)
        box[:, 1] = np.clip(box[:, 1] * det_in.scale_y, 0, page_h)
        quad = order_quad(box)
        w = np.linalg.norm(quad[0] - quad[1])
        h = np.linalg.norm(quad[0] - quad[3])
        if w <= 3 or h <= 3:
            continue
        quads.append(quad)
    return quads


def _min_box(points: npt.ArrayLike) -> tuple[Quad, float]:
    rect = cv2.minAreaRect(np.asarray(points, dtype=np.float32).reshape(-1, 1, 2))
    box = order_quad(cv2.boxPoints(rect))
    return box, float(min(rect[1]))


def _box_score(prob: npt.NDArray[np.float32], box: Quad) -> float:
    h, w = prob.shape
    xmin = int(np.clip(np.floor(box[:, 0].min()), 0, w - 1))
    xmax = int(np.clip(np.ceil(box[:, 0].max()), 0, w - 1))
    ymin = int(np.clip(np.floor(box[:, 1].min()), 0, h - 1))
    ymax = int(np.clip(np.ceil(box[:, 1].max()), 0, h - 1))
    mask = np.zeros((ymax - ymin + 1, xmax - xmin + 1), dtype=np.uint8)
    shifted = (box - np.array([xmin, ymin], dtype=np.float32)).astype(np.int32)
    cv2.fillPoly(mask, [shifted.reshape(-1, 1, 2)], (1,))
    return float(cv2.mean(prob[ymin : ymax + 1, xmin : xmax + 1], mask)[0])


def _unclip(box: Quad, ratio: float) -> npt.NDArray[np.float32] | None:
    area = abs(float(cv2.contourArea(box)))
    length = float(cv2.arcLength(box.reshape(-1, 1, 2), True))
    if length == 0:
        return None
    offset = pyclipper.PyclipperOffset()
    offset.AddPath(box.astype(np.int64).tolist(), pyclipper.JT_ROUND, pyclipper.ET_CLOSEDPOLYGON)
    expanded = offset.Execute(area * ratio / length)
    if len(expanded) != 1:
        return None
    return np.asarray(expanded[0], dtype=np.float32)
