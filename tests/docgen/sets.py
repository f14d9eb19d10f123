"""Sets of generated documents: draw them from one seed, write them as a labelled folder.

Each document is written as ``<name>.pdf`` with ``<name>.truth.json`` next to it, and each
requested scan level as ``<name>.<level>.<ext>`` with ``<name>.<level>.truth.json``. An
``index.jsonl`` lists every file with its truth file, kind, language, layout and level.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from tests.docgen.document import GeneratedDocument, dump_truth, generate_document
from tests.docgen.scan import make_scan


def doc_seed(seed: int, index: int) -> int:
    """The seed of the ``index``-th document of a set drawn with ``seed``."""
    return seed * 1_000_003 + index


def generate_set(
    seed: int,
    count: int,
    *,
    kinds: Sequence[str] | None = None,
    languages: Sequence[str] | None = None,
    layouts: Sequence[str] | None = None,
    plant_errors: float = 0.0,
) -> Iterator[GeneratedDocument]:
    """``count`` documents drawn from ``seed``; kinds/languages/layouts cycle when given."""
    rng = random.Random(seed)
    for i in range(count):
        kind = kinds[i % len(kinds)] if kinds else None
        language = (
            languages[(i // max(len(kinds or ()), 1)) % len(languages)] if languages else None
        )
        layout = layouts[i % len(layouts)] if layouts else None
        if layout == "receipt":
            kind = "receipt"
        elif kind == "receipt" and layout is not None:
            layout = "receipt"
        plant = rng.random() < plant_errors
        yield generate_document(
            doc_seed(seed, i), kind=kind, language=language, layout=layout, plant_error=plant
        )


def scan_format(rng: random.Random, level: str, pages: int) -> str:
    """The image format a scan of this level is written in (multi-page documents: TIFF)."""
    if pages > 1:
        return "tiff"
    if level == "photo":
        return "jpeg"
    if level == "clean":
        return rng.choice(("png", "png", "tiff", "webp"))
    return rng.choice(("jpeg", "jpeg", "png", "webp", "tiff"))


def write_set(
    out: Path,
    seed: int,
    count: int,
    *,
    scans: Sequence[str] = (),
    digital: bool = True,
    kinds: Sequence[str] | None = None,
    languages: Sequence[str] | None = None,
    layouts: Sequence[str] | None = None,
    plant_errors: float = 0.0,
    rotate: float = 0.05,
) -> list[dict[str, Any]]:
    """Write the set to ``out``; return the index entries."""
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed + 99)
    entries: list[dict[str, Any]] = []
    with (out / "index.jsonl").open("w", encoding="utf-8") as index:
        docs = generate_set(
            seed,
            count,
            kinds=kinds,
            languages=languages,
            layouts=layouts,
            plant_errors=plant_errors,
        )
        for doc in docs:
            files: list[tuple[str, bytes, dict[str, Any], str]] = []
            if digital:
                files.append((f"{doc.name}.pdf", doc.pdf_bytes, doc.truth, "digital"))
            for level in scans:
                fmt = scan_format(rng, level, doc.page_count)
                rotation = rng.choice((90, 180, 270)) if rng.random() < rotate else 0
                scan = make_scan(doc, level, fmt, seed=doc.truth["seed"], rotation=rotation)
                files.append((f"{doc.name}.{level}.{scan.extension}", scan.data, scan.truth, level))
            for filename, data, truth, level in files:
                (out / filename).write_bytes(data)
                truth_name = filename.rsplit(".", 1)[0] + ".truth.json"
                (out / truth_name).write_text(dump_truth(truth), encoding="utf-8")
                entry = {
                    "file": filename,
                    "truth": truth_name,
                    "document_type": truth["document_type"],
                    "language": truth["language"],
                    "layout": truth["layout"],
                    "level": level,
                    "pages": len(truth["pages"]),
                    "planted_error": truth["planted_error"] is not None,
                }
                index.write(json.dumps(entry) + "\n")
                entries.append(entry)
    return entries
