"""The model-execution interface under the OCR pipeline: onnxruntime in-process or Triton."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

#: A float32 tensor in NCHW layout (det/rec input) or the model's raw output.
Tensor = npt.NDArray[np.float32]


@runtime_checkable
class ModelRunner(Protocol):
    """Runs the detection and recognition networks on prepared batches; nothing more.

    All pre- and post-processing (resizing, normalisation, DB boxes, crops, CTC decoding,
    word spaces, orientation, reading order) lives in :mod:`finscribe.inference.pipeline`
    and is shared by every runner, so two runners on the same inputs give the same words.
    """

    async def run_det(self, batch: Tensor) -> Tensor:
        """Detection: ``[N, 3, H, W]`` (BGR, ImageNet-normalised, H and W multiples of 32)
        -> text probability maps ``[N, 1, H, W]`` in [0, 1]."""
        ...

    async def run_rec(self, batch: Tensor) -> Tensor:
        """Recognition: ``[N, 3, 48, W]`` (BGR, scaled to [-1, 1], right-padded with 0)
        -> per-timestep class probabilities ``[N, T, C]`` (softmax applied, class 0 = blank)."""
        ...

    async def ready(self) -> None:
        """Raise InferenceUnavailableError unless both models can run now."""
        ...

    async def close(self) -> None:
        """Release sessions or connections."""
        ...
