"""The Triton OCR engine: the shared pipeline with the networks served by NVIDIA Triton."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

import numpy as np

from finscribe.inference import ctc, rec
from finscribe.inference.charset import load_charset
from finscribe.inference.engine import PipelineEngine
from finscribe.inference.geometry import Crop
from finscribe.inference.pipeline import OcrPipeline, PipelineParams
from finscribe.inference.triton_runner import TritonRunner
from finscribe.settings import OcrSettings, TritonSettings


class ConcurrentRecPipeline(OcrPipeline):
    """The shared pipeline with recognition in width buckets, all requests in flight at once.

    Each line is padded only to its own width rounded up to the pipeline's width step, exactly
    as the in-process engine runs it (one width-sorted line per run, ``onnx_rec_batch_size``
    1), so both engines feed the network the same tensor per line and read the same words.
    Lines whose padded widths are equal go in one request (up to ``rec_batch_size`` lines);
    every request of a document is sent together and Triton's dynamic batcher merges them
    with other documents' (the CPU models run each distinct width as one batch, never
    re-padding). tests/triton compares the words with the in-process engine's.
    """

    async def _recognise(self, crops: Sequence[Crop]) -> list[tuple[ctc.Decoded, int, int]]:
        images = [c.image for c in crops]
        t0 = time.perf_counter()
        buckets: dict[int, list[int]] = {}
        for i, image in enumerate(images):
            buckets.setdefault(rec.padded_width(rec.resized_width(image)), []).append(i)
        size = self.params.rec_batch_size
        plan = [
            members[j : j + size]
            for _, members in sorted(buckets.items())
            for j in range(0, len(members), size)
        ]
        batches = [rec.prepare_batch(images, indices) for indices in plan]
        results = await asyncio.gather(*(self.runner.run_rec(b.tensor) for b in batches))
        t1 = time.perf_counter()
        out: list[tuple[ctc.Decoded, int, int] | None] = [None] * len(crops)
        for batch, probs in zip(batches, results, strict=True):
            padded = batch.tensor.shape[3]
            steps = probs.shape[1]
            for row, (i, width) in enumerate(zip(batch.indices, batch.widths, strict=True)):
                valid = int(np.ceil(width / padded * steps)) + 1
                out[i] = (ctc.decode(probs[row], self.charset, valid), width, padded)
        self.timings.rec += t1 - t0
        self.timings.other += time.perf_counter() - t1
        self.timings.lines += len(crops)
        return [o for o in out if o is not None]


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
    engine = PipelineEngine(f"triton:{settings.model}@{triton.url}", runner, charset, params)
    engine.pipeline = ConcurrentRecPipeline(runner, charset, params)
    return engine
