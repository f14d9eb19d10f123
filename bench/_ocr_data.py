"""Benchmark pages for `make bench-ocr`: generated documents (held-out seeds) and their scans."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image

#: Seeds far from anything the tests and the training sets use.
SEED_BASE = 7_300_000

#: category -> (document kind, scan level or None for the PDF text layer, image format)
CATEGORIES: dict[str, tuple[str, str | None, str]] = {
    "digital": ("invoice", None, "pdf"),
    "clean": ("invoice", "clean", "png"),
    "noisy": ("invoice", "noisy", "jpeg"),
    "photo": ("receipt", "photo", "jpeg"),
    "rotated": ("invoice", "clean", "png"),
}


@dataclass(frozen=True, slots=True)
class BenchPage:
    """One page to read: the image (None for text-layer pages), the PDF and the truth."""

    category: str
    name: str
    language: str
    image: np.ndarray | None
    pdf: bytes | None
    truth_lines: list[dict[str, Any]]  # page-1 truth lines: text, bbox (upright pixels)
    rotation: int = 0


def build_pages(category: str, count: int) -> list[BenchPage]:
    """``count`` pages of one category, deterministic for a given count."""
    from tests.docgen import generate_document, make_scan

    kind, level, fmt = CATEGORIES[category]
    offset = list(CATEGORIES).index(category) * 1000
    pages: list[BenchPage] = []
    for i in range(count):
        seed = SEED_BASE + offset + i
        doc = generate_document(seed, kind=kind, pages=1)
        if level is None:
            truth = doc.truth
            pages.append(
                BenchPage(
                    category, truth["name"], truth["language"], None, doc.pdf_bytes, _lines(truth)
                )
            )
            continue
        rotation = (90, 180, 270)[i % 3] if category == "rotated" else 0
        scan = make_scan(doc, level, fmt, seed=seed, rotation=rotation)
        with Image.open(io.BytesIO(scan.data)) as img:
            image = np.asarray(img.convert("RGB"))
        truth = scan.truth
        pages.append(
            BenchPage(
                category, truth["name"], truth["language"], image, None, _lines(truth), rotation
            )
        )
    return pages


def _lines(truth: dict[str, Any]) -> list[dict[str, Any]]:
    return [line for line in truth["lines"] if line["page"] == 1 and line["text"].strip()]
