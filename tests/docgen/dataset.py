"""Command line: ``python -m tests.docgen.dataset OUT_DIR --seed S --count N [--scans ...]``.

Writes a labelled folder (see tests/docgen/README.md and :func:`tests.docgen.sets.write_set`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from tests.docgen.scan import LEVELS
from tests.docgen.sets import write_set


def _csv(text: str | None) -> list[str] | None:
    return [part.strip() for part in text.split(",") if part.strip()] if text else None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.docgen.dataset", description=__doc__)
    parser.add_argument("out", type=Path, help="folder to write into")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument(
        "--scans", default="", help=f"comma-separated scan levels: {','.join(LEVELS)}"
    )
    parser.add_argument("--no-digital", action="store_true", help="write no PDFs, only scans")
    parser.add_argument("--kinds", help="comma-separated: invoice,receipt,credit_note (cycled)")
    parser.add_argument("--languages", help="comma-separated: en,fr,de,es,nl,it (cycled)")
    parser.add_argument("--layouts", help="comma-separated layout names (cycled)")
    parser.add_argument(
        "--plant-errors",
        type=float,
        default=0.0,
        help="share of documents with a planted arithmetic error",
    )
    parser.add_argument(
        "--rotate", type=float, default=0.05, help="share of scans turned by 90/180/270 degrees"
    )
    args = parser.parse_args(argv)
    scans = _csv(args.scans) or []
    for level in scans:
        if level not in LEVELS:
            parser.error(f"unknown scan level {level!r}")
    entries = write_set(
        args.out,
        args.seed,
        args.count,
        scans=scans,
        digital=not args.no_digital,
        kinds=_csv(args.kinds),
        languages=_csv(args.languages),
        layouts=_csv(args.layouts),
        plant_errors=args.plant_errors,
        rotate=args.rotate,
    )
    print(f"wrote {len(entries)} files to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
