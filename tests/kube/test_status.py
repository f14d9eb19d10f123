"""DocumentJob status built from job records (finscribe.operator.status), without a cluster."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from finscribe.core.records import JobRecord, ResultRecord
from finscribe.operator import status


def job(**changes: Any) -> JobRecord:
    now = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    base: dict[str, Any] = {
        "id": uuid.UUID("00000000-0000-5000-8000-000000000001"),
        "tenant_id": uuid.uuid4(),
        "status": "queued",
        "stage": None,
        "progress": 0,
        "attempts": 0,
        "source_filename": "a.pdf",
        "content_type": "application/pdf",
        "size_bytes": 10,
        "sha256": "0" * 64,
        "storage_key": "k",
        "idempotency_key": None,
        "callback_url": None,
        "hints": {},
        "error_code": None,
        "error_message": None,
        "created_at": now,
        "updated_at": now,
        "started_at": None,
        "finished_at": None,
    }
    return JobRecord(**(base | changes))


def result(document: dict[str, Any], needs_review: bool = False) -> ResultRecord:
    now = datetime(2026, 11, 23, 10, 0, 3, tzinfo=UTC)
    return ResultRecord(
        id=uuid.uuid4(), job_id=uuid.uuid4(), tenant_id=uuid.uuid4(), schema_version="1",
        document=document, validation={}, needs_review=needs_review, model_versions={},
        storage_key=None, created_at=now, updated_at=now,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            {"total": {"value": "1234.50"}, "currency": {"value": "eur"}},
            {"total": "1234.50", "currency": "EUR"},
        ),
        ({"amount_due": {"value": "-12.5"}}, {"total": "-12.5"}),
        ({"total": {"value": "1e3"}}, {"total": "1000"}),
        ({"total": {"value": "twelve"}, "currency": {"value": "EURO"}}, {}),
        ({"invoice_number": {"value": "INV-1"}}, {"invoiceNumber": "INV-1"}),
    ],
)  # fmt: skip
def test_summary_is_small_and_decimal(fields: dict[str, Any], expected: dict[str, str]) -> None:
    out = status.summary(result({"document_type": "invoice", "fields": fields}, needs_review=True))
    assert out == {"needsReview": True, "documentType": "invoice", **expected}
    assert all(not isinstance(v, float) for v in out.values())


def test_conditions_keep_transition_time_until_status_changes() -> None:
    queued = status.from_job(job(), None, {}, 1)
    assert queued["phase"] == "Queued"
    assert [c["type"] for c in queued["conditions"]] == list(status.CONDITION_TYPES)
    by_type = {c["type"]: c for c in queued["conditions"]}
    assert by_type["Queued"]["status"] == "True"
    # Same status again: lastTransitionTime is kept.
    again = status.from_job(job(), None, queued, 1)
    assert again["conditions"] == queued["conditions"]
    assert status.changed(queued, again) == {}
    running = status.from_job(
        job(status="processing", stage="text", progress=40, attempts=1), None, queued, 1
    )
    diff = status.changed(queued, running)
    assert {"phase", "stage", "progress", "attempts", "conditions"} <= set(diff)
    running_by_type = {c["type"]: c for c in running["conditions"]}
    assert running_by_type["Processing"]["status"] == "True"
    assert running_by_type["Processing"]["message"] == "stage text (40%)"
    assert (
        running_by_type["Accepted"]["lastTransitionTime"]
        == by_type["Accepted"]["lastTransitionTime"]
    )


def test_failed_job_reason_and_error() -> None:
    failed = status.from_job(
        job(status="failed", error_code="CORRUPT_FILE", error_message="not a PDF",
            finished_at=datetime(2026, 11, 23, 10, 1, tzinfo=UTC)),
        None, {}, 1,
    )  # fmt: skip
    assert failed["phase"] == "Failed"
    assert failed["error"] == {"reason": "CORRUPT_FILE", "message": "not a PDF"}
    assert failed["finishedAt"] == "2026-11-23T10:01:00Z"
    cond = {c["type"]: c for c in failed["conditions"]}["Failed"]
    assert (cond["status"], cond["reason"]) == ("True", "CorruptFile")
    cancelled = status.from_job(job(status="cancelled"), None, {}, 1)
    assert cancelled["phase"] == "Cancelled"
    assert cancelled["error"]["reason"] == "CANCELLED"
    assert status.reason("9LIVES") == "E9lives"


@pytest.mark.parametrize(
    ("namespace", "template", "mapping", "tenant"),
    [
        ("acme", "{tenant}", {}, "acme"),
        ("fs-acme", "fs-{tenant}", {}, "acme"),
        ("acme-docs", "{tenant}-docs", {}, "acme"),
        ("fs-", "fs-{tenant}", {}, "fs-"),
        ("other", "fs-{tenant}", {}, "other"),
        ("team-ap", "{tenant}", {"team-ap": "Accounts Payable"}, "Accounts Payable"),
    ],
)
def test_tenant_of_a_namespace(
    namespace: str, template: str, mapping: dict[str, str], tenant: str
) -> None:
    from finscribe.operator.handlers import tenant_name
    from finscribe.settings import ApiSettings, OperatorSettings, Settings

    settings = Settings(
        api=ApiSettings(kube_namespace_template=template),
        operator=OperatorSettings(namespace_tenants=mapping),
    )
    assert tenant_name(namespace, settings) == tenant
