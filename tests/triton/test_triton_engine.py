"""The Triton OCR engine against a real tritonserver: same words as in-process, real batching."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from finscribe.inference import rec
from finscribe.inference.engine import PipelineEngine
from finscribe.inference.factory import create_engine, pipeline_params
from finscribe.inference.onnx_runner import OnnxRunner
from finscribe.inference.triton_engine import create_triton_engine
from finscribe.inference.triton_local import LocalTriton
from finscribe.inference.triton_runner import TritonRunner
from finscribe.inference.types import OcrLine
from finscribe.settings import OcrSettings, TritonSettings
from tests.triton.pages import FONT, invoice_lines, render_page


def _words(pages: list[list[OcrLine]]) -> list[list[list[tuple[str, tuple[float, ...]]]]]:
    return [
        [[(w.text, tuple(round(v, 3) for v in w.box)) for w in line.words] for line in page]
        for page in pages
    ]


@pytest.fixture(scope="module")
def onnx_engine() -> PipelineEngine:
    # one line per run (the default): each line padded only to its own width, as Triton's
    # width buckets pad it
    engine = create_engine(OcrSettings(engine="onnx", onnx_rec_batch_size=1))
    assert isinstance(engine, PipelineEngine)
    return engine


@pytest.fixture(scope="module")
async def triton_engine(triton_settings: TritonSettings) -> AsyncIterator[PipelineEngine]:
    ocr = OcrSettings(engine="triton")
    engine = create_triton_engine(ocr, pipeline_params(ocr), triton_settings)
    await engine.ready()
    yield engine
    await engine.close()


async def test_same_words_as_in_process(
    onnx_engine: PipelineEngine, triton_engine: PipelineEngine
) -> None:
    pages = [render_page(1), render_page(2, lines=16)]
    expected = await onnx_engine.read_pages(pages)
    got = await triton_engine.read_pages(pages)
    assert sum(len(p) for p in expected) >= 20  # the pages were really read
    assert _words(got) == _words(expected)
    for page_got, page_exp in zip(got, expected, strict=True):
        for a, b in zip(page_got, page_exp, strict=True):
            assert a.text == b.text
            assert a.confidence == pytest.approx(b.confidence, abs=1e-4)
            assert a.polygon == b.polygon
    texts = " ".join(line.text for line in got[0])
    assert "Date:" in texts


async def test_concurrent_documents_read_as_alone(
    onnx_engine: PipelineEngine, triton_engine: PipelineEngine
) -> None:
    """Documents batched together in Triton read exactly as each one alone in-process."""
    pages = [render_page(10 + i, lines=6, size=(700, 620)) for i in range(3)]
    expected = [await onnx_engine.read_pages([p]) for p in pages]
    got = await asyncio.gather(*(triton_engine.read_pages([p]) for p in pages))
    assert [_words(g) for g in got] == [_words(e) for e in expected]


def _line_crops(count: int) -> list[np.ndarray]:
    crops = []
    for i, text in enumerate(invoice_lines(99, count)):
        font = ImageFont.truetype(FONT, 30)
        width = int(font.getlength(text)) + 20
        image = Image.new("RGB", (width, 48), "white")
        ImageDraw.Draw(image).text((10, 6), text, fill="black", font=font)
        crops.append(np.asarray(image))
        assert i < count
    return crops


async def test_concurrent_requests_are_batched(
    triton_settings: TritonSettings, triton_engine: PipelineEngine, onnx_engine: PipelineEngine
) -> None:
    """Many small concurrent requests of mixed widths: Triton executes them in fewer batches,
    and each request's answer equals the in-process result for that request alone."""
    runner = triton_engine.runner
    assert isinstance(runner, TritonRunner)
    crops = _line_crops(24)
    batches = [rec.prepare_batch(crops, [i, i + 1]).tensor for i in range(0, 24, 2)]
    assert len({b.shape[3] for b in batches}) > 1  # different widths share the batcher
    local = onnx_engine.runner
    assert isinstance(local, OnnxRunner)
    expected = [local.run_rec_sync(b) for b in batches]

    before = await runner.batch_statistics(triton_settings.rec_model)
    rounds = []
    for _ in range(2):
        rounds.append(await asyncio.gather(*(runner.run_rec(b) for b in batches)))
    # Triton records an execution's statistics just after it answers: wait for the last one
    for _ in range(50):
        after = await runner.batch_statistics(triton_settings.rec_model)
        if after[0] - before[0] >= 2 * 24:
            break
        await asyncio.sleep(0.05)

    inferences, executions = after[0] - before[0], after[1] - before[1]
    assert inferences == 2 * 24  # every line counted once
    assert executions < 2 * len(batches), (inferences, executions)  # requests were merged
    assert inferences / executions > 2.0
    for results in rounds:
        for got, exp in zip(results, expected, strict=True):
            assert np.array_equal(got.argmax(axis=2), exp.argmax(axis=2))
            np.testing.assert_allclose(got.max(axis=2), exp.max(axis=2), atol=1e-4)


async def test_engine_selected_by_settings(
    monkeypatch: pytest.MonkeyPatch, triton_server: LocalTriton
) -> None:
    monkeypatch.setenv("FINSCRIBE_OCR_ENGINE", "triton")
    monkeypatch.setenv("FINSCRIBE_TRITON_URL", triton_server.grpc_url)
    engine = create_engine(OcrSettings())
    try:
        assert engine.name.startswith("triton:")
        assert triton_server.grpc_url in engine.name
        await engine.ready()
        lines = await engine.read_pages([render_page(5, lines=3, size=(800, 400))])
        assert any("Date:" in line.text for line in lines[0]), [line.text for line in lines[0]]
    finally:
        await engine.close()


async def test_gpu_best_class_step_in_triton(triton_server: LocalTriton) -> None:
    """The GPU repository's ocr_rec_best model (Python, CPU) reduces probabilities right."""
    import tritonclient.grpc.aio as grpc_aio
    from tritonclient.grpc import InferInput

    rng = np.random.default_rng(7)
    probs = rng.random((3, 12, 50), dtype=np.float32)
    client = grpc_aio.InferenceServerClient(triton_server.grpc_url)
    try:
        tensor = InferInput("probs", list(probs.shape), "FP32")
        tensor.set_data_from_numpy(probs)
        result = await client.infer("ocr_rec_best", [tensor])
    finally:
        await client.close()
    assert np.array_equal(result.as_numpy("indices"), probs.argmax(axis=2))
    assert np.array_equal(result.as_numpy("scores"), probs.max(axis=2))
