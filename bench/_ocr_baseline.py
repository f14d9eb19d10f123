"""The baseline: the `rapidocr_onnxruntime` package's own pipeline, kept out of the venv.

It is installed with pip into .cache/bench-site without its dependencies (the venv already
has onnxruntime, pyclipper, six, PyYAML; OpenCV comes from opencv-python-headless), with
shapely beside it where the venv lacks it, and put on sys.path only inside the benchmark.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np

from bench._ocr_metrics import PredWord

VERSION = "1.4.4"
SITE = Path(__file__).resolve().parent.parent / ".cache" / "bench-site"


def _pip_target(requirement: str) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--target",
            str(SITE),
            requirement,
        ],
        check=True,
    )


def load() -> Any:
    if not (SITE / "rapidocr_onnxruntime").is_dir():
        _pip_target(f"rapidocr-onnxruntime=={VERSION}")
    if importlib.util.find_spec("shapely") is None and not (SITE / "shapely").is_dir():
        _pip_target("shapely>=2,<3")  # its DB post-processing imports it
    if str(SITE) not in sys.path:
        sys.path.append(str(SITE))
    from rapidocr_onnxruntime import RapidOCR

    return RapidOCR()


def read(engine: Any, image: np.ndarray) -> list[PredWord]:
    """Words with boxes: its lines split on spaces, boxes shared out by character count.

    The angle classifier is off (it blanks straight lines; see platform-facts.md).
    """
    result, _ = engine(image[:, :, ::-1].copy(), use_cls=False)
    words: list[PredWord] = []
    for box, text, _score in result or []:
        pts = np.asarray(box, dtype=np.float32)
        x0, y0 = pts.min(axis=0)
        x1, y1 = pts.max(axis=0)
        total = max(1, len(text))
        pos = 0
        for part in text.split(" "):
            if part:
                a = x0 + (x1 - x0) * pos / total
                b = x0 + (x1 - x0) * (pos + len(part)) / total
                words.append((part, (float(a), float(y0), float(b), float(y1))))
            pos += len(part) + 1
    return words
