"""Scanned- and photographed-looking images of generated PDFs, with the truth moved along."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt
import pypdfium2 as pdfium
from PIL import Image

from tests.docgen.document import GeneratedDocument
from tests.docgen.recorder import DPI

LEVELS = ("clean", "noisy", "photo")
FORMATS = ("png", "jpeg", "tiff", "webp")
CONTENT_TYPES = {
    "png": "image/png",
    "jpeg": "image/jpeg",
    "tiff": "image/tiff",
    "webp": "image/webp",
}
EXTENSIONS = {"png": "png", "jpeg": "jpg", "tiff": "tiff", "webp": "webp"}

Array = npt.NDArray[Any]


@dataclass(slots=True)
class Scan:
    """Image bytes of a degraded document and the truth in that image's coordinates."""

    data: bytes
    fmt: str
    truth: dict[str, Any]

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.fmt]

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.fmt]


def render_scan(
    doc: GeneratedDocument,
    level: str = "clean",
    fmt: str = "png",
    seed: int = 0,
    *,
    rotation: int = 0,
    pages: int | None = None,
) -> bytes:
    """Image bytes of ``doc`` degraded to ``level`` ("clean", "noisy", "photo")."""
    return make_scan(doc, level, fmt, seed, rotation=rotation, pages=pages).data


def make_scan(
    doc: GeneratedDocument,
    level: str = "clean",
    fmt: str = "png",
    seed: int = 0,
    *,
    rotation: int = 0,
    pages: int | None = None,
) -> Scan:
    """Degrade ``doc`` and return the image with its truth.

    Multi-page documents: a TIFF holds every page; other formats hold the first page only (or
    ``pages`` pages for TIFF). ``rotation`` turns every page clockwise by 0/90/180/270 degrees
    after degrading (the truth keeps upright-page coordinates and records the rotation).
    The truth's words and spans are in pixels of the upright image at ``truth["dpi"]``:
    exact for "clean" (only scaled), approximate (boxes enclosing the moved corners) for
    "noisy" (skew) and "photo" (perspective).
    """
    if level not in LEVELS:
        raise ValueError(f"unknown scan level {level!r}; choose from {LEVELS}")
    if fmt == "jpg":
        fmt = "jpeg"
    if fmt not in FORMATS:
        raise ValueError(f"unknown image format {fmt!r}; choose from {FORMATS}")
    if rotation not in (0, 90, 180, 270):
        raise ValueError("rotation must be 0, 90, 180 or 270")
    rng = np.random.default_rng([seed, doc.truth["seed"], LEVELS.index(level)])
    n_pages = doc.page_count if fmt == "tiff" else 1
    if pages is not None:
        n_pages = min(n_pages, pages)
    if level == "clean":
        dpi = 200
    elif level == "noisy":
        dpi = int(rng.choice([150, 150, 200]))
    else:
        # a phone photo of the whole page: receipts at 200 dpi, A4/Letter pages at 150 dpi
        # (about 2200 px tall with the background around the page)
        dpi = 200 if doc.truth["pages"][0]["height"] <= 1800 else 150
    pdf = pdfium.PdfDocument(doc.pdf_bytes)
    images: list[Array] = []
    transforms: list[Array] = []
    sizes: list[tuple[int, int]] = []
    try:
        for p in range(n_pages):
            page = pdf[p]
            gray = page.render(scale=dpi / 72, grayscale=True).to_numpy()
            if gray.ndim == 3:
                gray = gray[:, :, 0]
            gray = np.ascontiguousarray(gray)
            if level == "clean":
                img, m = _clean(gray, rng), np.eye(3)
            elif level == "noisy":
                img, m = _noisy(gray, rng)
            else:
                img, m = _photo(gray, rng)
            h, w = img.shape[:2]
            sizes.append((w, h))
            transforms.append(m)
            if rotation:
                img = np.ascontiguousarray(np.rot90(img, k=-rotation // 90))
            images.append(img)
    finally:
        pdf.close()
    truth = _moved_truth(doc.truth, level, dpi, transforms, sizes, rotation, n_pages, fmt)
    return Scan(_encode(images, fmt, dpi, rng, lossy_tiff=level != "clean"), fmt, truth)


# -- degradations -----------------------------------------------------------------------------


def _noise(shape: tuple[int, ...], sigma: float, rng: np.random.Generator) -> Array:
    """Gaussian noise, float32 (OpenCV's generator seeded from ``rng``: fast and repeatable)."""
    out: Array = np.empty(shape, dtype=np.float32)
    cv2.setRNGSeed(int(rng.integers(0, 2**31 - 1)))
    cv2.randn(out, 0.0, float(sigma))  # type: ignore[call-overload]
    return out


def _clean(gray: Array, rng: np.random.Generator) -> Array:
    img = cv2.GaussianBlur(gray, (3, 3), float(rng.uniform(0.5, 0.8))).astype(np.float32)
    img = img * np.float32(rng.uniform(0.93, 0.98)) + np.float32(rng.uniform(4, 12))
    img += _noise(img.shape, float(rng.uniform(2, 4)), rng)
    # scanners clip the paper to white: the background stays clean, the ink keeps its noise
    img[img > np.float32(rng.uniform(232, 240))] = 255
    return np.clip(img, 0, 255).astype(np.uint8)


def _noisy(gray: Array, rng: np.random.Generator) -> tuple[Array, Array]:
    h, w = gray.shape
    angle = float(rng.uniform(-3, 3))
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    border = (int(rng.integers(200, 245)),)
    img = cv2.warpAffine(gray, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=border)
    img = cv2.GaussianBlur(img, (5, 5), float(rng.uniform(0.7, 1.3))).astype(np.float32)
    # uneven lighting: a smooth falloff across the page, computed small and scaled up
    gx = np.linspace(-1, 1, 64, dtype=np.float32)[None, :]
    gy = np.linspace(-1, 1, 64, dtype=np.float32)[:, None]
    ax, ay = np.float32(rng.uniform(-1, 1)), np.float32(rng.uniform(-1, 1))
    falloff = 1.0 - np.float32(rng.uniform(0.05, 0.2)) * (gx * ax + gy * ay) ** 2
    light: Array = cv2.resize(
        falloff * np.float32(rng.uniform(0.82, 0.92)), (w, h), interpolation=cv2.INTER_LINEAR
    )
    img = img * light + np.float32(rng.uniform(8, 25))
    img += _noise(img.shape, float(rng.uniform(6, 12)), rng)
    # specks of dust
    n_specks = int(h * w * 0.0008)
    ys, xs = rng.integers(0, h, n_specks), rng.integers(0, w, n_specks)
    img[ys, xs] = np.float32(rng.uniform(0, 80))
    out = np.clip(img, 0, 255).astype(np.uint8)
    # JPEG artefacts
    quality = int(rng.integers(30, 60))
    ok, enc = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if ok:
        out = np.asarray(cv2.imdecode(enc, cv2.IMREAD_GRAYSCALE))
    return out, np.vstack([m, [0, 0, 1]])


def _smooth_field(rng: np.random.Generator, w: int, h: int) -> Array:
    """Light falling on a photographed page: vignetting and sometimes a soft shadow edge."""
    xx = np.linspace(0, 1, 96, dtype=np.float32)[None, :]
    yy = np.linspace(0, 1, 96, dtype=np.float32)[:, None]
    cx, cy = np.float32(rng.uniform(0.2, 0.8)), np.float32(rng.uniform(0.2, 0.8))
    field = 1.0 - np.float32(rng.uniform(0.25, 0.5)) * ((xx - cx) ** 2 + (yy - cy) ** 2)
    if rng.random() < 0.6:
        edge = np.clip((xx - np.float32(rng.uniform(0.3, 0.9))) * 8, 0, 1)
        field = field * (1.0 - np.float32(rng.uniform(0.15, 0.35)) * edge)
    return cv2.resize(field.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)


def _photo(gray: Array, rng: np.random.Generator) -> tuple[Array, Array]:
    h, w = gray.shape
    # thermal-paper fade: lower contrast, fading towards one end
    fade = np.linspace(
        float(rng.uniform(0.0, 0.25)), float(rng.uniform(0.25, 0.55)), h, dtype=np.float32
    )
    if rng.random() < 0.5:
        fade = fade[::-1]
    paper = np.float32(rng.uniform(225, 245))
    # blotchy thermal print: the ink is weaker in patches
    blot = rng.random((int(rng.integers(6, 16)), int(rng.integers(4, 10))), dtype=np.float32)
    patchy = 1.0 - cv2.resize(blot, (w, h), interpolation=cv2.INTER_CUBIC) * np.float32(
        rng.uniform(0.0, 0.35)
    )
    ink = paper - (paper - gray.astype(np.float32)) * (1.0 - fade)[:, None] * np.clip(
        patchy, 0.4, 1.0
    )
    # the paper lies on a background, seen at an angle (perspective warp)
    narrow = w < h * 0.5  # a till receipt: more background beside it
    pad_x, pad_y = int(w * (0.35 if narrow else 0.14)), int(h * (0.12 if narrow else 0.07))
    out_w, out_h = w + 2 * pad_x, h + 2 * pad_y
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32)

    def jitter(s: float) -> float:
        return float(rng.uniform(-s, s))

    # the corners move by a few percent: a tilt of a few degrees and some keystone
    jy = min(h * 0.03, w * 0.05)
    dst = np.array(
        [
            [pad_x + jitter(w * 0.08), pad_y + jitter(jy)],
            [pad_x + w + jitter(w * 0.08), pad_y + jitter(jy)],
            [pad_x + w + jitter(w * 0.12), pad_y + h + jitter(jy)],
            [pad_x + jitter(w * 0.12), pad_y + h + jitter(jy)],
        ],
        dtype=np.float32,
    )
    m = cv2.getPerspectiveTransform(src, dst)
    warped = cv2.warpPerspective(ink, m, (out_w, out_h), flags=cv2.INTER_LINEAR)
    mask = cv2.warpPerspective(np.ones_like(ink), m, (out_w, out_h), flags=cv2.INTER_LINEAR)
    light = _smooth_field(rng, out_w, out_h)
    ramp = cv2.resize(
        (0.7 + 0.5 * np.outer(np.linspace(0, 1, 32), np.linspace(0, 1, 32))).astype(np.float32),
        (out_w, out_h),
        interpolation=cv2.INTER_LINEAR,
    )
    base = (rng.uniform(60, 140), rng.uniform(50, 120), rng.uniform(40, 110))
    tint = (1.0, rng.uniform(0.96, 1.0), rng.uniform(0.86, 0.95))  # warm paper, RGB
    grain = _noise((out_h, out_w), 10, rng)
    paper_lum = warped * mask * light
    back = (1.0 - mask) * light
    channels = []
    for k in range(3):
        channel = paper_lum * np.float32(tint[k]) + back * (ramp * np.float32(base[k]) + grain)
        channels.append(channel)
    img = cv2.merge(channels)
    img = cv2.GaussianBlur(img, (5, 5), float(rng.uniform(0.8, 1.6)))
    img = np.asarray(img, dtype=np.float32) + _noise(img.shape, float(rng.uniform(4, 9)), rng)
    return np.clip(img, 0, 255).astype(np.uint8), m


# -- truth ------------------------------------------------------------------------------------


def _move_boxes(boxes: Array, m: Array, scale: float) -> Array:
    """Scale boxes (N x 4), move their corners by ``m`` and take the enclosing boxes."""
    if len(boxes) == 0:
        return boxes
    b = boxes * scale
    xs = np.stack([b[:, 0], b[:, 2], b[:, 2], b[:, 0]], axis=1)
    ys = np.stack([b[:, 1], b[:, 1], b[:, 3], b[:, 3]], axis=1)
    px = m[0, 0] * xs + m[0, 1] * ys + m[0, 2]
    py = m[1, 0] * xs + m[1, 1] * ys + m[1, 2]
    pw = m[2, 0] * xs + m[2, 1] * ys + m[2, 2]
    px, py = px / pw, py / pw
    out: Array = np.round(np.stack([px.min(1), py.min(1), px.max(1), py.max(1)], axis=1), 1)
    return out


def _moved_truth(
    truth: dict[str, Any],
    level: str,
    dpi: int,
    transforms: list[Array],
    sizes: list[tuple[int, int]],
    rotation: int,
    n_pages: int,
    fmt: str,
) -> dict[str, Any]:
    out: dict[str, Any] = json.loads(json.dumps(truth))
    scale = dpi / DPI
    out["source"] = "scan"
    out["scan_level"] = level
    out["image_format"] = fmt
    out["dpi"] = dpi
    out["rotation"] = rotation
    out["geometry"] = "exact" if level == "clean" else "approximate"
    out["pages"] = [
        {"number": p + 1, "width": sizes[p][0], "height": sizes[p][1]} for p in range(n_pages)
    ]

    def move_all(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Keep the items on pages in the image and move their boxes."""
        kept = [it for it in items if it["page"] <= n_pages]
        for page in range(1, n_pages + 1):
            on_page = [it for it in kept if it["page"] == page]
            if not on_page:
                continue
            boxes = np.array([it["bbox"] for it in on_page], dtype=np.float64)
            moved = _move_boxes(boxes, transforms[page - 1], scale).tolist()
            for it, box in zip(on_page, moved, strict=True):
                it["bbox"] = box
        return kept

    # pages are drawn in order, so the kept words and lines are a prefix: indices stay valid
    out["words"] = move_all(out["words"])
    out["lines"] = move_all(out["lines"])
    for line in out["lines"]:
        line["size"] = round(line["size"] * scale, 2)
    for name, spans in list(out["field_spans"].items()):
        kept = move_all(spans)
        if kept:
            out["field_spans"][name] = kept
        else:
            del out["field_spans"][name]
            out["fields"].pop(name, None)
    with_box = [it for it in out["line_items"] if "page" in it]
    moved_items = {id(it) for it in move_all(with_box)}
    out["line_items"] = [
        it for it in out["line_items"] if "page" not in it or id(it) in moved_items
    ]
    out["pages_left_out"] = len(truth["pages"]) - n_pages
    return out


# -- encoding ---------------------------------------------------------------------------------


def _encode(
    images: list[Array], fmt: str, dpi: int, rng: np.random.Generator, *, lossy_tiff: bool
) -> bytes:
    """Encode the pages; TIFF pages of noisy scans and photos are JPEG-compressed (as scanners
    and phones write them), clean ones deflate-compressed."""
    pil = [Image.fromarray(img) for img in images]
    buf = io.BytesIO()
    if fmt == "png":
        ok, enc = cv2.imencode(".png", _to_bgr(images[0]), [cv2.IMWRITE_PNG_COMPRESSION, 3])
        if not ok:
            raise RuntimeError("PNG encoding failed")
        # add the resolution (pHYs) so readers know the DPI
        return _png_with_dpi(enc.tobytes(), dpi)
    if fmt == "jpeg":
        pil[0].save(buf, "JPEG", quality=int(rng.integers(70, 88)), dpi=(dpi, dpi))
    elif fmt == "webp":
        pil[0].save(buf, "WEBP", quality=80, method=2)
    else:
        options: dict[str, Any] = {"compression": "tiff_deflate"}
        if lossy_tiff:
            options = {"compression": "jpeg", "quality": 85}
        pil[0].save(buf, "TIFF", save_all=True, append_images=pil[1:], dpi=(dpi, dpi), **options)
    return buf.getvalue()


def _to_bgr(img: Array) -> Array:
    if img.ndim == 3:
        return cv2.cvtColor(img, cv2.COLOR_RGB2BGR)
    return img


def _png_with_dpi(png: bytes, dpi: int) -> bytes:
    import struct
    import zlib

    ppm = round(dpi / 0.0254)
    data = struct.pack(">IIB", ppm, ppm, 1)
    chunk = (
        struct.pack(">I", len(data))
        + b"pHYs"
        + data
        + struct.pack(">I", zlib.crc32(b"pHYs" + data) & 0xFFFFFFFF)
    )
    # insert right after IHDR (8-byte signature + 25-byte IHDR chunk)
    return png[:33] + chunk + png[33:]
