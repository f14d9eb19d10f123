"""A result document as CSV: one row per field and per line-item cell (spreadsheet-safe)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from typing import Any, Final

CSV_COLUMNS: Final = ("section", "name", "value", "confidence", "page", "bbox")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    # Keep spreadsheets from running a cell as a formula (negative amounts stay numbers).
    if text[:1] in ("=", "+", "@", "\t", "\r") or (text[:1] == "-" and not text[1:2].isdigit()):
        return "'" + text
    return text


def _row(section: str, name: str, item: Any) -> list[str]:
    if isinstance(item, Mapping) and "value" in item:
        return [
            section,
            name,
            _cell(item.get("value")),
            _cell(item.get("confidence")),
            _cell(item.get("page")),
            _cell(item.get("bbox")),
        ]
    return [section, name, _cell(item), "", "", ""]


def document_to_csv(document: Mapping[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for key in ("document_type", "language", "schema_version"):
        if key in document:
            writer.writerow(["document", key, _cell(document[key]), "", "", ""])
    for name, item in (document.get("fields") or {}).items():
        writer.writerow(_row("field", str(name), item))
    for index, line in enumerate(document.get("line_items") or []):
        if isinstance(line, Mapping):
            for name, item in line.items():
                writer.writerow(_row("line_item", f"{index}.{name}", item))
        else:
            writer.writerow(_row("line_item", str(index), line))
    validation = document.get("validation") or {}
    for issue in validation.get("issues") or []:
        if isinstance(issue, Mapping):
            writer.writerow(
                ["issue", _cell(issue.get("code")), _cell(issue.get("severity")), "", "", ""]
            )
    return out.getvalue()
