"""Write the committed sample set: ``python -m tests.docgen.samples examples``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from tests.docgen.document import dump_truth, generate_document
from tests.docgen.scan import make_scan

#: (file stem, what it is, how to make it). Seeds are fixed: the set only changes with the code.
SAMPLES: tuple[tuple[str, str, dict[str, Any]], ...] = (
    (
        "invoice-en",
        "English invoice, digital PDF (text layer), one page",
        {"seed": 101, "kind": "invoice", "language": "en", "layout": "classic", "pages": 1},
    ),
    (
        "invoice-de-multipage",
        "German invoice, digital PDF, two pages: the line-item table continues on page 2",
        {"seed": 102, "kind": "invoice", "language": "de", "layout": "letter", "pages": 2},
    ),
    (
        "credit-note-fr",
        "French credit note (avoir), digital PDF, negative amounts",
        {"seed": 103, "kind": "credit_note", "language": "fr", "layout": "modern", "pages": 1},
    ),
    (
        "invoice-es-scan",
        "Spanish invoice, scanned look (PNG, 200 dpi, slight blur and noise)",
        {
            "seed": 104,
            "kind": "invoice",
            "language": "es",
            "layout": "boxed",
            "pages": 1,
            "scan": ("clean", "png"),
        },
    ),
    (
        "invoice-it-noisy",
        "Italian invoice, noisy scan (JPEG: skew, blur, noise, uneven light, 150 dpi)",
        {
            "seed": 105,
            "kind": "invoice",
            "language": "it",
            "layout": "stacked",
            "pages": 1,
            "scan": ("noisy", "jpeg"),
        },
    ),
    (
        "receipt-nl-photo",
        "Dutch till receipt, photographed (JPEG: perspective, shading, background, faded)",
        {"seed": 106, "kind": "receipt", "language": "nl", "scan": ("photo", "jpeg")},
    ),
    (
        "invoice-nl-multipage",
        "Dutch invoice, two-page scan as a multi-page TIFF",
        {
            "seed": 107,
            "kind": "invoice",
            "language": "nl",
            "layout": "classic",
            "pages": 2,
            "scan": ("clean", "tiff"),
        },
    ),
)


def write_samples(out: Path) -> list[Path]:
    """Write every sample with its ``.truth.json``; return the document paths."""
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for stem, _about, sample in SAMPLES:
        spec = dict(sample)
        scan = spec.pop("scan", None)
        seed = spec.pop("seed")
        doc = generate_document(seed, **spec)
        if scan is None:
            path, data, truth = out / f"{stem}.pdf", doc.pdf_bytes, doc.truth
        else:
            level, fmt = scan
            s = make_scan(doc, level, fmt, seed=seed)
            path, data, truth = out / f"{stem}.{s.extension}", s.data, s.truth
        path.write_bytes(data)
        truth_path = out / f"{stem}.truth.json"
        truth_path.write_text(dump_truth(truth), encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else Path("examples")
    paths = write_samples(out)
    total = sum(
        p.stat().st_size + p.with_name(p.name.rsplit(".", 1)[0] + ".truth.json").stat().st_size
        for p in paths
    )
    for p in paths:
        print(f"{p}  {p.stat().st_size // 1024} KB")
    print(f"{len(paths)} samples, {total / 1e6:.2f} MB with their truth", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
