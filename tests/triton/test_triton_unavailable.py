"""Triton down or a model missing: InferenceUnavailableError naming URL and model, after retries."""

from __future__ import annotations

import time

import pytest

from finscribe import metrics
from finscribe.errors import InferenceUnavailableError
from finscribe.inference.factory import pipeline_params
from finscribe.inference.triton_engine import create_triton_engine
from finscribe.inference.triton_local import LocalTriton, free_port
from finscribe.settings import OcrSettings, TritonSettings
from tests.fixtures.triton import copy_model_repository
from tests.triton.pages import render_page


def _engine(settings: TritonSettings):  # type: ignore[no-untyped-def]
    ocr = OcrSettings(engine="triton")
    return create_triton_engine(ocr, pipeline_params(ocr), settings)


def _retries(model: str) -> float:
    return metrics.INFERENCE_RETRIES.labels(model=model)._value.get()


async def test_unreachable_server_fails_after_retries() -> None:
    url = f"127.0.0.1:{free_port()}"  # nothing listens there
    settings = TritonSettings(url=url, retries=2, backoff_s=0.1, ready_timeout_s=1.0, timeout_s=2.0)
    engine = _engine(settings)
    before = _retries("ocr_det")
    started = time.monotonic()
    with pytest.raises(InferenceUnavailableError) as info:
        await engine.read_pages([render_page(3, lines=2, size=(600, 300))])
    elapsed = time.monotonic() - started
    assert url in info.value.message
    assert "'ocr_det'" in info.value.message
    assert "after 3 attempts" in info.value.message
    assert info.value.code == "INFERENCE_UNAVAILABLE"
    assert info.value.retryable
    assert _retries("ocr_det") - before == 2
    assert 0.3 <= elapsed < 10  # backoff 0.1 + 0.2 s was waited, no hang

    with pytest.raises(InferenceUnavailableError, match=r"not live|failed to connect|UNAVAILABLE"):
        await engine.ready()
    await engine.close()


async def test_model_not_ready_is_named(triton_settings: TritonSettings) -> None:
    settings = triton_settings.model_copy(update={"rec_model": "ocr_rec_missing", "retries": 1})
    engine = _engine(settings)
    with pytest.raises(InferenceUnavailableError) as info:
        await engine.ready()
    assert "'ocr_rec_missing'" in info.value.message
    assert settings.url in info.value.message
    await engine.close()


async def test_server_stopping_under_a_ready_engine(tmp_path) -> None:  # type: ignore[no-untyped-def]
    repo = copy_model_repository(tmp_path / "repo", OcrSettings())
    server = LocalTriton(repo, log_path=tmp_path / "log").start()
    settings = TritonSettings(url=server.grpc_url, retries=1, backoff_s=0.1, timeout_s=5.0)
    engine = _engine(settings)
    try:
        await engine.ready()
        page = render_page(4, lines=2, size=(600, 300))
        assert await engine.read_pages([page])
    finally:
        server.stop()
    with pytest.raises(InferenceUnavailableError, match=server.grpc_url):
        await engine.read_pages([page])
    await engine.close()
