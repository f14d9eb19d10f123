"""VAT IDs printed without a label (or under one OCR garbled), found by their check digits.

A VAT ID with its country prefix (``FR61475771986``, ``ATU92333207``, ``CHE-551.362.574
TVA``) says what it is: where the scorer chose none for a party, a valid one is given to the
customer when it sits in the customer's block or on the line under it, else to the vendor
when exactly one such ID is left elsewhere on the document.
"""

from __future__ import annotations

from dataclasses import dataclass

from finscribe.core.layout.analysis import Layout, Segment
from finscribe.core.model import BBox
from finscribe.core.validation.ids import compact_id, is_valid_tax_id

#: Most words one printed VAT ID spans (``CHE-551.362.574 TVA``, ``DE 181 486 850``).
MAX_WORDS = 4


@dataclass(frozen=True, slots=True)
class FoundTaxId:
    """A valid VAT ID as printed: its value, text, page, box, OCR confidence and segment."""

    value: str
    text: str
    page: int
    bbox: BBox
    confidence: float
    segment: Segment


def valid_tax_ids(layout: Layout) -> list[FoundTaxId]:
    """Every run of one to :data:`MAX_WORDS` words that compacts to a VAT ID with a country
    prefix whose check digits hold (the longest run at each start word)."""
    found: list[FoundTaxId] = []
    for page in layout.pages:
        for seg in page.segments:
            words = seg.words
            i = 0
            while i < len(words):
                hit = _longest_at(seg, i)
                if hit is None:
                    i += 1
                    continue
                found.append(hit[0])
                i = hit[1]
    return found


def _longest_at(seg: Segment, i: int) -> tuple[FoundTaxId, int] | None:
    words = seg.words
    for j in range(min(len(words), i + MAX_WORDS), i, -1):
        text = " ".join(w.text for w in words[i:j]).strip(" .,:;")
        value = compact_id(text)
        if len(value) >= 8 and is_valid_tax_id(value) is True:  # True: a country prefix too
            box = BBox.enclosing([w.bbox for w in words[i:j]])
            conf = min(w.confidence for w in words[i:j])
            return FoundTaxId(value, text, seg.page, box, conf, seg), j
    return None


def unlabelled_tax_ids(
    found: list[FoundTaxId],
    customer_segments: set[tuple[int, int]],
    taken: set[str],
) -> tuple[FoundTaxId | None, FoundTaxId | None]:
    """(vendor's, customer's) VAT ID among ``found`` that no field holds yet (``taken``):
    the customer's in or right under its block (``customer_segments``), the vendor's the
    one value left elsewhere; None where there is none or more than one."""
    fresh = [f for f in found if f.value not in taken]
    mine = [f for f in fresh if (f.page, f.segment.index) in customer_segments]
    customer = mine[0] if len({f.value for f in mine}) == 1 else None
    theirs = {f.value for f in mine}
    rest = [f for f in fresh if f.value not in theirs]
    vendor = rest[0] if len({f.value for f in rest}) == 1 else None
    return vendor, customer
