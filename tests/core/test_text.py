"""The text stage and the pipeline entry, with the real in-process OCR engine and models."""

from __future__ import annotations

import hashlib
import io
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pypdfium2 as pdfium
import pytest
import pytest_asyncio
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from finscribe import errors
from finscribe.constants import STAGES
from finscribe.core import ingest, pipeline, text
from finscribe.core.schema import schema_errors
from finscribe.inference.factory import create_engine
from finscribe.inference.protocol import Image, OcrEngine
from finscribe.inference.types import OcrLine, OcrWord
from finscribe.settings import OcrSettings, Settings

SMALL = (360.0, 144.0)  # 5 x 2 inches: 1000 x 400 px at 200 dpi, quick to OCR


class RecordingEngine:
    """The real engine, with a record of what it was asked (not a stand-in for it)."""

    def __init__(self, engine: OcrEngine) -> None:
        self.engine = engine
        self.name = engine.name
        self.calls: list[list[tuple[int, ...]]] = []

    async def read_pages(self, images: Sequence[Image]) -> list[list[OcrLine]]:
        self.calls.append([tuple(images[i].shape) for i in range(len(images))])
        return await self.engine.read_pages(images)

    async def ready(self) -> None:
        await self.engine.ready()

    async def close(self) -> None:
        """The shared engine is closed by its fixture."""


@pytest_asyncio.fixture(scope="module")
async def ocr_engine() -> AsyncIterator[OcrEngine]:
    engine = create_engine(OcrSettings())
    yield engine
    await engine.close()


def _settings() -> Settings:
    return Settings(ocr=OcrSettings(dpi=200))


def _text_page(c: canvas.Canvas, lines: list[str]) -> None:
    c.setFont("Helvetica", 20)
    for i, line in enumerate(lines):
        c.drawString(24, SMALL[1] - 40 - i * 34, line)
    c.showPage()


def _scanned(lines: list[str]) -> np.ndarray:
    """A picture of a page of text (rendered at 200 dpi): what a scanner gives."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=SMALL)
    _text_page(c, lines)
    c.save()
    pdf = pdfium.PdfDocument(buf.getvalue())
    image = pdf[0].render(scale=200 / 72).to_pil().convert("RGB")
    pdf.close()
    return np.asarray(image)


def _mixed_pdf() -> bytes:
    """Page 1 born-digital, pages 2 and 3 scanned images (no text layer)."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=SMALL)
    _text_page(c, ["Invoice INV-7731", "Total 48.20 EUR"])
    for lines in (["Delivery note 5521", "Paid in full"], ["Thank you"]):
        from PIL import Image as PILImage

        picture = PILImage.fromarray(_scanned(lines))
        c.drawImage(ImageReader(picture), 0, 0, width=SMALL[0], height=SMALL[1])
        c.showPage()
    c.save()
    return buf.getvalue()


async def test_text_layer_and_scanned_pages_in_one_pdf(ocr_engine: OcrEngine) -> None:
    engine = RecordingEngine(ocr_engine)
    data = _mixed_pdf()
    with ingest.ingest(data, _settings()) as doc:
        result = await text.read_text(doc, engine, _settings())
    assert [p.source for p in result.pages] == ["text_layer", "ocr", "ocr"]
    assert [p.number for p in result.pages] == [1, 2, 3]
    # Both scanned pages went to the engine in one call, at 200 dpi.
    assert engine.calls == [[(400, 1000, 3), (400, 1000, 3)]]
    first, second, third = result.pages
    assert first.text == "Invoice INV-7731\nTotal 48.20 EUR"
    assert all(w.confidence == 1.0 for w in first.words)
    assert "5521" in second.text
    assert "Paid" in second.text
    assert "Thank" in third.text
    for page in (second, third):
        assert (page.width, page.height, page.dpi) == (1000, 400, 200)
        for line in page.lines:
            assert 0 < line.confidence <= 1
            assert 0 <= line.bbox.x0 < line.bbox.x1 <= page.width
            assert 0 <= line.bbox.y0 < line.bbox.y1 <= page.height
            for word in line.words:
                assert line.bbox.x0 - 1 <= word.bbox.x0 <= word.bbox.x1 <= line.bbox.x1 + 1
    # The OCR'd lines sit where the text was drawn: first line above the second.
    assert second.lines[0].bbox.cy < second.lines[1].bbox.cy
    assert result.sha256 == hashlib.sha256(data).hexdigest()


async def test_png_is_ocrd_with_word_boxes(ocr_engine: OcrEngine) -> None:
    from PIL import Image as PILImage

    buf = io.BytesIO()
    PILImage.fromarray(_scanned(["Amount due 120.00", "IBAN check"])).save(buf, "PNG")
    with ingest.ingest(buf.getvalue(), _settings()) as doc:
        result = await text.read_text(doc, ocr_engine, _settings())
    (page,) = result.pages
    assert page.source == "ocr"
    assert result.content_type == "image/png"
    words = [w.text for w in page.words]
    assert "120.00" in words
    amount = page.words[words.index("120.00")]
    due = page.words[words.index("due")] if "due" in words else None
    if due is not None:
        assert due.bbox.x1 <= amount.bbox.x0 + 2  # words in order, left to right


async def test_text_only_document_never_loads_the_engine() -> None:
    def refuse() -> OcrEngine:
        raise AssertionError("the OCR engine was built for a text-layer-only document")

    lazy = pipeline.LazyEngine(refuse)
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=SMALL)
    _text_page(c, ["Receipt 0001", "Total 3.50"])
    _text_page(c, ["Page two of the receipt"])
    c.save()
    result = await pipeline.analyze(buf.getvalue(), engine=lazy, settings=_settings())
    assert not lazy.loaded
    assert [p["source"] for p in result.document["pages"]] == ["text_layer", "text_layer"]


def test_page_from_ocr_converts_lines_and_turns_sideways_pages() -> None:
    info = ingest.PageInfo(number=2, width=300, height=100, dpi=200)
    lines = [
        OcrLine(
            text="Total 9.90",
            confidence=0.91,
            polygon=((10, 20), (80, 20), (80, 40), (10, 40)),
            words=(
                OcrWord("Total", (10, 20, 45, 40), 0.95),
                OcrWord("9.90", (50, 20, 80, 40), 0.87),
            ),
            rotation=90,
        ),
        OcrLine(
            text="no word boxes",
            confidence=0.8,
            polygon=((0, 50), (130, 50), (130, 70), (0, 70)),
            words=(),
            rotation=90,
        ),
        OcrLine(
            text="   ",
            confidence=0.5,
            polygon=((0, 0), (1, 0), (1, 1), (0, 1)),
            words=(),
            rotation=90,
        ),
    ]
    page = text.page_from_ocr(info, lines)
    assert (page.number, page.source, page.rotation) == (2, "ocr", 90)
    assert (page.width, page.height) == (100, 300)  # upright: turned 90 degrees
    assert [line.text for line in page.lines] == ["Total 9.90", "no word boxes"]
    first = page.lines[0]
    assert first.confidence == pytest.approx(0.91)
    assert [w.confidence for w in first.words] == [0.95, 0.87]
    assert first.words[1].bbox.to_list() == [50, 20, 80, 40]
    # Without word boxes the line's box is shared out by characters.
    split = page.lines[1].words
    assert [w.text for w in split] == ["no", "word", "boxes"]
    assert split[0].bbox.x0 == 0
    # Boxes are clamped to the upright page (100 wide), then shared by the 13 characters.
    assert page.lines[1].bbox.x1 == page.width
    assert split[0].bbox.x1 == pytest.approx(2 * 100 / 13)
    assert split[2].bbox.x1 == pytest.approx(100)


async def test_analyze_reports_each_stage_and_times_it(
    tmp_path: Path, ocr_engine: OcrEngine
) -> None:
    seen: list[tuple[str, int]] = []

    async def on_stage(stage: str, progress: int) -> None:
        seen.append((stage, progress))

    path = tmp_path / "mixed.pdf"
    path.write_bytes(_mixed_pdf())
    result = await pipeline.analyze(
        path, engine=ocr_engine, settings=_settings(), on_stage=on_stage, page_limit=2
    )
    names = [name for name, _ in STAGES]
    assert [s for s, _ in seen][:3] == ["ingest", "text", "layout"]
    assert [names.index(s) for s, _ in seen] == sorted(names.index(s) for s, _ in seen)
    before = dict(zip(names, [0] + [p for _, p in STAGES[:-1]], strict=True))
    assert all(progress == before[stage] for stage, progress in seen)
    assert "store" not in [s for s, _ in seen]  # the caller stores
    assert set(result.timings) == {"ingest", "text", "extract"}
    assert all(t >= 0 for t in result.timings.values())
    doc: dict[str, Any] = result.document
    assert doc["schema_version"] == "1"
    assert doc["pages"] == [
        {"number": 1, "width": 1000, "height": 400, "source": "text_layer"},
        {"number": 2, "width": 1000, "height": 400, "source": "ocr"},
    ]
    assert result.total_pages == 3
    assert len(result.text.pages) == 2
    assert result.content_type == "application/pdf"
    assert len(result.sha256) == 64


async def test_analyze_refuses_with_typed_errors_and_sync_callbacks() -> None:
    seen: list[str] = []
    with pytest.raises(errors.UnsupportedTypeError):
        await pipeline.analyze(
            io.BytesIO(b"just some text"),
            engine=pipeline.LazyEngine(lambda: (_ for _ in ()).throw(AssertionError())),
            settings=_settings(),
            on_stage=lambda stage, _p: seen.append(stage),
        )
    assert seen == ["ingest"]


def test_minimal_document_is_schema_v1() -> None:
    from finscribe.core.model import DocumentText, PageText

    doc_text = DocumentText(
        content_type="image/png",
        pages=[PageText(number=1, width=10, height=20, dpi=200, source="ocr")],
    )
    doc = pipeline.minimal_document(doc_text, {"language": "fr"})
    assert doc == {
        "schema_version": "1",
        "document_type": "unknown",
        "language": "fr",
        "pages": [{"number": 1, "width": 10, "height": 20, "source": "ocr"}],
        "fields": {},
        "line_items": [],
        "validation": {"valid": True, "issues": []},
        "needs_review": True,
    }
    assert schema_errors(doc) == []
    assert pipeline.minimal_document(doc_text, {})["language"] == "en"
    assert schema_errors(pipeline.minimal_document(doc_text, {})) == []
