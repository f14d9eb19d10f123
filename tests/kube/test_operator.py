"""The DocumentJob operator against the Kubernetes API emulator (tests/fixtures/kube.py), over
real HTTP, with the real kubectl, real PostgreSQL and Redis, and local storage.

The pipeline worker is not run here (tests/kube/test_e2e.py runs it): the job's progress is
driven through JobService's worker-side transitions (start, set_stage, complete), the same
calls the arq worker makes, so what is tested is how the operator reflects them.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import ssl
import subprocess
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
import yaml

from finscribe.core.jobs import JobService
from finscribe.core.tenants import TenantService
from finscribe.db.engine import Database
from finscribe.kube.resources import job_id_for
from finscribe.queue.arq_queue import ArqQueue
from finscribe.settings import Settings
from finscribe.storage import keys
from finscribe.storage.local import LocalStorage
from tests.fixtures.kube import DJ, KubeApiEmulator, events_for
from tests.kube.conftest import eventually
from tests.service._stack import free_port

pytestmark = pytest.mark.asyncio(loop_scope="session")

PDF = b"%PDF-1.4\n% a tiny stand-in document for the operator tests\n%%EOF\n"
RESULT = {
    "schema_version": "1",
    "document_type": "invoice",
    "language": "en",
    "pages": [],
    "fields": {
        "invoice_number": {"value": "INV-2024-0042", "confidence": 0.98, "page": 1},
        "total": {"value": "1234.50", "confidence": 0.97, "page": 1},
        "currency": {"value": "EUR", "confidence": 0.9, "page": 1},
    },
    "line_items": [],
    "validation": {"issues": []},
    "needs_review": False,
}


class Services:
    def __init__(self, settings: Settings) -> None:
        self.db = Database(settings.db)
        self.storage = LocalStorage(settings.storage.local_path)
        self.settings = settings
        self.queue: ArqQueue
        self.jobs: JobService
        self.tenants = TenantService(self.db)

    async def start(self) -> Services:
        assert self.settings.redis.url is not None
        self.queue = await ArqQueue.connect(self.settings.redis.url)
        self.jobs = JobService(self.db, self.storage, self.queue)
        return self

    async def close(self) -> None:
        await self.queue.close()
        await self.db.close()


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def services(operator_settings: Settings) -> AsyncIterator[Services]:
    svc = await Services(operator_settings).start()
    yield svc
    await svc.close()


def manifest(name: str, source: dict[str, Any], **spec: Any) -> str:
    return yaml.safe_dump(
        {
            "apiVersion": "finscribe.io/v1alpha1",
            "kind": "DocumentJob",
            "metadata": {"name": name, "namespace": "default"},
            "spec": {"source": source, **spec},
        }
    )


async def apply(kubectl: Any, text: str) -> None:
    await asyncio.to_thread(kubectl, "apply", "--validate=false", "-f", "-", input=text)


def dj(kube_api: KubeApiEmulator, name: str) -> dict[str, Any] | None:
    found = [o for o in kube_api.objects_of(DJ, "default") if o["metadata"]["name"] == name]
    return found[0] if found else None


def phase_of(kube_api: KubeApiEmulator, name: str) -> str | None:
    obj = dj(kube_api, name)
    return ((obj or {}).get("status") or {}).get("phase")


def condition(obj: dict[str, Any], type_: str) -> dict[str, Any]:
    return next(c for c in obj["status"]["conditions"] if c["type"] == type_)


async def stage_upload(services: Services, name: str, body: bytes = PDF) -> str:
    key = f"uploads/default/{name}.pdf"
    await services.storage.put_bytes(key, body, content_type="application/pdf")
    return key


async def accepted(kube_api: KubeApiEmulator, name: str) -> tuple[dict[str, Any], uuid.UUID]:
    await eventually(lambda: phase_of(kube_api, name) == "Queued", what=f"{name} Queued")
    obj = dj(kube_api, name)
    assert obj is not None
    return obj, job_id_for(obj["metadata"]["uid"], obj["metadata"]["generation"])


async def test_accept_progress_succeed_and_delete(
    kube_api: KubeApiEmulator, kubectl: Any, start_operator: Any, services: Services
) -> None:
    key = await stage_upload(services, "inv-1")
    await apply(kubectl, manifest("inv-1", {"upload": {"storageKey": key}}, priority="high"))
    async with start_operator():
        obj, job_id = await accepted(kube_api, "inv-1")
        assert obj["status"]["resultRef"] == {"jobId": str(job_id)}
        assert condition(obj, "Accepted")["status"] == "True"
        assert condition(obj, "Queued")["status"] == "True"
        assert obj["metadata"]["finalizers"] == ["finscribe.io/cleanup"]
        # The job row has the deterministic id, the queue holds it, the source was copied.
        job = await services.jobs.get_any(job_id)
        assert job.status == "queued"
        assert job.hints["priority"] == "high"
        assert await services.queue.status(job_id) == "queued"
        tenant = await services.tenants.get_tenant_by_name("default")
        assert tenant is not None
        assert job.tenant_id == tenant.id
        assert await services.storage.get_bytes(keys.source_key(tenant.id, job_id)) == PDF
        assert not await services.storage.exists(key), "the staged upload stays behind"
        await eventually(
            lambda: any(e["reason"] == "Accepted" for e in events_for(kube_api, "inv-1")),
            what="an Accepted event",
        )

        # The worker's transitions show up in status.
        assert await services.jobs.start(job_id) is not None
        assert await services.jobs.set_stage(job_id, "text", 40)
        await eventually(lambda: phase_of(kube_api, "inv-1") == "Processing", what="Processing")
        obj = dj(kube_api, "inv-1")
        assert obj is not None
        assert obj["status"]["stage"] == "text"
        assert obj["status"]["progress"] == 40
        assert obj["status"]["attempts"] == 1
        assert condition(obj, "Processing")["status"] == "True"
        assert condition(obj, "Queued")["status"] == "False"

        result = await services.jobs.complete(job_id, RESULT, needs_review=True)
        await eventually(lambda: phase_of(kube_api, "inv-1") == "Succeeded", what="Succeeded")
        obj = dj(kube_api, "inv-1")
        assert obj is not None
        status = obj["status"]
        assert status["summary"] == {
            "needsReview": True,
            "documentType": "invoice",
            "invoiceNumber": "INV-2024-0042",
            "total": "1234.50",
            "currency": "EUR",
        }
        assert status["resultRef"] == {"jobId": str(job_id), "resultId": str(result.id)}
        assert status["progress"] == 100
        assert status["finishedAt"]
        assert condition(obj, "Succeeded")["status"] == "True"
        assert condition(obj, "Processing")["status"] == "False"

        table = await asyncio.to_thread(kubectl, "get", "dj", "inv-1", "-o", "wide")
        header, row = table.stdout.splitlines()[:2]
        assert header.split()[:8] == [
            "NAME", "PHASE", "STAGE", "PROGRESS", "REVIEW", "TOTAL", "CURRENCY", "AGE"
        ]  # fmt: skip
        assert row.split()[:7] == ["inv-1", "Succeeded", "store", "100", "true", "1234.50", "EUR"]

        # Reconcile metrics (the operator runs in this process: same registry).
        from prometheus_client import REGISTRY

        for handler in ("create", "sync"):
            value = REGISTRY.get_sample_value(
                "finscribe_operator_reconcile_total", {"handler": handler, "outcome": "ok"}
            )
            assert value is not None
            assert value >= 1
        assert REGISTRY.get_sample_value("finscribe_operator_leader") == 1

        # Delete: the finalizer removes the stored objects, then the resource goes.
        assert await services.storage.list(keys.job_prefix(tenant.id, job_id))
        await asyncio.to_thread(kubectl, "delete", "dj", "inv-1", "--wait=false")
        await eventually(lambda: dj(kube_api, "inv-1") is None, what="inv-1 deleted")
        assert await services.storage.list(keys.job_prefix(tenant.id, job_id)) == []
        assert (await services.jobs.get_any(job_id)).status == "completed"


async def test_delete_while_queued_cancels_the_job(
    kube_api: KubeApiEmulator, kubectl: Any, start_operator: Any, services: Services
) -> None:
    key = await stage_upload(services, "inv-2", PDF + b"2")
    await apply(kubectl, manifest("inv-2", {"upload": {"storageKey": key}}))
    async with start_operator():
        _, job_id = await accepted(kube_api, "inv-2")
        assert await services.queue.status(job_id) == "queued"
        await asyncio.to_thread(kubectl, "delete", "dj", "inv-2", "--wait=false")
        await eventually(lambda: dj(kube_api, "inv-2") is None, what="inv-2 deleted")
        assert (await services.jobs.get_any(job_id)).status == "cancelled"
        assert await services.queue.status(job_id) == "not_found"


async def test_bad_sources_fail_with_a_reason(
    kube_api: KubeApiEmulator, kubectl: Any, start_operator: Any, services: Services
) -> None:
    await apply(kubectl, manifest("off-list", {"url": "https://evil.example.org/a.pdf"}))
    await apply(kubectl, manifest("missing", {"upload": {"storageKey": "uploads/default/no.pdf"}}))
    other = await services.tenants.ensure_tenant("someone-else")
    foreign = keys.source_key(other.id, uuid.uuid4())
    await services.storage.put_bytes(foreign, PDF + b"foreign")
    await apply(kubectl, manifest("foreign", {"upload": {"storageKey": foreign}}))
    async with start_operator():
        for name, code in [
            ("off-list", "SOURCE_NOT_ALLOWED"),
            ("missing", "SOURCE_NOT_FOUND"),
            ("foreign", "SOURCE_NOT_ALLOWED"),
        ]:
            await eventually(lambda n=name: phase_of(kube_api, n) == "Failed", what=name)
            obj = dj(kube_api, name)
            assert obj is not None
            assert obj["status"]["error"]["reason"] == code, obj["status"]
            assert condition(obj, "Accepted")["status"] == "False"
            assert condition(obj, "Failed")["reason"] == "".join(
                w.capitalize() for w in code.split("_")
            )
            await eventually(
                lambda n=name: any(e["reason"] == "Rejected" for e in events_for(kube_api, n)),
                what="a Rejected event",
            )
            assert "resultRef" not in obj["status"]
        # The other tenant's document was not touched.
        assert await services.storage.get_bytes(foreign) == PDF + b"foreign"


async def test_spec_is_immutable_through_kubectl(
    kube_api: KubeApiEmulator, kubectl: Any, services: Services
) -> None:
    key = await stage_upload(services, "inv-imm", PDF + b"imm")
    await apply(kubectl, manifest("inv-imm", {"upload": {"storageKey": key}}))
    proc = await asyncio.to_thread(
        kubectl,
        "patch",
        "dj",
        "inv-imm",
        "--type=merge",
        "-p",
        json.dumps({"spec": {"priority": "high"}}),
        check=False,
    )
    assert proc.returncode != 0
    assert "spec is immutable" in proc.stderr
    two = manifest(
        "two-sources", {"upload": {"storageKey": key}, "url": "https://docs.example.com/a.pdf"}
    )
    proc = await asyncio.to_thread(
        kubectl, "apply", "--validate=false", "-f", "-", input=two, check=False
    )
    assert proc.returncode != 0
    assert "exactly one of source" in proc.stderr
    await asyncio.to_thread(kubectl, "delete", "dj", "inv-imm")


async def test_restarted_operator_catches_up_and_never_requeues(
    kube_api: KubeApiEmulator, kubectl: Any, start_operator: Any, services: Services
) -> None:
    key = await stage_upload(services, "inv-3", PDF + b"3")
    await apply(kubectl, manifest("inv-3", {"upload": {"storageKey": key}}))
    async with start_operator("first"):
        _, job_id = await accepted(kube_api, "inv-3")
        await services.jobs.start(job_id)
        await services.jobs.set_stage(job_id, "layout", 65)
        await eventually(lambda: phase_of(kube_api, "inv-3") == "Processing", what="Processing")
    # Down: the worker finishes the job and takes it off the queue meanwhile.
    await services.jobs.complete(job_id, RESULT)
    await services.queue.cancel(job_id)
    assert await services.queue.status(job_id) == "not_found"
    assert phase_of(kube_api, "inv-3") == "Processing"
    async with start_operator("second"):
        await eventually(lambda: phase_of(kube_api, "inv-3") == "Succeeded", what="caught up")
        await asyncio.sleep(1.5)  # a few sync ticks: nothing may re-enqueue the finished job
        assert await services.queue.status(job_id) == "not_found"
        job = await services.jobs.get_any(job_id)
        assert job.status == "completed"
        assert job.attempts == 1
        await asyncio.to_thread(kubectl, "delete", "dj", "inv-3", "--wait=false")
        await eventually(lambda: dj(kube_api, "inv-3") is None, what="inv-3 deleted")


async def test_ttl_after_finished_deletes_the_resource(
    kube_api: KubeApiEmulator, kubectl: Any, start_operator: Any, services: Services
) -> None:
    key = await stage_upload(services, "inv-ttl", PDF + b"ttl")
    await apply(
        kubectl, manifest("inv-ttl", {"upload": {"storageKey": key}}, ttlSecondsAfterFinished=3)
    )
    async with start_operator():
        _, job_id = await accepted(kube_api, "inv-ttl")
        await services.jobs.start(job_id)
        await services.jobs.complete(job_id, RESULT)
        await eventually(lambda: phase_of(kube_api, "inv-ttl") == "Succeeded", what="Succeeded")
        await asyncio.sleep(1)
        assert dj(kube_api, "inv-ttl") is not None, "deleted before its TTL"
        await eventually(lambda: dj(kube_api, "inv-ttl") is None, limit=15, what="TTL delete")
        job = await services.jobs.get_any(job_id)
        assert await services.storage.list(keys.job_prefix(job.tenant_id, job_id)) == []


async def test_one_active_replica_via_the_lease(
    kube_api: KubeApiEmulator, kubectl: Any, start_operator: Any, services: Services
) -> None:
    async with start_operator("leader") as leader, start_operator("standby", wait=False) as standby:
        await asyncio.sleep(2.5)
        assert not standby.ready.is_set(), "two replicas are active"
        lease = kube_api.objects_of("coordination.k8s.io/v1/leases", "default")[0]
        assert lease["spec"]["holderIdentity"] == "leader"
        assert await leader.shutdown() is True
        await standby.wait_ready(limit=15)
        lease = kube_api.objects_of("coordination.k8s.io/v1/leases", "default")[0]
        assert lease["spec"]["holderIdentity"] == "standby"
        key = await stage_upload(services, "inv-4", PDF + b"4")
        await apply(kubectl, manifest("inv-4", {"upload": {"storageKey": key}}))
        await accepted(kube_api, "inv-4")
        await asyncio.to_thread(kubectl, "delete", "dj", "inv-4", "--wait=false")
        await eventually(lambda: dj(kube_api, "inv-4") is None, what="inv-4 deleted")


async def test_s3_source_read_with_the_secret_it_names(
    kube_api: KubeApiEmulator,
    kubectl: Any,
    start_operator: Any,
    services: Services,
    s3_endpoint: Any,
    secret_data: Any,
) -> None:
    """A real S3 server (seaweedfs): read with the referenced Secret's keys; a missing object
    fails with SOURCE_NOT_FOUND. (This seaweedfs set-up does not enforce credentials, so a
    refusal for wrong keys cannot be shown with it.)"""
    import aioboto3
    import aiohttp
    from botocore.config import Config

    bucket = f"ap-inbox-{uuid.uuid4().hex[:6]}"
    async with aioboto3.Session().client(
        "s3",
        endpoint_url=s3_endpoint.endpoint_url,
        aws_access_key_id=s3_endpoint.access_key,
        aws_secret_access_key=s3_endpoint.secret_key,
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}),
    ) as s3:
        await s3.create_bucket(Bucket=bucket)
        await s3.put_object(Bucket=bucket, Key="2026/r-1.pdf", Body=PDF + b"s3")
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "ap-inbox"},
        "data": secret_data(
            {"accessKeyId": s3_endpoint.access_key, "secretAccessKey": s3_endpoint.secret_key}
        ),
    }
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{kube_api.test_url}/api/v1/namespaces/default/secrets", json=secret
        ) as response,
    ):
        assert response.status == 200
    source = {"bucket": bucket, "key": "2026/r-1.pdf", "endpoint": s3_endpoint.endpoint_url}
    await apply(kubectl, manifest("from-s3", {"s3": {**source, "secretRef": {"name": "ap-inbox"}}}))
    missing = {**source, "key": "2026/missing.pdf", "secretRef": {"name": "ap-inbox"}}
    await apply(kubectl, manifest("s3-wrong", {"s3": missing}))
    async with start_operator():
        _, job_id = await accepted(kube_api, "from-s3")
        job = await services.jobs.get_any(job_id)
        assert job.source_filename == "r-1.pdf"
        assert await services.storage.get_bytes(job.storage_key) == PDF + b"s3"
        await eventually(
            lambda: phase_of(kube_api, "s3-wrong") == "Failed",
            what=f"refused: {dj(kube_api, 's3-wrong')}",
        )
        obj = dj(kube_api, "s3-wrong")
        assert obj is not None
        assert obj["status"]["error"]["reason"] == "SOURCE_NOT_FOUND", obj["status"]
        # The same bytes again (this server also serves them anonymously): the tenant's
        # existing job is reused, and deleting this resource leaves that job's files alone.
        await apply(kubectl, manifest("s3-again", {"s3": source}))
        again, own = await accepted(kube_api, "s3-again")
        assert again["status"]["resultRef"]["jobId"] == str(job_id) != str(own)
        await asyncio.to_thread(kubectl, "delete", "dj", "s3-again", "--wait=false")
        await eventually(lambda: dj(kube_api, "s3-again") is None, what="s3-again deleted")
        assert await services.storage.get_bytes(job.storage_key) == PDF + b"s3"
        for name in ("from-s3", "s3-wrong"):
            await asyncio.to_thread(kubectl, "delete", "dj", name, "--wait=false")
            await eventually(lambda n=name: dj(kube_api, n) is None, what=f"{name} deleted")
        assert not await services.storage.exists(job.storage_key)


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for localhost (openssl), used as the operator's URL CA."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


async def test_url_source_over_https_with_limits(
    kube_api: KubeApiEmulator,
    kubectl: Any,
    start_operator: Any,
    services: Services,
    tls_files: tuple[Path, Path],
) -> None:
    """A real https server: an allow-listed host is read; too large, a redirect off the list,
    a 404 and an untrusted certificate each fail with their reason."""
    from aiohttp import web

    async def doc(_: web.Request) -> web.Response:
        return web.Response(body=PDF + b"url", content_type="application/pdf")

    async def big(_: web.Request) -> web.StreamResponse:
        return web.Response(body=b"%PDF-1.4\n" + b"0" * (2 * 1024 * 1024))

    async def away(_: web.Request) -> web.Response:
        raise web.HTTPFound("https://evil.example.org/a.pdf")

    app = web.Application()
    app.router.add_get("/invoices/doc.pdf", doc)
    app.router.add_get("/big.pdf", big)
    app.router.add_get("/away.pdf", away)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(tls_files[0]), str(tls_files[1]))
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port, ssl_context=context).start()
    base = f"https://localhost:{port}"
    cases = {
        "url-ok": (f"{base}/invoices/doc.pdf", None),
        "url-big": (f"{base}/big.pdf", "FILE_TOO_LARGE"),
        "url-away": (f"{base}/away.pdf", "SOURCE_NOT_ALLOWED"),
        "url-gone": (f"{base}/nothing.pdf", "SOURCE_NOT_FOUND"),
    }
    try:
        for name, (url, _) in cases.items():
            await apply(kubectl, manifest(name, {"url": url}))
        async with start_operator(
            url_allowed_hosts=f"localhost:{port}", url_ca_file=tls_files[0], url_max_mb=1
        ):
            _, job_id = await accepted(kube_api, "url-ok")
            job = await services.jobs.get_any(job_id)
            assert job.source_filename == "doc.pdf"
            assert await services.storage.get_bytes(job.storage_key) == PDF + b"url"
            for name, (_, code) in cases.items():
                if code is None:
                    continue
                await eventually(lambda n=name: phase_of(kube_api, n) == "Failed", what=name)
                obj = dj(kube_api, name)
                assert obj is not None
                assert obj["status"]["error"]["reason"] == code, (name, obj["status"])
        # Without the CA the same host is not trusted: refused, not retried for ever.
        await apply(kubectl, manifest("url-untrusted", {"url": f"{base}/invoices/doc.pdf"}))
        async with start_operator(url_allowed_hosts=f"localhost:{port}"):
            await eventually(lambda: phase_of(kube_api, "url-untrusted") == "Failed", what="TLS")
            obj = dj(kube_api, "url-untrusted")
            assert obj is not None
            assert obj["status"]["error"]["reason"] == "SOURCE_NOT_ALLOWED"
            assert "TLS" in obj["status"]["error"]["message"]
            for name in [*cases, "url-untrusted"]:
                await asyncio.to_thread(kubectl, "delete", "dj", name, "--wait=false")
                await eventually(lambda n=name: dj(kube_api, n) is None, what=f"{name} deleted")
    finally:
        await runner.cleanup()
