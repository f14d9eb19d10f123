"""The job queue interface (so arq, in maintenance mode, can be replaced later)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

#: Where a job is in the queue (not the job's lifecycle status, which lives in the database).
QueueJobState = Literal["queued", "deferred", "in_progress", "complete", "not_found"]


@dataclass(frozen=True)
class QueueDepth:
    """The figures an autoscaler needs."""

    #: Jobs due now and not being run.
    ready: int
    #: Jobs a worker is running now.
    in_flight: int
    #: Jobs waiting for a later time (retry backoff, deferred).
    deferred: int = 0


@runtime_checkable
class JobQueue(Protocol):
    async def enqueue(self, job_id: uuid.UUID, *, defer_s: float = 0.0) -> bool:
        """Queue the job under its own id. False if that id is already queued or running
        (deduplicated); a stale finished entry does not block a new run."""
        ...

    async def cancel(self, job_id: uuid.UUID) -> bool:
        """Remove a queued job, or ask the worker running it to abort. False if unknown."""
        ...

    async def status(self, job_id: uuid.UUID) -> QueueJobState: ...

    async def depth(self) -> QueueDepth: ...

    async def check(self) -> None:
        """Readiness: raises QueueUnavailableError if the queue backend cannot be reached."""
        ...

    async def close(self) -> None: ...
