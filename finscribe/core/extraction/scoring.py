"""Comparing extracted documents with ground truth: field and line-item matching rules.

Shared by the accuracy benchmark and ``finscribe train`` (which labels candidates with it).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

HEADER_FIELDS: tuple[str, ...] = (
    "invoice_number", "invoice_date", "due_date", "purchase_order", "vendor_name",
    "vendor_address", "vendor_tax_id", "vendor_iban", "customer_name", "customer_address",
    "customer_tax_id", "currency", "subtotal", "total_tax", "total", "amount_due",
    "payment_terms",
)  # fmt: skip
ITEM_COLUMNS: tuple[str, ...] = (
    "description", "quantity", "unit", "unit_price", "tax_rate", "amount",
)  # fmt: skip
_NUMERIC = {"subtotal", "total_tax", "total", "amount_due", "quantity", "unit_price",
            "tax_rate", "amount"}  # fmt: skip
_COMPACT = {"vendor_tax_id", "customer_tax_id", "vendor_iban", "invoice_number",
            "purchase_order"}  # fmt: skip


def normalise(name: str, value: object) -> str:
    """A comparison key: numbers as Decimal strings, IDs compact, text folded and trimmed."""
    text = str(value).strip()
    if name in _NUMERIC:
        try:
            return str(Decimal(text).normalize())
        except InvalidOperation:
            return text
    if name in _COMPACT:
        return re.sub(r"[\s.\-/]", "", text).upper()
    text = unicodedata.normalize("NFKC", text).casefold()
    text = re.sub(r"\s*,\s*", ", ", text)
    return re.sub(r"\s+", " ", text).strip(" ,.")


def same(name: str, got: object, want: object) -> bool:
    return normalise(name, got) == normalise(name, want)


def match_items(
    predicted: Sequence[Mapping[str, Any]], truth: Sequence[Mapping[str, Any]]
) -> list[tuple[int, int]]:
    """Pairs (truth index, predicted index): greedy by equal cells, order as a tie-break."""
    pairs: list[tuple[int, int, int]] = []
    for ti, t in enumerate(truth):
        for pi, p in enumerate(predicted):
            agree = sum(1 for c in ITEM_COLUMNS if c in t and c in p and same(c, p[c], t[c]))
            if agree:
                pairs.append((-agree, abs(ti - pi), ti * 10000 + pi))
    used_t: set[int] = set()
    used_p: set[int] = set()
    out: list[tuple[int, int]] = []
    for _, _, key in sorted(pairs):
        ti, pi = divmod(key, 10000)
        if ti in used_t or pi in used_p:
            continue
        used_t.add(ti)
        used_p.add(pi)
        out.append((ti, pi))
    return out


def item_cell_counts(
    predicted: Sequence[Mapping[str, Any]], truth: Sequence[Mapping[str, Any]]
) -> tuple[int, int, int]:
    """(true positives, predicted cells, truth cells) over the item columns."""
    n_pred = sum(1 for p in predicted for c in ITEM_COLUMNS if c in p and str(p[c]) != "")
    n_truth = sum(1 for t in truth for c in ITEM_COLUMNS if c in t and str(t[c]) != "")
    tp = 0
    for ti, pi in match_items(predicted, truth):
        t, p = truth[ti], predicted[pi]
        tp += sum(1 for c in ITEM_COLUMNS if c in t and c in p and same(c, p[c], t[c]))
    return tp, n_pred, n_truth
