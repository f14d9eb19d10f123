"""Response bodies of the result endpoints."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass
class ResultView:
    result_id: str
    job_id: str
    schema_version: str
    document: dict[str, Any]
    validation: dict[str, Any]
    needs_review: bool
    model_versions: dict[str, Any]
    created_at: datetime
    updated_at: datetime


@dataclass
class CorrectionView:
    correction_id: str
    field: str
    old_value: Any
    new_value: Any
    corrected_by: str
    corrected_at: datetime


@dataclass
class CorrectionsResponse:
    result_id: str
    corrections: list[CorrectionView]
    document: dict[str, Any]
