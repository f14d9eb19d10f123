"""The in-process OCR engine: the shared pipeline on onnxruntime sessions."""

from __future__ import annotations

from collections.abc import Sequence

from finscribe.inference.pipeline import OcrPipeline, PipelineParams, Timings
from finscribe.inference.protocol import Image
from finscribe.inference.runner import ModelRunner
from finscribe.inference.types import OcrLine


class PipelineEngine:
    """An :class:`~finscribe.inference.protocol.OcrEngine` over any :class:`ModelRunner`.

    Models load once, when the runner is built. ``read_pages`` returns, per page, the lines
    in reading order; coordinates are pixels of the upright page: the given image turned
    clockwise by each line's ``rotation`` (0 unless the page was sideways or upside down;
    the same meaning as the text layer's ``PageText.rotation``).
    Slight skew is handled per line (perspective crops), not by turning the page.
    """

    def __init__(
        self, name: str, runner: ModelRunner, charset: Sequence[str], params: PipelineParams
    ) -> None:
        self.name = name
        self.runner = runner
        self.pipeline = OcrPipeline(runner, charset, params)

    @property
    def timings(self) -> Timings:
        return self.pipeline.timings

    async def read_pages(self, images: Sequence[Image]) -> list[list[OcrLine]]:
        return await self.pipeline.read_pages(images)

    async def ready(self) -> None:
        await self.runner.ready()

    async def close(self) -> None:
        await self.runner.close()
