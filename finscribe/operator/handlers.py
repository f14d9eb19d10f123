"""Kopf handlers of DocumentJobs, registered on a fresh registry per operator instance.

- create: resolve the namespace's tenant, read the source, create the job row with the
  deterministic job id (idempotent: a repeat finds the row), enqueue it, set Accepted/Queued
  and post an event. Bad input ends Failed with a reason; transient faults are retried.
- sync (timer, level-based): copy stage, progress, attempts and the outcome from the job's
  database row into status, so an operator that was down catches up on its first tick.
- expire (timer): delete a finished DocumentJob ttlSecondsAfterFinished after it finished.
- delete (finalizer): cancel queued or running work and remove the job's stored objects.
Status is written through kopf's patch (a merge patch of /status, one handler at a time per
object), never from two places at once.
"""

from __future__ import annotations

import contextlib
import logging
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import kopf

from finscribe.core.jobs import JobService
from finscribe.core.tenants import TenantService
from finscribe.errors import (
    FinscribeError,
    InputError,
    JobNotCancellableError,
    JobNotFoundError,
    JobStateError,
    TransientError,
)
from finscribe.kube import resources
from finscribe.kube.client import DocumentJobClient, KubeClient
from finscribe.kube.config import KubeConfig
from finscribe.metrics import (
    OPERATOR_DOCUMENTJOBS,
    OPERATOR_RECONCILE_LATENCY,
    OPERATOR_RECONCILES,
)
from finscribe.operator import sources
from finscribe.operator import status as dj_status
from finscribe.settings import Settings
from finscribe.storage import keys
from finscribe.storage.protocol import ObjectStorage

RESOURCE = (resources.GROUP, resources.VERSION, resources.PLURAL)
log = logging.getLogger(__name__)


@dataclass
class OperatorContext:
    """What the handlers work with (built by finscribe.operator.runtime, or by tests)."""

    settings: Settings
    jobs: JobService
    tenants: TenantService
    storage: ObjectStorage
    kube: KubeClient
    kube_config: KubeConfig
    #: uid -> phase of the DocumentJobs seen, for the finscribe_operator_documentjobs gauge.
    phases: dict[str, str] = field(default_factory=dict)

    def track(self, uid: str, phase: str | None) -> None:
        if phase is None:
            self.phases.pop(uid, None)
        else:
            self.phases[uid] = phase
        counts: dict[str, int] = {}
        for p in self.phases.values():
            counts[p] = counts.get(p, 0) + 1
        for p in ("Pending", "Queued", "Processing", "Succeeded", "Failed", "Cancelled"):
            OPERATOR_DOCUMENTJOBS.labels(p).set(counts.get(p, 0))


@contextlib.contextmanager
def _measured(handler: str) -> Iterator[None]:
    started = time.perf_counter()
    outcome = "ok"
    try:
        yield
    except kopf.TemporaryError:
        outcome = "retry"
        raise
    except Exception:
        outcome = "error"
        raise
    finally:
        OPERATOR_RECONCILES.labels(handler, outcome).inc()
        OPERATOR_RECONCILE_LATENCY.labels(handler).observe(time.perf_counter() - started)


def _retry(err: TransientError) -> kopf.TemporaryError:
    return kopf.TemporaryError(f"{err.code}: {err.message}", delay=5)


def _generation(meta: Any) -> int:
    return int(meta.get("generation") or 1)


def _hints(spec: Any, namespace: str | None, name: str) -> dict[str, Any]:
    options = dict(spec.get("options") or {})
    hints: dict[str, Any] = {"channel": "kubernetes", "documentjob": f"{namespace}/{name}"}
    if options.get("documentType") and options["documentType"] != "auto":
        hints["document_type"] = options["documentType"]
    if options.get("languages"):
        hints["languages"] = list(options["languages"])
        hints["language"] = options["languages"][0]
    if options.get("ocrEngine") and options["ocrEngine"] != "auto":
        hints["ocr_engine"] = options["ocrEngine"]
    if options.get("pageLimit"):
        hints["page_limit"] = int(options["pageLimit"])
    if spec.get("priority"):
        hints["priority"] = spec["priority"]
    return hints


def _finished_at(status_: Any) -> datetime | None:
    value = (status_ or {}).get("finishedAt")
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def tenant_name(namespace: str, settings: Settings) -> str:
    """The tenant of a namespace: the explicit mapping, else the API's namespace template read
    backwards (``fs-{tenant}``: namespace ``fs-acme`` is tenant ``acme``), else the namespace."""
    mapping = settings.operator.namespace_tenants
    if namespace in mapping:
        return mapping[namespace]
    prefix, _, suffix = settings.api.kube_namespace_template.partition("{tenant}")
    inner = len(namespace) - len(prefix) - len(suffix)
    if inner > 0 and namespace.startswith(prefix) and namespace.endswith(suffix):
        return namespace[len(prefix) : len(namespace) - len(suffix)]
    return namespace


def make_registry(ctx: OperatorContext) -> kopf.OperatorRegistry:
    """A registry with the DocumentJob handlers bound to `ctx`."""
    registry = kopf.OperatorRegistry()
    op = ctx.settings.operator
    limit = ctx.settings.limits.max_upload_bytes

    @kopf.on.login(registry=registry)
    def login(**_: Any) -> kopf.ConnectionInfo:
        cfg = ctx.kube_config
        token = cfg.bearer_token()
        return kopf.ConnectionInfo(
            server=cfg.server,
            scheme="Bearer" if token else None,
            token=token,
            ca_path=str(cfg.ca_file) if cfg.ca_file else None,
            insecure=cfg.insecure,
            certificate_path=str(cfg.client_cert_file) if cfg.client_cert_file else None,
            private_key_path=str(cfg.client_key_file) if cfg.client_key_file else None,
            default_namespace=cfg.namespace,
        )

    async def tenant_of(namespace: str) -> uuid.UUID:
        name = tenant_name(namespace, ctx.settings)
        tenant = await ctx.tenants.get_tenant_by_name(name)
        if tenant is None and op.create_tenants:
            tenant = await ctx.tenants.ensure_tenant(name, actor="operator")
        if tenant is None or not tenant.active:
            raise InputError(f"namespace {namespace!r} has no active FinScribe tenant {name!r}")
        return tenant.id

    async def read_source(
        source: dict[str, Any], namespace: str, tenant_id: uuid.UUID
    ) -> sources.SourceDocument:
        if "upload" in source:
            return await sources.read_upload(
                dict(source["upload"]),
                namespace=namespace,
                tenant_id=tenant_id,
                storage=ctx.storage,
                limit=limit,
            )
        if "url" in source:
            return await sources.read_url(str(source["url"]), settings=op, limit=limit)
        if "s3" in source:
            storage_settings = ctx.settings.storage
            return await sources.read_s3(
                dict(source["s3"]),
                namespace=namespace,
                kube=ctx.kube,
                limit=limit,
                own_endpoint=storage_settings.endpoint_url,
                own_bucket=storage_settings.bucket,
            )
        raise InputError("exactly one of source.s3, source.url, source.upload must be set")

    @kopf.on.create(*RESOURCE, registry=registry)
    async def accept(
        *,
        body: kopf.Body,
        meta: kopf.Meta,
        spec: kopf.Spec,
        status: kopf.Status,
        namespace: str | None,
        name: str,
        uid: str,
        patch: kopf.Patch,
        **_: Any,
    ) -> None:
        with _measured("create"):
            generation = _generation(meta)
            job_id = resources.job_id_for(uid, generation)
            current = dict(status or {})
            try:
                await _accept(
                    body=body,
                    spec=spec,
                    current=current,
                    namespace=str(namespace),
                    name=name,
                    uid=uid,
                    job_id=job_id,
                    generation=generation,
                    patch=patch,
                )
            except TransientError as err:
                raise _retry(err) from err

    async def _accept(
        *,
        body: kopf.Body,
        spec: kopf.Spec,
        current: dict[str, Any],
        namespace: str,
        name: str,
        uid: str,
        job_id: uuid.UUID,
        generation: int,
        patch: kopf.Patch,
    ) -> None:
        try:
            tenant_id = await tenant_of(namespace)
            try:
                job = await ctx.jobs.get_any(job_id)
            except JobNotFoundError:
                job = None
            if job is None:
                document = await read_source(dict(spec.get("source") or {}), namespace, tenant_id)
                callback = (spec.get("callback") or {}).get("url")
                submission = await ctx.jobs.submit(
                    tenant_id,
                    document.body,
                    filename=document.filename,
                    content_type=document.content_type,
                    callback_url=callback,
                    hints=_hints(spec, namespace, name),
                    job_id=job_id,
                    enqueue=True,
                    channel="kubernetes",
                    actor=f"kubernetes:{namespace}/{name}",
                )
                job = submission.job
                if document.staged_key and document.staged_key != job.storage_key:
                    await ctx.storage.delete(document.staged_key)
                how = "created" if submission.created else f"same as job {job.id}"
            else:
                # A repeat (operator restarted mid-create): never re-enqueue a started job.
                how = "found"
                if job.status == "queued":
                    with contextlib.suppress(JobStateError):
                        await ctx.jobs.enqueue(job.id)
        except InputError as err:
            desired = dj_status.rejected(err.code, err.message, current, generation)
            patch.status.update(desired)
            ctx.track(uid, "Failed")
            kopf.event(
                body, type="Warning", reason="Rejected", message=f"{err.code}: {err.message}"
            )
            return
        result = await ctx.jobs.get_result_for_job(job.id) if job.finished else None
        desired = dj_status.from_job(job, result, current, generation)
        patch.status.update(desired)
        ctx.track(uid, desired["phase"])
        kopf.event(
            body, type="Normal", reason="Accepted", message=f"job {job.id} {how}, {job.status}"
        )

    def unfinished(status: kopf.Status, **_: Any) -> bool:
        return status.get("phase") not in dj_status.FINISHED_PHASES

    @kopf.timer(
        *RESOURCE, interval=op.sync_interval_s, sharp=False, when=unfinished, registry=registry
    )
    async def sync(
        *,
        body: kopf.Body,
        meta: kopf.Meta,
        status: kopf.Status,
        uid: str,
        patch: kopf.Patch,
        **_: Any,
    ) -> None:
        with _measured("sync"):
            job_ref = (status.get("resultRef") or {}).get("jobId")
            if not job_ref:
                return  # not accepted yet: the create handler is on it
            try:
                job = await ctx.jobs.get_any(uuid.UUID(str(job_ref)))
                result = await ctx.jobs.get_result_for_job(job.id) if job.finished else None
            except JobNotFoundError:
                return
            except TransientError as err:
                raise _retry(err) from err
            current = dict(status)
            desired = dj_status.from_job(job, result, current, _generation(meta))
            diff = dj_status.changed(current, desired)
            if diff:
                patch.status.update(diff)
            ctx.track(uid, desired["phase"])
            phase = desired["phase"]
            if phase in dj_status.FINISHED_PHASES and current.get("phase") != phase:
                kind = "Normal" if phase == "Succeeded" else "Warning"
                kopf.event(body, type=kind, reason=phase, message=f"job {job.id} {job.status}")

    def finished_with_ttl(spec: kopf.Spec, status: kopf.Status, **_: Any) -> bool:
        return (
            spec.get("ttlSecondsAfterFinished") is not None
            and status.get("phase") in dj_status.FINISHED_PHASES
        )

    @kopf.timer(
        *RESOURCE,
        interval=op.sync_interval_s,
        sharp=False,
        when=finished_with_ttl,
        registry=registry,
    )
    async def expire(
        *, spec: kopf.Spec, status: kopf.Status, namespace: str | None, name: str, **_: Any
    ) -> None:
        with _measured("ttl"):
            finished = _finished_at(status)
            if finished is None:
                return
            due = finished + timedelta(seconds=int(spec["ttlSecondsAfterFinished"]))
            if datetime.now(UTC) < due:
                return
            try:
                await DocumentJobClient(ctx.kube).delete_document_job(str(namespace), name)
            except TransientError as err:
                raise _retry(err) from err
            log.info("documentjob %s/%s deleted after its TTL", namespace, name)

    @kopf.on.delete(*RESOURCE, registry=registry)
    async def cleanup(
        *,
        meta: kopf.Meta,
        spec: kopf.Spec,
        status: kopf.Status,
        namespace: str | None,
        name: str,
        uid: str,
        **_: Any,
    ) -> None:
        with _measured("delete"):
            try:
                await _cleanup(meta=meta, spec=spec, namespace=str(namespace), name=name, uid=uid)
            except TransientError as err:
                raise _retry(err) from err
            ctx.track(uid, None)

    async def _cleanup(
        *,
        meta: kopf.Meta,
        spec: kopf.Spec,
        namespace: str,
        name: str,
        uid: str,
    ) -> None:
        own = resources.job_id_for(uid, _generation(meta))
        try:
            job = await ctx.jobs.get_any(own)
        except JobNotFoundError:
            job = None
        if job is not None:
            if not job.finished:
                with contextlib.suppress(JobNotCancellableError, JobNotFoundError):
                    await ctx.jobs.cancel(job.tenant_id, job.id, actor=f"kubernetes:{namespace}")
            removed = await ctx.jobs.purge(job.tenant_id, job.id)
            log.info("documentjob %s/%s: job %s cancelled/purged (%d objects)",
                     namespace, name, job.id, removed)  # fmt: skip
        staged = ((spec.get("source") or {}).get("upload") or {}).get("storageKey")
        if staged:
            with contextlib.suppress(InputError, ValueError, FinscribeError):
                tenant_id = await tenant_of(namespace)
                if str(staged).startswith(sources.upload_prefixes(namespace, tenant_id)):
                    await ctx.storage.delete(keys.validate_key(str(staged)))

    return registry
