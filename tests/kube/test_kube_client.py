"""finscribe.kube against the Kubernetes API emulator over HTTP: the DocumentJob client the API
uses, Lease leader election, kubeconfig loading; and the emulator's own guarantees that the
operator relies on (422 on a failed JSON-patch test, 409 on a stale resourceVersion, watches
that lose nothing between a list and the watch)."""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml

from finscribe.errors import (
    ConflictError,
    DocumentJobNotFoundError,
    KubernetesApiError,
    KubernetesUnavailableError,
)
from finscribe.kube import config, resources
from finscribe.kube.client import DocumentJobClient, KubeClient
from finscribe.kube.lease import LeaseElector
from tests.fixtures.kube import DJ, KubeApiEmulator
from tests.service._stack import free_port

pytestmark = pytest.mark.asyncio(loop_scope="session")

SPEC = {"source": {"upload": {"storageKey": "uploads/clients/a.pdf"}}, "priority": "high"}


async def test_create_get_list_delete_document_jobs(kube_api: KubeApiEmulator) -> None:
    async with KubeClient(config.KubeConfig(server=kube_api.test_url)) as kube:
        client = DocumentJobClient(kube)
        created = await client.create_document_job(
            "clients", None, SPEC, generate_name="upload-", labels={"finscribe.io/tenant": "t1"}
        )
        meta = created["metadata"]
        assert meta["name"].startswith("upload-")
        assert uuid.UUID(meta["uid"])
        assert meta["generation"] == 1
        job_id = resources.job_id_for(meta["uid"], meta["generation"])
        assert job_id == resources.job_id_for(meta["uid"], 1)
        assert job_id != resources.job_id_for(meta["uid"], 2)
        got = await client.get_document_job("clients", meta["name"])
        assert got["spec"] == SPEC
        named = await client.create_document_job("clients", "named", SPEC)
        assert named["metadata"]["name"] == "named"
        with pytest.raises(ConflictError):
            await client.create_document_job("clients", "named", SPEC)
        listed = await client.list_document_jobs("clients", label_selector="finscribe.io/tenant=t1")
        assert [o["metadata"]["name"] for o in listed] == [meta["name"]]
        assert len(await client.list_document_jobs(None)) >= 2
        assert await client.delete_document_job("clients", "named") is True
        assert await client.delete_document_job("clients", "named") is False
        with pytest.raises(DocumentJobNotFoundError):
            await client.get_document_job("clients", "named")
        assert await client.delete_document_job("clients", meta["name"]) is True


async def test_invalid_document_job_is_refused(kube_api: KubeApiEmulator) -> None:
    async with KubeClient(config.KubeConfig(server=kube_api.test_url)) as kube:
        client = DocumentJobClient(kube)
        with pytest.raises(KubernetesApiError) as err:
            await client.create_document_job(
                "clients",
                "bad",
                {"source": {"url": "https://a.example.com/x", "upload": {"storageKey": "k"}}},
            )
        assert "exactly one of source" in err.value.message
        with pytest.raises(KubernetesApiError):
            await client.create_document_job("clients", "bad", {"source": {"url": "ftp://x"}})


async def test_unreachable_api_is_a_transient_error() -> None:
    port = free_port()
    async with KubeClient(
        config.KubeConfig(server=f"http://127.0.0.1:{port}"), timeout_s=2
    ) as kube:
        with pytest.raises(KubernetesUnavailableError):
            await DocumentJobClient(kube).get_document_job("default", "x")


async def test_lease_one_holder_release_and_expiry(kube_api: KubeApiEmulator) -> None:
    async with KubeClient(config.KubeConfig(server=kube_api.test_url)) as kube:

        def elector(identity: str, duration: float = 2.0) -> LeaseElector:
            return LeaseElector(
                kube,
                namespace="leases",
                name="op",
                identity=identity,
                duration_s=duration,
                renew_s=0.5,
            )

        # Racing for a free Lease: exactly one wins, every time.
        for round_ in range(5):
            name = f"race-{round_}"
            racers = [
                LeaseElector(
                    kube, namespace="leases", name=name, identity=f"r{i}", duration_s=5, renew_s=1
                )
                for i in range(4)
            ]
            won = await asyncio.gather(*(r.try_acquire() for r in racers))
            assert sum(won) == 1, won

        a, b = elector("a"), elector("b")
        assert await a.try_acquire() is True
        assert await b.try_acquire() is False
        assert await a.try_acquire() is True  # renewal
        await a.release()
        assert await b.try_acquire() is True
        lease = kube_api.objects_of("coordination.k8s.io/v1/leases", "leases")
        held = next(o for o in lease if o["metadata"]["name"] == "op")
        assert held["spec"]["holderIdentity"] == "b"
        assert held["spec"]["leaseTransitions"] == 1
        # b stops renewing: after its duration a takes over.
        assert await a.try_acquire() is False
        await asyncio.sleep(2.3)
        assert await a.try_acquire() is True
        assert await b.try_acquire() is False


async def test_lease_hold_returns_when_taken_over(kube_api: KubeApiEmulator) -> None:
    async with KubeClient(config.KubeConfig(server=kube_api.test_url)) as kube:
        holder = LeaseElector(
            kube, namespace="leases", name="held", identity="h", duration_s=3, renew_s=0.3
        )
        assert await holder.try_acquire()
        stop = asyncio.Event()
        hold = asyncio.create_task(holder.hold(stop))
        await asyncio.sleep(0.5)
        # Someone rewrites the Lease (as after a network partition): the holder must notice.
        lease = kube_api.store[("coordination.k8s.io/v1/leases", "leases", "held")]
        lease["spec"]["holderIdentity"] = "intruder"
        await asyncio.wait_for(hold, 5)
        assert holder.is_leader is False
        assert not stop.is_set()


async def test_emulator_json_patch_test_failure_is_422_and_stale_rv_is_409(
    kube_api: KubeApiEmulator,
) -> None:
    url = f"{kube_api.test_url}/apis/finscribe.io/v1alpha1/namespaces/emu/documentjobs"
    async with aiohttp.ClientSession() as http:
        body = {
            "apiVersion": "finscribe.io/v1alpha1",
            "kind": "DocumentJob",
            "metadata": {"name": "p"},
            "spec": SPEC,
        }
        async with http.post(url, json=body) as r:
            created = await r.json()
        rv = created["metadata"]["resourceVersion"]
        ops = [
            {"op": "test", "path": "/metadata/resourceVersion", "value": "0"},
            {"op": "add", "path": "/metadata/labels", "value": {"x": "y"}},
        ]
        headers = {"Content-Type": "application/json-patch+json"}
        async with http.patch(f"{url}/p", data=json.dumps(ops), headers=headers) as r:
            assert r.status == 422
        ops[0]["value"] = rv
        async with http.patch(f"{url}/p", data=json.dumps(ops), headers=headers) as r:
            assert r.status == 200
            patched = await r.json()
        assert int(patched["metadata"]["resourceVersion"]) > int(rv)
        assert patched["metadata"]["generation"] == 1  # metadata changes keep the generation
        merge = {"Content-Type": "application/merge-patch+json"}
        stale = {"metadata": {"resourceVersion": rv, "labels": {"x": "z"}}}
        async with http.patch(f"{url}/p", data=json.dumps(stale), headers=merge) as r:
            assert r.status == 409
        # The status subresource changes only status; the main resource never changes status.
        status = {"status": {"phase": "Queued"}, "spec": {"priority": "low"}}
        async with http.patch(f"{url}/p/status", data=json.dumps(status), headers=merge) as r:
            assert r.status == 200
            after = await r.json()
        assert after["status"] == {"phase": "Queued"}
        assert after["spec"]["priority"] == "high"
        async with http.patch(
            f"{url}/p", data=json.dumps({"status": {"phase": "Failed"}}), headers=merge
        ) as r:
            assert (await r.json())["status"] == {"phase": "Queued"}
        async with http.patch(
            f"{url}/p/status", data=json.dumps({"status": {"phase": "Done"}}), headers=merge
        ) as r:
            assert r.status == 422  # the CRD schema applies to status too
        async with http.delete(f"{url}/p") as r:
            assert r.status == 200


async def test_emulator_watch_loses_nothing_between_list_and_watch(
    kube_api: KubeApiEmulator,
) -> None:
    base = f"{kube_api.test_url}/apis/finscribe.io/v1alpha1/namespaces/watch/documentjobs"

    def body(name: str) -> dict[str, Any]:
        return {
            "apiVersion": "finscribe.io/v1alpha1",
            "kind": "DocumentJob",
            "metadata": {"name": name},
            "spec": SPEC,
        }

    async with aiohttp.ClientSession() as http:
        async with http.post(base, json=body("before")) as r:
            assert r.status == 200
        async with http.get(base) as r:
            listing = await r.json()
        assert [o["metadata"]["name"] for o in listing["items"]] == ["before"]
        # Changes after the list and before the watch starts must all arrive, and only they.
        for name in ("w1", "w2"):
            async with http.post(base, json=body(name)) as r:
                assert r.status == 200
        async with http.delete(f"{base}/w1") as r:
            assert r.status == 200
        params = {
            "watch": "true",
            "resourceVersion": listing["metadata"]["resourceVersion"],
            "timeoutSeconds": "1",
        }
        events = []
        async with http.get(base, params=params) as r:
            async for line in r.content:
                if line.strip():
                    event = json.loads(line)
                    events.append((event["type"], event["object"]["metadata"]["name"]))
        assert events == [("ADDED", "w1"), ("ADDED", "w2"), ("DELETED", "w1")]
        # Without a resourceVersion: the current objects first.
        async with http.get(base, params={"watch": "true", "timeoutSeconds": "1"}) as r:
            names = [
                json.loads(line)["object"]["metadata"]["name"]
                async for line in r.content
                if line.strip()
            ]
        assert sorted(names) == ["before", "w2"]
    assert DJ in kube_api.kinds


async def test_kubeconfig_with_token_and_ca_data(tmp_path: Path) -> None:
    ca = base64.b64encode(
        b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
    ).decode()
    path = tmp_path / "config"
    path.write_text(
        yaml.safe_dump(
            {
                "clusters": [
                    {
                        "name": "c",
                        "cluster": {
                            "server": "https://k8s.example:6443/",
                            "certificate-authority-data": ca,
                        },
                    }
                ],
                "users": [{"name": "u", "user": {"token": "s3cret"}}],
                "contexts": [
                    {"name": "x", "context": {"cluster": "c", "user": "u", "namespace": "team-ap"}}
                ],
                "current-context": "x",
            }
        )
    )
    cfg = config.from_kubeconfig(path)
    assert cfg.server == "https://k8s.example:6443"
    assert cfg.bearer_token() == "s3cret"
    assert cfg.namespace == "team-ap"
    assert cfg.ca_file is not None
    assert cfg.ca_file.read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")
    assert "s3cret" not in repr(cfg)
    with pytest.raises(Exception, match="no context named"):
        config.from_kubeconfig(path, context="missing")
    exec_user = yaml.safe_load(path.read_text())
    exec_user["users"][0]["user"] = {"exec": {"command": "aws"}}
    path.write_text(yaml.safe_dump(exec_user))
    with pytest.raises(Exception, match="not supported"):
        config.from_kubeconfig(path)
