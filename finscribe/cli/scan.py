"""`finscribe scan PATH...`: analyse documents locally and print one result per input.

JSON Lines (default): one object per input, in input order, ``{"source", "document"}`` (plus
``"text"`` with ``--lines``) or ``{"source", "error": {"code", "message"}}``; the exit status
is 1 when any input failed (after all were processed). ``--format text`` prints a readable
view. The OCR engine loads once, on the first page that needs it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from finscribe import errors
from finscribe.core import pipeline
from finscribe.settings import Settings, load_settings

if TYPE_CHECKING:
    from finscribe.cli.main import Subparsers

#: More inputs than this get a progress bar on stderr.
PROGRESS_MIN_DOCUMENTS = 3


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "scan",
        help="analyse documents and print the structured result",
        description="Analyse PDF, PNG, JPEG, TIFF or WebP documents locally.",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="documents to analyse")
    parser.add_argument(
        "--format",
        choices=("json", "text"),
        default="json",
        help="json: one JSON object per input (JSON Lines); text: a readable view",
    )
    parser.add_argument(
        "--pages", type=_positive_int, default=None, metavar="N", help="read only the first N pages"
    )
    parser.add_argument(
        "--lines",
        action="store_true",
        help="with json: add the positioned text (pages, lines, words, boxes, confidence)",
    )
    parser.add_argument("--password", default=None, help="password of encrypted PDFs")
    parser.set_defaults(handler=run)


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def run(args: argparse.Namespace) -> int:
    try:
        settings = load_settings()
    except errors.ConfigurationError as exc:
        print(f"finscribe: {exc.message}", file=sys.stderr)
        return 2
    return asyncio.run(
        scan(
            list(args.paths),
            settings=settings,
            fmt=args.format,
            page_limit=args.pages,
            with_lines=args.lines,
            password=args.password,
        )
    )


async def scan(
    paths: Sequence[str],
    *,
    settings: Settings,
    fmt: str = "json",
    page_limit: int | None = None,
    with_lines: bool = False,
    password: str | None = None,
    out: TextIO | None = None,
) -> int:
    """Analyse each path in order, printing each result as soon as it is ready."""
    stream = out if out is not None else sys.stdout
    engine = pipeline.default_engine(settings)
    failed = False
    progress = _progress(len(paths))
    task = progress.add_task("scanning", total=len(paths)) if progress else None
    try:
        if progress is not None:
            progress.start()
        for path in paths:
            if progress is not None and task is not None:
                progress.update(task, description=Path(path).name[:40])
            record = await _scan_one(
                path, engine, settings, page_limit=page_limit, password=password
            )
            failed = failed or "error" in record
            if fmt == "text":
                stream.write(render_text(record))
            else:
                if not with_lines:
                    record.pop("text", None)
                stream.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
            stream.flush()
            if progress is not None and task is not None:
                progress.advance(task)
    finally:
        if progress is not None:
            progress.stop()
        await engine.close()
    return 1 if failed else 0


def _progress(count: int) -> Progress | None:
    if count <= PROGRESS_MIN_DOCUMENTS:
        return None
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    )


async def _scan_one(
    path: str,
    engine: pipeline.LazyEngine,
    settings: Settings,
    *,
    page_limit: int | None,
    password: str | None,
) -> dict[str, Any]:
    try:
        result = await pipeline.analyze(
            Path(path), engine=engine, settings=settings, page_limit=page_limit, password=password
        )
    except errors.FinscribeError as exc:
        return {"source": path, "error": exc.to_dict()}
    except Exception as exc:  # one bad document must not stop the batch
        return {
            "source": path,
            "error": {"code": "INTERNAL_ERROR", "message": f"{type(exc).__name__}: {exc}"},
        }
    return {"source": path, "document": result.document, "text": result.text.to_dict()}


def render_text(record: dict[str, Any]) -> str:
    """A readable view of one result: the document's fields, then each page's lines."""
    out: list[str] = [f"== {record['source']} =="]
    if "error" in record:
        error = record["error"]
        out.append(f"  error {error['code']}: {error['message']}")
        return "\n".join(out) + "\n\n"
    document: dict[str, Any] = record["document"]
    text: dict[str, Any] = record["text"]
    out.append(
        f"  {text['content_type']} · {len(text['pages'])} page(s) · "
        f"type {document.get('document_type')} · language {document.get('language')} · "
        f"needs_review {str(document.get('needs_review')).lower()}"
    )
    fields: dict[str, Any] = document.get("fields") or {}
    if fields:
        out.append("  fields:")
        width = max(len(name) for name in fields)
        for name, value in fields.items():
            out.append(
                f"    {name:<{width}}  {value.get('value')}  "
                f"(confidence {value.get('confidence')}, page {value.get('page')})"
            )
    items: list[dict[str, Any]] = document.get("line_items") or []
    if items:
        out.append(f"  line items: {len(items)}")
        for item in items:
            out.append(
                f"    {item.get('description')} | qty {item.get('quantity')} | "
                f"unit price {item.get('unit_price')} | amount {item.get('amount')}"
            )
    validation: dict[str, Any] = document.get("validation") or {}
    issues: list[dict[str, Any]] = validation.get("issues") or []
    if fields or issues:
        out.append(f"  validation: {'valid' if validation.get('valid') else 'INVALID'}")
        for issue in issues:
            out.append(f"    {issue.get('severity')} {issue.get('code')}: {issue.get('message')}")
    for page in text["pages"]:
        rotation = f" · rotated {page['rotation']}" if page.get("rotation") else ""
        out.append(
            f"  page {page['number']} · {page['source']} · {page['width']}x{page['height']} px "
            f"at {page['dpi']} dpi{rotation} · {len(page['lines'])} lines"
        )
        for line in page["lines"]:
            out.append(f"    [{line['confidence']:.2f}] {line['text']}")
    return "\n".join(out) + "\n\n"
