"""`finscribe serve`: the REST API under uvicorn (one or more worker processes)."""

from __future__ import annotations

import argparse
import os
import tempfile
from typing import TYPE_CHECKING

from finscribe import logs
from finscribe.settings import load_settings

if TYPE_CHECKING:
    from finscribe.cli.main import Subparsers


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="run the REST API (Litestar on uvicorn)",
        description="Serve the REST API. Settings come from FINSCRIBE_* variables and .env.",
    )
    parser.add_argument("--host", default=None, help="bind address (FINSCRIBE_API_HOST)")
    parser.add_argument("--port", type=int, default=None, help="port (FINSCRIBE_API_PORT)")
    parser.add_argument(
        "--workers", type=int, default=None, help="uvicorn processes (FINSCRIBE_API_WORKERS)"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from finscribe.api import server

    settings = load_settings()
    logs.configure_logging(settings.log.level, settings.log.json_format)
    host = args.host or settings.api.host
    port = args.port or settings.api.port
    workers = args.workers or settings.api.workers
    if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Several processes: metrics are aggregated across them from files in this folder.
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="finscribe-metrics-")
    server.run(
        "finscribe.api.app:asgi_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        loop="uvloop",
        http="httptools",
        log_config=None,
        access_log=False,
        proxy_headers=True,
        timeout_graceful_shutdown=30,
        timeout_keep_alive=30,
        backlog=4096,
    )
    return 0
