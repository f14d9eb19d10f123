"""Page orientation without the angle classifier: box shapes, then recognition confidence.

A page turned by 90 or 270 degrees shows mostly tall text regions; it is turned upright
(90 degrees clockwise) and detected again. Whether the (now horizontal) text stands on its
head is decided by recognising a few long lines both ways and keeping the orientation the
recogniser is surer of. Slight skew needs no page rotation: each line is cut out along its
own rotated box, and reading order uses the median line angle.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from finscribe.inference.geometry import Quad, quad_angle, quad_size

#: Regions longer than this many times their thickness say which way the text runs.
_ELONGATED = 2.0
#: Lines tried both ways up when deciding between 0 and 180 degrees.
FLIP_PROBE_LINES = 6
#: Pages whose lines read with at least this mean confidence are taken as upright unprobed.
UPRIGHT_CONFIDENCE = 0.93


def looks_sideways(quads: Sequence[Quad]) -> bool:
    """True when clearly elongated regions are mostly vertical (page turned 90/270)."""
    tall = wide = 0
    for q in quads:
        w = float(np.linalg.norm(q[0] - q[1]))
        h = float(np.linalg.norm(q[0] - q[3]))
        if h >= _ELONGATED * w:
            tall += 1
        elif w >= _ELONGATED * h:
            wide += 1
    return tall > wide and tall >= 2


def skew_angle(quads: Sequence[Quad]) -> float:
    """Median angle (degrees) of the page's elongated lines; 0 when there are none."""
    angles = []
    for q in quads:
        w, h = quad_size(q)
        if w >= _ELONGATED * h:
            a = quad_angle(q)
            if abs(a) < 45:
                angles.append(a)
    return float(np.median(angles)) if angles else 0.0


def probe_lines(quads: Sequence[Quad], count: int = FLIP_PROBE_LINES) -> list[int]:
    """Indices of the longest regions, used to test 0 against 180 degrees."""
    return sorted(range(len(quads)), key=lambda i: -quad_size(quads[i])[0])[:count]
