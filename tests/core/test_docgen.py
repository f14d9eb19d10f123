"""The test-document generator: determinism, consistent Decimal truth, valid ids, text boxes."""

from __future__ import annotations

import io
import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
from PIL import Image
from schwifty import IBAN

from tests.docgen import (
    A4_LAYOUTS,
    FIELD_NAMES,
    LANGUAGES,
    generate_document,
    generate_set,
    make_scan,
    render_scan,
)
from tests.docgen.fakes import is_valid_tax_id
from tests.docgen.recorder import PX_PER_PT

TOL = Decimal("0.005")


def _equations(truth: dict[str, Any]) -> dict[str, bool]:
    """Each arithmetic equation of a truth, checked with Decimal: name -> holds."""
    f = truth["fields"]
    items = truth["line_items"]
    out: dict[str, bool] = {}
    for i, it in enumerate(items):
        if "quantity" in it and "unit_price" in it:
            product = Decimal(it["quantity"]) * Decimal(it["unit_price"])
            out[f"line{i}"] = abs(product - Decimal(it["amount"])) <= TOL
    line_sum = sum((Decimal(it["amount"]) for it in items), Decimal(0))
    subtotal = Decimal(f.get("subtotal", truth_subtotal(truth)))
    total_tax = sum((Decimal(g["tax"]) for g in truth["tax_breakdown"]), Decimal(0))
    total = Decimal(f["total"])
    if truth["amounts_basis"] == "net":
        out["lines_sum"] = line_sum == subtotal
        out["total"] = subtotal + total_tax == total
        out["tax"] = all(
            Decimal(g["tax"])
            == (Decimal(g["base"]) * Decimal(g["rate"]) / 100).quantize(
                Decimal("0.01"), "ROUND_HALF_UP"
            )
            for g in truth["tax_breakdown"]
        )
    else:
        out["lines_sum"] = line_sum == total
        out["total"] = subtotal + total_tax == total
    if "total_tax" in f:
        out["total_tax_field"] = Decimal(f["total_tax"]) == total_tax
    return out


def truth_subtotal(truth: dict[str, Any]) -> str:
    return str(sum((Decimal(g["base"]) for g in truth["tax_breakdown"]), Decimal(0)))


def test_same_seed_same_bytes_and_truth() -> None:
    for seed in (1, 2, 3):
        a, b = generate_document(seed), generate_document(seed)
        assert a.pdf_bytes == b.pdf_bytes
        assert a.truth == b.truth
    assert generate_document(1).pdf_bytes != generate_document(2).pdf_bytes
    doc = generate_document(4)
    assert render_scan(doc, "noisy", "png", seed=3) == render_scan(doc, "noisy", "png", seed=3)
    assert render_scan(doc, "noisy", "png", seed=3) != render_scan(doc, "noisy", "png", seed=4)


def test_truth_is_json_and_has_the_schema_fields() -> None:
    doc = generate_document(5, kind="invoice", language="fr", layout="classic")
    truth = json.loads(json.dumps(doc.truth))
    assert truth["document_type"] == "invoice"
    assert truth["language"] == "fr"
    assert set(truth["fields"]) <= set(FIELD_NAMES)
    for name in ("invoice_number", "invoice_date", "vendor_name", "total", "currency"):
        assert name in truth["fields"], name
    assert (
        truth["pages"][0] == {"number": 1, "width": 1654, "height": 2339}
        or truth["pages"][0]["width"] == 1700
    )
    for name, value in truth["fields"].items():
        if name in ("subtotal", "total_tax", "total", "amount_due"):
            assert Decimal(value) == Decimal(value).quantize(Decimal("0.01"))
            assert "," not in value
        if name in ("invoice_date", "due_date"):
            assert date.fromisoformat(value).isoformat() == value


@pytest.mark.parametrize("kind", ["invoice", "credit_note", "receipt"])
def test_amounts_are_consistent(kind: str) -> None:
    for seed in range(40):
        doc = generate_document(seed, kind=kind)
        truth = doc.truth
        assert truth["planted_error"] is None
        eq = _equations(truth)
        assert all(eq.values()), (seed, eq)
        if kind == "credit_note":
            assert Decimal(truth["fields"]["total"]) < 0
        else:
            assert Decimal(truth["fields"]["total"]) > 0
        f = truth["fields"]
        if "amount_due" in f:
            assert Decimal(f["amount_due"]) <= Decimal(f["total"])


def test_planted_error_breaks_exactly_one_equation() -> None:
    codes = set()
    for seed in range(60):
        kind = ("invoice", "credit_note", "receipt")[seed % 3]
        doc = generate_document(seed, kind=kind, plant_error=True)
        err = doc.truth["planted_error"]
        assert err is not None
        codes.add(err["code"])
        eq = _equations(doc.truth)
        broken = [k for k, ok in eq.items() if not ok]
        assert len(broken) == 1, (seed, err, eq)
        expected = {
            "LINE_AMOUNT_MISMATCH": f"line{err.get('line_index')}",
            "LINES_SUBTOTAL_MISMATCH": "lines_sum",
            "TOTAL_MISMATCH": "total",
            "TAX_RATE_MISMATCH": "tax",
        }[err["code"]]
        assert broken == [expected], (seed, err, broken)
    assert codes == {
        "LINE_AMOUNT_MISMATCH",
        "LINES_SUBTOTAL_MISMATCH",
        "TOTAL_MISMATCH",
        "TAX_RATE_MISMATCH",
    }


def test_ibans_and_tax_ids_are_valid() -> None:
    seen_ibans = seen_ids = 0
    for seed in range(80):
        doc = generate_document(seed)
        f = doc.truth["fields"]
        if "vendor_iban" in f:
            IBAN(f["vendor_iban"], validate_bban=True)  # raises when invalid
            seen_ibans += 1
        for who in ("vendor", "customer"):
            if f"{who}_tax_id" in f:
                party = doc.content.vendor if who == "vendor" else doc.content.customer
                assert party is not None
                assert is_valid_tax_id(f[f"{who}_tax_id"], party.country), (
                    seed,
                    f[f"{who}_tax_id"],
                )
                seen_ids += 1
    assert seen_ibans > 20
    assert seen_ids > 40


def _layer_words(
    pdf_bytes: bytes,
) -> dict[int, list[tuple[str, tuple[float, float, float, float]]]]:
    """Words of the PDF text layer per page, boxes in pixels at 200 DPI (top-left origin)."""
    pdf = pdfium.PdfDocument(pdf_bytes)
    out: dict[int, list[tuple[str, tuple[float, float, float, float]]]] = {}
    try:
        for p in range(len(pdf)):
            page = pdf[p]
            height = page.get_height()
            tp = page.get_textpage()
            words: list[tuple[str, tuple[float, float, float, float]]] = []
            text, box = "", None
            for i in range(tp.count_chars()):
                ch = tp.get_text_range(i, 1)
                if ch.isspace() or not ch:
                    if text:
                        words.append((text, box))  # type: ignore[arg-type]
                    text, box = "", None
                    continue
                left, bottom, right, top = tp.get_charbox(i, loose=True)
                cb = (
                    left * PX_PER_PT,
                    (height - top) * PX_PER_PT,
                    right * PX_PER_PT,
                    (height - bottom) * PX_PER_PT,
                )
                text += ch
                box = (
                    cb
                    if box is None
                    else (
                        min(box[0], cb[0]),
                        min(box[1], cb[1]),
                        max(box[2], cb[2]),
                        max(box[3], cb[3]),
                    )
                )
            if text:
                words.append((text, box))  # type: ignore[arg-type]
            out[p + 1] = words
    finally:
        pdf.close()
    return out


@pytest.mark.parametrize("layout", [*A4_LAYOUTS, "receipt"])
def test_text_layer_has_the_truth_words_at_their_boxes(layout: str) -> None:
    seed = 100 + len(layout)
    kind = "receipt" if layout == "receipt" else None
    doc = generate_document(seed, layout=layout, kind=kind, pages=None if kind else 2)
    layer = _layer_words(doc.pdf_bytes)
    missing = []
    for word in doc.truth["words"]:
        x0, y0, x1, y1 = word["bbox"]
        # x from advance widths: within 2.5 px (pdfium's loose boxes widen overhanging glyphs);
        # y: the loose box spans the font's bounding box, so compare centres
        found = [
            b
            for text, b in layer[word["page"]]
            if text == word["text"]
            and abs(b[0] - x0) <= 2.5
            and abs(b[2] - x1) <= 2.5
            and abs((b[1] + b[3]) / 2 - (y0 + y1) / 2) <= max(3.0, 0.25 * (y1 - y0))
        ]
        if not found:
            missing.append(word)
    assert not missing, missing[:5]
    # and nothing is drawn that the truth does not know about
    truth_text = sorted(w["text"] for w in doc.truth["words"])
    layer_text = sorted(t for words in layer.values() for t, _ in words)
    assert len(layer_text) <= len(truth_text)


def test_pages_option_continues_the_table() -> None:
    doc = generate_document(21, kind="invoice", language="de", layout="classic", pages=2)
    assert doc.page_count == 2
    pages = {it["page"] for it in doc.truth["line_items"]}
    assert pages == {1, 2} or doc.truth["field_spans"]["total"][0]["page"] == 2
    assert {w["page"] for w in doc.truth["words"]} == {1, 2}
    assert len(pdfium.PdfDocument(doc.pdf_bytes)) == 2


def test_every_language_and_layout_renders() -> None:
    seen = set()
    for i, lang in enumerate(LANGUAGES):
        for j, layout in enumerate(A4_LAYOUTS):
            doc = generate_document(1000 + i * 10 + j, language=lang, layout=layout, kind="invoice")
            seen.add((doc.truth["language"], doc.truth["layout"]))
            assert doc.truth["fields"]["invoice_number"]
    assert len(seen) == len(LANGUAGES) * len(A4_LAYOUTS)


@pytest.mark.parametrize("level", ["clean", "noisy", "photo"])
def test_scan_truth_matches_the_image(level: str) -> None:
    doc = generate_document(31, kind="invoice", language="es", layout="modern", pages=1)
    scan = make_scan(doc, level, "jpeg" if level == "photo" else "png", seed=5)
    img = Image.open(io.BytesIO(scan.data))
    page = scan.truth["pages"][0]
    assert img.size == (page["width"], page["height"])
    assert scan.truth["geometry"] == ("exact" if level == "clean" else "approximate")
    assert [w["text"] for w in scan.truth["words"]] == [w["text"] for w in doc.truth["words"]]
    for w in scan.truth["words"]:
        x0, y0, x1, y1 = w["bbox"]
        assert -5 <= x0 < x1 <= page["width"] + 5
        assert -5 <= y0 < y1 <= page["height"] + 5


def test_scan_formats_rotation_and_multipage_tiff() -> None:
    doc = generate_document(41, kind="invoice", language="it", layout="letter", pages=2)
    tiff = make_scan(doc, "clean", "tiff", seed=1)
    img = Image.open(io.BytesIO(tiff.data))
    assert getattr(img, "n_frames", 1) == 2
    assert len(tiff.truth["pages"]) == 2
    rotated = make_scan(doc, "noisy", "jpeg", seed=1, rotation=90)
    upright = make_scan(doc, "noisy", "jpeg", seed=1)
    w, h = Image.open(io.BytesIO(upright.data)).size
    assert Image.open(io.BytesIO(rotated.data)).size == (h, w)
    assert rotated.truth["rotation"] == 90
    assert rotated.truth["pages"] == upright.truth["pages"]
    webp = make_scan(doc, "clean", "webp", seed=1)
    assert Image.open(io.BytesIO(webp.data)).format == "WEBP"
    # a single-page image of a two-page document keeps only page 1's truth
    assert all(w["page"] == 1 for w in webp.truth["words"])
    assert webp.truth["pages_left_out"] == 1


def test_generate_set_and_dataset_cli(tmp_path: Path) -> None:
    docs = list(generate_set(7, 4, kinds=["invoice", "receipt"], languages=["nl", "de"]))
    assert [d.truth["document_type"] for d in docs] == ["invoice", "receipt", "invoice", "receipt"]
    from tests.docgen.dataset import main

    assert main([str(tmp_path), "--seed", "3", "--count", "2", "--scans", "clean"]) == 0
    index = [json.loads(line) for line in (tmp_path / "index.jsonl").read_text().splitlines()]
    assert len(index) == 4
    for entry in index:
        assert (tmp_path / entry["file"]).exists()
        truth = json.loads((tmp_path / entry["truth"]).read_text())
        assert truth["fields"]["total"]


def test_fixtures_are_usable(
    docgen_invoice_pdf: bytes, docgen_scan_png: bytes, docgen_factory: Any
) -> None:
    assert docgen_invoice_pdf.startswith(b"%PDF")
    assert docgen_scan_png.startswith(b"\x89PNG")
    assert docgen_factory(3).truth == generate_document(3).truth


def test_committed_examples_match_the_generator(tmp_path: Path) -> None:
    from tests.docgen.samples import SAMPLES, write_samples

    examples = Path(__file__).resolve().parents[2] / "examples"
    written = write_samples(tmp_path)
    assert len(written) == len(SAMPLES)
    total = 0
    for path in written:
        committed = examples / path.name
        truth_name = path.name.rsplit(".", 1)[0] + ".truth.json"
        assert committed.exists(), f"{committed} missing: run `make samples`"
        fresh_truth = json.loads((tmp_path / truth_name).read_text(encoding="utf-8"))
        old_truth = json.loads((examples / truth_name).read_text(encoding="utf-8"))
        assert fresh_truth == old_truth, f"{truth_name} is stale: run `make samples`"
        total += committed.stat().st_size + (examples / truth_name).stat().st_size
    assert total < 2_000_000


def test_write_fixture_puts_truth_next_to_the_file(
    docgen_write: Any, docgen_receipt_photo: Any, docgen_multipage_tiff: Any
) -> None:
    path = docgen_write(docgen_receipt_photo)
    assert path.suffix == ".jpg"
    truth = json.loads(path.with_name(path.name[: -len(".jpg")] + ".truth.json").read_text())
    assert truth["scan_level"] == "photo"
    assert truth["document_type"] == "receipt"
    assert Image.open(path).format == "JPEG"
    tiff = docgen_write(docgen_multipage_tiff)
    assert getattr(Image.open(tiff), "n_frames", 1) == 2
    raw = docgen_write(b"%PDF-1.4 broken", "broken.pdf")
    assert raw.name == "broken.pdf"
    assert raw.read_bytes().startswith(b"%PDF")


def test_drawn_words_stay_on_the_page_and_do_not_collide() -> None:
    for seed in range(300, 420):
        truth = generate_document(seed).truth
        by_page: dict[int, list[dict[str, Any]]] = {}
        for w in truth["words"]:
            by_page.setdefault(w["page"], []).append(w)
            page = truth["pages"][w["page"] - 1]
            x0, y0, x1, y1 = w["bbox"]
            assert 0 <= x0 < x1 <= page["width"], (seed, w)
            assert 0 <= y0 < y1 <= page["height"], (seed, w)
        for words in by_page.values():
            words.sort(key=lambda w: w["bbox"][0])
            for i, a in enumerate(words):
                for b in words[i + 1 :]:
                    if b["bbox"][0] >= a["bbox"][2]:
                        break
                    if a["line"] == b["line"]:
                        continue
                    ix = min(a["bbox"][2], b["bbox"][2]) - max(a["bbox"][0], b["bbox"][0])
                    iy = min(a["bbox"][3], b["bbox"][3]) - max(a["bbox"][1], b["bbox"][1])
                    assert ix <= 1 or iy <= 3, (seed, a, b)


def test_truths_validate_against_the_published_schema() -> None:
    import jsonschema

    schema = json.loads(
        (Path(__file__).resolve().parents[1] / "docgen" / "truth.schema.json").read_text()
    )
    validator = jsonschema.Draft202012Validator(schema)
    for seed in range(500, 530):
        doc = generate_document(seed, plant_error=seed % 4 == 0)
        validator.validate(json.loads(json.dumps(doc.truth)))
        if seed % 10 == 0:
            level = ("clean", "noisy", "photo")[seed % 3]
            validator.validate(make_scan(doc, level, "jpeg", seed=seed, rotation=90).truth)
