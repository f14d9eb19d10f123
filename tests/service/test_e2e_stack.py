"""`finscribe stack` (make run): starts everything, processes the samples, stops cleanly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.service._stack import free_port

pytestmark = pytest.mark.slow


def test_stack_processes_samples_and_stops(tmp_path: Path, docgen_invoice: Any) -> None:
    examples = tmp_path / "examples"
    examples.mkdir()
    (examples / "invoice.pdf").write_bytes(docgen_invoice.pdf_bytes)
    (examples / "notes.txt").write_text("not a document: skipped")
    var = tmp_path / "var"
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("FINSCRIBE_") and k not in ("DATABASE_URL", "REDIS_URL")
    }
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "finscribe.cli.main",
            "stack",
            "--var",
            str(var),
            "--port",
            str(free_port()),
            "--examples",
            str(examples),
            "--exit-after-samples",
        ],
        env={**env, "FINSCRIBE_WORKER_POLL_DELAY_S": "0.1"},
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    out = done.stdout
    assert done.returncode == 0, out + done.stderr
    assert "FinScribe is running at http://127.0.0.1:" in out
    assert "curl -F file=@invoice.pdf" in out
    number = docgen_invoice.truth["fields"]["invoice_number"]
    assert f"invoice.pdf: type=invoice invoice_number={number}" in out
    assert "/api/v1/results/" in out
    assert out.rstrip().endswith("stopped")
    assert (var / "finscribe.db").is_file()
    assert (var / ".samples-done").is_file()
    assert any((var / "storage").rglob("result.json"))
