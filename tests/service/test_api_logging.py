"""Structured JSON logs: one JSON object a line, with document text, values and keys redacted."""

from __future__ import annotations

import json
import logging

import pytest

from finscribe import logs


@pytest.fixture
def json_lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    logs.configure_logging("DEBUG", json_format=True)
    log = logs.get_logger("test")
    logs.bind_request_id("req-123")
    log.info(
        "job stored",
        job_id="j1",
        text="ACME GmbH Invoice INV-2024-0042",
        fields={"total": "1234.56", "iban": "DE89370400440532013000"},
        api_key="fsk_abcdefghijklmnopqrstuv",
        note="caller sent Bearer fsk_abcdefghijklmnopqrstuv",
        nested={"old_value": "99.00", "page": 1},
    )
    logging.getLogger("uvicorn.error").warning("Authorization: Bearer secret-token-123")
    logs.clear_context()
    err = capsys.readouterr().err
    return [json.loads(line) for line in err.splitlines() if line.strip()]


def test_lines_are_json_with_request_id(json_lines: list[dict[str, object]]) -> None:
    first = json_lines[0]
    assert first["event"] == "job stored"
    assert first["request_id"] == "req-123"
    assert first["job_id"] == "j1"
    assert first["level"] == "info"


def test_sensitive_values_never_logged(json_lines: list[dict[str, object]]) -> None:
    dump = "\n".join(json.dumps(line) for line in json_lines)
    for secret in (
        "ACME GmbH",
        "1234.56",
        "DE89370400440532013000",
        "fsk_abcdefghijklmnopqrstuv",
        "99.00",
        "secret-token-123",
    ):
        assert secret not in dump
    first = json_lines[0]
    assert first["text"] == logs.REDACTED
    assert first["fields"] == logs.REDACTED
    assert first["nested"] == {"old_value": logs.REDACTED, "page": 1}


def test_stdlib_records_go_through_the_same_renderer(json_lines: list[dict[str, object]]) -> None:
    stdlib = [line for line in json_lines if line.get("logger") == "uvicorn.error"]
    assert stdlib
    assert stdlib[0]["level"] == "warning"
    assert logs.REDACTED in str(stdlib[0]["event"])


def test_client_libraries_stay_at_warnings_even_at_debug() -> None:
    """botocore logs signed request headers at DEBUG; aiosqlite logs every statement."""
    root = logging.getLogger()
    before = (list(root.handlers), root.level)
    try:
        logs.configure_logging("DEBUG", json_format=True)
        assert root.level == logging.DEBUG
        for name in ("botocore", "aiosqlite", "urllib3"):
            assert logging.getLogger(name).getEffectiveLevel() == logging.WARNING
            assert not logging.getLogger(name).isEnabledFor(logging.DEBUG)
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in before[0]:
            root.addHandler(handler)
        root.setLevel(before[1])
