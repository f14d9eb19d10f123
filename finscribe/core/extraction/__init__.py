"""Field extraction: from positioned text to the checked schema-v1 document.

The entry points (imported lazily, so that the layout package may use the lexicons here):
``build_document(doc_text, hints=None) -> dict`` does it all; the pipeline may time the
stages apart with ``analyze_layout`` -> ``extract_fields`` -> ``validate``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from finscribe.core.extraction.document import (
        Extraction,
        build_document,
        extract_fields,
        validate,
    )
    from finscribe.core.layout.analysis import analyze_layout

__all__ = ["Extraction", "analyze_layout", "build_document", "extract_fields", "validate"]


def __getattr__(name: str) -> Any:
    if name == "analyze_layout":
        from finscribe.core.layout import analysis

        return analysis.analyze_layout
    if name in ("Extraction", "build_document", "extract_fields", "validate"):
        from finscribe.core.extraction import document

        return getattr(document, name)
    raise AttributeError(name)
