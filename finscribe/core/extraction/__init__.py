"""Field extraction: from positioned text to the checked schema-v1 document."""

from finscribe.core.extraction.document import (
    Extraction,
    build_document,
    extract_fields,
    validate,
)
from finscribe.core.layout.analysis import analyze_layout

__all__ = ["Extraction", "analyze_layout", "build_document", "extract_fields", "validate"]
