"""Job endpoints: submit (one file or a batch), poll, list with cursor pagination, cancel."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any, Final

from litestar import Controller, Request, Response, delete, get, post

from finscribe import errors
from finscribe.api import auth, uploads
from finscribe.api.errors import BadRequest
from finscribe.api.jobs.schemas import (
    BatchItem,
    BatchResponse,
    ErrorInfo,
    JobList,
    JobView,
    SubmitResponse,
)
from finscribe.api.state import Services
from finscribe.core import webhooks
from finscribe.core.records import JobRecord, Principal, Submission

JOBS_PATH: Final = "/api/v1/jobs"
_HINT_RE: Final = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
_IDEMPOTENCY_RE: Final = re.compile(r"^[\x21-\x7e]{1,255}$")


def poll_url(job_id: uuid.UUID | str) -> str:
    return f"{JOBS_PATH}/{job_id}"


def job_view(job: JobRecord, result: dict[str, Any] | None = None) -> JobView:
    error = (
        ErrorInfo(code=job.error_code, message=job.error_message or "") if job.error_code else None
    )
    return JobView(
        job_id=str(job.id),
        status=job.status,
        stage=job.stage,
        progress=job.progress,
        attempts=job.attempts,
        filename=job.source_filename,
        content_type=job.content_type,
        size_bytes=job.size_bytes,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
        poll_url=poll_url(job.id),
        error=error,
        result_id=str(job.result_id) if job.result_id else None,
        result=result,
    )


def _options(request: Request[Any, Any, Any], fields: dict[str, str]) -> dict[str, Any]:
    """Idempotency key, callback URL and hints, from headers, form fields or the query."""

    def pick(name: str) -> str | None:
        value = fields.get(name) or request.query_params.get(name)
        return value.strip() if value else None

    idempotency_key = request.headers.get("idempotency-key") or None
    if idempotency_key is not None and not _IDEMPOTENCY_RE.match(idempotency_key):
        raise BadRequest("Idempotency-Key must be 1-255 printable ASCII characters")
    callback_url = pick("callback_url")
    if callback_url is not None and not webhooks.is_valid_callback_url(callback_url):
        raise BadRequest("callback_url must be an absolute http(s) URL")
    hints: dict[str, str] = {}
    for name in ("document_type", "language"):
        value = pick(name)
        if value is None:
            continue
        if not _HINT_RE.match(value):
            raise BadRequest(f"{name} must be 1-32 letters, digits, '-' or '_'")
        hints[name] = value.lower()
    return {"idempotency_key": idempotency_key, "callback_url": callback_url, "hints": hints}


def _submit_response(submission: Submission) -> Response[SubmitResponse]:
    job = submission.job
    body = SubmitResponse(
        job_id=str(job.id),
        poll_url=poll_url(job.id),
        status=job.status,
        duplicate=not submission.created,
    )
    headers = {"Location": poll_url(job.id)}
    return Response(body, status_code=202 if submission.created else 200, headers=headers)


async def _submit_to_kubernetes(
    services: Services, principal: Principal, file: uploads.UploadedFile, options: dict[str, Any]
) -> Response[SubmitResponse]:
    assert services.kube is not None
    job_id, created = await services.kube.submit(
        principal.tenant_id, file, actor=auth.actor_of(principal), **options
    )
    body = SubmitResponse(
        job_id=str(job_id), poll_url=poll_url(job_id), status="queued", duplicate=not created
    )
    return Response(
        body, status_code=202 if created else 200, headers={"Location": poll_url(job_id)}
    )


class JobsController(Controller):
    path = "/api/v1"
    tags = ["jobs"]  # noqa: RUF012

    @post(
        "/analyze",
        summary="Submit one document (multipart field `file`)",
        description=(
            "Answers 202 with the new job, or 200 with the existing job when the same "
            "Idempotency-Key or the same file content was submitted before by this tenant. "
            "Optional form fields (or query parameters): callback_url, document_type, language."
        ),
        opt={auth.ROLES_OPT: auth.SUBMIT},
        status_code=202,
        request_max_body_size=None,
    )
    async def analyze(
        self, request: Request[Any, Any, Any], services: Services
    ) -> Response[SubmitResponse]:
        principal = auth.principal_of(request)
        upload = await uploads.read_multipart(
            request, max_file_bytes=services.settings.limits.max_upload_bytes, max_files=1
        )
        try:
            if len(upload.files) != 1:
                raise BadRequest("send exactly one file in the multipart field 'file'")
            options = _options(request, upload.fields)
            file = upload.files[0]
            if services.kube is not None:
                return await _submit_to_kubernetes(services, principal, file, options)
            submission = await services.jobs.submit(
                principal.tenant_id,
                file.chunks(services.settings.api.upload_chunk_kb * 1024),
                filename=file.filename,
                content_type=file.content_type,
                actor=auth.actor_of(principal),
                **options,
            )
        finally:
            upload.close()
        return _submit_response(submission)

    @post(
        "/analyze/batch",
        summary="Submit several documents (multipart, one part per file): one job per file",
        opt={auth.ROLES_OPT: auth.SUBMIT},
        status_code=202,
        request_max_body_size=None,
    )
    async def analyze_batch(
        self, request: Request[Any, Any, Any], services: Services
    ) -> Response[BatchResponse]:
        principal = auth.principal_of(request)
        upload = await uploads.read_multipart(
            request,
            max_file_bytes=services.settings.limits.max_upload_bytes,
            max_files=services.settings.api.max_batch_files,
        )
        items: list[BatchItem] = []
        try:
            if not upload.files:
                raise BadRequest("send at least one file")
            options = _options(request, upload.fields)
            options.pop("idempotency_key")  # one key cannot name several jobs
            for file in upload.files:
                if services.kube is not None:
                    job_id, created = await services.kube.submit(
                        principal.tenant_id,
                        file,
                        idempotency_key=None,
                        actor=auth.actor_of(principal),
                        **options,
                    )
                    items.append(
                        BatchItem(
                            filename=file.filename,
                            job_id=str(job_id),
                            poll_url=poll_url(job_id),
                            status="queued",
                            duplicate=not created,
                        )
                    )
                    continue
                try:
                    submission = await services.jobs.submit(
                        principal.tenant_id,
                        file.chunks(),
                        filename=file.filename,
                        content_type=file.content_type,
                        actor=auth.actor_of(principal),
                        **options,
                    )
                except errors.InputError as exc:
                    items.append(
                        BatchItem(
                            filename=file.filename,
                            error=ErrorInfo(code=exc.code, message=exc.message),
                        )
                    )
                    continue
                items.append(
                    BatchItem(
                        filename=file.filename,
                        job_id=str(submission.job.id),
                        poll_url=poll_url(submission.job.id),
                        status=submission.job.status,
                        duplicate=not submission.created,
                    )
                )
        finally:
            upload.close()
        return Response(BatchResponse(jobs=items), status_code=202)

    @get(
        "/jobs/{job_id:uuid}",
        summary="A job: status, stage, progress, attempts, error, result once completed",
        opt={auth.ROLES_OPT: auth.READ},
    )
    async def get_job(
        self, request: Request[Any, Any, Any], services: Services, job_id: uuid.UUID
    ) -> JobView:
        principal = auth.principal_of(request)
        job = await services.jobs.get(principal.tenant_id, job_id)
        result: dict[str, Any] | None = None
        if job.status == "completed" and job.result_id is not None:
            record = await services.jobs.get_result(principal.tenant_id, job.result_id)
            result = record.document
        return job_view(job, result)

    @get(
        "/jobs",
        summary="The caller's jobs, newest first, with cursor pagination",
        opt={auth.ROLES_OPT: auth.READ},
    )
    async def list_jobs(
        self,
        request: Request[Any, Any, Any],
        services: Services,
        *,
        status: str | None = None,
        created_from: datetime | None = None,
        created_to: datetime | None = None,
        cursor: str | None = None,
        limit: int | None = None,
    ) -> JobList:
        """``status`` is a comma-separated list; ``limit`` is capped at the maximum page."""
        principal = auth.principal_of(request)
        api = services.settings.api
        size = max(1, min(limit or api.default_page_size, api.max_page_size))
        statuses = [s.strip() for s in status.split(",") if s.strip()] if status else None
        try:
            page = await services.jobs.list(
                principal.tenant_id,
                status=statuses,
                created_from=created_from,
                created_to=created_to,
                cursor=cursor,
                limit=size,
            )
        except errors.InputError as exc:
            raise BadRequest(exc.message) from exc
        return JobList(items=[job_view(j) for j in page.jobs], next_cursor=page.next_cursor)

    @delete(
        "/jobs/{job_id:uuid}",
        summary="Cancel a queued or running job",
        opt={auth.ROLES_OPT: auth.SUBMIT},
        status_code=200,
    )
    async def cancel_job(
        self, request: Request[Any, Any, Any], services: Services, job_id: uuid.UUID
    ) -> JobView:
        principal = auth.principal_of(request)
        job = await services.jobs.cancel(
            principal.tenant_id, job_id, actor=auth.actor_of(principal)
        )
        return job_view(job)
