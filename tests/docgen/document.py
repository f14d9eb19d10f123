"""One generated document: the PDF bytes and its ground truth (fields, line items, every word)."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from typing import Any

from tests.docgen import content as content_mod
from tests.docgen import layouts
from tests.docgen.content import Content
from tests.docgen.fakes import compact_id
from tests.docgen.locales import rate_value
from tests.docgen.recorder import DPI, PX_PER_PT, Recorder

TRUTH_SCHEMA = "finscribe-docgen/1"
FIELD_NAMES = (
    "invoice_number",
    "invoice_date",
    "due_date",
    "purchase_order",
    "vendor_name",
    "vendor_address",
    "vendor_tax_id",
    "vendor_iban",
    "customer_name",
    "customer_address",
    "customer_tax_id",
    "currency",
    "subtotal",
    "total_tax",
    "total",
    "amount_due",
    "payment_terms",
)
ITEM_COLUMNS = ("description", "quantity", "unit", "unit_price", "tax_rate", "amount")


@dataclass(slots=True)
class GeneratedDocument:
    """A born-digital PDF and its ground truth (``truth`` is JSON-serialisable)."""

    name: str
    pdf_bytes: bytes
    truth: dict[str, Any]
    content: Content

    @property
    def page_count(self) -> int:
        return len(self.truth["pages"])


def generate_document(
    seed: int,
    *,
    kind: str | None = None,
    language: str | None = None,
    layout: str | None = None,
    pages: int | None = None,
    plant_error: bool = False,
) -> GeneratedDocument:
    """Generate one document; every choice not given is drawn from ``seed`` (same seed, same bytes).

    ``kind``: "invoice" | "receipt" | "credit_note"; ``language``: en fr de es nl it;
    ``layout``: one of :data:`layouts.LAYOUTS` ("receipt" only for receipts, and receipts only
    use it); ``pages``: force this many pages (A4 layouts) by adding line items;
    ``plant_error``: make exactly one arithmetic equation false (recorded in the truth).
    """
    rng = random.Random(seed * 1_000_003 + 7)
    if kind is None and layout == "receipt":
        kind = "receipt"
    elif kind is None and (layout is not None or (pages or 1) > 1):
        kind = "credit_note" if rng.random() < 0.15 else "invoice"
    if layout is not None and layout not in layouts.LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}; choose from {layouts.LAYOUTS}")
    if kind == "receipt" and layout not in (None, "receipt"):
        raise ValueError("receipts use the 'receipt' layout")
    if pages is not None and pages < 1:
        raise ValueError("pages must be at least 1")
    probe = content_mod.build(seed, kind=kind, language=language, plant_error=False)
    kind = probe.kind
    if kind == "receipt":
        if pages not in (None, 1):
            raise ValueError("receipts have one page")
        layout = "receipt"
    elif layout is None:
        layout = rng.choice(layouts.A4_LAYOUTS)
    if pages is None and kind != "receipt":
        roll = rng.random()
        pages = 3 if roll < 0.02 else (2 if roll < 0.12 else None)
    n_items: int | None = None
    if pages is not None and pages > 1:
        n_items = 12 + (pages - 1) * 26
    for _attempt in range(12):
        c = content_mod.build(
            seed, kind=kind, language=language, n_items=n_items, plant_error=plant_error
        )
        doc = _render(seed, c, layout)
        got = doc.page_count
        if pages is None or got == pages:
            return doc
        per_page = max(4, len(c.items) // max(got, 1))
        if got < pages:
            n_items = len(c.items) + max(2, (pages - got) * per_page // 2)
        else:
            n_items = max(1, len(c.items) - max(2, (got - pages) * per_page // 2))
    raise RuntimeError(f"could not lay out {pages} pages for seed {seed}")


def _render(seed: int, c: Content, layout: str) -> GeneratedDocument:
    rng = random.Random(seed * 31 + 101)
    if layout == "receipt":
        # draw once on scratch paper to learn the length, then on paper cut to that length
        w = layouts.RECEIPT_WIDTH_PX
        end = layouts.render_receipt(Recorder(w, 6000), c, random.Random(seed * 31 + 101))
        rec = Recorder(w, round(end * PX_PER_PT))
        layouts.render_receipt(rec, c, rng)
        n_pages = 1
    else:
        w, h = layouts.page_size(c, layout, rng)
        rec = Recorder(w, h)
        n_pages = layouts.render_a4(rec, c, layout, rng)
    pdf = rec.finish()
    name = f"{c.kind}-{c.locale.language}-{layout}-{seed}"
    truth = build_truth(seed, name, c, layout, rec, n_pages)
    return GeneratedDocument(name=name, pdf_bytes=pdf, truth=truth, content=c)


def _money(value: Any) -> str:
    return f"{value:.2f}"


def build_truth(
    seed: int, name: str, c: Content, layout: str, rec: Recorder, n_pages: int
) -> dict[str, Any]:
    """The ground truth: a field is present iff its value was drawn (a tagged span exists)."""
    spans: dict[str, list[dict[str, Any]]] = {}
    for span in rec.spans:
        spans.setdefault(span.tag, []).append(
            {"page": span.page, "text": span.text, "bbox": span.bbox}
        )
    values: dict[str, str] = {
        "invoice_number": c.number,
        "invoice_date": c.issue_date.isoformat(),
        "purchase_order": c.purchase_order or "",
        "vendor_name": spans["vendor_name"][0]["text"] if "vendor_name" in spans else c.vendor.name,
        "vendor_address": ", ".join(c.vendor.address),
        "vendor_tax_id": compact_id(c.vendor.tax_id or ""),
        "vendor_iban": compact_id(c.vendor.iban or ""),
        "subtotal": _money(c.subtotal),
        "total_tax": _money(c.total_tax),
        "total": _money(c.total),
        "payment_terms": c.payment_terms or "",
    }
    if c.due_date is not None:
        values["due_date"] = c.due_date.isoformat()
    if c.amount_due is not None:
        values["amount_due"] = _money(c.amount_due)
    if c.customer is not None:
        values["customer_name"] = c.customer.name
        values["customer_address"] = ", ".join(c.customer.address)
        values["customer_tax_id"] = compact_id(c.customer.tax_id or "")
    fields: dict[str, str] = {}
    field_spans: dict[str, list[dict[str, Any]]] = {}
    for fname in FIELD_NAMES:
        if fname == "currency":
            fields["currency"] = c.currency
            continue
        if fname in spans:
            fields[fname] = values[fname]
            field_spans[fname] = spans[fname]
    items: list[dict[str, Any]] = []
    for i, it in enumerate(c.items):
        row_spans = spans.get(f"item:{i}:row", [])
        entry: dict[str, Any] = {}
        full = {
            "description": it.description,
            "quantity": f"{it.quantity.normalize():f}",
            "unit": it.unit,
            "unit_price": _money(it.unit_price),
            "tax_rate": rate_value(it.tax_rate),
            "amount": _money(it.amount),
        }
        for col in ITEM_COLUMNS:
            cell = spans.get(f"item:{i}:{col}")
            if cell:
                entry[col] = (
                    " ".join(s["text"] for s in cell) if col == "description" else full[col]
                )
        if c.kind == "receipt":
            entry["tax_rate"] = full["tax_rate"]  # printed as a letter code with a legend
        if row_spans:
            entry["page"] = row_spans[0]["page"]
            entry["bbox"] = row_spans[0]["bbox"]
        items.append(entry)
    truth: dict[str, Any] = {
        "schema": TRUTH_SCHEMA,
        "name": name,
        "seed": seed,
        "source": "pdf",
        "document_type": c.kind,
        "language": c.language,
        "locale": c.locale.code,
        "currency": c.currency,
        "layout": layout,
        "dpi": DPI,
        "geometry": "exact",
        "rotation": 0,
        "pages": [
            {"number": p, "width": rec.width_px, "height": rec.height_px}
            for p in range(1, n_pages + 1)
        ],
        "fields": fields,
        "field_spans": field_spans,
        "line_items": items,
        "amounts_basis": c.basis,
        "tax_breakdown": [
            {"rate": rate_value(g.rate), "base": _money(g.base), "tax": _money(g.tax)}
            for g in c.tax_groups
        ],
        "planted_error": c.planted_error,
        "words": rec.words,
        "lines": rec.lines,
    }
    if c.kind == "receipt":
        truth["line_items_note"] = (
            "receipt prices include tax; tax_rate is printed as a letter code"
        )
    return truth


def dump_truth(truth: dict[str, Any]) -> str:
    """The truth as JSON text: readable at the top, one compact line per word, line and item."""
    parts = []
    for key, value in truth.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            rows = ",\n  ".join(json.dumps(v, ensure_ascii=False) for v in value)
            parts.append(f"{json.dumps(key)}: [\n  {rows}\n ]")
        elif isinstance(value, dict) and value:
            rows = ",\n  ".join(
                f"{json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}" for k, v in value.items()
            )
            parts.append(f"{json.dumps(key)}: {{\n  {rows}\n }}")
        else:
            parts.append(f"{json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}")
    return "{\n " + ",\n ".join(parts) + "\n}\n"
