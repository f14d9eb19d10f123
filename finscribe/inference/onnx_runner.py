"""The in-process model runner: onnxruntime sessions on the det and rec ONNX files."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import numpy as np

from finscribe.constants import OCR_DET_FILE, OCR_REC_FILE
from finscribe.errors import InferenceUnavailableError, ModelNotFoundError
from finscribe.inference.runner import Tensor


def model_folder(model_dir: Path, model: str) -> Path:
    """The folder of ``model`` under ``model_dir``, checked to hold det and rec files."""
    folder = model_dir / model
    missing = [name for name in (OCR_DET_FILE, OCR_REC_FILE) if not (folder / name).is_file()]
    if missing:
        available = (
            sorted(p.name for p in model_dir.iterdir() if p.is_dir()) if model_dir.is_dir() else []
        )
        raise ModelNotFoundError(
            f"OCR model {model!r} not found: {folder} lacks {', '.join(missing)} "
            f"(available in {model_dir}: {', '.join(available) or 'none'}); run `make models` "
            "or set FINSCRIBE_OCR_MODEL_DIR / FINSCRIBE_OCR_MODEL"
        )
    return folder


def _options(threads: int) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    # no busy-waiting between operators: on shared cores (several workers, other jobs)
    # spinning threads burned CPU time that the computation needed
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return options


def ort_session(path: Path, options: Any, providers: list[str]) -> Any:
    """An onnxruntime session (thread-safe: concurrent ``run`` calls are allowed)."""
    import onnxruntime as ort

    return ort.InferenceSession(str(path), options, providers=providers)


class OnnxRunner:
    """Both networks in onnxruntime CPU sessions; ``run`` happens in a worker thread.

    onnxruntime releases the GIL while it computes, so the event loop stays responsive and
    concurrent pages share the cores through the sessions' own thread pools.
    """

    def __init__(self, folder: Path, *, threads: int = 0, rec_threads: int = 0) -> None:
        """``threads``: intra-op threads (0 = cores); ``rec_threads``: the same for the
        recognition session alone (0 = ``threads``; 1 when several runs go at once)."""
        providers = ["CPUExecutionProvider"]
        det_options = _options(threads or (os.cpu_count() or 1))
        rec_options = _options(rec_threads or threads or (os.cpu_count() or 1))
        try:
            self._det: Any = ort_session(folder / OCR_DET_FILE, det_options, providers)
            self._rec: Any = ort_session(folder / OCR_REC_FILE, rec_options, providers)
        except Exception as exc:  # onnxruntime raises its own untyped errors for bad files
            raise ModelNotFoundError(f"cannot load OCR model from {folder}: {exc}") from exc
        self._det_input = self._det.get_inputs()[0].name
        self._rec_input = self._rec.get_inputs()[0].name
        self._closed = False

    def _run(self, session: Any, name: str, batch: Tensor) -> Tensor:
        if self._closed:
            raise InferenceUnavailableError("the OCR engine is closed")
        out = session.run(None, {name: np.ascontiguousarray(batch, dtype=np.float32)})[0]
        return np.asarray(out, dtype=np.float32)

    async def run_det(self, batch: Tensor) -> Tensor:
        return await asyncio.to_thread(self._run, self._det, self._det_input, batch)

    async def run_rec(self, batch: Tensor) -> Tensor:
        return await asyncio.to_thread(self._run, self._rec, self._rec_input, batch)

    def run_det_sync(self, batch: Tensor) -> Tensor:
        return self._run(self._det, self._det_input, batch)

    def run_rec_sync(self, batch: Tensor) -> Tensor:
        return self._run(self._rec, self._rec_input, batch)

    async def ready(self) -> None:
        if self._closed:
            raise InferenceUnavailableError("the OCR engine is closed")

    async def close(self) -> None:
        self._closed = True
