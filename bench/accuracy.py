"""Field extraction accuracy on a held-out generated set (``make bench-accuracy``).

Generates documents with tests/docgen (digital PDFs, clean scans, noisy scans; six languages;
every layout incl. multi-page and receipts; some with one planted arithmetic error) as files,
runs ``finscribe scan`` over them (:func:`finscribe.cli.scan.scan` in this process, the
command's JSON Lines read back: text layer or OCR, layout, fields, validation) and compares
each document with the ground truth. Prints per-field precision / recall / F1, header
micro-F1, line-item cell F1, the share of documents with every header field right, the
validator's precision and recall on planted errors and seconds per document (the scan of
the set over its size), and writes the markdown table into docs/benchmarks.md.

The seed (default 7000000) is kept apart from the seeds used to train and tune (tests use
seeds below 100000, ``finscribe train`` data sets are made with their own --seed).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import random
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench._report import write_section
from finscribe.cli.scan import scan as scan_command
from finscribe.core.extraction.scoring import HEADER_FIELDS, item_cell_counts, same
from finscribe.core.validation import ARITHMETIC_CODES
from finscribe.settings import Settings
from tests.docgen import generate_document
from tests.docgen.scan import make_scan
from tests.docgen.sets import scan_format

ROOT = Path(__file__).resolve().parent.parent
SECTION = "## Field extraction accuracy (make bench-accuracy)"


@dataclass
class SetStats:
    """Counts for one evaluation set (digital / clean scans / noisy scans)."""

    name: str
    docs: int = 0
    seconds: float = 0.0
    tp: Counter[str] = field(default_factory=Counter)
    n_pred: Counter[str] = field(default_factory=Counter)
    n_truth: Counter[str] = field(default_factory=Counter)
    all_right: int = 0
    item_tp: int = 0
    item_pred: int = 0
    item_truth: int = 0
    planted: int = 0
    flagged: int = 0
    flagged_planted: int = 0
    failed: int = 0
    languages: Counter[str] = field(default_factory=Counter)
    layouts: Counter[str] = field(default_factory=Counter)
    misses: list[str] = field(default_factory=list)

    def prf(self, name: str) -> tuple[float, float, float]:
        return _prf(self.tp[name], self.n_pred[name], self.n_truth[name])

    def micro(self) -> tuple[float, float, float]:
        return _prf(sum(self.tp.values()), sum(self.n_pred.values()), sum(self.n_truth.values()))

    def items(self) -> tuple[float, float, float]:
        return _prf(self.item_tp, self.item_pred, self.item_truth)

    def validator(self) -> tuple[float, float]:
        p = self.flagged_planted / self.flagged if self.flagged else 1.0
        r = self.flagged_planted / self.planted if self.planted else 1.0
        return p, r


def _prf(tp: int, n_pred: int, n_truth: int) -> tuple[float, float, float]:
    p = tp / n_pred if n_pred else 1.0
    r = tp / n_truth if n_truth else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def _score(stats: SetStats, truth: dict[str, Any], doc: dict[str, Any]) -> None:
    want: dict[str, str] = {k: v for k, v in truth["fields"].items() if v != ""}
    got = {k: v["value"] for k, v in doc.get("fields", {}).items() if k in HEADER_FIELDS}
    right = True
    for name in HEADER_FIELDS:
        if name in got:
            stats.n_pred[name] += 1
        if name in want:
            stats.n_truth[name] += 1
        if name in got and name in want and same(name, got[name], want[name]):
            stats.tp[name] += 1
        elif name in got or name in want:
            right = False
            if len(stats.misses) < 400:
                stats.misses.append(
                    f"{truth['name']} {name}: got {got.get(name)!r} want {want.get(name)!r}"
                )
    stats.all_right += int(right)
    truth_items = truth.get("line_items", [])
    tp, n_pred, n_truth = item_cell_counts(doc.get("line_items", []), truth_items)
    stats.item_tp += tp
    stats.item_pred += n_pred
    stats.item_truth += n_truth
    planted = truth.get("planted_error") is not None
    codes = {i["code"] for i in doc.get("validation", {}).get("issues", [])}
    flagged = bool(codes & ARITHMETIC_CODES)
    stats.planted += int(planted)
    stats.flagged += int(flagged)
    stats.flagged_planted += int(planted and flagged)
    if flagged != planted and len(stats.misses) < 400:
        stats.misses.append(f"{truth['name']} validator: planted={planted} codes={sorted(codes)}")


async def _run_set(
    name: str, seeds: list[int], error_share: float, scan: str | None, settings: Settings
) -> SetStats:
    """Generate the set's files in a temporary folder, run ``finscribe scan`` over them (its
    code path in this process, one JSON line per file) and score each line."""
    stats = SetStats(name)
    with tempfile.TemporaryDirectory(prefix="finscribe-accuracy-") as tmp:
        truths: list[dict[str, Any]] = []
        paths: list[str] = []
        for seed in seeds:
            rng = random.Random(seed)
            generated = generate_document(seed, plant_error=rng.random() < error_share)
            truth, data, ext = generated.truth, generated.pdf_bytes, "pdf"
            if scan is not None:
                ext = scan_format(rng, scan, generated.page_count)
                made = make_scan(generated, scan, ext, seed=seed)
                data, truth = made.data, made.truth
            path = Path(tmp) / f"{seed}.{'jpg' if ext == 'jpeg' else ext}"
            path.write_bytes(data)
            truths.append(truth)
            paths.append(str(path))
        out = io.StringIO()
        t0 = time.perf_counter()
        await scan_command(paths, settings=settings, out=out)
        stats.seconds = time.perf_counter() - t0
    lines = out.getvalue().splitlines()
    for i, (truth, line) in enumerate(zip(truths, lines, strict=True)):
        record = json.loads(line)
        stats.docs += 1
        stats.languages[truth["language"]] += 1
        stats.layouts[truth["layout"]] += 1
        if "error" in record:  # a failure counts as a document with nothing right
            stats.failed += 1
            stats.misses.append(f"{truth['name']}: failed {record['error']}")
        _score(stats, truth, record.get("document", {}))
        if (i + 1) % 100 == 0:
            print(f"  {name}: {i + 1}/{len(seeds)} scored", file=sys.stderr, flush=True)
    return stats


def _table(sets: list[SetStats]) -> str:
    head = "| field | " + " | ".join(f"{s.name} P / R / F1" for s in sets) + " |"
    sep = "|---|" + "---|" * len(sets)
    rows = [head, sep]
    for name in HEADER_FIELDS:
        cells = []
        for s in sets:
            if s.n_truth[name] == 0 and s.n_pred[name] == 0:
                cells.append("–")
            else:
                p, r, f = s.prf(name)
                cells.append(f"{p:.3f} / {r:.3f} / {f:.3f}")
        rows.append(f"| {name} | " + " | ".join(cells) + " |")
    summary = [
        "",
        "| measure | " + " | ".join(s.name for s in sets) + " | target |",
        "|---|" + "---|" * len(sets) + "---|",
        "| documents | " + " | ".join(str(s.docs) for s in sets) + " | |",
        "| header micro-F1 | "
        + " | ".join(f"{s.micro()[2]:.3f}" for s in sets)
        + " | ≥ 0.97 digital, ≥ 0.93 noisy |",
        "| line-item cell F1 | " + " | ".join(f"{s.items()[2]:.3f}" for s in sets) + " | ≥ 0.90 |",
        "| documents with every header field right | "
        + " | ".join(f"{s.all_right / max(s.docs, 1):.3f}" for s in sets)
        + " | |",
        "| planted arithmetic errors | " + " | ".join(str(s.planted) for s in sets) + " | |",
        "| validator precision | "
        + " | ".join(f"{s.validator()[0]:.3f}" for s in sets)
        + " | ≥ 0.95 |",
        "| validator recall | "
        + " | ".join(f"{s.validator()[1]:.3f}" for s in sets)
        + " | ≥ 0.95 |",
        "| seconds per document | "
        + " | ".join(f"{s.seconds / max(s.docs, 1):.3f}" for s in sets)
        + " | |",
        "| failed documents | " + " | ".join(str(s.failed) for s in sets) + " | |",
    ]
    return "\n".join(rows + summary)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=7_000_000, help="first seed of the eval set")
    parser.add_argument("--digital", type=int, default=300, help="digital PDFs")
    parser.add_argument("--clean-scans", type=int, default=40, help="clean scanned images")
    parser.add_argument("--noisy-scans", type=int, default=40, help="noisy scanned images")
    parser.add_argument("--photos", type=int, default=0, help="phone photos of documents")
    parser.add_argument("--errors", type=float, default=0.2, help="share with a planted error")
    parser.add_argument("--write", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--misses", type=int, default=0, help="print this many mismatches")
    args = parser.parse_args(argv)
    settings = Settings()
    plan = [
        ("digital PDF", args.digital, None),
        ("clean scan", args.clean_scans, "clean"),
        ("noisy scan", args.noisy_scans, "noisy"),
        ("photo", args.photos, "photo"),
    ]
    sets: list[SetStats] = []
    offset = 0
    for name, count, scan in plan:
        if count <= 0:
            continue
        seeds = [args.seed + offset + i for i in range(count)]
        offset += count
        print(f"{name}: {count} documents from seed {seeds[0]}", file=sys.stderr)
        sets.append(asyncio.run(_run_set(name, seeds, args.errors, scan, settings)))
    table = _table(sets)
    langs: Counter[str] = Counter()
    layouts: Counter[str] = Counter()
    for s in sets:
        langs.update(s.languages)
        layouts.update(s.layouts)
    detail = (
        f"Seed {args.seed}; {sum(s.docs for s in sets)} documents; languages "
        + ", ".join(f"{k} {v}" for k, v in sorted(langs.items()))
        + "; layouts "
        + ", ".join(f"{k} {v}" for k, v in sorted(layouts.items()))
        + f"; about {args.errors:.0%} with one planted arithmetic error."
    )
    print(table)
    print(detail)
    if args.misses:
        for s in sets:
            for line in s.misses[: args.misses]:
                print(f"[{s.name}] {line}")
    if not args.no_write:
        body = (
            f"{SECTION}\n\n`python -m bench.accuracy` (defaults: 300 digital, 40 clean and 40 "
            "noisy scans, written as files and read by `finscribe scan`). Fields scored exact "
            "after normalisation (numbers as decimals, IDs "
            "without spaces, text case- and space-folded); a field the truth lacks but the "
            "output has counts against precision. Validator: a document is flagged when any "
            "arithmetic issue code is raised.\n\n"
            f"{detail}\n\n{table}\n"
        )
        args.write.parent.mkdir(parents=True, exist_ok=True)
        write_section(SECTION, body, args.write)
        print(f"wrote {args.write}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
