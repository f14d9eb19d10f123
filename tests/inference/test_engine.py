"""The in-process OCR engine on the real models: words, spaces, boxes, rotation, skew, errors."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from finscribe.errors import ConfigurationError, ModelNotFoundError
from finscribe.inference import orientation
from finscribe.inference.factory import create_engine
from finscribe.inference.geometry import rotate_points
from finscribe.inference.protocol import OcrEngine
from finscribe.inference.types import OcrLine
from finscribe.settings import OcrSettings
from tests.inference.conftest import RenderedPage, render_page


def _texts(lines: list[OcrLine]) -> list[str]:
    return [line.text for line in lines]


def _iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union else 0.0


def _assert_reads(lines: list[OcrLine], page: RenderedPage) -> None:
    assert _texts(lines) == list(page.lines)


@pytest.fixture(scope="module")
async def rendered_lines(ocr_engine: OcrEngine, rendered_page: RenderedPage) -> list[OcrLine]:
    """The engine's reading of the rendered page, shared by the tests that only look."""
    [lines] = await ocr_engine.read_pages([rendered_page.image])
    return lines


async def test_reads_lines_in_order_with_word_spaces(
    rendered_lines: list[OcrLine], rendered_page: RenderedPage
) -> None:
    lines = rendered_lines
    _assert_reads(lines, rendered_page)
    for line in lines:
        assert [w.text for w in line.words] == line.text.split(" ")
        assert line.rotation == 0


async def test_word_boxes_lie_on_the_drawn_words(
    rendered_lines: list[OcrLine], rendered_page: RenderedPage
) -> None:
    lines = rendered_lines
    words = [w for line in lines for w in line.words]
    assert [w.text for w in words] == [d.text for d in rendered_page.words]
    h, w = rendered_page.image.shape[:2]
    for got, drawn in zip(words, rendered_page.words, strict=True):
        x0, y0, x1, y1 = got.box
        assert 0 <= x0 < x1 <= w
        assert 0 <= y0 < y1 <= h
        assert _iou(got.box, drawn.box) > 0.5, (got, drawn)
        assert 0.0 <= got.confidence <= 1.0
    for line in lines:
        assert 0.5 < line.confidence <= 1.0
        xs = [p[0] for p in line.polygon]
        ys = [p[1] for p in line.polygon]
        for word in line.words:  # words sit inside their line's region
            assert min(xs) - 2 <= word.box[0]
            assert word.box[2] <= max(xs) + 2
            assert min(ys) - 2 <= word.box[1]
            assert word.box[3] <= max(ys) + 2


@pytest.fixture(scope="module")
def small_page() -> RenderedPage:
    return render_page(("Invoice No: INV-2024-0042", "Total due 1,428.00 EUR"), size=(760, 300))


@pytest.mark.parametrize("rotation", [90, 180, 270])
async def test_rotated_page_is_read_upright(
    ocr_engine: OcrEngine, small_page: RenderedPage, rotation: int
) -> None:
    rendered_page = small_page
    turned = np.ascontiguousarray(np.rot90(rendered_page.image, k=-rotation // 90))
    [lines] = await ocr_engine.read_pages([turned])
    _assert_reads(lines, rendered_page)
    # the engine reports the clockwise turn it applied to make the page upright
    assert {line.rotation for line in lines} == {(360 - rotation) % 360}
    # coordinates are those of the upright page; rotate_points maps them to the given image
    up_h, up_w = rendered_page.image.shape[:2]
    first = lines[0].words[0]
    assert _iou(first.box, rendered_page.words[0].box) > 0.5
    corners = np.array([[first.box[0], first.box[1]], [first.box[2], first.box[3]]], np.float32)
    mapped = rotate_points(corners, (360 - lines[0].rotation) % 360, up_w, up_h)
    mx0, my0 = mapped.min(axis=0)
    mx1, my1 = mapped.max(axis=0)
    region = turned[int(my0) : int(my1), int(mx0) : int(mx1)]
    assert region.size
    assert region.min() < 100


async def test_upside_down_page_is_recognised_once_and_upright_pages_once(
    ocr_settings: OcrSettings,
) -> None:
    """Only the probe lines are read twice (both ways up) on a page turned 180 degrees;
    every line of an upright page is read exactly once."""
    texts = tuple(f"Item {n}: widgets box {n * 7} pcs at 12.50 EUR" for n in range(1, 11))
    page = render_page(texts, size=(1240, 1200), font_px=30)
    engine = create_engine(ocr_settings)
    timings = engine.timings  # type: ignore[attr-defined]
    try:
        [upright] = await engine.read_pages([page.image])
        assert (timings.lines, _texts(upright)) == (len(texts), list(texts))
        timings.lines = 0
        [turned] = await engine.read_pages([np.ascontiguousarray(page.image[::-1, ::-1])])
        assert _texts(turned) == list(texts)
        assert {line.rotation for line in turned} == {180}
        # the probe lines as they are and turned over, then every line once, upright
        assert timings.lines == 2 * orientation.FLIP_PROBE_LINES + len(texts)
    finally:
        await engine.close()


async def test_skewed_page_is_read(ocr_engine: OcrEngine, rendered_page: RenderedPage) -> None:
    h, w = rendered_page.image.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), 4.0, 1.0)
    skewed = cv2.warpAffine(rendered_page.image, matrix, (w, h), borderValue=(255, 255, 255))
    [lines] = await ocr_engine.read_pages([skewed])
    _assert_reads(lines, rendered_page)


async def test_blank_and_tiny_pages_give_no_lines(ocr_engine: OcrEngine) -> None:
    blank = np.full((800, 600, 3), 255, np.uint8)
    noise = np.random.default_rng(3).integers(235, 256, (400, 300, 3), dtype=np.uint8)
    tiny = np.zeros((5, 7, 3), np.uint8)
    empty = np.zeros((0, 10, 3), np.uint8)
    assert await ocr_engine.read_pages([blank, noise, tiny, empty]) == [[], [], [], []]
    assert await ocr_engine.read_pages([]) == []


async def test_several_pages_and_grayscale_in_one_call(ocr_engine: OcrEngine) -> None:
    first = render_page(("Page one: Receipt 17",), size=(700, 200))
    second = render_page(("Second page total 9.99",), size=(700, 200))
    gray = np.ascontiguousarray(second.image[:, :, 0])
    pages = await ocr_engine.read_pages([first.image, gray])
    assert [_texts(p) for p in pages] == [list(first.lines), list(second.lines)]


async def test_concurrent_calls_share_the_engine(
    ocr_engine: OcrEngine, small_page: RenderedPage
) -> None:
    a, b = await asyncio.gather(
        ocr_engine.read_pages([small_page.image]), ocr_engine.read_pages([small_page.image])
    )
    assert _texts(a[0]) == _texts(b[0]) == list(small_page.lines)


def test_missing_model_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFoundError) as err:
        create_engine(OcrSettings(model="ppocrv6-small", model_dir=tmp_path / "nowhere"))
    assert err.value.code == "MODEL_NOT_FOUND"
    assert "ppocrv6-small" in err.value.message
    assert "make models" in err.value.message


def test_unknown_model_name_lists_the_available_ones(ocr_settings: OcrSettings) -> None:
    with pytest.raises(ModelNotFoundError) as err:
        create_engine(ocr_settings.model_copy(update={"model": "ppocrv99"}))
    assert "ppocrv99" in err.value.message
    assert ocr_settings.model in err.value.message


def test_angle_classifier_is_refused_with_the_reason(ocr_settings: OcrSettings) -> None:
    with pytest.raises(ConfigurationError, match="blanked straight lines"):
        create_engine(ocr_settings.model_copy(update={"use_angle_classifier": True}))


async def test_narrowed_recognition_inputs_read_the_same_words(
    ocr_settings: OcrSettings, rendered_page: RenderedPage, rendered_lines: list[OcrLine]
) -> None:
    """rec_width_scale 1.0 (the crops' own aspect) reads what the default narrower inputs do,
    and the default feeds the recogniser fewer columns."""
    widths: dict[float, int] = {}
    readings: dict[float, list[str]] = {}
    for scale in (1.0, ocr_settings.rec_width_scale):
        engine = create_engine(ocr_settings.model_copy(update={"rec_width_scale": scale}))
        runner = engine.runner  # type: ignore[attr-defined]
        run_rec = runner.run_rec
        fed: list[int] = []

        async def counting(batch: np.ndarray, run_rec: Any = run_rec, fed: list[int] = fed) -> Any:
            fed.append(batch.shape[0] * batch.shape[3])
            return await run_rec(batch)

        runner.run_rec = counting
        [lines] = await engine.read_pages([rendered_page.image])
        await engine.close()
        widths[scale], readings[scale] = sum(fed), _texts(lines)
    assert ocr_settings.rec_width_scale < 1.0
    assert readings[1.0] == readings[ocr_settings.rec_width_scale] == list(rendered_page.lines)
    assert widths[ocr_settings.rec_width_scale] < 0.9 * widths[1.0]
