"""End to end: a real uvicorn API and a real arq worker on PostgreSQL, Redis, local storage.

Generated invoices go in over HTTP and come out as the same result `finscribe scan` gives.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from finscribe.core import webhooks
from finscribe.db.engine import Database
from finscribe.db.migrations import upgrade
from finscribe.settings import DatabaseSettings
from tests.fixtures.services import start_valkey
from tests.service._stack import (
    Proc,
    bearer,
    make_tenant,
    service_env,
    start_api,
    start_worker,
    wait_job,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def private_redis() -> Iterator[str]:
    with start_valkey() as url:
        yield url


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def e2e_db(pg_database_factory: Any) -> str:
    url: str = await pg_database_factory()
    db = Database(DatabaseSettings(url=url))
    await upgrade(db.engine)
    await db.close()
    return url


@pytest.fixture(scope="module")
def stack(
    e2e_db: str, private_redis: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    work = tmp_path_factory.mktemp("e2e")
    env = service_env(db_url=e2e_db, redis_url=private_redis, storage_dir=work / "storage")
    api, url = start_api(env, work)
    worker = start_worker(env, work)
    yield {"url": url, "api": api, "worker": worker, "env": env, "work": work}
    worker.stop()
    api.stop()


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def tenants(e2e_db: str) -> dict[str, dict[str, str]]:
    return {
        "a": await make_tenant(e2e_db, "e2e-a", "admin"),
        "b": await make_tenant(e2e_db, "e2e-b", "admin"),
    }


@pytest.fixture
def client(stack: dict[str, Any]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack["url"], timeout=30) as c:
        yield c


def procs(stack: dict[str, Any]) -> tuple[Proc, ...]:
    return (stack["api"], stack["worker"])


def submit(client: httpx.Client, key: str, name: str, body: bytes, **kw: Any) -> httpx.Response:
    return client.post("/api/v1/analyze", files={"file": (name, body)}, headers=bearer(key), **kw)


def scan_cli(path: Path, env: dict[str, str]) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "finscribe.cli.main", "scan", str(path), "--format", "json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    line = json.loads(done.stdout.strip().splitlines()[-1])
    return line["document"]  # type: ignore[no-any-return]


def test_invoice_result_equals_finscribe_scan(
    stack: dict[str, Any], client: httpx.Client, tenants: Any, docgen_invoice: Any
) -> None:
    key = tenants["a"]["key"]
    r = submit(client, key, "invoice.pdf", docgen_invoice.pdf_bytes)
    assert r.status_code == 202, r.text
    job = wait_job(client, r.json()["job_id"], procs=procs(stack), headers=bearer(key))
    assert job["status"] == "completed", job
    assert job["progress"] == 100
    assert job["stage"] == "store"
    assert job["attempts"] == 1
    assert job["result_id"]
    path = stack["work"] / "invoice.pdf"
    path.write_bytes(docgen_invoice.pdf_bytes)
    expected = scan_cli(path, stack["env"])
    assert job["result"] == expected
    truth_number = docgen_invoice.truth["fields"]["invoice_number"]
    assert job["result"]["fields"]["invoice_number"]["value"] == truth_number


def test_result_export_corrections_and_audit(
    stack: dict[str, Any], client: httpx.Client, tenants: Any, docgen_factory: Any, e2e_db: str
) -> None:
    key = tenants["a"]["key"]
    doc = docgen_factory(21, kind="invoice", language="en", pages=1)
    job_id = submit(client, key, "inv21.pdf", doc.pdf_bytes).json()["job_id"]
    job = wait_job(client, job_id, procs=procs(stack), headers=bearer(key))
    assert job["status"] == "completed", job
    result_id = job["result_id"]

    r = client.get(f"/api/v1/results/{result_id}", headers=bearer(key))
    assert r.status_code == 200
    body = r.json()
    assert body["job_id"] == job_id
    assert body["schema_version"] == "1"
    assert body["document"] == job["result"]
    other = client.get(f"/api/v1/results/{result_id}", headers=bearer(tenants["b"]["key"]))
    assert other.status_code == 404

    csv_text = client.get(
        f"/api/v1/results/{result_id}/export", params={"format": "csv"}, headers=bearer(key)
    )
    assert csv_text.status_code == 200
    assert csv_text.headers["content-type"].startswith("text/csv")
    number = job["result"]["fields"]["invoice_number"]["value"]
    assert f"field,invoice_number,{number}," in csv_text.text
    as_json = client.get(f"/api/v1/results/{result_id}/export", headers=bearer(key))
    assert as_json.json() == job["result"]

    r = client.post(
        f"/api/v1/results/{result_id}/corrections",
        json={"invoice_number": "INV-FIXED-1", "fields.total.value": "999.99"},
        headers=bearer(key),
    )
    assert r.status_code == 200, r.text
    corrected = r.json()
    assert corrected["document"]["fields"]["invoice_number"]["value"] == "INV-FIXED-1"
    assert corrected["document"]["fields"]["total"]["value"] == "999.99"
    olds = {c["field"]: c["old_value"] for c in corrected["corrections"]}
    assert olds["fields.invoice_number.value"] == number
    again = client.get(f"/api/v1/jobs/{job_id}", headers=bearer(key)).json()
    assert again["result"]["fields"]["invoice_number"]["value"] == "INV-FIXED-1"
    bad = client.post(
        f"/api/v1/results/{result_id}/corrections", content=b"not json", headers=bearer(key)
    )
    assert bad.status_code == 400

    export = client.get(
        "/api/v1/admin/active_learning/export", params={"format": "jsonl"}, headers=bearer(key)
    )
    assert export.status_code == 200
    rows = [json.loads(line) for line in export.text.splitlines()]
    mine = [row for row in rows if row["result_id"] == result_id]
    assert {row["field"] for row in mine} == {"fields.invoice_number.value", "fields.total.value"}
    as_list = client.get(
        "/api/v1/admin/active_learning/export", params={"format": "json"}, headers=bearer(key)
    ).json()
    assert len(as_list) == len(rows)
    b_rows = client.get(
        "/api/v1/admin/active_learning/export",
        params={"format": "json"},
        headers=bearer(tenants["b"]["key"]),
    ).json()
    assert all(row["tenant_id"] == tenants["b"]["tenant_id"] for row in b_rows)

    actions = _audit_actions(e2e_db, tenants["a"]["tenant_id"])
    for action in ("result.read", "result.exported", "result.corrected", "corrections.exported"):
        assert action in actions


def _audit_actions(db_url: str, tenant_id: str) -> set[str]:
    import asyncio

    from finscribe.db import repositories as repo

    async def read() -> set[str]:
        db = Database(DatabaseSettings(url=db_url))
        try:
            async with db.session() as session:
                events = await repo.list_audit_events(session, uuid.UUID(tenant_id))
                return {e.action for e in events}
        finally:
            await db.close()

    return asyncio.run(read())


def test_two_tenants_and_idempotent_resubmission(
    stack: dict[str, Any], client: httpx.Client, tenants: Any, docgen_factory: Any
) -> None:
    data = docgen_factory(22, kind="invoice", pages=1).pdf_bytes
    a = submit(client, tenants["a"]["key"], "x.pdf", data).json()
    b = submit(client, tenants["b"]["key"], "x.pdf", data).json()
    assert a["job_id"] != b["job_id"]
    ja = wait_job(client, a["job_id"], procs=procs(stack), headers=bearer(tenants["a"]["key"]))
    jb = wait_job(client, b["job_id"], procs=procs(stack), headers=bearer(tenants["b"]["key"]))
    assert ja["status"] == jb["status"] == "completed"
    assert ja["result_id"] != jb["result_id"]
    assert ja["result"] == jb["result"]
    again = submit(client, tenants["a"]["key"], "x-again.pdf", data)
    assert again.status_code == 200
    assert again.json()["job_id"] == a["job_id"]
    assert again.json()["status"] == "completed"


def test_corrupt_file_fails_with_a_code(
    stack: dict[str, Any], client: httpx.Client, tenants: Any
) -> None:
    key = tenants["a"]["key"]
    corrupt = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage " + uuid.uuid4().bytes * 20
    r = submit(client, key, "broken.pdf", corrupt)
    assert r.status_code == 202
    job = wait_job(client, r.json()["job_id"], procs=procs(stack), headers=bearer(key))
    assert job["status"] == "failed"
    assert job["error"]["code"] == "CORRUPT_FILE"
    assert job["attempts"] == 1, "bad input is not retried"
    assert job["result_id"] is None


def test_cancel_while_processing(
    stack: dict[str, Any], client: httpx.Client, tenants: Any, docgen_scan_factory: Any
) -> None:
    key = tenants["a"]["key"]
    scan = docgen_scan_factory(23, level="clean", fmt="png", kind="invoice")
    r = submit(client, key, "scan.png", scan.data)
    assert r.status_code == 202
    job_id = r.json()["job_id"]
    wait_job(
        client,
        job_id,
        until=("processing", "completed"),
        procs=procs(stack),
        headers=bearer(key),
    )
    r = client.delete(f"/api/v1/jobs/{job_id}", headers=bearer(key))
    if r.status_code == 409:
        pytest.skip("the OCR job finished before it could be cancelled")
    assert r.status_code == 200
    assert r.json()["status"] == "cancelled"
    time.sleep(1.5)
    job = client.get(f"/api/v1/jobs/{job_id}", headers=bearer(key)).json()
    assert job["status"] == "cancelled"
    assert job["result_id"] is None


class _Receiver:
    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.requests.append((dict(self.headers.items()), body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/finished"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver() -> Iterator[_Receiver]:
    r = _Receiver()
    yield r
    r.server.shutdown()
    r.server.server_close()


def test_webhook_on_completion_is_signed(
    stack: dict[str, Any],
    client: httpx.Client,
    tenants: Any,
    docgen_factory: Any,
    receiver: _Receiver,
) -> None:
    key = tenants["b"]["key"]
    data = docgen_factory(24, kind="invoice", pages=1).pdf_bytes
    r = submit(client, key, "hook.pdf", data, data={"callback_url": receiver.url})
    assert r.status_code == 202
    job_id = r.json()["job_id"]
    deadline = time.monotonic() + 30
    while not receiver.requests and time.monotonic() < deadline:
        time.sleep(0.1)
    assert receiver.requests, stack["worker"].log_tail()
    headers, body = receiver.requests[0]
    signature = headers[webhooks.SIGNATURE_HEADER]
    assert webhooks.verify(body, tenants["b"]["secret"], signature)
    assert not webhooks.verify(body, tenants["a"]["secret"], signature)
    payload = json.loads(body)
    assert payload["job_id"] == job_id
    assert payload["status"] == "completed"
    assert payload["result_id"]
    assert "fields" not in payload, "a summary, not the extracted data"
