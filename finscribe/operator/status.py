"""DocumentJob status from the job's database record: phase, conditions, summary (pure code).

Conditions follow the Kubernetes API conventions: one entry per type (Accepted, Queued,
Processing, Succeeded, Failed), `lastTransitionTime` changes only when `status` changes.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from finscribe.core.records import JobRecord, ResultRecord

CONDITION_TYPES = ("Accepted", "Queued", "Processing", "Succeeded", "Failed")
FINISHED_PHASES = frozenset({"Succeeded", "Failed", "Cancelled"})
_PHASES = {
    "queued": "Queued",
    "processing": "Processing",
    "completed": "Succeeded",
    "failed": "Failed",
    "cancelled": "Cancelled",
}
_REASON_RE = re.compile(r"[^A-Za-z0-9_]")
_TOTAL_RE = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")
_CURRENCY_RE = re.compile(r"^[A-Z]{3}$")


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso(at: datetime | None) -> str | None:
    if at is None:
        return None
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def reason(code: str) -> str:
    """A condition reason (CamelCase word) from an error code such as SOURCE_NOT_ALLOWED."""
    words = [w for w in _REASON_RE.sub("_", code).split("_") if w]
    text = "".join(w[:1].upper() + w[1:].lower() for w in words) or "Unknown"
    return text if text[0].isalpha() else f"E{text}"


def condition(
    existing: list[dict[str, Any]],
    type_: str,
    status: bool,
    reason_: str,
    message: str,
    *,
    generation: int,
) -> dict[str, Any]:
    """The condition entry, keeping lastTransitionTime when the status did not change."""
    value = "True" if status else "False"
    old = next((c for c in existing if c.get("type") == type_), None)
    since = old["lastTransitionTime"] if old and old.get("status") == value else now_iso()
    return {
        "type": type_,
        "status": value,
        "reason": reason_,
        "message": message[:32768],
        "lastTransitionTime": since,
        "observedGeneration": generation,
    }


def merge_conditions(
    existing: list[dict[str, Any]], updates: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Existing conditions with `updates` replacing entries of the same type, in type order."""
    by_type = {c["type"]: c for c in existing if c.get("type") in CONDITION_TYPES}
    for c in updates:
        by_type[c["type"]] = c
    return [by_type[t] for t in CONDITION_TYPES if t in by_type]


def summary(result: ResultRecord | None) -> dict[str, Any] | None:
    """The few headline facts shown by `kubectl get dj`; never field values beyond these."""
    if result is None:
        return None
    doc = result.document or {}
    fields = doc.get("fields") or {}

    def value(name: str) -> str | None:
        item = fields.get(name)
        return str(item["value"]) if isinstance(item, dict) and item.get("value") else None

    out: dict[str, Any] = {"needsReview": bool(result.needs_review)}
    if doc.get("document_type"):
        out["documentType"] = str(doc["document_type"])[:32]
    number = value("invoice_number")
    if number:
        out["invoiceNumber"] = number[:128]
    total = value("total") or value("amount_due")
    if total:
        try:
            normalised = format(Decimal(total), "f")
        except InvalidOperation:
            normalised = ""
        if _TOTAL_RE.match(normalised):
            out["total"] = normalised
    currency = value("currency")
    if currency and _CURRENCY_RE.match(currency.upper()):
        out["currency"] = currency.upper()
    return out


def from_job(
    job: JobRecord,
    result: ResultRecord | None,
    current: dict[str, Any],
    generation: int,
) -> dict[str, Any]:
    """The status a DocumentJob should have for its job record (a merge-patch body)."""
    existing = list(current.get("conditions") or [])
    phase = _PHASES.get(job.status, "Pending")
    running = job.status == "processing"
    succeeded = job.status == "completed"
    failed = job.status in {"failed", "cancelled"}
    stage = job.stage or ("queued" if job.status == "queued" else None)
    updates = [
        condition(existing, "Accepted", True, "JobCreated", f"job {job.id}", generation=generation),
        condition(
            existing,
            "Queued",
            job.status == "queued",
            "Waiting" if job.status == "queued" else "Dequeued",
            "waiting for a worker" if job.status == "queued" else "taken by a worker",
            generation=generation,
        ),
        condition(
            existing,
            "Processing",
            running,
            "Running" if running else ("Finished" if job.finished else "NotStarted"),
            f"stage {job.stage} ({job.progress}%)" if running else "",
            generation=generation,
        ),
        condition(
            existing,
            "Succeeded",
            succeeded,
            "Completed" if succeeded else ("Cancelled" if job.status == "cancelled" else "Pending"),
            f"result {result.id}" if succeeded and result is not None else "",
            generation=generation,
        ),
        condition(
            existing,
            "Failed",
            failed,
            reason(job.error_code or ("CANCELLED" if job.status == "cancelled" else "NONE"))
            if failed
            else "NoError",
            (job.error_message or job.status) if failed else "",
            generation=generation,
        ),
    ]
    status: dict[str, Any] = {
        "observedGeneration": generation,
        "phase": phase,
        "stage": stage,
        "progress": max(0, min(100, int(job.progress))),
        "attempts": int(job.attempts),
        "startedAt": iso(job.started_at),
        "finishedAt": iso(job.finished_at) if job.finished else None,
        "resultRef": {"jobId": str(job.id)}
        | ({"resultId": str(result.id)} if result is not None else {}),
        "summary": summary(result) if succeeded else None,
        "error": (
            {
                "reason": (job.error_code or "CANCELLED")[:64],
                "message": (job.error_message or "")[:4096],
            }
            if failed
            else None
        ),
        "conditions": merge_conditions(existing, updates),
    }
    return status


def rejected(code: str, message: str, current: dict[str, Any], generation: int) -> dict[str, Any]:
    """The status of a DocumentJob the operator refused (bad source): Failed, no job."""
    existing = list(current.get("conditions") or [])
    updates = [
        condition(existing, "Accepted", False, reason(code), message, generation=generation),
        condition(existing, "Failed", True, reason(code), message, generation=generation),
    ]
    return {
        "observedGeneration": generation,
        "phase": "Failed",
        "finishedAt": now_iso(),
        "error": {"reason": code[:64], "message": message[:4096]},
        "conditions": merge_conditions(existing, updates),
    }


def changed(current: dict[str, Any], desired: dict[str, Any]) -> dict[str, Any]:
    """The keys of `desired` that differ from `current` (None removes a key); empty if none."""
    return {
        k: v
        for k, v in desired.items()
        if current.get(k) != v and not (v is None and k not in current)
    }
