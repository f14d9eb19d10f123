"""The published schema-v1 JSON Schema: shipped in the package, strict about values."""

from __future__ import annotations

import copy
from typing import Any

from finscribe.core.extraction import build_document
from finscribe.core.schema import document_schema, schema_errors
from tests.core.test_extract_synthetic import english_invoice


def test_schema_is_package_data() -> None:
    schema = document_schema()
    assert schema["properties"]["schema_version"] == {"const": "1"}
    assert "invoice_number" in schema["properties"]["fields"]["properties"]


def test_extracted_document_validates() -> None:
    assert schema_errors(english_invoice()) == []


def test_schema_rejects_bad_values() -> None:
    good: dict[str, Any] = english_invoice()
    cases = [
        ("fields", "total", "value", "1,560.00"),
        ("fields", "invoice_date", "value", "14/03/2024"),
        ("fields", "currency", "value", "£"),
    ]
    for section, name, key, bad in cases:
        doc = copy.deepcopy(good)
        doc[section][name][key] = bad
        assert schema_errors(doc), (name, bad)
    doc = copy.deepcopy(good)
    doc["fields"]["total"].pop("bbox")
    assert schema_errors(doc)
    doc = copy.deepcopy(good)
    doc["fields"]["made_up"] = doc["fields"]["total"]
    assert schema_errors(doc)
    doc = copy.deepcopy(good)
    doc["validation"]["issues"].append(
        {"code": "NOT_A_CODE", "severity": "error", "fields": [], "message": "x"}
    )
    assert schema_errors(doc)


def test_empty_document_is_still_schema_valid() -> None:
    from finscribe.core.model import DocumentText, PageText

    doc = build_document(DocumentText("image/png", [PageText(1, 100, 100, 200, "ocr", [])]))
    assert schema_errors(doc) == []
    assert doc["document_type"] == "unknown"
    assert doc["needs_review"] is True
