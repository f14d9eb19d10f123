"""Prometheus metrics of every component, defined once here with their `finscribe_*` names."""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

#: Latency buckets (seconds) for document work: from a text-layer page to a long OCR job.
_JOB_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0)
#: Latency buckets (seconds) for HTTP requests.
_HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

# --- jobs ----------------------------------------------------------------------------------

JOBS_SUBMITTED = Counter(
    "finscribe_jobs_submitted_total",
    "Jobs accepted for processing (new jobs, not idempotent repeats)",
    ["channel"],
)
JOBS_DEDUPLICATED = Counter(
    "finscribe_jobs_deduplicated_total",
    "Submissions answered with an existing job (same idempotency key or same content)",
)
JOBS_COMPLETED = Counter("finscribe_jobs_completed_total", "Jobs that finished with a result")
JOBS_FAILED = Counter("finscribe_jobs_failed_total", "Jobs that failed, by error code", ["code"])
JOBS_RETRIED = Counter(
    "finscribe_jobs_retried_total", "Job attempts deferred for a retry, by error code", ["code"]
)
JOBS_CANCELLED = Counter("finscribe_jobs_cancelled_total", "Jobs cancelled by a caller")
STAGE_LATENCY = Histogram(
    "finscribe_stage_latency_seconds",
    "Time spent in one pipeline stage",
    ["stage"],
    buckets=_JOB_BUCKETS,
)
TASK_LATENCY = Histogram(
    "finscribe_task_latency_seconds",
    "End-to-end time of one processing attempt in a worker",
    buckets=_JOB_BUCKETS,
)
PAGES_PROCESSED = Counter(
    "finscribe_pages_processed_total",
    "Pages processed, by where their text came from (text_layer, ocr)",
    ["source"],
)
OCR_LATENCY = Histogram(
    "finscribe_ocr_latency_seconds",
    "Time to OCR one page",
    buckets=_JOB_BUCKETS,
)
WORKER_JOBS_IN_PROGRESS = Gauge(
    "finscribe_worker_jobs_in_progress", "Jobs this worker process is running now"
)

# --- queue ---------------------------------------------------------------------------------

QUEUE_READY = Gauge(
    "finscribe_queue_ready_jobs", "Jobs in the queue that are due now and not running"
)
QUEUE_INFLIGHT = Gauge("finscribe_queue_inflight_jobs", "Jobs a worker is running now")

# --- storage -------------------------------------------------------------------------------

STORAGE_OPERATIONS = Counter(
    "finscribe_storage_operations_total",
    "Object storage operations, by operation and backend",
    ["operation", "backend"],
)
STORAGE_ERRORS = Counter(
    "finscribe_storage_errors_total",
    "Object storage operations that failed, by operation and backend",
    ["operation", "backend"],
)

# --- webhooks ------------------------------------------------------------------------------

WEBHOOK_DELIVERIES = Counter(
    "finscribe_webhook_deliveries_total",
    "Webhook deliveries, by outcome (delivered, failed) after all attempts",
    ["outcome"],
)
WEBHOOK_ATTEMPTS = Counter("finscribe_webhook_attempts_total", "Webhook POST attempts")

# --- HTTP ----------------------------------------------------------------------------------

HTTP_REQUESTS = Counter(
    "finscribe_http_requests_total",
    "HTTP requests answered by the API, by method, route and status",
    ["method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "finscribe_http_request_duration_seconds",
    "HTTP request handling time, by method and route",
    ["method", "route"],
    buckets=_HTTP_BUCKETS,
)

# --- inference (worker side, per model request) ---------------------------------------------

INFERENCE_LATENCY = Histogram(
    "finscribe_inference_latency_seconds",
    "Time of one model inference request as the worker sees it (Triton round trip)",
    ["model"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
INFERENCE_BATCH_SIZE = Histogram(
    "finscribe_inference_batch_size",
    "Inputs (pages or text lines) sent in one model inference request",
    ["model"],
    buckets=(1, 2, 4, 8, 16, 32, 64, 128),
)
INFERENCE_RETRIES = Counter(
    "finscribe_inference_retries_total",
    "Model inference calls retried after a transient failure",
    ["model"],
)


def render_latest() -> tuple[bytes, str]:
    """The metrics in Prometheus text format, and its content type.

    With ``PROMETHEUS_MULTIPROC_DIR`` set (several API worker processes), the figures of
    every process are aggregated; otherwise this process's registry is rendered.
    """
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


def start_metrics_server(port: int, addr: str = "0.0.0.0") -> None:  # noqa: S104
    """Serve /metrics for scraping on ``port`` (a worker's own endpoint)."""
    from prometheus_client import start_http_server

    start_http_server(port, addr=addr)


# --- operator (DocumentJob reconciliation) --------------------------------------------------

OPERATOR_RECONCILES = Counter(
    "finscribe_operator_reconcile_total",
    "DocumentJob reconcile steps, by handler (create, sync, delete, ttl) and outcome",
    ["handler", "outcome"],
)
OPERATOR_RECONCILE_LATENCY = Histogram(
    "finscribe_operator_reconcile_seconds",
    "Time of one DocumentJob reconcile step, by handler",
    ["handler"],
    buckets=_HTTP_BUCKETS,
)
OPERATOR_DOCUMENTJOBS = Gauge(
    "finscribe_operator_documentjobs",
    "DocumentJobs this operator tracks, by phase",
    ["phase"],
)
OPERATOR_LEADER = Gauge(
    "finscribe_operator_leader", "1 while this operator replica holds the Lease, else 0"
)
