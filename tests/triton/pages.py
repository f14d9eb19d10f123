"""Generated document pages for the Triton tests and benchmark: invoice lines rendered with PIL."""

from __future__ import annotations

import random

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFont

FONT = "DejaVuSans.ttf"

_WORDS = [
    "Invoice",
    "Date",
    "Total",
    "Net",
    "VAT",
    "Qty",
    "Unit",
    "Price",
    "Amount",
    "Due",
    "Consulting",
    "Services",
    "Office",
    "Supplies",
    "Delivery",
    "Discount",
    "Subtotal",
    "Bank",
    "Payment",
    "Terms",
    "Reference",
    "Customer",
    "Order",
    "Hours",
    "Licence",
]


def invoice_lines(seed: int, count: int) -> list[str]:
    """``count`` invoice-like text lines of varied width (seeded, reproducible)."""
    rng = random.Random(seed)
    lines = [
        f"INVOICE INV-{rng.randint(2020, 2026)}-{rng.randint(1, 9999):04d}",
        f"Date: {rng.randint(2020, 2026)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
    ]
    while len(lines) < count:
        words = rng.sample(_WORDS, rng.randint(1, 4))
        amount = f"{rng.randint(1, 9999)}.{rng.randint(0, 99):02d}"
        lines.append(f"{' '.join(words)} {amount} EUR" if rng.random() < 0.7 else " ".join(words))
    return lines


def render_page(
    seed: int, lines: int = 12, size: tuple[int, int] = (1000, 1300)
) -> npt.NDArray[np.uint8]:
    """An RGB page with ``lines`` lines of black text on white, some indented."""
    rng = random.Random(seed)
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    y = 60
    for text in invoice_lines(seed, lines):
        font = ImageFont.truetype(FONT, rng.choice([26, 30, 34]))
        draw.text((60 + rng.choice([0, 0, 40, 200]), y), text, fill="black", font=font)
        y += rng.randint(70, 95)
    return np.asarray(image)
