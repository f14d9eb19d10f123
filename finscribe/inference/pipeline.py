"""The OCR pipeline shared by every model runner: pages in, positioned lines and words out."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from finscribe.inference import ctc, det, orientation, rec, words
from finscribe.inference.geometry import (
    Crop,
    Image,
    Quad,
    crop_quad,
    reading_order,
    rotate_image,
    rotate_points,
)
from finscribe.inference.runner import ModelRunner
from finscribe.inference.types import OcrLine, OcrWord


@dataclass(frozen=True, slots=True)
class PipelineParams:
    det: det.DetParams = field(default_factory=det.DetParams)
    rec_batch_size: int = 16
    #: Horizontal scale of recognition inputs against the crops' aspect ratio.
    rec_width_scale: float = rec.WIDTH_SCALE
    #: Recognition requests in flight at once (0: all of a call's requests together).
    rec_concurrency: int = 0
    #: Drop lines whose mean character probability is below this.
    min_line_confidence: float = 0.3
    detect_rotation: bool = True


#: A decoded line with its resized and padded recognition input widths.
_Reading = tuple[ctc.Decoded, int, int]


@dataclass(slots=True)
class _Page:
    image: Image  # upright: the given image turned clockwise by ``turned``
    turned: int = 0
    quads: list[Quad] = field(default_factory=list)
    crops: list[Crop] = field(default_factory=list)
    skew: float = 0.0


@dataclass(slots=True)
class Timings:
    """Seconds spent per stage over the engine's life (for benchmarks and metrics)."""

    det: float = 0.0
    rec: float = 0.0
    other: float = 0.0
    pages: int = 0
    lines: int = 0


class OcrPipeline:
    """Detection, orientation, cropping, recognition, CTC decoding, words, reading order.

    Coordinates: every polygon and word box of a returned :class:`OcrLine` is in pixels
    of the *upright* page. ``OcrLine.rotation`` (0, 90, 180 or 270; the same for all lines
    of a page) is the clockwise turn the engine gave the image to make it upright, as in
    the text layer's ``PageText.rotation`` (a page scanned turned 90 degrees clockwise is
    reported as 270). For 90/270 the upright page's width and height are swapped; with 0
    the coordinates are those of the image as given.
    ``geometry.rotate_points(points, (360 - rotation) % 360, upright_w, upright_h)`` maps
    upright coordinates back to the given image. Slight skew is not undone in coordinates:
    polygons follow the skewed lines; word boxes are axis-aligned around them.
    """

    def __init__(self, runner: ModelRunner, charset: Sequence[str], params: PipelineParams) -> None:
        self.runner = runner
        self.charset = list(charset)
        self.params = params
        self.timings = Timings()

    async def read_pages(self, images: Sequence[Image]) -> list[list[OcrLine]]:
        pages = [await self._detect_page(_as_rgb(img)) for img in images]
        # Upside-down pages are found from a few long lines before the rest is read, so a
        # page turned 180 degrees is recognised once (upright pages: the same lines, read
        # in two rounds).
        known: list[dict[int, _Reading]] = [{} for _ in pages]
        if self.params.detect_rotation:
            known = await self._settle_upside_down(pages)
        todo = [(p, i) for p, page in enumerate(pages) for i in range(len(page.crops))]
        todo = [(p, i) for p, i in todo if i not in known[p]]
        decoded = await self._recognise([pages[p].crops[i] for p, i in todo])
        for (p, i), reading in zip(todo, decoded, strict=True):
            known[p][i] = reading
        results: list[list[OcrLine]] = []
        for page, readings in zip(pages, known, strict=True):
            t0 = time.perf_counter()
            results.append(self._assemble(page, [readings[i] for i in range(len(page.crops))]))
            self.timings.other += time.perf_counter() - t0
        self.timings.pages += len(pages)
        return results

    async def _settle_upside_down(self, pages: Sequence[_Page]) -> list[dict[int, _Reading]]:
        """Turn pages that read better upside down; the readings of their probe lines.

        Each page's longest lines are read as they are; where the recogniser is unsure of
        them, they are read again turned 180 degrees, and the page is turned when that
        reads better. Readings of a page that was turned are dropped (its crops changed).
        """
        probes = [orientation.probe_lines(page.quads) for page in pages]
        wanted = [(p, i) for p, idx in enumerate(probes) for i in idx]
        first = await self._recognise([pages[p].crops[i] for p, i in wanted])
        known: list[dict[int, _Reading]] = [{} for _ in pages]
        for (p, i), reading in zip(wanted, first, strict=True):
            known[p][i] = reading
        unsure = [
            p
            for p, idx in enumerate(probes)
            if idx and _needs_flip_probe([known[p][i] for i in idx])
        ]
        flipped_crops = [
            Crop(
                image=np.ascontiguousarray(pages[p].crops[i].image[::-1, ::-1]),
                to_page=pages[p].crops[i].to_page,
            )
            for p in unsure
            for i in probes[p]
        ]
        flipped = iter(await self._recognise(flipped_crops))
        for p in unsure:
            as_is = float(np.mean([_score(known[p][i][0]) for i in probes[p]]))
            upside = float(np.mean([_score(next(flipped)[0]) for _ in probes[p]]))
            if upside > as_is:
                self._turn_over(pages[p])
                known[p] = {}
        return known

    def _turn_over(self, page: _Page) -> None:
        """Turn the page 180 degrees: image, boxes, reading order and crops."""
        h, w = page.image.shape[:2]
        page.turned = (page.turned + 180) % 360
        page.image = rotate_image(page.image, 180)
        page.quads = [_flip_quad(q, w, h) for q in page.quads]
        order = reading_order(page.quads, page.skew)
        page.quads = [page.quads[i] for i in order]
        page.crops = [crop_quad(page.image, q) for q in page.quads]

    async def _detect(self, image: Image) -> list[Quad]:
        t0 = time.perf_counter()
        det_in = det.prepare(image, self.params.det.limit_side)
        prob = await self.runner.run_det(det_in.tensor)
        t1 = time.perf_counter()
        quads = det.boxes_from_map(
            prob[0, 0], det_in, self.params.det, image.shape[1], image.shape[0]
        )
        self.timings.det += t1 - t0
        self.timings.other += time.perf_counter() - t1
        return quads

    async def _detect_page(self, image: Image) -> _Page:
        page = _Page(image=image)
        if min(image.shape[:2]) < 2:  # nothing to detect on an empty or one-pixel image
            return page
        page.quads = await self._detect(image)
        if self.params.detect_rotation and orientation.looks_sideways(page.quads):
            page.turned = 90
            page.image = rotate_image(image, 90)
            page.quads = await self._detect(page.image)
        t0 = time.perf_counter()
        page.skew = orientation.skew_angle(page.quads)
        order = reading_order(page.quads, page.skew)
        page.quads = [page.quads[i] for i in order]
        page.crops = [crop_quad(page.image, q) for q in page.quads]
        self.timings.other += time.perf_counter() - t0
        return page

    async def _run_rec(self, batches: Sequence[rec.RecBatch]) -> list[npt.NDArray[np.float32]]:
        """Run the recognition requests, ``params.rec_concurrency`` at a time."""
        limit = self.params.rec_concurrency or len(batches) or 1
        gate = asyncio.Semaphore(limit)

        async def one(batch: rec.RecBatch) -> npt.NDArray[np.float32]:
            async with gate:
                return await self.runner.run_rec(batch.tensor)

        return list(await asyncio.gather(*(one(b) for b in batches)))

    async def _recognise(self, crops: Sequence[Crop]) -> list[_Reading]:
        """Decoded text per crop, with the crop's resized and padded input widths."""
        if not crops:
            return []
        images = [c.image for c in crops]
        t0 = time.perf_counter()
        scale = self.params.rec_width_scale
        plan = rec.plan_batches(images, self.params.rec_batch_size, scale)
        batches = [rec.prepare_batch(images, indices, scale) for indices in plan]
        results = await self._run_rec(batches)
        t1 = time.perf_counter()
        out: list[_Reading | None] = [None] * len(crops)
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

    def _assemble(self, page: _Page, decoded: Sequence[_Reading]) -> list[OcrLine]:
        lines: list[OcrLine] = []
        for quad, crop, (dec, width, padded) in zip(page.quads, page.crops, decoded, strict=True):
            if not dec.chars or dec.confidence < self.params.min_line_confidence:
                continue
            spans = words.split_words(dec, crop, width, padded)
            if not spans:
                continue
            h = crop.image.shape[0]
            out_words = []
            for span in spans:
                pts = crop.page_points([[span.x0, 0], [span.x1, 0], [span.x1, h], [span.x0, h]])
                box = (
                    float(pts[:, 0].min()),
                    float(pts[:, 1].min()),
                    float(pts[:, 0].max()),
                    float(pts[:, 1].max()),
                )
                out_words.append(OcrWord(text=span.text, box=box, confidence=span.confidence))
            lines.append(
                OcrLine(
                    text=" ".join(w.text for w in out_words),
                    confidence=dec.confidence,
                    polygon=tuple((float(x), float(y)) for x, y in quad),
                    words=tuple(out_words),
                    rotation=page.turned,
                )
            )
        return lines


def _score(d: ctc.Decoded) -> float:
    """How sure the recogniser is of a reading: mean probability, weighted by length."""
    if not d.chars:
        return 0.0
    return d.confidence * min(1.0, len(d.chars) / 4)


def _needs_flip_probe(decoded: Sequence[_Reading]) -> bool:
    confs = [d.confidence for d, _, _ in decoded if d.chars]
    return not confs or float(np.mean(confs)) < orientation.UPRIGHT_CONFIDENCE


def _flip_quad(q: Quad, w: int, h: int) -> Quad:
    from finscribe.inference.geometry import order_quad

    return order_quad(rotate_points(q, 180, w, h))


def _as_rgb(image: Image) -> Image:
    if image.ndim == 2:
        return np.ascontiguousarray(np.repeat(image[:, :, None], 3, axis=2))
    if image.shape[2] == 4:
        return np.ascontiguousarray(image[:, :, :3])
    return np.ascontiguousarray(image)
