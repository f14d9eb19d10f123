"""The Triton OCR engine: the shared pipeline with the networks served by NVIDIA Triton."""

from __future__ import annotations

from dataclasses import replace

from finscribe.inference.charset import load_charset
from finscribe.inference.engine import PipelineEngine
from finscribe.inference.pipeline import PipelineParams
from finscribe.inference.triton_runner import TritonRunner
from finscribe.settings import OcrSettings, TritonSettings


def create_triton_engine(
    settings: OcrSettings, params: PipelineParams, triton: TritonSettings | None = None
) -> PipelineEngine:
    """A :class:`PipelineEngine` on a :class:`TritonRunner` (``FINSCRIBE_OCR_ENGINE=triton``).

    Only the recognition dictionary is read locally (``models/<model>/dict.txt``, or the
    rec model's metadata); the networks run in Triton. Nothing connects until the first
    call: ``await engine.ready()`` at worker start checks the server and both models and
    raises InferenceUnavailableError naming the URL and the model otherwise.
    """
    triton = triton if triton is not None else TritonSettings()
    charset = load_charset(settings.model_dir / settings.model)
    runner = TritonRunner(triton, num_classes=len(charset))
    # Every recognition request of a call goes out at once: Triton's dynamic batcher merges
    # them with other documents' (the width buckets feed the network the same rows as the
    # in-process engine, so both read the same words; tests/triton compares them).
    params = replace(params, rec_concurrency=0)
    engine = PipelineEngine(f"triton:{settings.model}@{triton.url}", runner, charset, params)
    return engine
