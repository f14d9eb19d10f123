"""Candidate scorers: a learned model (versioned joblib artifact) or hand-set weights."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from finscribe.core.extraction.candidates import FEATURES, Candidate

#: Where the packaged scorer lives (rebuilt by ``finscribe train``).
ARTIFACT_DIR = Path(__file__).resolve().parent / "model"
ARTIFACT_NAME = "scorer.joblib"
SIDECAR_NAME = "scorer.json"
ARTIFACT_VERSION = "1"

_FAMILY = {
    "subtotal": "money", "total_tax": "money", "total": "money", "amount_due": "money",
    "invoice_date": "date", "due_date": "date", "invoice_number": "ref",
    "purchase_order": "ref", "vendor_tax_id": "taxid", "customer_tax_id": "taxid",
    "vendor_iban": "iban",
}  # fmt: skip

_LABEL = {"lab_inline": 4.0, "lab_right": 4.0, "lab_below": 3.0, "lab_dist": -1.5,
          "lab_words": 0.5, "lab_other": -3.5, "lab_leading": 0.3}  # fmt: skip
_HAND: dict[str, dict[str, float]] = {
    "money": {**_LABEL, "lab_other_money": -1.0, "lab_ignore": -2.5, "in_table": -3.0,
              "last_page": 0.3, "y_rel": 0.5, "has_currency": 0.2, "bias": -3.0},
    "date": {**_LABEL, "in_table": -2.0, "first_page": 0.5, "y_rel": -0.5, "bias": -2.5},
    "ref": {**_LABEL, "format_ok": 1.5, "has_digit": 1.5, "in_table": -3.0, "n_words": -1.0,
            "lab_ignore": -2.0, "bias": -5.0},
    "taxid": {**_LABEL, "format_ok": 1.5, "bias": -3.5},
    "iban": {"format_ok": 4.0, "lab_inline": 1.0, "lab_right": 1.0, "lab_below": 1.0,
             "bias": -2.0},
}  # fmt: skip
_FIELD_EXTRA: dict[str, dict[str, float]] = {
    "total": {"is_max": 1.5, "amount_rank": 0.5},
    "amount_due": {"is_max": 0.3},
    "subtotal": {"amount_rank": 0.3},
    "invoice_number": {"lab_title": 1.5, "first_page": 0.5},
    "invoice_date": {"first_date": 2.5},
    "due_date": {"first_date": -0.5},
    "vendor_tax_id": {"in_customer": -3.0},
    "customer_tax_id": {"in_customer": 3.0, "bias": -4.5},
}


class Scorer(Protocol):
    """Turns candidates' features into probabilities of being the field's value."""

    name: str

    def score(self, field: str, candidates: Sequence[Candidate]) -> list[float]: ...


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(min(x, 30.0), -30.0)))


@dataclass(slots=True)
class HandScorer:
    """The fallback: hand-set linear weights per field family, squashed to [0, 1]."""

    name: str = "hand"

    def weights(self, field: str) -> dict[str, float]:
        return {**_HAND[_FAMILY[field]], **_FIELD_EXTRA.get(field, {})}

    def score(self, field: str, candidates: Sequence[Candidate]) -> list[float]:
        w = self.weights(field)
        out = []
        for c in candidates:
            x = w.get("bias", 0.0) + sum(w.get(k, 0.0) * v for k, v in c.features.items())
            out.append(_sigmoid(x))
        return out


@dataclass(slots=True)
class LearnedScorer:
    """Per-field scikit-learn classifiers over :data:`FEATURES`; hand weights where none."""

    models: dict[str, Any]
    meta: dict[str, Any]
    name: str = "learned"

    def score(self, field: str, candidates: Sequence[Candidate]) -> list[float]:
        model = self.models.get(field)
        if model is None or not candidates:
            return HandScorer().score(field, candidates)
        features = list(self.meta.get("features", FEATURES))
        rows = [[float(c.features.get(n, 0.0)) for n in features] for c in candidates]
        learned = [float(p) for p in model.predict_proba(rows)[:, 1]]
        # blended with the hand weights: the learned model sharpens the ranking, the hand
        # prior keeps it calibrated for the arithmetic selection on layouts it never saw
        w = float(self.meta.get("blend", 0.3))
        hand = HandScorer().score(field, candidates)
        return [w * lp + (1 - w) * hp for lp, hp in zip(learned, hand, strict=True)]


def load_scorer(directory: Path | None = None) -> Scorer:
    """The learned scorer from ``directory`` (default: the packaged one), else the hand one.

    The artifact is used only when its sidecar's version and feature list match this code.
    """
    directory = directory or ARTIFACT_DIR
    artifact, sidecar = directory / ARTIFACT_NAME, directory / SIDECAR_NAME
    if not artifact.is_file() or not sidecar.is_file():
        return HandScorer()
    meta = json.loads(sidecar.read_text(encoding="utf-8"))
    if meta.get("version") != ARTIFACT_VERSION or list(meta.get("features", [])) != list(FEATURES):
        return HandScorer()
    import warnings

    import joblib

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # scikit-learn version notes on unpickling
            models = joblib.load(artifact)
    except Exception:  # an artifact this scikit-learn cannot read: the hand weights serve
        return HandScorer()
    if not isinstance(models, dict):
        return HandScorer()
    return LearnedScorer(models=models, meta=meta)
