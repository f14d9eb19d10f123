"""End to end from generated PDFs (real text layer): fields, items, validation, schema."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from finscribe.core.extraction.scoring import HEADER_FIELDS, item_cell_counts, same
from finscribe.core.pipeline import analyze, default_engine
from finscribe.core.schema import schema_errors
from finscribe.core.validation import ARITHMETIC_CODES
from finscribe.settings import Settings
from tests.docgen import GeneratedDocument, generate_document

#: (seed, kind, language, layout, pages): six languages, every layout, receipts, credit
#: notes and multi-page tables.
CASES = [
    (101, "invoice", "en", "classic", None),
    (102, "invoice", "fr", "modern", None),
    (103, "invoice", "de", "letter", None),
    (104, "invoice", "es", "boxed", None),
    (105, "invoice", "nl", "sidebar", None),
    (106, "invoice", "it", "minimal", None),
    (107, "invoice", "en", "stacked", 2),
    (108, "credit_note", "de", "classic", None),
    (109, "receipt", "fr", "receipt", None),
    (110, "receipt", "nl", "receipt", None),
    (111, "invoice", "it", "modern", 2),
    (112, "credit_note", "es", "letter", None),
]


def _analyze(doc: GeneratedDocument) -> dict[str, Any]:
    settings = Settings()
    engine = default_engine(settings)  # never loads: every page has a text layer
    result = asyncio.run(analyze(doc.pdf_bytes, engine=engine, settings=settings))
    assert all(p.source == "text_layer" for p in result.text.pages)
    return result.document


@pytest.fixture(scope="module")
def results() -> list[tuple[GeneratedDocument, dict[str, Any]]]:
    out = []
    for seed, kind, lang, layout, pages in CASES:
        doc = generate_document(seed, kind=kind, language=lang, layout=layout, pages=pages)
        out.append((doc, _analyze(doc)))
    return out


def test_outputs_validate_against_the_schema(results: list[tuple[Any, dict[str, Any]]]) -> None:
    for doc, out in results:
        assert schema_errors(out) == [], doc.name


def test_type_language_and_money_fields(results: list[tuple[Any, dict[str, Any]]]) -> None:
    for doc, out in results:
        truth = doc.truth
        assert out["document_type"] == truth["document_type"], doc.name
        assert out["language"] == truth["language"], doc.name
        for name in ("total", "invoice_date", "currency"):
            assert same(name, out["fields"][name]["value"], truth["fields"][name]), (doc.name, name)


def test_header_fields_mostly_right(results: list[tuple[Any, dict[str, Any]]]) -> None:
    tp = n_pred = n_truth = 0
    for doc, out in results:
        want = {k: v for k, v in doc.truth["fields"].items() if v}
        got = {k: v["value"] for k, v in out["fields"].items()}
        for name in HEADER_FIELDS:
            n_pred += name in got
            n_truth += name in want
            tp += name in got and name in want and same(name, got[name], want[name])
    precision, recall = tp / n_pred, tp / n_truth
    assert precision >= 0.95
    assert recall >= 0.92


def test_line_items_across_pages(results: list[tuple[Any, dict[str, Any]]]) -> None:
    tp = n_pred = n_truth = 0
    for doc, out in results:
        a, b, c = item_cell_counts(out["line_items"], doc.truth["line_items"])
        tp, n_pred, n_truth = tp + a, n_pred + b, n_truth + c
        if doc.page_count > 1:
            assert {i["page"] for i in out["line_items"]} == set(range(1, doc.page_count + 1))
            assert len(out["line_items"]) == len(doc.truth["line_items"]), doc.name
    assert tp / n_pred >= 0.93
    assert tp / n_truth >= 0.93


def test_every_field_has_position_and_confidence(
    results: list[tuple[Any, dict[str, Any]]],
) -> None:
    for _doc, out in results:
        for f in out["fields"].values():
            assert 0 <= f["confidence"] <= 1
            assert f["page"] >= 1
            x0, y0, x1, y1 = f["bbox"]
            assert x0 <= x1
            assert y0 <= y1


@pytest.mark.parametrize("seed", [201, 202, 203, 204, 205, 206])
def test_planted_arithmetic_errors_are_flagged(seed: int) -> None:
    clean = _analyze(generate_document(seed, kind="invoice"))
    assert not {i["code"] for i in clean["validation"]["issues"]} & ARITHMETIC_CODES
    broken = _analyze(generate_document(seed, kind="invoice", plant_error=True))
    codes = {i["code"] for i in broken["validation"]["issues"]}
    assert codes & ARITHMETIC_CODES
    assert broken["needs_review"] is True


@pytest.mark.parametrize(
    "name", ["credit-note-fr.pdf", "invoice-en.pdf", "invoice-de-multipage.pdf"]
)
def test_committed_examples_have_their_document_type(name: str) -> None:
    """The samples `make run` shows: "Facture d'avoir" is a credit note, not an invoice."""
    examples = Path(__file__).resolve().parents[2] / "examples"
    truth = json.loads((examples / name).with_suffix(".truth.json").read_text())
    settings = Settings()
    engine = default_engine(settings)
    result = asyncio.run(analyze(examples / name, engine=engine, settings=settings))
    assert result.document["document_type"] == truth["document_type"]
