"""End to end on this machine: the real kubectl applies DocumentJobs to the Kubernetes API
emulator (tests/fixtures/kube.py); a real `finscribe operator` process and a real
`finscribe worker` (arq) process work them on PostgreSQL, an embedded Redis (valkey) and
local storage. The documents are generated born-digital invoices (text layer, no OCR).

- examples/documentjob.yaml as shipped: Succeeded with the invoice's summary in
  `kubectl get dj`; `kubectl delete` removes it and everything stored for it;
- the operator SIGKILLed while its job runs: a new operator process catches up;
- 200 DocumentJobs applied at once all succeed, each queued exactly once (every ZADD to
  arq's queue is watched with Redis MONITOR).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import signal
import threading
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
import redis
import yaml
from reportlab.pdfgen import canvas

from finscribe.core.jobs import JobService
from finscribe.core.tenants import TenantService
from finscribe.db.engine import Database
from finscribe.db.migrations import upgrade
from finscribe.kube.resources import job_id_for
from finscribe.settings import DatabaseSettings
from finscribe.storage import keys
from finscribe.storage.local import LocalStorage
from tests.fixtures.docs import docgen_document
from tests.fixtures.kube import DJ, KubeApiEmulator
from tests.fixtures.services import start_valkey
from tests.kube.conftest import eventually
from tests.service._stack import (
    Proc,
    bearer,
    free_port,
    make_tenant,
    service_env,
    start_api,
    start_worker,
)

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="session")]

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "documentjob.yaml"


@pytest.fixture(scope="module")
def valkey() -> Iterator[str]:
    with start_valkey() as url:
        yield url


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def e2e_db(pg_database_factory: Any) -> str:
    url: str = await pg_database_factory()
    db = Database(DatabaseSettings(url=url))
    await upgrade(db.engine)
    await db.close()
    return url


class Cluster:
    def __init__(self, kube_api: KubeApiEmulator, env: dict[str, str], work: Path) -> None:
        self.kube_api = kube_api
        self.env = env
        self.work = work
        self.storage = LocalStorage(Path(env["FINSCRIBE_STORAGE_LOCAL_PATH"]))
        self.db = Database(DatabaseSettings(url=env["FINSCRIBE_DB_URL"]))
        self.jobs = JobService(self.db, self.storage, None)
        self.tenants = TenantService(self.db)
        self.worker: Proc | None = None
        self.operator: Proc | None = None
        self.health_port = 0

    def start_operator(self) -> Proc:
        self.health_port = free_port()
        env = {**self.env, "FINSCRIBE_OPERATOR_HEALTH_PORT": str(self.health_port)}
        self.operator = Proc(
            ["operator", "--server", self.kube_api.test_url],
            env,
            self.work / f"operator-{uuid.uuid4().hex[:6]}.log",
        ).start()
        return self.operator

    async def operator_leads(self) -> None:
        async def leads() -> bool:
            assert self.operator is not None
            if not self.operator.alive():
                raise AssertionError(f"operator exited:\n{self.operator.log_tail()}")
            try:
                async with httpx.AsyncClient() as http:
                    r = await http.get(f"http://127.0.0.1:{self.health_port}/healthz", timeout=1)
                return r.status_code == 200 and r.json()["leader"] is True
            except httpx.HTTPError:
                return False

        await eventually(leads, limit=60, what="the operator to lead")

    def logs(self) -> str:
        return "\n".join(p.log_tail() for p in (self.operator, self.worker) if p is not None)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def cluster(
    kube_api: KubeApiEmulator, e2e_db: str, valkey: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Cluster]:
    work = tmp_path_factory.mktemp("kube-e2e")
    env = service_env(
        db_url=e2e_db,
        redis_url=valkey,
        storage_dir=work / "storage",
        FINSCRIBE_WORKER_CONCURRENCY="4",
        FINSCRIBE_OPERATOR_SYNC_INTERVAL_S="2",
        FINSCRIBE_OPERATOR_METRICS_PORT="0",
        FINSCRIBE_OPERATOR_LEASE_NAMESPACE="default",
        FINSCRIBE_OPERATOR_LEASE_DURATION_S="4",
        FINSCRIBE_OPERATOR_LEASE_RENEW_S="1",
        FINSCRIBE_LOG_LEVEL="WARNING",
    )
    c = Cluster(kube_api, env, work)
    c.worker = start_worker(env, work)
    c.start_operator()
    await c.operator_leads()
    yield c
    for proc in (c.operator, c.worker):
        if proc is not None:
            await asyncio.to_thread(proc.stop)
    await c.db.close()


def phase(kube_api: KubeApiEmulator, name: str, namespace: str = "default") -> str | None:
    for obj in kube_api.objects_of(DJ, namespace):
        if obj["metadata"]["name"] == name:
            return (obj.get("status") or {}).get("phase")
    return None


def obj_of(kube_api: KubeApiEmulator, name: str) -> dict[str, Any] | None:
    found = [o for o in kube_api.objects_of(DJ, "default") if o["metadata"]["name"] == name]
    return found[0] if found else None


async def test_example_documentjob_succeeds_and_delete_removes_everything(
    cluster: Cluster, kubectl: Any
) -> None:
    doc = docgen_document(11, kind="invoice", language="en", layout="classic", pages=1)
    example = yaml.safe_load(EXAMPLE.read_text())
    key = example["spec"]["source"]["upload"]["storageKey"]
    await cluster.storage.put_bytes(key, doc.pdf_bytes, content_type="application/pdf")

    await asyncio.to_thread(kubectl, "apply", "--validate=false", "-f", str(EXAMPLE))
    name = example["metadata"]["name"]
    try:
        await eventually(
            lambda: phase(cluster.kube_api, name) in {"Succeeded", "Failed"},
            limit=120,
            what=f"{name} finished",
        )
    except AssertionError as err:
        raise AssertionError(f"{err}\n{cluster.logs()}") from err
    obj = obj_of(cluster.kube_api, name)
    assert obj is not None
    assert obj["status"]["phase"] == "Succeeded", obj["status"]
    truth = doc.truth["fields"]
    summary = obj["status"]["summary"]
    assert summary["documentType"] == "invoice"
    assert summary["invoiceNumber"] == truth["invoice_number"]
    assert summary["total"] == truth["total"]
    assert summary["currency"] == truth["currency"]

    table = await asyncio.to_thread(kubectl, "get", "dj", "-o", "wide")
    rows = {line.split()[0]: line.split() for line in table.stdout.splitlines()[1:]}
    assert rows[name][1] == "Succeeded"
    assert truth["total"] in rows[name]
    assert truth["currency"] in rows[name]

    job_id = job_id_for(obj["metadata"]["uid"], obj["metadata"]["generation"])
    job = await cluster.jobs.get_any(job_id)
    assert job.status == "completed"
    assert obj["status"]["resultRef"]["resultId"] == str(job.result_id)
    prefix = keys.job_prefix(job.tenant_id, job_id)
    stored = await cluster.storage.list(prefix)
    assert keys.source_key(job.tenant_id, job_id) in stored
    assert keys.result_key(job.tenant_id, job_id) in stored

    deleted = await asyncio.to_thread(kubectl, "delete", "-f", str(EXAMPLE), "--timeout=60s")
    assert "deleted" in deleted.stdout
    assert obj_of(cluster.kube_api, name) is None
    assert await cluster.storage.list(prefix) == []
    assert not await cluster.storage.exists(key)
    gone = await asyncio.to_thread(kubectl, "get", "dj", name, check=False)
    assert gone.returncode != 0
    assert "not found" in gone.stderr


async def test_operator_killed_mid_job_catches_up(cluster: Cluster, kubectl: Any) -> None:
    doc = docgen_document(12, kind="invoice", language="en", layout="classic", pages=1)
    key = "uploads/default/restart.pdf"
    await cluster.storage.put_bytes(key, doc.pdf_bytes)
    manifest = {
        "apiVersion": "finscribe.io/v1alpha1",
        "kind": "DocumentJob",
        "metadata": {"name": "restart", "namespace": "default"},
        "spec": {"source": {"upload": {"storageKey": key}}},
    }
    assert cluster.worker is not None
    # Hold the worker so the job is accepted but not done before the operator dies.
    cluster.worker.popen.send_signal(signal.SIGSTOP)  # type: ignore[union-attr]
    try:
        await asyncio.to_thread(
            kubectl, "apply", "--validate=false", "-f", "-", input=yaml.safe_dump(manifest)
        )
        await eventually(lambda: phase(cluster.kube_api, "restart") == "Queued", what="Queued")
        assert cluster.operator is not None
        cluster.operator.kill()  # SIGKILL: no goodbye, the Lease stays until it expires
    finally:
        cluster.worker.popen.send_signal(signal.SIGCONT)  # type: ignore[union-attr]
    obj = obj_of(cluster.kube_api, "restart")
    assert obj is not None
    job_id = job_id_for(obj["metadata"]["uid"], obj["metadata"]["generation"])

    async def completed() -> bool:
        return (await cluster.jobs.get_any(job_id)).status == "completed"

    await eventually(completed, limit=90, what="the job to complete while the operator is down")
    assert phase(cluster.kube_api, "restart") == "Queued"  # nobody updated it meanwhile

    cluster.start_operator()
    await cluster.operator_leads()
    await eventually(
        lambda: phase(cluster.kube_api, "restart") == "Succeeded", limit=60, what="caught up"
    )
    job = await cluster.jobs.get_any(job_id)
    assert job.attempts == 1
    obj = obj_of(cluster.kube_api, "restart")
    assert obj is not None
    assert obj["status"]["summary"]["total"] == doc.truth["fields"]["total"]
    await asyncio.to_thread(kubectl, "delete", "dj", "restart", "--timeout=60s")


@contextlib.contextmanager
def enqueue_counter(redis_url: str) -> Iterator[Counter[str]]:
    """Counts ZADDs of each job id to arq's queue, from Redis MONITOR (in a thread of its own,
    so that parsing every command does not slow the emulator's event loop)."""
    counts: Counter[str] = Counter()
    client = redis.Redis.from_url(redis_url)
    stop = threading.Event()
    started = threading.Event()

    def watch() -> None:
        with client.monitor() as monitor:
            started.set()
            for command in monitor.listen():
                if stop.is_set():
                    return
                parts = str(command.get("command", "")).split()
                if len(parts) >= 4 and parts[0].upper() == "ZADD" and parts[1] == "arq:queue":
                    for member in parts[3::2]:
                        counts[member] += 1

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    started.wait(5)
    try:
        yield counts
    finally:
        stop.set()
        client.ping()  # wakes the monitor so the thread sees `stop`
        thread.join(5)
        client.close()


def tiny_invoice(number: int) -> bytes:
    """A one-line-per-field text-layer PDF: the fastest document the pipeline reads."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(300, 200))
    pdf.setFont("Helvetica", 10)
    pdf.drawString(20, 170, "ACME Supplies Ltd")
    pdf.drawString(20, 150, f"Invoice No: INV-{number:05d}")
    pdf.drawString(20, 130, "Date: 2026-11-02")
    pdf.drawString(20, 110, f"Total: EUR {100 + number}.50")
    pdf.save()
    return buffer.getvalue()


@pytest.mark.timeout(900)
async def test_two_hundred_documentjobs_all_finish_each_queued_once(
    cluster: Cluster, kubectl: Any, valkey: str
) -> None:
    count, batches = 200, 4
    manifests = []
    for i in range(count):
        key = f"uploads/default/bulk-{i:03d}.pdf"
        await cluster.storage.put_bytes(key, tiny_invoice(i))
        manifests.append(
            {
                "apiVersion": "finscribe.io/v1alpha1",
                "kind": "DocumentJob",
                "metadata": {"name": f"bulk-{i:03d}", "namespace": "default"},
                "spec": {"source": {"upload": {"storageKey": key}}, "ttlSecondsAfterFinished": 600},
            }
        )
    with enqueue_counter(valkey) as zadds:
        # All at once: `batches` kubectl processes in parallel, each applying its share.
        await asyncio.gather(
            *(
                asyncio.to_thread(
                    kubectl,
                    "apply",
                    "--validate=false",
                    "-f",
                    "-",
                    input=yaml.safe_dump_all(manifests[b::batches]),
                    limit=600,
                )
                for b in range(batches)
            )
        )

        def finished() -> int:
            phases = [
                (o.get("status") or {}).get("phase")
                for o in cluster.kube_api.objects_of(DJ, "default")
                if o["metadata"]["name"].startswith("bulk-")
            ]
            done = sum(p in {"Succeeded", "Failed", "Cancelled"} for p in phases)
            return done == count and len(phases) == count

        try:
            await eventually(finished, limit=400, interval=1, what="200 DocumentJobs to finish")
        except AssertionError as err:
            raise AssertionError(f"{err}\n{cluster.logs()}") from err
        await asyncio.sleep(2)  # a few more sync ticks: nothing may enqueue again
    objs = [
        o
        for o in cluster.kube_api.objects_of(DJ, "default")
        if o["metadata"]["name"].startswith("bulk-")
    ]
    assert [o["status"]["phase"] for o in objs] == ["Succeeded"] * count
    job_ids = {str(job_id_for(o["metadata"]["uid"], o["metadata"]["generation"])) for o in objs}
    assert len(job_ids) == count
    assert {o["status"]["resultRef"]["jobId"] for o in objs} == job_ids
    assert set(zadds) >= job_ids, "the MONITOR missed enqueues"
    twice = {j: n for j, n in zadds.items() if j in job_ids and n != 1}
    assert twice == {}, f"enqueued more than once: {twice}"
    totals = {o["metadata"]["name"]: o["status"]["summary"].get("total") for o in objs}
    assert totals == {f"bulk-{i:03d}": f"{100 + i}.50" for i in range(count)}
    for job_id in list(job_ids)[:20]:
        job = await cluster.jobs.get_any(uuid.UUID(job_id))
        assert job.status == "completed"
        assert job.attempts == 1
    await asyncio.to_thread(kubectl, "delete", "dj", "--all", "--wait=false")


async def test_rest_upload_in_kubernetes_submit_mode(
    cluster: Cluster, kubeconfig: Path, e2e_db: str
) -> None:
    """POST /api/v1/analyze with submit mode `kubernetes`: the API creates a DocumentJob in the
    tenant's namespace, the operator and worker run it, and the job id the API answered with
    is the one whose result the API then serves."""
    tenant = await make_tenant(e2e_db, "kube")
    env = {
        **cluster.env,
        "FINSCRIBE_API_SUBMIT_MODE": "kubernetes",
        "KUBECONFIG": str(kubeconfig),
    }
    api, url = await asyncio.to_thread(start_api, env, cluster.work)
    try:
        doc = docgen_document(13, kind="invoice", language="en", layout="classic", pages=1)
        async with httpx.AsyncClient(base_url=url, headers=bearer(tenant["key"])) as http:
            response = await http.post(
                "/api/v1/analyze", files={"file": ("inv.pdf", doc.pdf_bytes, "application/pdf")}
            )
            assert response.status_code == 202, response.text
            job_id = response.json()["job_id"]
            namespace = (await cluster.tenants.get_tenant(uuid.UUID(tenant["tenant_id"]))).name
            objs = cluster.kube_api.objects_of(DJ, namespace)
            assert len(objs) == 1
            meta = objs[0]["metadata"]
            assert str(job_id_for(meta["uid"], meta["generation"])) == job_id

            async def completed() -> dict[str, Any] | None:
                r = await http.get(f"/api/v1/jobs/{job_id}")
                body = r.json() if r.status_code == 200 else {}
                return body if body.get("status") in {"completed", "failed"} else None

            body = await eventually(completed, limit=120, what="the API job to finish")
            assert body["status"] == "completed", body
            result = (await http.get(f"/api/v1/results/{body['result_id']}")).json()
            fields = result["document"]["fields"]
            assert fields["total"]["value"] == doc.truth["fields"]["total"]
        await eventually(
            lambda: phase(cluster.kube_api, meta["name"], namespace) == "Succeeded",
            what="the DocumentJob to show Succeeded",
        )
        obj = cluster.kube_api.objects_of(DJ, namespace)[0]
        assert obj["status"]["resultRef"] == {"jobId": job_id, "resultId": body["result_id"]}
        assert obj["status"]["summary"]["total"] == doc.truth["fields"]["total"]
        # The staged upload was copied to the job and removed.
        staged = obj["spec"]["source"]["upload"]["storageKey"]
        assert not await cluster.storage.exists(staged)
    finally:
        await asyncio.to_thread(api.stop)
