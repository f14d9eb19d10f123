"""Submit mode `kubernetes`: the API stages the upload and creates a DocumentJob.

A real uvicorn API against the Kubernetes API emulator (tests/fixtures/kube.py, real HTTP),
PostgreSQL and local storage. The operator is not running here: this checks what the API
hands it (tests/kube covers the operator).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from finscribe.kube import resources
from finscribe.storage.local import LocalStorage
from tests.service._stack import bearer, make_tenant, service_env, start_api

pytestmark = pytest.mark.slow


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def kube_db(pg_database_factory: Any) -> str:
    from finscribe.db.engine import Database
    from finscribe.db.migrations import upgrade
    from finscribe.settings import DatabaseSettings

    url: str = await pg_database_factory()
    db = Database(DatabaseSettings(url=url))
    await upgrade(db.engine)
    await db.close()
    return url


@pytest.fixture(scope="module")
def kube_stack(
    kube_db: str, redis_url: str, kubeconfig: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    work = tmp_path_factory.mktemp("api-kube")
    env = service_env(
        db_url=kube_db,
        redis_url=redis_url,
        storage_dir=work / "storage",
        FINSCRIBE_API_SUBMIT_MODE="kubernetes",
        KUBECONFIG=str(kubeconfig),
    )
    env.pop("KUBERNETES_SERVICE_HOST", None)
    proc, url = start_api(env, work)
    yield {"url": url, "storage": work / "storage"}
    proc.stop()


async def document_jobs(api_url: str, namespace: str) -> list[dict[str, Any]]:
    """Read through the emulator's HTTP API (it runs in this event loop: never block it)."""
    path = resources.collection_path(namespace)
    async with httpx.AsyncClient(timeout=10) as client:
        body = (await client.get(f"{api_url}{path}")).json()
    return list(body.get("items") or [])


async def test_upload_becomes_a_document_job(
    kube_stack: dict[str, Any], kube_api: Any, kube_db: str
) -> None:
    tenant = await make_tenant(kube_db, "kube", "submitter")
    namespace = await _tenant_name(kube_db, tenant["tenant_id"])
    pdf = b"%PDF-1.4\n" + uuid.uuid4().hex.encode()
    async with httpx.AsyncClient(base_url=kube_stack["url"], timeout=30) as client:
        r = await client.post(
            "/api/v1/analyze",
            files={"file": ("../../etc/passwd.pdf", pdf)},
            data={"document_type": "receipt", "language": "de"},
            headers=bearer(tenant["key"]),
        )
        assert r.status_code == 202, r.text
        job_id = r.json()["job_id"]
        items = await document_jobs(kube_api.test_url, namespace)
        assert len(items) == 1
        job = items[0]
        assert str(resources.job_id_for(job["metadata"]["uid"])) == job_id
        upload = job["spec"]["source"]["upload"]
        assert upload["storageKey"].startswith(f"tenants/{tenant['tenant_id']}/uploads/")
        assert upload["filename"] == "passwd.pdf", "a display name, never a path"
        assert upload["contentType"] == "application/pdf"
        assert job["spec"]["options"] == {"documentType": "receipt", "languages": ["de"]}
        storage = LocalStorage(kube_stack["storage"])
        assert await storage.get_bytes(upload["storageKey"]) == pdf

        headers = {**bearer(tenant["key"]), "Idempotency-Key": "po-4711"}
        first = await client.post(
            "/api/v1/analyze", files={"file": ("a.pdf", pdf)}, headers=headers
        )
        again = await client.post(
            "/api/v1/analyze", files={"file": ("a.pdf", pdf)}, headers=headers
        )
        assert first.status_code == 202
        assert again.status_code == 200
        assert again.json()["job_id"] == first.json()["job_id"]
        assert len(await document_jobs(kube_api.test_url, namespace)) == 2

        r = await client.post(
            "/api/v1/analyze",
            files={"file": ("a.pdf", pdf + b"x")},
            data={"callback_url": "http://insecure.example/hook"},
            headers=bearer(tenant["key"]),
        )
        assert r.status_code == 422
        assert r.json()["error"]["code"] == "INVALID_INPUT"


async def _tenant_name(db_url: str, tenant_id: str) -> str:
    from finscribe.core.tenants import TenantService
    from finscribe.db.engine import Database
    from finscribe.settings import DatabaseSettings

    db = Database(DatabaseSettings(url=db_url))
    try:
        return (await TenantService(db).get_tenant(uuid.UUID(tenant_id))).name
    finally:
        await db.close()
