"""Deterministic generator of financial test documents (PDFs and scans) with ground truth.

    doc = generate_document(seed, kind="invoice", language="de", layout="classic", pages=2)
    doc.pdf_bytes, doc.truth                       # born-digital PDF and its ground truth
    png = render_scan(doc, "noisy", fmt="png", seed=1)    # scanned-looking image bytes
    scan = make_scan(doc, "photo", fmt="jpeg")             # image bytes + truth in its pixels
    for doc in generate_set(seed, count): ...

See tests/docgen/README.md for the truth format and the labelled-folder layout.
"""

from tests.docgen.content import ERROR_KINDS, KINDS
from tests.docgen.document import FIELD_NAMES, GeneratedDocument, generate_document
from tests.docgen.layouts import A4_LAYOUTS, LAYOUTS
from tests.docgen.locales import LANGUAGES
from tests.docgen.scan import FORMATS, LEVELS, Scan, make_scan, render_scan
from tests.docgen.sets import generate_set, write_set

__all__ = [
    "A4_LAYOUTS",
    "ERROR_KINDS",
    "FIELD_NAMES",
    "FORMATS",
    "KINDS",
    "LANGUAGES",
    "LAYOUTS",
    "LEVELS",
    "GeneratedDocument",
    "Scan",
    "generate_document",
    "generate_set",
    "make_scan",
    "render_scan",
    "write_set",
]
