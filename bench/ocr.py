"""`make bench-ocr`: OCR quality and speed per page kind, every model next to the rapidocr pipeline.

Pages come from the document generator (tests/docgen) with held-out seeds: born-digital PDFs
(text layer, no OCR), clean scans, noisy scans (skew, blur, noise, JPEG), photographed
receipts, and clean scans turned 90/180/270 degrees. For each engine: character error rate,
word accuracy, share of word spaces kept (all languages; English only) and seconds per page
(sequential, after one warm-up page). The baseline is the `rapidocr_onnxruntime` package's
own pipeline (PP-OCRv4, angle classifier off) on the same pages and machine.

    python -m bench.ocr [--pages 10] [--models ppocrv6-small-tinydet ...] [--categories clean
        noisy ...] [--det-limit-side N] [--rec-width-scale X] [--no-baseline] [--no-write]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench import _ocr_baseline
from bench._ocr_data import CATEGORIES, BenchPage, build_pages
from bench._ocr_metrics import PredWord, Score, score_page
from bench._report import DOC, cpu_model, write_section
from finscribe.settings import OcrSettings

ROOT = Path(__file__).resolve().parent.parent
SECTION = "## OCR (make bench-ocr)"
MODELS = ("ppocrv6-small-tinydet", "ppocrv6-small", "ppocrv5", "ppocrv4", "ppocrv6-tiny")
console = Console()


def _text_layer(pages: Sequence[BenchPage]) -> Score:
    from finscribe.core.ingest import ingest
    from finscribe.core.textlayer import read_page
    from finscribe.settings import Settings

    settings = Settings()
    total = Score()
    for i, page in enumerate(pages):
        assert page.pdf is not None
        t0, c0 = time.perf_counter(), time.process_time()
        with ingest(page.pdf, settings) as doc:
            text = read_page(doc, 1, settings.ocr.min_text_layer_chars)
        dt, dc = time.perf_counter() - t0, time.process_time() - c0
        words: list[PredWord] = []
        if text is not None:
            words = [(w.text, (w.bbox.x0, w.bbox.y0, w.bbox.x1, w.bbox.y1)) for w in text.words]
        score = score_page(page.truth_lines, words, page.language == "en")
        if i:  # the first page warms PDFium up
            score.seconds.append(dt)
            score.cpu_seconds.append(dc)
        total.add(score)
    return total


def _run_images(read: Callable[[BenchPage], list[PredWord]], pages: Sequence[BenchPage]) -> Score:
    total = Score()
    if pages:
        read(pages[0])  # warm-up, not timed
    for page in pages:
        t0, c0 = time.perf_counter(), time.process_time()
        words = read(page)
        dt, dc = time.perf_counter() - t0, time.process_time() - c0
        score = score_page(page.truth_lines, words, page.language == "en")
        score.seconds.append(dt)
        score.cpu_seconds.append(dc)
        total.add(score)
    return total


def _engine_reader(
    model: str, det_limit_side: int | None, rec_width_scale: float | None = None
) -> tuple[Callable[[BenchPage], list[PredWord]], Callable[[], None]]:
    from finscribe.inference.factory import create_engine

    settings = OcrSettings(model=model)
    if det_limit_side:
        settings = settings.model_copy(update={"det_limit_side": det_limit_side})
    if rec_width_scale:
        settings = settings.model_copy(update={"rec_width_scale": rec_width_scale})
    engine = create_engine(settings)
    loop = asyncio.new_event_loop()

    def read(page: BenchPage) -> list[PredWord]:
        assert page.image is not None
        [lines] = loop.run_until_complete(engine.read_pages([page.image]))
        return [(w.text, w.box) for line in lines for w in line.words]

    def close() -> None:
        loop.run_until_complete(engine.close())
        loop.close()

    return read, close


def _fmt_rate(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def _row(engine: str, category: str, score: Score) -> list[str]:
    secs = statistics.median(score.seconds) if score.seconds else float("nan")
    return [
        category,
        engine,
        f"{100 * score.cer:.2f}%",
        f"{100 * score.word_accuracy:.1f}%",
        _fmt_rate(score.space_rate),
        _fmt_rate(score.en_space_rate),
        f"{secs:.3f}",
        f"{sum(score.seconds) / max(1, len(score.seconds)):.3f}",
        f"{sum(score.cpu_seconds) / max(1, len(score.cpu_seconds)):.3f}",
    ]


HEADERS = [
    "pages",
    "engine",
    "CER",
    "word acc.",
    "spaces kept",
    "spaces kept (en)",
    "s/page (median)",
    "s/page (mean)",
    "CPU s/page",
]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pages", type=int, default=10, help="pages per category")
    parser.add_argument("--models", nargs="+", default=list(MODELS))
    parser.add_argument("--categories", nargs="+", default=list(CATEGORIES))
    parser.add_argument("--det-limit-side", type=int, default=None)
    parser.add_argument(
        "--rec-width-scale", type=float, default=None, help="override rec_width_scale"
    )
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument(
        "--write",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="update docs/benchmarks.md",
    )
    args = parser.parse_args(argv)

    t_start = time.perf_counter()
    load_start = os.getloadavg()[0]
    pages = {c: build_pages(c, args.pages) for c in args.categories}
    n_pages = sum(map(len, pages.values()))
    console.print(f"[dim]{n_pages} pages generated in {time.perf_counter() - t_start:.1f} s[/]")
    rows: list[list[str]] = []
    image_cats = [c for c in args.categories if CATEGORIES[c][1] is not None]
    if "digital" in pages:
        rows.append(_row("text layer (pypdfium2)", "digital", _text_layer(pages["digital"])))
        console.print(f"text layer done ({time.perf_counter() - t_start:.0f} s)")
    default = OcrSettings().model
    for model in args.models:
        read, close = _engine_reader(model, args.det_limit_side, args.rec_width_scale)
        try:
            for cat in image_cats:
                label = f"finscribe {model}" + (" (default)" if model == default else "")
                rows.append(_row(label, cat, _run_images(read, pages[cat])))
                console.print(f"{model} {cat} done ({time.perf_counter() - t_start:.0f} s)")
        finally:
            close()
    if not args.no_baseline:
        engine = _ocr_baseline.load()
        for cat in image_cats:
            score = _run_images(lambda p: _ocr_baseline.read(engine, p.image), pages[cat])
            rows.append(
                _row(f"rapidocr_onnxruntime {_ocr_baseline.VERSION} (baseline)", cat, score)
            )
            console.print(f"baseline {cat} done ({time.perf_counter() - t_start:.0f} s)")
    order = {c: i for i, c in enumerate(args.categories)}
    rows.sort(key=lambda r: order[r[0]])

    table = Table(title=f"OCR quality and speed ({args.pages} pages per kind)")
    for h in HEADERS:
        table.add_column(h, justify="left" if h in ("pages", "engine") else "right")
    for r in rows:
        table.add_row(*r)
    console.print(table)
    elapsed = time.perf_counter() - t_start
    load = f"{load_start:.1f} at the start, {os.getloadavg()[0]:.1f} at the end"
    md = _markdown(rows, args, elapsed, load)
    if args.write:
        write_section(SECTION, md)
        console.print(f"[green]wrote the table to {DOC.relative_to(ROOT)}[/]")
    else:
        print(md)


def _machine() -> str:
    import onnxruntime

    return (
        f"{os.cpu_count()} CPU cores ({cpu_model()}), Python {platform.python_version()}, "
        f"onnxruntime {onnxruntime.__version__}"
    )


def _markdown(rows: list[list[str]], args: argparse.Namespace, elapsed: float, load: str) -> str:
    lines = [
        SECTION,
        "",
        f"Command: `make bench-ocr` (`python -m bench.ocr --pages {args.pages}`), "
        f"{time.strftime('%Y-%m-%d')}, on {_machine()}; the whole run took {elapsed:.0f} s "
        f"(load average {load}). OCR settings: det_limit_side "
        f"{args.det_limit_side or OcrSettings().det_limit_side}, rec_width_scale "
        f"{args.rec_width_scale or OcrSettings().rec_width_scale}.",
        "",
        "Pages: generated documents with held-out seeds (tests/docgen), one page each: "
        "`digital` = born-digital invoice PDFs read from the text layer (no OCR); `clean` = "
        "clean 200 dpi scans; `noisy` = skewed, blurred, noisy JPEG scans; `photo` = "
        "photographed receipts (perspective, shading); `rotated` = clean scans turned "
        "90/180/270 degrees. Languages vary (en, de, fr, es, nl, it).",
        "",
        "CER and word accuracy are measured per truth line (predicted words assigned to the "
        "truth line holding their centre; exact, case-sensitive). Spaces kept: neighbouring "
        "truth words read as two words, among pairs whose characters were read right. "
        "Seconds per page: wall clock, one page at a time, sequential, after a warm-up page; "
        "CPU s/page: process CPU time (all threads) per page, less sensitive to other load "
        "on a shared machine. The baseline "
        "is the `rapidocr_onnxruntime` package's own pipeline (PP-OCRv4, angle classifier off) "
        "on the same pages in the same run.",
        "",
        "| " + " | ".join(HEADERS) + " |",
        "|" + "|".join("---" if i < 2 else "---:" for i in range(len(HEADERS))) + "|",
    ]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
