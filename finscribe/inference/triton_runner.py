"""Model runner on NVIDIA Triton: det/rec batches as asyncio gRPC requests, with retries.

Implements :class:`finscribe.inference.runner.ModelRunner`, so the shared pipeline (resizing,
DB boxes, crops, CTC decoding, word spaces) runs unchanged on the worker and only the two
networks run in Triton: the same inputs reach the same networks, so the words match the
in-process engine's. A batch larger than the Triton model's ``max_batch_size`` goes out as
concurrent sub-requests; Triton's dynamic batcher merges requests of many workers.

The recognition model returns, per time step, the best class and its probability (all that
greedy CTC decoding reads) instead of ``[N, T, C]`` probabilities (C is about 18,000: some
megabytes per line); :func:`expand_best` turns them back into the ``[N, T, C]`` tensor that the
runner interface promises, with zeros elsewhere, so argmax and max are unchanged.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from finscribe import metrics
from finscribe.errors import ConfigurationError, InferenceUnavailableError
from finscribe.inference.runner import Tensor
from finscribe.settings import TritonSettings

T = TypeVar("T")

#: gRPC status codes worth another try: the server or a model is (re)starting or overloaded.
RETRYABLE_STATUSES = frozenset(
    {
        "StatusCode.UNAVAILABLE",
        "StatusCode.DEADLINE_EXCEEDED",
        "StatusCode.RESOURCE_EXHAUSTED",
        "StatusCode.ABORTED",
        "StatusCode.NOT_FOUND",  # model not loaded (yet)
        "StatusCode.INTERNAL",  # model instance failed (Python stub restarted)
        "StatusCode.UNKNOWN",
        "StatusCode.CANCELLED",
    }
)
#: Input and output tensor names of the Triton models (see model_repository/*/config.pbtxt).
INPUT_NAME = "x"
DET_OUTPUT = "probs"
REC_INDICES = "indices"
REC_SCORES = "scores"
#: Used until ready() has read the models' configs.
DEFAULT_MAX_BATCH = {"det": 8, "rec": 64}


def expand_best(
    indices: npt.NDArray[np.int32], scores: npt.NDArray[np.float32], num_classes: int
) -> Tensor:
    """``[N, T]`` best classes and probabilities -> ``[N, T, C]`` with zeros elsewhere."""
    if indices.size and int(indices.max()) >= num_classes:
        raise ConfigurationError(
            f"Triton's recognition model returned class {int(indices.max())} but the local "
            f"dictionary has {num_classes} classes: the server runs a different OCR model than "
            "FINSCRIBE_OCR_MODEL (rebuild the repository with `make triton-repo`)"
        )
    probs = np.zeros((*indices.shape, num_classes), dtype=np.float32)
    np.put_along_axis(probs, indices[..., None].astype(np.intp), scores[..., None], axis=2)
    return probs


def _unavailable(message: str) -> Exception:
    """A retryable failure in tritonclient's own exception type (retried, then reported)."""
    from tritonclient.utils import InferenceServerException

    return InferenceServerException(msg=message, status="StatusCode.UNAVAILABLE")  # type: ignore[no-any-return]


class TritonRunner:
    """Runs det and rec in Triton over gRPC (``tritonclient.grpc.aio``)."""

    def __init__(self, settings: TritonSettings, *, num_classes: int) -> None:
        self.settings = settings
        self.num_classes = num_classes
        self._client: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._max_batch = {
            settings.det_model: DEFAULT_MAX_BATCH["det"],
            settings.rec_model: DEFAULT_MAX_BATCH["rec"],
        }
        self._closed = False

    # --- connection ---------------------------------------------------------------------

    def _get_client(self) -> Any:
        if self._closed:
            raise InferenceUnavailableError("the Triton OCR engine is closed")
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            import tritonclient.grpc.aio as grpc_aio

            self._client = grpc_aio.InferenceServerClient(url=self.settings.url)
            self._loop = loop
        return self._client

    async def close(self) -> None:
        self._closed = True
        client, self._client = self._client, None
        if client is not None and self._loop is asyncio.get_running_loop():
            await client.close()

    # --- retries ------------------------------------------------------------------------

    async def _retrying(self, what: str, model: str, call: Callable[[], Awaitable[T]]) -> T:
        from tritonclient.utils import InferenceServerException

        s = self.settings
        delay = s.backoff_s
        last = ""
        for attempt in range(s.retries + 1):
            if attempt:
                metrics.INFERENCE_RETRIES.labels(model=model).inc()
                await asyncio.sleep(delay)
                delay = min(delay * 2, s.backoff_max_s)
            try:
                return await call()
            except InferenceServerException as exc:
                status = str(exc.status())
                last = f"{status}: {exc.message()}"
                if status not in RETRYABLE_STATUSES:
                    raise ConfigurationError(
                        f"Triton at {s.url} rejected {what} for model {model!r}: {last}"
                    ) from exc
            except (TimeoutError, OSError) as exc:
                last = f"{type(exc).__name__}: {exc}"
        raise InferenceUnavailableError(
            f"Triton at {s.url} could not serve {what} for model {model!r} after "
            f"{s.retries + 1} attempts: {last}"
        )

    # --- readiness ----------------------------------------------------------------------

    async def ready(self) -> None:
        """Server live and both models ready; reads each model's max batch size."""
        s = self.settings
        client = self._get_client()

        async def live() -> None:
            if not await client.is_server_live(client_timeout=s.ready_timeout_s):
                raise _unavailable("the server is not live")

        await self._retrying("a liveness check", "server", live)
        for model in (s.det_model, s.rec_model):
            await self._retrying(
                "a readiness check", model, functools.partial(self._model_ready, model)
            )

    async def _model_ready(self, model: str) -> None:
        s = self.settings
        client = self._get_client()
        if not await client.is_model_ready(
            model, s.model_version, client_timeout=s.ready_timeout_s
        ):
            raise _unavailable(f"model {model!r} is not ready")
        config = await client.get_model_config(
            model, s.model_version, as_json=True, client_timeout=s.ready_timeout_s
        )
        max_batch = int(config.get("config", {}).get("max_batch_size", 0) or 0)
        if max_batch < 1:
            raise ConfigurationError(f"Triton model {model!r} at {s.url} does not batch")
        self._max_batch[model] = max_batch

    # --- inference ----------------------------------------------------------------------

    async def _infer(self, model: str, batch: Tensor, outputs: tuple[str, ...]) -> list[Any]:
        from tritonclient.grpc import InferInput, InferRequestedOutput

        s = self.settings
        data = np.ascontiguousarray(batch, dtype=np.float32)

        async def call() -> list[Any]:
            client = self._get_client()
            tensor = InferInput(INPUT_NAME, list(data.shape), "FP32")
            tensor.set_data_from_numpy(data)
            result = await client.infer(
                model,
                [tensor],
                model_version=s.model_version,
                outputs=[InferRequestedOutput(name) for name in outputs],
                client_timeout=s.timeout_s,
            )
            return [result.as_numpy(name) for name in outputs]

        metrics.INFERENCE_BATCH_SIZE.labels(model=model).observe(len(data))
        started = time.perf_counter()
        try:
            return await self._retrying(f"a batch of {len(data)}", model, call)
        finally:
            metrics.INFERENCE_LATENCY.labels(model=model).observe(time.perf_counter() - started)

    async def _split(self, model: str, batch: Tensor, outputs: tuple[str, ...]) -> list[list[Any]]:
        """One request per ``max_batch_size`` slice, all in flight together."""
        size = self._max_batch.get(model, 1)
        parts = [batch[i : i + size] for i in range(0, len(batch), size)]
        return list(await asyncio.gather(*(self._infer(model, p, outputs) for p in parts)))

    async def run_det(self, batch: Tensor) -> Tensor:
        parts = await self._split(self.settings.det_model, batch, (DET_OUTPUT,))
        return np.concatenate([np.asarray(p[0], dtype=np.float32) for p in parts])

    async def run_rec(self, batch: Tensor) -> Tensor:
        parts = await self._split(self.settings.rec_model, batch, (REC_INDICES, REC_SCORES))
        indices = np.concatenate([np.asarray(p[0], dtype=np.int32) for p in parts])
        scores = np.concatenate([np.asarray(p[1], dtype=np.float32) for p in parts])
        return expand_best(indices, scores, self.num_classes)

    # --- statistics (tests, benchmarks) ----------------------------------------------------

    async def batch_statistics(self, model: str) -> tuple[int, int]:
        """Triton's ``(inference_count, execution_count)`` for ``model`` since it loaded."""
        client = self._get_client()
        stats = await client.get_inference_statistics(
            model,
            self.settings.model_version,
            as_json=True,
            client_timeout=self.settings.ready_timeout_s,
        )
        inference = execution = 0
        for entry in stats.get("model_stats", []):
            inference += int(entry.get("inference_count", 0) or 0)
            execution += int(entry.get("execution_count", 0) or 0)
        return inference, execution
