"""Validation rules over a schema-v1 document: each a named issue code with severity and fields."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from finscribe.core.misreads import extra_glyph_readings
from finscribe.core.validation import ids
from finscribe.settings import ValidationSettings

Severity = Literal["error", "warning"]

#: Required header fields per document type.
REQUIRED_FIELDS: dict[str, tuple[str, ...]] = {
    "invoice": ("invoice_number", "invoice_date", "vendor_name", "total"),
    "credit_note": ("invoice_number", "invoice_date", "vendor_name", "total"),
    "receipt": ("vendor_name", "invoice_date", "total"),
    "unknown": ("total",),
}

#: Codes of the arithmetic checks (what a planted arithmetic error should trip).
ARITHMETIC_CODES: frozenset[str] = frozenset(
    {
        "LINE_AMOUNT_MISMATCH",
        "LINES_SUBTOTAL_MISMATCH",
        "TOTAL_MISMATCH",
        "TAX_RATE_MISMATCH",
        "AMOUNT_DUE_MISMATCH",
    }
)

#: VAT rates in use in the countries whose invoices are read (standard and reduced, percent).
VAT_RATES: frozenset[Decimal] = frozenset(
    Decimal(r)
    for r in [
        "0",
        "2.1",
        "2.5",
        "2.6",
        "3",
        "3.7",
        "3.8",
        "4",
        "4.8",
        "5",
        "5.5",
        "6",
        "7",
        "7.7",
        "8",
        "8.1",
        "9",
        "10",
        "12",
        "13",
        "13.5",
        "14",
        "16",
        "17",
        "19",
        "20",
        "21",
        "22",
        "23",
        "24",
        "25",
        "27",
    ]
)


#: Codes that say our reading is unsure (not the document wrong): a warning that still asks
#: for review.
REVIEW_CODES: frozenset[str] = frozenset({"LINE_ITEMS_INCOMPLETE", "LINE_READ_UNCERTAIN"})


@dataclass(frozen=True, slots=True)
class Issue:
    """One finding: a stable code, its severity, the fields it concerns and a message."""

    code: str
    severity: Severity
    fields: tuple[str, ...]
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "fields": list(self.fields),
            "message": self.message,
        }


@dataclass(slots=True)
class Context:
    """What the rules read: the document plus extraction facts not in the output."""

    document: Mapping[str, Any]
    settings: ValidationSettings
    today: date
    #: Tax rates printed next to the tax total (percent), e.g. ``[Decimal("20")]``.
    tax_rates: list[Decimal] = field(default_factory=list)
    #: Every currency printed next to an amount.
    currencies: set[str] = field(default_factory=set)
    #: Payments / deposits printed on the document (already paid).
    paid: Decimal | None = None
    #: Discount printed between subtotal and total.
    discount: Decimal | None = None
    #: Amounts printed among the line items that no item took: evidence that reading lost or
    #: merged a row, so lines that do not add up may be our reading, not the vendor's sums.
    stray_amounts: list[Decimal] = field(default_factory=list)
    #: Line indexes whose table prints a quantity that was not read (and not implied).
    unread_quantities: set[int] = field(default_factory=set)
    #: OCR confidence of line i's "quantity", "unit_price" and "amount" cells (scans only).
    cell_confidence: dict[int, dict[str, float]] = field(default_factory=dict)

    def money(self, name: str) -> Decimal | None:
        f = self.document.get("fields", {}).get(name)
        return None if f is None else to_decimal(f.get("value"))

    def day(self, name: str) -> date | None:
        f = self.document.get("fields", {}).get(name)
        if f is None:
            return None
        try:
            return date.fromisoformat(str(f.get("value")))
        except ValueError:
            return None

    def text(self, name: str) -> str | None:
        f = self.document.get("fields", {}).get(name)
        return None if f is None else str(f.get("value"))

    def tolerance(self, expected: Decimal, terms: int = 1) -> Decimal:
        s = self.settings
        return max(s.amount_tolerance * terms, abs(expected) * s.relative_tolerance)


def to_decimal(value: object) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


Rule = Callable[[Context], list[Issue]]

#: Quantities are printed with at most this many decimals (``10.25`` h, ``2.125`` kg).
QUANTITY_PLACES = 3


def implied_quantity(price: Decimal, amount: Decimal) -> Decimal | None:
    """The quantity with the fewest decimals (at most :data:`QUANTITY_PLACES`) for which
    quantity x price rounds to ``amount``; None when there is none (or ``price`` is 0)."""
    if price == 0:
        return None
    exact = amount / price
    if exact <= 0:
        return None
    for places in range(QUANTITY_PLACES + 1):
        q = exact.quantize(Decimal(1).scaleb(-places))
        if q > 0 and abs(q * price - amount) <= Decimal("0.005"):
            return q
    return None


def line_amounts(ctx: Context) -> list[Issue]:
    """quantity x unit price = amount per line; a line whose quantity was not read must at
    least have a quantity as printed that fits. A mismatch that one unsure character of a
    scan explains is reported as ``LINE_READ_UNCERTAIN`` (review), not as an error."""
    out: list[Issue] = []
    for i, line in enumerate(ctx.document.get("line_items", [])):
        q, p, a = (to_decimal(line.get(k)) for k in ("quantity", "unit_price", "amount"))
        if p is None or a is None:
            continue
        if q is None:
            if not p or i not in ctx.unread_quantities or _adds_up(ctx, None, p, a):
                continue
            fields: tuple[str, ...] = (f"line_items[{i}].unit_price", f"line_items[{i}].amount")
            message = (
                f"line {i + 1}: no quantity with at most {QUANTITY_PLACES} decimals times {p}"
                f" is {a}"
            )
        else:
            expected = q * p
            if _adds_up(ctx, q, p, a):
                continue
            if any(abs(expected - s) <= ctx.tolerance(expected) for s in ctx.stray_amounts):
                # the row's own amount is printed among the items, unread: rows were merged
                out.append(
                    Issue(
                        "LINE_ITEMS_INCOMPLETE",
                        "warning",
                        (f"line_items[{i}].amount",),
                        f"line {i + 1}: {q} x {p} = {expected.quantize(Decimal('0.01'))} is"
                        f" printed among the items but line {i + 1} read {a}: rows merged",
                    )
                )
                continue
            fields = tuple(f"line_items[{i}].{k}" for k in ("quantity", "unit_price", "amount"))
            message = f"line {i + 1}: {q} x {p} = {expected.quantize(Decimal('0.01'))}, printed {a}"
        unsure = _one_glyph_misread(ctx, i, q, p, a)
        if unsure is None:
            out.append(Issue("LINE_AMOUNT_MISMATCH", "error", fields, message))
        else:
            out.append(
                Issue(
                    "LINE_READ_UNCERTAIN",
                    "warning",
                    fields,
                    f"{message}; one character of the scanned {unsure} would explain it:"
                    " check the printed line",
                )
            )
    return out


def _adds_up(ctx: Context, q: Decimal | None, p: Decimal, a: Decimal) -> bool:
    if q is None:  # the quantity was not read: one as printed must fit
        return implied_quantity(abs(p), abs(a)) is not None
    expected = q * p
    return abs(expected - a) <= ctx.tolerance(expected) + Decimal("0.005")


def _one_glyph_misread(
    ctx: Context, i: int, q: Decimal | None, p: Decimal, a: Decimal
) -> str | None:
    """The cell of line ``i`` (``"amount (read 0.62 sure)"``) that OCR read unsure (below
    ``unsure_read_confidence``) and whose one digit or decimal mark read otherwise makes the
    line add up; None when no such cell (text-layer cells are sure)."""
    confidence = ctx.cell_confidence.get(i, {})
    values = {"quantity": q, "unit_price": p, "amount": a}
    for name, value in values.items():
        sure = confidence.get(name, 1.0)
        if value is None or sure >= ctx.settings.unsure_read_confidence:
            continue
        for other in _one_digit_variants(value):
            v = {**values, name: other}
            price, amount = v["unit_price"], v["amount"]
            if (
                price is not None
                and amount is not None
                and _adds_up(ctx, v["quantity"], price, amount)
            ):
                return f"{name.replace('_', ' ')} (read {sure:.2f} sure)"
    return None


def _one_digit_variants(value: Decimal) -> list[Decimal]:
    """``value`` with one digit replaced by each other digit (a leading digit not by 0: that
    would be a digit lost, not misread), with its decimal mark lost or moved (x or / 10,
    100, 1000: ``131490.00`` read for ``1314.90``), without a first digit that was a
    currency sign or without a 1 read in a thousands gap."""
    text = format(value, "f")
    lead = next((j for j, ch in enumerate(text) if ch.isdigit()), -1)
    shifted = [value.scaleb(k) for k in (-3, -2, -1, 1, 2, 3)]
    shifted += extra_glyph_readings(value)
    return shifted + [
        Decimal(text[:j] + d + text[j + 1 :])
        for j, ch in enumerate(text)
        if ch.isdigit()
        for d in "0123456789"
        if d != ch and not (j == lead and d == "0")
    ]


def lines_subtotal(ctx: Context) -> list[Issue]:
    lines = ctx.document.get("line_items", [])
    amounts = [to_decimal(line.get("amount")) for line in lines]
    if not lines or any(a is None for a in amounts):
        return []
    total_lines = sum((a for a in amounts if a is not None), Decimal(0))
    subtotal, total = ctx.money("subtotal"), ctx.money("total")
    targets = [t for t in (subtotal, total) if t is not None]
    if ctx.discount is not None and subtotal is not None:
        targets.append(subtotal + abs(ctx.discount))
    if not targets:
        return []
    tax = ctx.money("total_tax")
    if subtotal is None and total is not None and tax is not None:
        targets.append(total - tax)
    tol = ctx.tolerance(total_lines, 1)
    if any(abs(total_lines - t) <= tol for t in targets):
        return []
    if subtotal is None and tax is None and total is not None and _net_of(ctx, total_lines, total):
        return []  # net lines, the tax line not read: the total is the lines plus one VAT rate
    name = "subtotal" if subtotal is not None else "total"
    if ctx.stray_amounts:
        # the page prints amounts among the items that no item took: a row was lost or
        # merged in reading, so the shortfall is ours to review, not the vendor's arithmetic
        strays = ", ".join(str(a) for a in ctx.stray_amounts[:5])
        return [
            Issue(
                "LINE_ITEMS_INCOMPLETE",
                "warning",
                ("line_items", name),
                f"line amounts add up to {total_lines}, {name} is {targets[0]}; amounts"
                f" printed among the items were not read into any item ({strays})",
            )
        ]
    return [
        Issue(
            "LINES_SUBTOTAL_MISMATCH",
            "error",
            ("line_items", name),
            f"line amounts add up to {total_lines}, {name} is {targets[0]}",
        )
    ]


def _net_of(ctx: Context, lines: Decimal, total: Decimal) -> bool:
    """``total`` is ``lines`` plus VAT at one rate (a printed one, else one in use)."""
    rates = ctx.tax_rates or sorted(VAT_RATES)
    n = len(ctx.document.get("line_items", []))
    tol = ctx.tolerance(total, 2) + Decimal("0.005") * n
    return any(r > 0 and abs(lines * (1 + r / 100) - total) <= tol for r in rates)


def total(ctx: Context) -> list[Issue]:
    subtotal, tax, tot = ctx.money("subtotal"), ctx.money("total_tax"), ctx.money("total")
    if subtotal is None or tot is None:
        return []
    if tax is None:
        if abs(subtotal - tot) <= ctx.tolerance(tot) or (
            tot * subtotal > 0 and abs(tot) > abs(subtotal)
        ):
            return []  # tax not printed / not found (a credit note's too): nothing to check
        tax = Decimal(0)
    discount = abs(ctx.discount) if ctx.discount is not None else Decimal(0)
    sign = Decimal(-1) if tot < 0 else Decimal(1)
    expected = subtotal + tax
    candidates = [expected, expected - sign * discount]
    if any(abs(e - tot) <= ctx.tolerance(tot, 2) for e in candidates):
        return []
    return [
        Issue(
            "TOTAL_MISMATCH",
            "error",
            ("subtotal", "total_tax", "total"),
            f"subtotal {subtotal} + tax {tax} = {expected}, total printed {tot}",
        )
    ]


def tax_rate(ctx: Context) -> list[Issue]:
    tax = ctx.money("total_tax")
    subtotal = ctx.money("subtotal")
    if tax is None:
        return []
    lines = ctx.document.get("line_items", [])
    tot = ctx.money("total")
    if subtotal is None and tot is not None:
        # no subtotal read: the net is total - tax where the line amounts add up to it
        amounts = [to_decimal(line.get("amount")) for line in lines]
        net = sum((a for a in amounts if a is not None), Decimal(0))
        if lines and None not in amounts and abs(net - (tot - tax)) <= ctx.tolerance(net):
            subtotal = tot - tax
    per_rate: dict[Decimal, Decimal] = {}
    for line in lines:
        r, a = to_decimal(line.get("tax_rate")), to_decimal(line.get("amount"))
        if r is None or a is None:
            per_rate = {}
            break
        per_rate[r] = per_rate.get(r, Decimal(0)) + a
    if per_rate and lines:
        expected = sum((base * r / 100 for r, base in per_rate.items()), Decimal(0))
        base_total = sum(per_rate.values(), Decimal(0))
        if subtotal is None and tot is not None and abs(base_total - tot) <= ctx.tolerance(tot):
            # gross lines adding up to the total (a receipt): the tax is inside them
            expected = sum((g * r / (100 + r) for r, g in per_rate.items()), Decimal(0))
        if subtotal is not None and abs(base_total - subtotal) > ctx.tolerance(subtotal, 2):
            per_rate = {}  # lines are not the tax base (gross lines): fall through
        else:
            tol = ctx.tolerance(expected, 2) + Decimal("0.005") * len(lines)
            if abs(expected - tax) > tol:
                return [_tax_issue(expected, tax, "line rates")]
            return []
    if len(ctx.tax_rates) == 1 and subtotal is not None:
        expected = subtotal * ctx.tax_rates[0] / 100
        if abs(expected - tax) > ctx.tolerance(expected, 2):
            return [_tax_issue(expected, tax, f"{ctx.tax_rates[0]}%")]
    return []


def _tax_issue(expected: Decimal, tax: Decimal, basis: str) -> Issue:
    return Issue(
        "TAX_RATE_MISMATCH",
        "error",
        ("total_tax", "subtotal"),
        f"tax at {basis} is {expected.quantize(Decimal('0.01'))}, printed {tax}",
    )


def amount_due(ctx: Context) -> list[Issue]:
    due, tot = ctx.money("amount_due"), ctx.money("total")
    if due is None or tot is None:
        return []
    if abs(due - tot) <= ctx.tolerance(tot):
        return []
    if ctx.paid is not None and abs(tot - abs(ctx.paid) - due) <= ctx.tolerance(tot, 2):
        return []
    if ctx.paid is None and abs(due) < abs(tot) and (due >= 0) == (tot >= 0):
        return []  # a part is paid, the payment line was not read: cannot tell
    return [
        Issue(
            "AMOUNT_DUE_MISMATCH",
            "error",
            ("amount_due", "total"),
            f"amount due {due} does not follow from total {tot}"
            + (f" and payments {ctx.paid}" if ctx.paid is not None else ""),
        )
    ]


def due_before_issue(ctx: Context) -> list[Issue]:
    issued, due = ctx.day("invoice_date"), ctx.day("due_date")
    if issued is None or due is None or due >= issued:
        return []
    return [
        Issue(
            "DUE_BEFORE_ISSUE",
            "error",
            ("due_date", "invoice_date"),
            f"due date {due} is before the invoice date {issued}",
        )
    ]


def dates_plausible(ctx: Context) -> list[Issue]:
    out: list[Issue] = []
    latest = ctx.today + timedelta(days=ctx.settings.max_future_days)
    for name in ("invoice_date", "due_date"):
        d = ctx.day(name)
        if d is None:
            continue
        limit = latest + timedelta(days=366) if name == "due_date" else latest
        if d > limit or d.year < ctx.settings.min_year:
            out.append(Issue("DATE_IMPLAUSIBLE", "error", (name,), f"{name} {d} is implausible"))
    return out


def currency_consistent(ctx: Context) -> list[Issue]:
    declared = ctx.text("currency")
    seen = set(ctx.currencies)
    if declared:
        seen.add(declared)
    if len(seen) <= 1:
        return []
    return [
        Issue(
            "CURRENCY_INCONSISTENT",
            "warning",
            ("currency",),
            f"amounts printed in several currencies: {', '.join(sorted(seen))}",
        )
    ]


def tax_ids(ctx: Context) -> list[Issue]:
    out: list[Issue] = []
    for name in ("vendor_tax_id", "customer_tax_id"):
        value = ctx.text(name)
        if value and ids.is_valid_tax_id(value) is False:
            out.append(Issue("INVALID_TAX_ID", "error", (name,), f"{name} {value} fails its check"))
    return out


def iban(ctx: Context) -> list[Issue]:
    value = ctx.text("vendor_iban")
    if value and not ids.is_valid_iban(value):
        return [Issue("INVALID_IBAN", "error", ("vendor_iban",), f"IBAN {value} is invalid")]
    return []


def required_fields(ctx: Context) -> list[Issue]:
    doc_type = str(ctx.document.get("document_type", "unknown"))
    present = ctx.document.get("fields", {})
    return [
        Issue(
            "MISSING_REQUIRED_FIELD",
            "error",
            (name,),
            f"{name} is required on a {doc_type.replace('_', ' ')} and was not found",
        )
        for name in REQUIRED_FIELDS.get(doc_type, ())
        if name not in present
    ]


RULES: tuple[Rule, ...] = (
    line_amounts,
    lines_subtotal,
    total,
    tax_rate,
    amount_due,
    due_before_issue,
    dates_plausible,
    currency_consistent,
    tax_ids,
    iban,
    required_fields,
)


def run_rules(ctx: Context, rules: Sequence[Rule] = RULES) -> list[Issue]:
    """Every issue every rule finds, in rule order."""
    return [issue for rule in rules for issue in rule(ctx)]
