"""Validation: arithmetic, date, currency and identifier checks on an extracted document."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from finscribe.core.validation.rules import (
    ARITHMETIC_CODES,
    REQUIRED_FIELDS,
    REVIEW_CODES,
    Context,
    Issue,
    run_rules,
)
from finscribe.settings import ValidationSettings

__all__ = [
    "ARITHMETIC_CODES",
    "REQUIRED_FIELDS",
    "REVIEW_CODES",
    "Context",
    "Issue",
    "needs_review",
    "validate",
]


def validate(
    document: Mapping[str, Any],
    settings: ValidationSettings | None = None,
    *,
    today: date | None = None,
    tax_rates: Iterable[Decimal] = (),
    currencies: Iterable[str] = (),
    paid: Decimal | None = None,
    discount: Decimal | None = None,
    stray_amounts: Iterable[Decimal] = (),
    unread_quantities: Iterable[int] = (),
    cell_confidence: Mapping[int, Mapping[str, float]] | None = None,
) -> dict[str, Any]:
    """The ``validation`` object of a schema-v1 document: ``{"valid": bool, "issues": [...]}``."""
    ctx = Context(
        document=document,
        settings=settings or ValidationSettings(),
        today=today or date.today(),
        tax_rates=list(tax_rates),
        currencies=set(currencies),
        paid=paid,
        discount=discount,
        stray_amounts=list(stray_amounts),
        unread_quantities=set(unread_quantities),
        cell_confidence={i: dict(c) for i, c in (cell_confidence or {}).items()},
    )
    issues = run_rules(ctx)
    return {
        "valid": not any(i.severity == "error" for i in issues),
        "issues": [i.to_dict() for i in issues],
    }


def needs_review(
    document: Mapping[str, Any], validation: Mapping[str, Any], settings: ValidationSettings
) -> bool:
    """True when validation found an error or a reading it doubts (:data:`REVIEW_CODES`), or
    a required field is less sure than the threshold."""
    if not validation.get("valid", False):
        return True
    if any(i.get("code") in REVIEW_CODES for i in validation.get("issues", [])):
        return True
    fields = document.get("fields", {})
    required = REQUIRED_FIELDS.get(str(document.get("document_type", "unknown")), ())
    return any(
        name in fields and float(fields[name].get("confidence", 0)) < settings.review_confidence
        for name in required
    )
