"""Response bodies of the job endpoints (the earlier system's shapes: job_id, poll_url, ...)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass
class ErrorInfo:
    code: str
    message: str


@dataclass
class SubmitResponse:
    """A submission's answer: the job to poll (a new one, or the existing one on a repeat)."""

    job_id: str
    poll_url: str
    status: str
    duplicate: bool = False


@dataclass
class BatchItem:
    filename: str
    job_id: str | None = None
    poll_url: str | None = None
    status: str | None = None
    duplicate: bool = False
    error: ErrorInfo | None = None


@dataclass
class BatchResponse:
    jobs: list[BatchItem]


@dataclass
class JobView:
    job_id: str
    status: str
    stage: str | None
    progress: int
    attempts: int
    filename: str | None
    content_type: str | None
    size_bytes: int
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    poll_url: str
    error: ErrorInfo | None = None
    result_id: str | None = None
    result: dict[str, Any] | None = None


@dataclass
class JobList:
    items: list[JobView]
    next_cursor: str | None
