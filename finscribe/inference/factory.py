"""Build the configured OCR engine from the OCR settings."""

from __future__ import annotations

import os
from dataclasses import replace

from finscribe.errors import ConfigurationError
from finscribe.inference.charset import load_charset
from finscribe.inference.det import DetParams
from finscribe.inference.engine import PipelineEngine
from finscribe.inference.onnx_runner import OnnxRunner, model_folder
from finscribe.inference.pipeline import PipelineParams
from finscribe.inference.protocol import OcrEngine
from finscribe.settings import OcrSettings, TritonSettings


def pipeline_params(settings: OcrSettings) -> PipelineParams:
    """The pre/post-processing parameters every runner shares."""
    return PipelineParams(
        det=DetParams(
            limit_side=settings.det_limit_side,
            threshold=settings.det_threshold,
            box_threshold=settings.det_box_threshold,
            unclip_ratio=settings.det_unclip_ratio,
        ),
        rec_batch_size=settings.rec_batch_size,
        rec_width_scale=settings.rec_width_scale,
    )


def create_engine(settings: OcrSettings, triton: TritonSettings | None = None) -> OcrEngine:
    """The in-process onnxruntime engine for ``settings.engine == "onnx"``.

    Raises ModelNotFoundError (with the folder and the fix) when the model files are
    missing. Loading takes about a second: build one engine per process and share it.
    """
    if settings.engine == "triton":
        from finscribe.inference.triton_engine import create_triton_engine

        # ``triton`` None: the FINSCRIBE_TRITON_* environment
        return create_triton_engine(settings, pipeline_params(settings), triton)
    if settings.engine != "onnx":
        raise ConfigurationError(
            f"OCR engine {settings.engine!r} is not available from finscribe.inference.factory"
        )
    if settings.use_angle_classifier:
        raise ConfigurationError(
            "FINSCRIBE_OCR_USE_ANGLE_CLASSIFIER is not supported: it blanked straight lines; "
            "the engine finds rotated pages from box shapes and recognition confidence instead"
        )
    folder = model_folder(settings.model_dir, settings.model)
    parallel = settings.onnx_rec_parallel or (os.cpu_count() or 1)
    runner = OnnxRunner(folder, threads=settings.threads, rec_threads=1 if parallel > 1 else 0)
    charset = load_charset(folder)
    # On CPU, small equal-width batches on single-threaded recognition runs, one per core at
    # once, were fastest (docs/benchmarks.md: 1.49 -> 1.04 s a noisy page against one line at
    # a time on two threads); the shared ``rec_batch_size`` is what a Triton client sends.
    params = replace(
        pipeline_params(settings),
        rec_batch_size=settings.onnx_rec_batch_size,
        rec_concurrency=parallel,
    )
    return PipelineEngine(f"onnx:{settings.model}", runner, charset, params)
