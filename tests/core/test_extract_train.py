"""`finscribe train`: a scorer learned from a labelled folder, saved, loaded and used."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from finscribe.cli.main import main
from finscribe.core.extraction import build_document
from finscribe.core.extraction.candidates import FEATURES
from finscribe.core.extraction.scorer import (
    ARTIFACT_VERSION,
    HandScorer,
    LearnedScorer,
    load_scorer,
)
from finscribe.core.pipeline import analyze, default_engine
from finscribe.core.schema import schema_errors
from finscribe.settings import Settings
from tests.docgen import generate_document
from tests.docgen.sets import write_set


@pytest.fixture(scope="module")
def labelled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("labelled")
    write_set(folder, seed=4242, count=14, plant_errors=0.2)
    return folder


def test_train_command_writes_a_versioned_artifact(labelled: Path, tmp_path: Path) -> None:
    out = tmp_path / "model"
    assert main(["train", "--data", str(labelled), "--out", str(out)]) == 0
    meta = json.loads((out / "scorer.json").read_text())
    assert meta["version"] == ARTIFACT_VERSION
    assert meta["features"] == list(FEATURES)
    assert meta["documents"] + meta["holdout_documents"] == 14
    assert meta["metrics"]["total"]["positives"] > 0
    assert 0.0 <= meta["metrics"]["total"]["holdout_accuracy"] <= 1.0
    scorer = load_scorer(out)
    assert isinstance(scorer, LearnedScorer)
    assert "total" in scorer.models

    doc = generate_document(777, kind="invoice", language="fr")
    settings = Settings()
    text = asyncio.run(
        analyze(doc.pdf_bytes, engine=default_engine(settings), settings=settings)
    ).text
    out_doc = build_document(text, scorer=scorer)
    assert schema_errors(out_doc) == []
    assert out_doc["fields"]["total"]["value"] == doc.truth["fields"]["total"]


def test_stale_or_missing_artifact_falls_back_to_hand_weights(tmp_path: Path) -> None:
    assert isinstance(load_scorer(tmp_path), HandScorer)
    (tmp_path / "scorer.joblib").write_bytes(b"")
    (tmp_path / "scorer.json").write_text(json.dumps({"version": "0", "features": []}))
    assert isinstance(load_scorer(tmp_path), HandScorer)


def test_train_refuses_an_empty_folder(tmp_path: Path) -> None:
    assert main(["train", "--data", str(tmp_path), "--out", str(tmp_path / "m")]) == 1
    assert not (tmp_path / "m").exists()
