"""The REST API through a real uvicorn server on PostgreSQL, Redis and local storage.

No worker runs here (jobs stay queued): submission, auth and tenancy, limits, errors,
listing, cancellation. Processing is covered by test_e2e.py.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from tests.service._stack import add_key, bearer, make_tenant, service_env, start_api

pytestmark = pytest.mark.slow

PDF = b"%PDF-1.4\n% a tiny test document " + b"x" * 64
LIMIT_MB = 0.25


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def api_db(pg_database_factory: Any) -> str:
    from finscribe.db.engine import Database
    from finscribe.db.migrations import upgrade
    from finscribe.settings import DatabaseSettings

    url: str = await pg_database_factory()
    db = Database(DatabaseSettings(url=url))
    await upgrade(db.engine)
    await db.close()
    return url


@pytest.fixture(scope="module")
def api(api_db: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    work = tmp_path_factory.mktemp("api")
    env = service_env(
        db_url=api_db,
        redis_url=redis_url,
        storage_dir=work / "storage",
        FINSCRIBE_LIMITS_MAX_UPLOAD_MB=str(LIMIT_MB),
        FINSCRIBE_API_MAX_BATCH_FILES="3",
    )
    proc, url = start_api(env, work)
    yield url
    proc.stop()


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def tenants(api_db: str) -> dict[str, dict[str, str]]:
    a = await make_tenant(api_db, "acme", "submitter")
    b = await make_tenant(api_db, "globex", "submitter")
    a["viewer"] = await add_key(api_db, a["tenant_id"], "viewer")
    a["admin"] = await add_key(api_db, a["tenant_id"], "admin")
    return {"a": a, "b": b}


@pytest_asyncio.fixture(loop_scope="session")
async def client(api: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=api, timeout=30) as c:
        yield c


def unique_pdf() -> bytes:
    return PDF + uuid.uuid4().hex.encode()


async def submit(
    client: httpx.AsyncClient, key: str, content: bytes, **kwargs: Any
) -> httpx.Response:
    headers = {**bearer(key), **kwargs.pop("headers", {})}
    return await client.post(
        "/api/v1/analyze",
        files={"file": ("doc.pdf", content, "application/pdf")},
        headers=headers,
        **kwargs,
    )


def error_of(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"}, body
    assert body["error"]["request_id"] == response.headers["x-request-id"]
    return body["error"]  # type: ignore[no-any-return]


async def test_health_ready_schema_and_request_ids(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/v1/health")
    assert r.status_code == 200
    assert r.json() == {"status": "ok"}
    assert len(r.headers["x-request-id"]) >= 16
    r = await client.get("/api/v1/ready", headers={"X-Request-ID": "probe-123"})
    assert r.status_code == 200, r.text
    assert r.json()["checks"] == {"database": "ok", "redis": "ok", "storage": "ok"}
    assert r.headers["x-request-id"] == "probe-123"
    r = await client.get("/api/v1/schema/openapi.json")
    assert r.status_code == 200
    paths = r.json()["paths"]
    for path in ("/api/v1/analyze", "/api/v1/jobs/{job_id}", "/api/v1/results/{result_id}"):
        assert path in paths


async def test_auth_is_required(client: httpx.AsyncClient, tenants: Any) -> None:
    r = await client.post("/api/v1/analyze", files={"file": ("a.pdf", PDF)})
    assert r.status_code == 401
    assert error_of(r)["code"] == "UNAUTHORIZED"
    r = await submit(client, "fsk_0123456789ab_" + "x" * 43, unique_pdf())
    assert r.status_code == 401
    r = await client.get("/api/v1/jobs", headers={"Authorization": "Basic abc"})
    assert r.status_code == 401


async def test_submit_then_poll(client: httpx.AsyncClient, tenants: Any) -> None:
    key = tenants["a"]["key"]
    r = await submit(client, key, unique_pdf(), data={"document_type": "invoice"})
    assert r.status_code == 202, r.text
    body = r.json()
    assert body["status"] == "queued"
    assert body["poll_url"] == f"/api/v1/jobs/{body['job_id']}"
    job = (await client.get(body["poll_url"], headers=bearer(key))).json()
    assert job["job_id"] == body["job_id"]
    assert job["status"] == "queued"
    assert job["progress"] == 0
    assert job["attempts"] == 0
    assert job["content_type"] == "application/pdf"
    assert job["result"] is None


async def test_same_content_or_key_returns_the_existing_job(
    client: httpx.AsyncClient, tenants: Any
) -> None:
    key = tenants["a"]["key"]
    data = unique_pdf()
    first = await submit(client, key, data)
    again = await submit(client, key, data)
    assert first.status_code == 202
    assert again.status_code == 200
    assert again.json()["job_id"] == first.json()["job_id"]
    assert again.json()["duplicate"] is True
    idem = {"Idempotency-Key": f"order-{uuid.uuid4()}"}
    one = await submit(client, key, unique_pdf(), headers=idem)
    two = await submit(client, key, unique_pdf(), headers=idem)  # other bytes, same key
    assert one.status_code == 202
    assert two.status_code == 200
    assert two.json()["job_id"] == one.json()["job_id"]


async def test_tenants_are_isolated(client: httpx.AsyncClient, tenants: Any) -> None:
    data = unique_pdf()
    a = (await submit(client, tenants["a"]["key"], data)).json()
    b = await submit(client, tenants["b"]["key"], data)
    assert b.status_code == 202, "the same file in another tenant is a new job"
    assert b.json()["job_id"] != a["job_id"]
    r = await client.get(f"/api/v1/jobs/{a['job_id']}", headers=bearer(tenants["b"]["key"]))
    assert r.status_code == 404
    assert error_of(r)["code"] == "JOB_NOT_FOUND"
    r = await client.delete(f"/api/v1/jobs/{a['job_id']}", headers=bearer(tenants["b"]["key"]))
    assert r.status_code == 404
    listed = await client.get("/api/v1/jobs?limit=200", headers=bearer(tenants["b"]["key"]))
    ids = {j["job_id"] for j in listed.json()["items"]}
    assert a["job_id"] not in ids
    assert b.json()["job_id"] in ids


async def test_roles(client: httpx.AsyncClient, tenants: Any) -> None:
    viewer = tenants["a"]["viewer"]
    r = await submit(client, viewer, unique_pdf())
    assert r.status_code == 403
    assert error_of(r)["code"] == "FORBIDDEN"
    assert (await client.get("/api/v1/jobs", headers=bearer(viewer))).status_code == 200
    r = await client.get("/api/v1/admin/keys", headers=bearer(tenants["a"]["key"]))
    assert r.status_code == 403


async def test_type_is_checked_from_the_bytes(client: httpx.AsyncClient, tenants: Any) -> None:
    r = await client.post(
        "/api/v1/analyze",
        files={"file": ("invoice.pdf", b"just some text, not a PDF", "application/pdf")},
        headers=bearer(tenants["a"]["key"]),
    )
    assert r.status_code == 415
    assert error_of(r)["code"] == "UNSUPPORTED_TYPE"
    r = await submit(client, tenants["a"]["key"], b"")
    assert r.status_code == 422
    assert error_of(r)["code"] == "EMPTY_FILE"


async def test_oversize_is_refused_while_streaming(client: httpx.AsyncClient, tenants: Any) -> None:
    limit = int(LIMIT_MB * 1024 * 1024)
    big = b"%PDF-1.4\n" + b"0" * (limit + 10)
    r = await submit(client, tenants["a"]["key"], big)
    assert r.status_code == 413
    assert error_of(r)["code"] == "FILE_TOO_LARGE"

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: chunked upload
        boundary = b"--xyz\r\n"
        yield boundary + b'Content-Disposition: form-data; name="file"; filename="a.pdf"\r\n\r\n'
        yield b"%PDF-1.4\n"
        for _ in range(limit // 65536 + 4):
            yield b"1" * 65536
        yield b"\r\n--xyz--\r\n"

    r = await client.post(
        "/api/v1/analyze",
        content=chunks(),
        headers={
            **bearer(tenants["a"]["key"]),
            "Content-Type": "multipart/form-data; boundary=xyz",
        },
    )
    assert r.status_code == 413
    assert error_of(r)["code"] == "FILE_TOO_LARGE"

    # Declared too large: answered from the header alone, before any body is sent.
    host, port = api_address(client)
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(
        (
            "POST /api/v1/analyze HTTP/1.1\r\n"
            f"Host: {host}\r\n"
            f"Authorization: Bearer {tenants['a']['key']}\r\n"
            "Content-Type: multipart/form-data; boundary=xyz\r\n"
            f"Content-Length: {limit * 10}\r\n\r\n"
        ).encode()
    )
    await writer.drain()
    status_line = await asyncio.wait_for(reader.readline(), 10)
    writer.close()
    assert b" 413 " in status_line


def api_address(client: httpx.AsyncClient) -> tuple[str, int]:
    url = client.base_url
    assert url.host is not None
    assert url.port is not None
    return url.host, url.port


async def test_bad_requests_have_codes(client: httpx.AsyncClient, tenants: Any) -> None:
    key = tenants["a"]["key"]
    r = await submit(client, key, unique_pdf(), data={"callback_url": "ftp://x/y"})
    assert r.status_code == 400
    assert error_of(r)["code"] == "VALIDATION_ERROR"
    r = await client.post("/api/v1/analyze", json={"file": "x"}, headers=bearer(key))
    assert r.status_code == 415
    r = await client.get("/api/v1/jobs?status=bogus", headers=bearer(key))
    assert r.status_code == 400
    assert error_of(r)["code"] == "VALIDATION_ERROR"
    r = await client.get("/api/v1/jobs?limit=abc", headers=bearer(key))
    assert r.status_code == 400
    r = await client.get("/api/v1/jobs/not-a-uuid", headers=bearer(key))
    assert r.status_code in (400, 404)
    error_of(r)
    r = await client.get("/api/v1/nothing-here")
    assert r.status_code in (401, 404)
    error_of(r)


async def test_batch(client: httpx.AsyncClient, tenants: Any) -> None:
    files = [
        ("files", ("one.pdf", unique_pdf(), "application/pdf")),
        ("files", ("two.pdf", unique_pdf(), "application/pdf")),
        ("files", ("notes.txt", b"plain text", "text/plain")),
    ]
    r = await client.post("/api/v1/analyze/batch", files=files, headers=bearer(tenants["a"]["key"]))
    assert r.status_code == 415, "a file of the wrong type refuses the batch it is in"
    r = await client.post(
        "/api/v1/analyze/batch", files=files[:2], headers=bearer(tenants["a"]["key"])
    )
    assert r.status_code == 202, r.text
    jobs = r.json()["jobs"]
    assert [j["filename"] for j in jobs] == ["one.pdf", "two.pdf"]
    assert len({j["job_id"] for j in jobs}) == 2
    too_many = [("files", (f"{i}.pdf", unique_pdf(), "application/pdf")) for i in range(4)]
    r = await client.post(
        "/api/v1/analyze/batch", files=too_many, headers=bearer(tenants["a"]["key"])
    )
    assert r.status_code == 400


async def test_list_with_cursor_pagination(client: httpx.AsyncClient, api_db: str) -> None:
    tenant = await make_tenant(api_db, "pager", "submitter")
    key = tenant["key"]
    made = [(await submit(client, key, unique_pdf())).json()["job_id"] for _ in range(5)]
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        body = (await client.get("/api/v1/jobs", params=params, headers=bearer(key))).json()
        seen += [j["job_id"] for j in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert seen == list(reversed(made)), "newest first, each job once"
    queued = await client.get("/api/v1/jobs?status=queued,processing", headers=bearer(key))
    assert len(queued.json()["items"]) == 5
    r = await client.get("/api/v1/jobs?cursor=garbage", headers=bearer(key))
    assert r.status_code == 400


async def test_cancel(client: httpx.AsyncClient, tenants: Any) -> None:
    key = tenants["a"]["key"]
    job = (await submit(client, key, unique_pdf())).json()
    r = await client.delete(f"/api/v1/jobs/{job['job_id']}", headers=bearer(key))
    assert r.status_code == 200
    assert r.json()["status"] == "cancelled"
    r = await client.delete(f"/api/v1/jobs/{job['job_id']}", headers=bearer(key))
    assert r.status_code == 200, "cancelling twice is harmless"
    again = await submit(client, key, PDF + job["job_id"].encode())
    assert again.status_code == 202


async def test_admin_keys_and_revocation(client: httpx.AsyncClient, tenants: Any) -> None:
    admin = tenants["a"]["admin"]
    r = await client.post(
        "/api/v1/admin/keys", json={"role": "viewer", "name": "ci"}, headers=bearer(admin)
    )
    assert r.status_code == 201, r.text
    new = r.json()
    assert new["key"].startswith("fsk_")
    assert (await client.get("/api/v1/jobs", headers=bearer(new["key"]))).status_code == 200
    listed = (await client.get("/api/v1/admin/keys", headers=bearer(admin))).json()
    assert all(k["key"] is None for k in listed), "keys are never listed"
    r = await client.delete(f"/api/v1/admin/keys/{new['key_id']}", headers=bearer(admin))
    assert r.status_code == 204
    assert (await client.get("/api/v1/jobs", headers=bearer(new["key"]))).status_code == 401


async def test_metrics(client: httpx.AsyncClient, tenants: Any) -> None:
    await submit(client, tenants["a"]["key"], unique_pdf())
    text = (await client.get("/api/v1/metrics")).text
    assert 'finscribe_jobs_submitted_total{channel="api"}' in text
    assert "finscribe_http_requests_total" in text
    assert 'route="/api/v1/analyze"' in text


def test_admin_cli_creates_tenant_and_key(api: str, api_db: str, tmp_path: Path) -> None:
    """`finscribe admin create-tenant/create-key` write to the database the API reads."""
    import json
    import subprocess
    import sys

    env = service_env(db_url=api_db, redis_url="redis://unused:1/0", storage_dir=tmp_path)

    def cli(*args: str) -> dict[str, Any]:
        done = subprocess.run(
            [sys.executable, "-m", "finscribe.cli.main", "admin", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)  # type: ignore[no-any-return]

    name = f"cli-{uuid.uuid4().hex[:8]}"
    tenant = cli("create-tenant", name)
    assert tenant["name"] == name
    assert len(tenant["webhook_secret"]) >= 32
    issued = cli("create-key", "--tenant", name, "--role", "viewer")
    assert issued["api_key"].startswith("fsk_")
    r = httpx.get(f"{api}/api/v1/jobs", headers=bearer(issued["api_key"]), timeout=10)
    assert r.status_code == 200
    assert r.json()["items"] == []
    keys = cli("list-keys", "--tenant", tenant["tenant_id"])
    assert [k["key_id"] for k in keys] == [issued["key_id"]]
    assert "api_key" not in keys[0]
    done = subprocess.run(
        [sys.executable, "-m", "finscribe.cli.main", "admin", "create-tenant", name],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    assert "CONFLICT" in done.stderr
