"""The analysis pipeline entry that the CLI and the workers call: ingest -> text -> extraction.

:func:`analyze` runs the stages of :data:`finscribe.constants.STAGES` up to validation (the
caller stores the result) and reports each stage through an ``on_stage`` callback. Field
extraction and validation come from :mod:`finscribe.core.extraction` when it provides
``build_document``; until then the minimal schema-v1 document is produced.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from finscribe.constants import SCHEMA_VERSION, STAGES
from finscribe.core.ingest import Source, ingest
from finscribe.core.model import DocumentText
from finscribe.core.text import read_text
from finscribe.inference.protocol import Image, OcrEngine
from finscribe.inference.types import OcrLine
from finscribe.settings import Settings

#: ``on_stage(stage, progress)``: called as each stage starts, with the progress (0-100)
#: reached before it. May be a plain function or a coroutine function.
StageCallback = Callable[[str, int], Awaitable[None] | None]
#: ``build_document(doc_text, hints, ...) -> dict``: layout, fields and validation.
DocumentBuilder = Callable[..., dict[str, Any]]

_PROGRESS_BEFORE: dict[str, int] = {
    name: (STAGES[i - 1][1] if i else 0) for i, (name, _) in enumerate(STAGES)
}


@dataclass(slots=True)
class AnalysisResult:
    """What :func:`analyze` returns: the schema-v1 document, the positioned text, timings."""

    document: dict[str, Any]
    text: DocumentText
    #: Seconds per stage: "ingest", "text", "extract" (layout + fields + validation).
    timings: dict[str, float] = field(default_factory=dict)
    content_type: str = ""
    sha256: str = ""
    size_bytes: int = 0
    #: Pages in the file (``text.pages`` may be fewer when a page limit was given).
    total_pages: int = 0


async def analyze(
    source: Source,
    *,
    engine: OcrEngine,
    settings: Settings,
    hints: Mapping[str, Any] | None = None,
    on_stage: StageCallback | None = None,
    password: str | None = None,
    page_limit: int | None = None,
) -> AnalysisResult:
    """Analyse one document: ingest, text (text layer or OCR), layout, fields, validation.

    ``source`` is a path, bytes or a binary stream. Raises a
    :class:`finscribe.errors.InputError` subclass for a refused document and
    :class:`finscribe.errors.TransientError` subclasses for infrastructure faults.
    ``hints`` (e.g. ``{"language": "fr", "document_type": "invoice"}``) are passed to the
    extraction. The OCR engine is only used for pages without a usable text layer.
    """
    timings: dict[str, float] = {}

    await _report(on_stage, "ingest")
    t0 = time.perf_counter()
    ingested = await asyncio.to_thread(
        ingest, source, settings, password=password, page_limit=page_limit
    )
    timings["ingest"] = time.perf_counter() - t0
    with ingested:
        await _report(on_stage, "text")
        t0 = time.perf_counter()
        doc_text = await read_text(ingested, engine, settings)
        timings["text"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    document = await _extract(doc_text, hints or {}, settings, on_stage)
    timings["extract"] = time.perf_counter() - t0
    return AnalysisResult(
        document=document,
        text=doc_text,
        timings=timings,
        content_type=ingested.content_type,
        sha256=ingested.sha256,
        size_bytes=ingested.size_bytes,
        total_pages=ingested.total_pages,
    )


async def _report(on_stage: StageCallback | None, stage: str) -> None:
    if on_stage is None:
        return
    outcome = on_stage(stage, _PROGRESS_BEFORE[stage])
    if inspect.isawaitable(outcome):
        await outcome


def document_builder() -> DocumentBuilder | None:
    """``finscribe.core.extraction.build_document`` where it exists, else None."""
    try:
        module = importlib.import_module("finscribe.core.extraction")
    except ImportError:
        return None
    builder = getattr(module, "build_document", None)
    return builder if callable(builder) else None


async def _extract(
    doc_text: DocumentText,
    hints: Mapping[str, Any],
    settings: Settings,
    on_stage: StageCallback | None,
) -> dict[str, Any]:
    await _report(on_stage, "layout")
    builder = document_builder()
    if builder is None:
        return minimal_document(doc_text, hints)
    parameters = inspect.signature(builder).parameters
    kwargs: dict[str, Any] = {}
    if "settings" in parameters:
        kwargs["settings"] = settings
    if "on_stage" in parameters and on_stage is not None:
        # The builder reports "fields" and "validate" itself, from its worker thread.
        loop = asyncio.get_running_loop()

        def report(stage: str, _progress: int | None = None) -> None:
            asyncio.run_coroutine_threadsafe(_report(on_stage, stage), loop).result()

        kwargs["on_stage"] = report
    document = await asyncio.to_thread(builder, doc_text, dict(hints), **kwargs)
    if "on_stage" not in kwargs:
        await _report(on_stage, "fields")
        await _report(on_stage, "validate")
    return document


def minimal_document(doc_text: DocumentText, hints: Mapping[str, Any]) -> dict[str, Any]:
    """The schema-v1 document before any field is extracted: pages only, needs review."""
    return {
        "schema_version": SCHEMA_VERSION,
        "document_type": str(hints.get("document_type", "unknown")),
        # Schema v1 wants an ISO 639-1 code; without extraction nothing is detected.
        "language": str(hints.get("language", "en")),
        "pages": [
            {"number": p.number, "width": p.width, "height": p.height, "source": p.source}
            for p in doc_text.pages
        ],
        "fields": {},
        "line_items": [],
        "validation": {"valid": True, "issues": []},
        "needs_review": True,
    }


class LazyEngine:
    """An OCR engine built on first use (so a text-layer-only batch never loads models).

    Wraps a factory, e.g. ``finscribe.inference.factory.create_engine``; the engine is
    built once, in a worker thread (model loading takes about a second), and shared.
    """

    def __init__(self, factory: Callable[[], OcrEngine], name: str = "lazy") -> None:
        self._factory = factory
        self._engine: OcrEngine | None = None
        self._lock = asyncio.Lock()
        self.name = name

    @property
    def loaded(self) -> bool:
        return self._engine is not None

    async def get(self) -> OcrEngine:
        async with self._lock:
            if self._engine is None:
                self._engine = await asyncio.to_thread(self._factory)
                self.name = self._engine.name
            return self._engine

    async def read_pages(self, images: Sequence[Image]) -> list[list[OcrLine]]:
        engine = await self.get()
        return await engine.read_pages(images)

    async def ready(self) -> None:
        engine = await self.get()
        await engine.ready()

    async def close(self) -> None:
        if self._engine is not None:
            await self._engine.close()
            self._engine = None


def default_engine(settings: Settings) -> LazyEngine:
    """The configured OCR engine (``settings.ocr``), loaded lazily on first OCR page."""

    def build() -> OcrEngine:
        # Imported here: onnxruntime and OpenCV load only when a page needs OCR.
        from finscribe.inference.factory import create_engine

        return create_engine(settings.ocr, settings.triton)

    return LazyEngine(build, name=f"{settings.ocr.engine}:{settings.ocr.model}")
