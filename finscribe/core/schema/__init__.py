"""The published JSON Schema of the document object (schema v1) and a validator for it."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

SCHEMA_FILE = "document.v1.json"


@lru_cache(maxsize=1)
def document_schema() -> dict[str, Any]:
    """The schema-v1 JSON Schema, read from the package data."""
    text = resources.files(__package__).joinpath(SCHEMA_FILE).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def schema_errors(document: Any) -> list[str]:
    """Every way ``document`` breaks schema v1 (an empty list when it conforms)."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(document_schema())
    return [
        f"{'/'.join(str(p) for p in err.absolute_path) or '<root>'}: {err.message}"
        for err in sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    ]
