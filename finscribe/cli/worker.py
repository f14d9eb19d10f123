"""`finscribe worker`: an arq worker processing queued jobs until SIGTERM/SIGINT."""

from __future__ import annotations

import argparse
import asyncio
from typing import TYPE_CHECKING

from finscribe import logs
from finscribe.settings import load_settings

if TYPE_CHECKING:
    from finscribe.cli.main import Subparsers


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "worker",
        help="run a queue worker (arq) that processes submitted documents",
        description="Process queued jobs. Settings come from FINSCRIBE_* variables and .env.",
    )
    parser.add_argument(
        "--burst", action="store_true", help="stop once the queue is empty (batch runs)"
    )
    parser.add_argument(
        "--concurrency", type=int, default=None, help="jobs at once (FINSCRIBE_WORKER_CONCURRENCY)"
    )
    parser.add_argument(
        "--lazy-ocr",
        action="store_true",
        help="load the OCR models on the first page that needs them, not at start",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from finscribe.worker.runner import run_worker

    settings = load_settings()
    if args.concurrency:
        settings.worker.concurrency = max(1, args.concurrency)
    logs.configure_logging(settings.log.level, settings.log.json_format)
    asyncio.run(run_worker(settings, burst=args.burst, load_engine=not args.lazy_ocr))
    return 0
