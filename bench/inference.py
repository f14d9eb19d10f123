"""OCR inference throughput: in-process engine vs Triton at 1, 4 and 16 concurrent documents.

``make bench-inference`` (``python -m bench.inference``). Generates invoice PDFs with
tests/docgen, rasterises their first pages at 200 dpi and reads them with

- the in-process onnxruntime engine (the baseline, one document at a time), and
- the Triton engine at each concurrency (1, 4, 16 documents in flight), against a local
  ``tritonserver`` from the nvidia-pytriton wheel serving ``model_repository/`` (started and
  stopped here), or against ``--triton-url`` (e.g. the NGC container on a GPU serving
  ``model_repository-gpu/``).

Both engines run the same pipeline, so every run also checks that Triton gave the same words
as the baseline. Prints lines/s, pages/s and Triton's average batch size per model (from its
statistics API: inferences / executions) and writes the table into docs/benchmarks.md under
a heading naming the machine (``--label``), replacing only that machine's earlier table.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium

from bench._report import cpu_model
from finscribe.inference.engine import PipelineEngine
from finscribe.inference.factory import create_engine, pipeline_params
from finscribe.inference.protocol import Image
from finscribe.inference.triton_engine import create_triton_engine
from finscribe.inference.triton_local import LocalTriton
from finscribe.inference.triton_runner import TritonRunner
from finscribe.inference.types import OcrLine
from finscribe.settings import OcrSettings, TritonSettings

ROOT = Path(__file__).resolve().parent.parent
SECTION = "## Inference (make bench-inference)"
DPI = 200


@dataclass(slots=True)
class Run:
    engine: str
    concurrency: int
    pages: int
    lines: int
    seconds: float
    det_batch: float | None = None
    rec_batch: float | None = None
    same_words: bool | None = None

    @property
    def lines_per_s(self) -> float:
        return self.lines / self.seconds

    @property
    def pages_per_s(self) -> float:
        return self.pages / self.seconds


def make_pages(count: int, seed: int) -> list[Image]:
    """First pages of ``count`` generated documents, as RGB arrays at 200 dpi."""
    from tests.docgen import generate_document

    pages: list[Image] = []
    for i in range(count):
        doc = generate_document(seed + i, kind="invoice", pages=1)
        pdf = pdfium.PdfDocument(doc.pdf_bytes)
        try:
            pil = pdf[0].render(scale=DPI / 72).to_pil().convert("RGB")
        finally:
            pdf.close()
        pages.append(np.asarray(pil))
    return pages


def _words(result: list[list[OcrLine]]) -> list[list[str]]:
    return [[w.text for line in page for w in line.words] for page in result]


async def read_all(
    engine: PipelineEngine, pages: list[Image], concurrency: int
) -> tuple[float, list[list[list[OcrLine]]]]:
    """Read each page as its own document, ``concurrency`` documents in flight."""
    results: list[list[list[OcrLine]]] = [[] for _ in pages]
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(len(pages)):
        queue.put_nowait(i)

    async def worker() -> None:
        while not queue.empty():
            i = queue.get_nowait()
            results[i] = await engine.read_pages([pages[i]])

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started, results


def _count_lines(results: list[list[list[OcrLine]]]) -> int:
    return sum(len(page) for doc in results for page in doc)


async def bench(args: argparse.Namespace) -> list[Run]:
    pages = make_pages(args.docs, args.seed)
    ocr = OcrSettings(engine="onnx")
    runs: list[Run] = []

    local = create_engine(ocr)
    assert isinstance(local, PipelineEngine)
    await local.read_pages(pages[:1])  # warm-up: first onnxruntime calls are slow
    seconds, baseline = await read_all(local, pages, 1)
    runs.append(Run("in-process (onnxruntime)", 1, len(pages), _count_lines(baseline), seconds))
    print(f"in-process: {seconds:.1f} s", file=sys.stderr)
    await local.close()
    expected = [_words(doc) for doc in baseline]

    server: LocalTriton | None = None
    url = args.triton_url
    if url is None:
        if args.execution_provider != "cpu":  # read by the Python-backend models
            os.environ["FINSCRIBE_TRITON_EXECUTION_PROVIDER"] = args.execution_provider
        tmp = Path(tempfile.mkdtemp(prefix="finscribe-bench-triton-"))
        from tests.fixtures.triton import copy_model_repository

        repo = copy_model_repository(tmp / "model_repository", ocr)
        server = LocalTriton(repo, log_path=tmp / "tritonserver.log").start()
        url = server.grpc_url
    try:
        triton_ocr = OcrSettings(engine="triton")
        engine = create_triton_engine(
            triton_ocr, pipeline_params(triton_ocr), TritonSettings(url=url, timeout_s=300)
        )
        await engine.ready()
        runner = engine.runner
        assert isinstance(runner, TritonRunner)
        await engine.read_pages(pages[:1])  # warm-up of every model instance
        await asyncio.gather(*(engine.read_pages([p]) for p in pages[:2]))
        for concurrency in args.concurrency:
            det0 = await runner.batch_statistics(runner.settings.det_model)
            rec0 = await runner.batch_statistics(runner.settings.rec_model)
            seconds, results = await read_all(engine, pages, concurrency)
            await asyncio.sleep(0.5)  # Triton records an execution just after it answers
            det1 = await runner.batch_statistics(runner.settings.det_model)
            rec1 = await runner.batch_statistics(runner.settings.rec_model)
            same = [_words(doc) for doc in results] == expected
            runs.append(
                Run(
                    "Triton",
                    concurrency,
                    len(pages),
                    _count_lines(results),
                    seconds,
                    det_batch=(det1[0] - det0[0]) / max(det1[1] - det0[1], 1),
                    rec_batch=(rec1[0] - rec0[0]) / max(rec1[1] - rec0[1], 1),
                    same_words=same,
                )
            )
            print(f"triton x{concurrency}: {seconds:.1f} s, same words: {same}", file=sys.stderr)
        await engine.close()
    finally:
        if server is not None:
            server.stop()
    return runs


def machine() -> str:
    return f"{cpu_model()}, {os.cpu_count()} cores"


def table(runs: list[Run]) -> str:
    base = runs[0].lines_per_s
    single = next(
        (r.lines_per_s for r in runs if r.engine == "Triton" and r.concurrency == 1), None
    )
    rows = [
        "| engine | concurrent documents | pages | lines | seconds | lines/s | pages/s "
        "| vs in-process | vs Triton at 1 | avg batch det | avg batch rec | same words |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in runs:
        det = "" if r.det_batch is None else f"{r.det_batch:.2f}"
        rec = "" if r.rec_batch is None else f"{r.rec_batch:.2f}"
        same = "" if r.same_words is None else ("yes" if r.same_words else "NO")
        vs1 = "" if single is None or r.engine != "Triton" else f"{r.lines_per_s / single:.2f}x"
        rows.append(
            f"| {r.engine} | {r.concurrency} | {r.pages} | {r.lines} | {r.seconds:.1f} "
            f"| {r.lines_per_s:.1f} | {r.pages_per_s:.2f} | {r.lines_per_s / base:.2f}x "
            f"| {vs1} | {det} | {rec} | {same} |"
        )
    return "\n".join(rows)


def write_section(path: Path, label: str, body: str) -> None:
    """Replace (or add) the ``### label`` part of the inference section of ``path``."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    if SECTION not in text:
        text = text.rstrip("\n") + f"\n\n{SECTION}\n\n{INTRO}\n"
    start = text.index(SECTION)
    end = text.find("\n## ", start + len(SECTION))
    end = len(text) if end == -1 else end + 1
    section = text[start:end]
    heading = f"### {label}"
    sub = f"{heading}\n\n{body}\n"
    if heading in section:
        a = section.index(heading)
        b = section.find("\n### ", a + len(heading))
        section = section[:a] + sub + ("\n" + section[b + 1 :] if b != -1 else "")
    else:
        section = section.rstrip("\n") + "\n\n" + sub
    text = (
        text[:start] + section.rstrip("\n") + "\n" + ("\n" + text[end:] if end < len(text) else "")
    )
    path.write_text(text.rstrip("\n") + "\n", encoding="utf-8")


INTRO = (
    "Lines/s and pages/s of the OCR engines on generated invoice pages (first pages, 200 dpi),\n"
    "each page its own document; Triton at 1, 4 and 16 documents in flight, with the average\n"
    "batch size Triton executed per model (its statistics API: inferences / executions).\n"
    "`same words` checks every Triton run against the in-process words. See docs/triton.md."
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--docs", type=int, default=16, help="documents (one page each)")
    parser.add_argument("--seed", type=int, default=930000)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--triton-url", help="an already running Triton (gRPC host:port)")
    parser.add_argument(
        "--execution-provider",
        choices=["cpu", "cuda"],
        default="cpu",
        help="onnxruntime provider of the local Triton's models (cuda needs onnxruntime-gpu)",
    )
    parser.add_argument("--label", help="heading for this machine in docs/benchmarks.md")
    parser.add_argument("--write", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    runs = asyncio.run(bench(args))
    label = args.label or f"CPU: {machine()}"
    out = table(runs)
    command = (
        "make bench-inference"
        if len(sys.argv) <= 1
        else "python -m bench.inference " + " ".join(sys.argv[1:])
    )
    body = (
        f"Machine: {machine()}; Python {platform.python_version()}; command: `{command}`; "
        f"{time.strftime('%Y-%m-%d', time.gmtime())}.\n\n{out}"
    )
    print(body)
    if not args.no_write:
        write_section(args.write, label, body)
        print(f"wrote {args.write}", file=sys.stderr)
    return 0 if all(r.same_words in (None, True) for r in runs) else 1


if __name__ == "__main__":
    raise SystemExit(main())
