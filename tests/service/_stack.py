"""Helpers for the end-to-end and fault tests: API (uvicorn) and arq worker subprocesses.

Each process is a real `finscribe serve` / `finscribe worker` on loopback, configured only
through environment variables, with its log kept in a file for failure messages.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from finscribe.core.tenants import TenantService
from finscribe.db.engine import Database
from finscribe.settings import DatabaseSettings

FINISHED = ("completed", "failed", "cancelled")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def clean_environ() -> dict[str, str]:
    """This process's environment without any FinScribe setting (prefixed or legacy name)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FINSCRIBE_")}
    for legacy in ("DATABASE_URL", "REDIS_URL", "STORAGE_BUCKET", "MAX_UPLOAD_MB", "LOG_LEVEL"):
        env.pop(legacy, None)
    return env


def service_env(*, db_url: str, redis_url: str, storage_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a service process: only FinScribe variables we set count."""
    env = clean_environ()
    env.update(
        FINSCRIBE_DB_URL=db_url,
        FINSCRIBE_REDIS_URL=redis_url,
        FINSCRIBE_STORAGE_BACKEND="local",
        FINSCRIBE_STORAGE_LOCAL_PATH=str(storage_dir),
        FINSCRIBE_WORKER_METRICS_PORT="0",
        FINSCRIBE_WORKER_POLL_DELAY_S="0.1",
        FINSCRIBE_WORKER_SHUTDOWN_GRACE_S="5",
        FINSCRIBE_WORKER_RETRY_BACKOFF_BASE_S="0.2",
        FINSCRIBE_WEBHOOK_BACKOFF_S="0.1",
        FINSCRIBE_OCR_MODEL_DIR=os.environ.get(
            "FINSCRIBE_OCR_MODEL_DIR", str(Path(__file__).resolve().parents[2] / "models")
        ),
        FINSCRIBE_OCR_THREADS="1",
    )
    env.update(extra)
    return env


@dataclass
class Proc:
    """A `finscribe` subprocess with its log file."""

    args: list[str]
    env: dict[str, str]
    log_path: Path
    popen: subprocess.Popen[bytes] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def start(self) -> Proc:
        log = self.log_path.open("ab")
        self.popen = subprocess.Popen(
            [sys.executable, "-m", "finscribe.cli.main", *self.args],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        return self

    @property
    def pid(self) -> int:
        assert self.popen is not None
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20) -> int | None:
        if self.popen is None:
            return None
        if self.popen.poll() is None:
            self.popen.send_signal(sig)
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=10)
        return self.popen.returncode

    def kill(self) -> None:
        self.stop(signal.SIGKILL)


def start_api(env: Mapping[str, str], log_dir: Path, *, workers: int = 1) -> tuple[Proc, str]:
    port = free_port()
    proc = Proc(
        ["serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)],
        dict(env),
        log_dir / f"api-{port}.log",
    ).start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if not proc.alive():
            raise RuntimeError(f"API exited:\n{proc.log_tail()}")
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"API not up in time:\n{proc.log_tail()}")


def start_worker(
    env: Mapping[str, str], log_dir: Path, *, lazy_ocr: bool = True, name: str = "worker"
) -> Proc:
    args = ["worker", "--lazy-ocr"] if lazy_ocr else ["worker"]
    return Proc(args, dict(env), log_dir / f"{name}-{uuid.uuid4().hex[:6]}.log").start()


def wait_job(
    client: httpx.Client,
    job_id: str,
    *,
    until: tuple[str, ...] = FINISHED,
    timeout: float = 60,
    procs: tuple[Proc, ...] = (),
    headers: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    body: dict[str, Any] = {}
    while time.monotonic() < deadline:
        response = client.get(f"/api/v1/jobs/{job_id}", headers=headers)
        response.raise_for_status()
        body = response.json()
        if body["status"] in until:
            return body
        time.sleep(0.1)
    logs = "\n".join(p.log_tail() for p in procs)
    raise AssertionError(f"job {job_id} still {body.get('status')} after {timeout}s\n{logs}")


async def make_tenant(db_url: str, name: str, role: str = "admin") -> dict[str, str]:
    """A tenant with one API key of `role`: {"tenant_id", "key", "secret"}."""
    db = Database(DatabaseSettings(url=db_url))
    try:
        service = TenantService(db)
        tenant = await service.create_tenant(f"{name}-{uuid.uuid4().hex[:6]}")
        issued = await service.create_api_key(tenant.id, role)
        return {"tenant_id": str(tenant.id), "key": issued.key, "secret": tenant.webhook_secret}
    finally:
        await db.close()


async def add_key(db_url: str, tenant_id: str, role: str) -> str:
    db = Database(DatabaseSettings(url=db_url))
    try:
        issued = await TenantService(db).create_api_key(uuid.UUID(tenant_id), role)
        return issued.key
    finally:
        await db.close()


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}
