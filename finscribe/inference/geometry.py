"""Geometry of text regions: quad ordering, perspective crops, rotations and reading order."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

Quad = npt.NDArray[np.float32]  # (4, 2): top-left, top-right, bottom-right, bottom-left
Image = npt.NDArray[np.uint8]


def order_quad(points: npt.ArrayLike) -> Quad:
    """Order four points clockwise from the top-left one (image coordinates, y down)."""
    pts = np.asarray(points, dtype=np.float32).reshape(4, 2)
    by_x = pts[np.argsort(pts[:, 0], kind="stable")]
    left, right = by_x[:2], by_x[2:]
    tl, bl = left[np.argsort(left[:, 1], kind="stable")]
    tr, br = right[np.argsort(right[:, 1], kind="stable")]
    return np.array([tl, tr, br, bl], dtype=np.float32)


def quad_size(quad: Quad) -> tuple[float, float]:
    """Width (along the text) and height of a quad ordered by :func:`order_quad`."""
    width = max(float(np.linalg.norm(quad[0] - quad[1])), float(np.linalg.norm(quad[3] - quad[2])))
    height = max(float(np.linalg.norm(quad[0] - quad[3])), float(np.linalg.norm(quad[1] - quad[2])))
    return width, height


def quad_angle(quad: Quad) -> float:
    """Angle in degrees of the quad's top edge against the x axis (positive: clockwise)."""
    dx, dy = quad[1] - quad[0]
    return math.degrees(math.atan2(float(dy), float(dx)))


@dataclass(frozen=True, slots=True)
class Crop:
    """A line image cut out of a page, upright, with the map back to page coordinates."""

    image: Image
    #: 3x3 homography from crop pixel coordinates to page pixel coordinates.
    to_page: npt.NDArray[np.float64]

    def page_points(self, points: npt.ArrayLike) -> npt.NDArray[np.float32]:
        pts = np.asarray(points, dtype=np.float64).reshape(-1, 1, 2)
        mapped = np.asarray(cv2.perspectiveTransform(pts, self.to_page), dtype=np.float32)
        return mapped.reshape(-1, 2)


def crop_quad(image: Image, quad: Quad) -> Crop:
    """Cut the quad out with a perspective warp (straightening slight skew).

    Regions much taller than wide are turned 90 degrees counter-clockwise so the text runs
    left to right, as PaddleOCR does.
    """
    width, height = quad_size(quad)
    w, h = max(1, round(width)), max(1, round(height))
    target = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32)
    to_crop = cv2.getPerspectiveTransform(quad.astype(np.float32), target)
    crop: Image = np.asarray(
        cv2.warpPerspective(
            image, to_crop, (w, h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE
        ),
        dtype=np.uint8,
    )
    to_page = np.linalg.inv(to_crop.astype(np.float64))
    if h >= 1.5 * w:
        crop = np.ascontiguousarray(np.rot90(crop))  # counter-clockwise: new (x, y) = (y, w - x)
        # crop' (x', y') -> crop (x, y) = (w - y', x')
        unrotate = np.array([[0, -1, w], [1, 0, 0], [0, 0, 1]], dtype=np.float64)
        to_page = to_page @ unrotate
    return Crop(image=crop, to_page=to_page)


def rotate_image(image: Image, rotation: int) -> Image:
    """Rotate an image clockwise by 0, 90, 180 or 270 degrees."""
    k = (rotation // 90) % 4
    if k == 0:
        return image
    return np.ascontiguousarray(np.rot90(image, k=-k))


def rotate_points(
    points: npt.NDArray[np.float32], rotation: int, width: int, height: int
) -> npt.NDArray[np.float32]:
    """Map points of a ``width`` x ``height`` image to that image rotated clockwise."""
    k = (rotation // 90) % 4
    x, y = points[..., 0], points[..., 1]
    if k == 0:
        out = np.stack([x, y], axis=-1)
    elif k == 1:
        out = np.stack([height - y, x], axis=-1)
    elif k == 2:
        out = np.stack([width - x, height - y], axis=-1)
    else:
        out = np.stack([y, width - x], axis=-1)
    return np.asarray(out, dtype=np.float32)


def reading_order(quads: Sequence[Quad], skew_deg: float = 0.0) -> list[int]:
    """Indices of ``quads`` top to bottom, then left to right within a row.

    Rows are found after undoing the page skew: two regions share a row when their vertical
    centres are closer than half the smaller height.
    """
    if not quads:
        return []
    theta = math.radians(-skew_deg)
    cos, sin = math.cos(theta), math.sin(theta)
    items = []
    for i, q in enumerate(quads):
        cx, cy = float(q[:, 0].mean()), float(q[:, 1].mean())
        rx, ry = cx * cos - cy * sin, cx * sin + cy * cos
        _, h = quad_size(q)
        items.append((ry, rx, h, i))
    items.sort()
    rows: list[list[tuple[float, float, float, int]]] = []
    for item in items:
        if rows:
            row = rows[-1]
            ref_y = sum(r[0] for r in row) / len(row)
            ref_h = min(*(r[2] for r in row), item[2])
            if abs(item[0] - ref_y) < 0.5 * ref_h:
                row.append(item)
                continue
        rows.append([item])
    return [r[3] for row in rows for r in sorted(row, key=lambda r: r[1])]
