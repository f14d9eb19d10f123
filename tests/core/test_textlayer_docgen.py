"""Text layer against the document generator's ground truth: every word exact, boxes in place."""

from __future__ import annotations

from collections import Counter, defaultdict

import pytest

from finscribe.core import ingest, textlayer
from finscribe.settings import Settings
from tests.fixtures.docs import docgen_document

#: Seeds spanning invoices, receipts and credit notes in several layouts and languages.
SEEDS = range(8)


@pytest.mark.parametrize("seed", SEEDS)
def test_every_word_and_box_of_a_generated_pdf(seed: int) -> None:
    doc = docgen_document(seed)
    truth = doc.truth
    assert truth["dpi"] == 200
    with ingest.ingest(doc.pdf_bytes, Settings()) as ingested:
        assert len(ingested.pages) == len(truth["pages"])
        for info, page_truth in zip(ingested.pages, truth["pages"], strict=True):
            page = textlayer.read_page(ingested, info.number, 8)
            assert page is not None
            assert page.source == "text_layer"
            assert (page.width, page.height) == (page_truth["width"], page_truth["height"])
            expected = [w for w in truth["words"] if w["page"] == info.number]
            got = page.words
            assert Counter(w.text for w in got) == Counter(w["text"] for w in expected)
            boxes = defaultdict(list)
            for word in got:
                boxes[word.text].append(word.bbox)
            for word in expected:
                x0, y0, x1, y1 = word["bbox"]
                cy, height = (y0 + y1) / 2, y1 - y0
                assert any(
                    abs(b.x0 - x0) <= 1.5
                    and abs(b.x1 - x1) <= 1.5 + 0.1 * height
                    and abs(b.cy - cy) <= 0.3 * height
                    for b in boxes[word["text"]]
                ), (word, boxes[word["text"]])
