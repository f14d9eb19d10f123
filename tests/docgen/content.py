"""What a generated document says: parties, dates, line items and Decimal totals, errors planted."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from tests.docgen import catalog, fakes
from tests.docgen.locales import (
    LOCALES,
    LOCALES_BY_LANGUAGE,
    PAYMENT_TERMS,
    Locale,
    pick_date_style,
    pick_labels,
)

CENT = Decimal("0.01")
KINDS = ("invoice", "receipt", "credit_note")
ERROR_KINDS = (
    "LINE_AMOUNT_MISMATCH",
    "LINES_SUBTOTAL_MISMATCH",
    "TOTAL_MISMATCH",
    "TAX_RATE_MISMATCH",
)


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _cents(value: Decimal) -> str:
    """A money value as the truth writes it: ``"-250.40"``."""
    return f"{value:.2f}"


@dataclass(slots=True)
class LineItem:
    """One printed line item; ``amount`` and ``unit_price`` are what is printed."""

    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    tax_rate: Decimal
    amount: Decimal


@dataclass(slots=True)
class TaxGroup:
    """Tax at one rate: the base it applies to and the tax."""

    rate: Decimal
    base: Decimal
    tax: Decimal


@dataclass
class Content:
    """Everything a layout prints. ``None`` means "not on this document"."""

    kind: str
    locale: Locale
    labels: dict[str, str]
    money_style: str
    date_style: str
    number: str
    issue_date: date
    due_date: date | None
    purchase_order: str | None
    payment_terms: str | None
    vendor: fakes.Party
    customer: fakes.Party | None
    items: list[LineItem]
    tax_groups: list[TaxGroup]
    subtotal: Decimal
    total_tax: Decimal
    total: Decimal
    paid: Decimal | None
    amount_due: Decimal | None
    basis: str  # "net": line amounts before tax; "gross": tax included (receipts)
    show_unit: bool
    show_tax_column: bool
    original_invoice: str | None = None
    customer_number: str | None = None
    note: str | None = None
    #: distractors: other dates and reference numbers printed among the header facts
    delivery_date: date | None = None
    order_date: date | None = None
    delivery_note: str | None = None
    receipt: dict[str, Any] = field(default_factory=dict)
    planted_error: dict[str, Any] | None = None

    @property
    def language(self) -> str:
        return self.locale.language

    @property
    def currency(self) -> str:
        return self.locale.currency


def _number(rng: random.Random, kind: str, lang: str, year: int) -> str:
    n = rng.randint(12, 99999)
    if kind == "credit_note":
        prefix = {"en": "CN", "fr": "AV", "de": "GS", "es": "R", "nl": "CN", "it": "NC"}[lang]
    else:
        prefix = rng.choice(
            {
                "en": ("INV", "IN", "SI"),
                "fr": ("F", "FA", "FAC"),
                "de": ("RE", "R", "RG"),
                "es": ("F", "FAC", "A"),
                "nl": ("F", "FACT", "INV"),
                "it": ("FT", "FATT", "F"),
            }[lang]
        )
    style = rng.randrange(6)
    if style == 0:
        return f"{prefix}-{year}-{n % 10000:04d}"
    if style == 1:
        return f"{year}-{n:05d}"
    if style == 2:
        return f"{prefix}{n:06d}"
    if style == 3:
        return f"{n % 1000}/{year}"
    if style == 4:
        return f"{prefix}-{n}"
    return f"{prefix}{year % 100:02d}{n:05d}"


def _quantity(rng: random.Random, kind: str) -> Decimal:
    if kind == "hours":
        return Decimal(rng.choice((1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 24, 40))) + rng.choice(
            (Decimal(0), Decimal(0), Decimal("0.5"), Decimal("0.25"))
        )
    if kind == "kg":
        return Decimal(rng.randint(5, 120)) / 10
    if kind == "one":
        return Decimal(1)
    return Decimal(rng.choice((1, 1, 2, 3, 4, 5, 6, 10, 12, 20, 25, 50, 100)))


def _price(rng: random.Random, lo: int, hi: int) -> Decimal:
    whole = rng.randint(lo, hi)
    cents = rng.choice((0, 0, 0, 50, 90, 95, 99, rng.randint(0, 99)))
    if whole < 10:
        cents = rng.randint(0, 99)
    return Decimal(whole) + Decimal(cents) / 100


def item_pool(
    seed: int, language: str, locale: Locale, size: int, rates: list[Decimal]
) -> list[LineItem]:
    """A deterministic pool of net-priced line items; a document takes the first *n*."""
    rng = random.Random(seed * 7919 + 17)
    items: list[LineItem] = []
    units = catalog.UNITS[language]
    choices = list(catalog.ITEMS[language])
    for _ in range(size):
        desc, unit_key, lo, hi, qkind = rng.choice(choices)
        if rng.random() < 0.15:
            ref = rng.choice(("ref.", "art.", "SKU", "Nr.", "cod."))
            desc = f"{desc} ({ref} {rng.randint(1000, 99999)})"
        qty = _quantity(rng, qkind)
        price = _price(rng, lo, hi)
        rate = rates[0] if (len(rates) == 1 or rng.random() < 0.7) else rng.choice(rates[1:])
        items.append(LineItem(desc, qty, units[unit_key], price, rate, money(qty * price)))
    return items


def build(
    seed: int,
    *,
    kind: str | None = None,
    language: str | None = None,
    n_items: int | None = None,
    plant_error: bool = False,
) -> Content:
    """The content of one document, all choices drawn from ``seed``."""
    rng = random.Random(seed)
    kind = kind or rng.choices(KINDS, weights=(70, 18, 12))[0]
    if kind not in KINDS:
        raise ValueError(f"unknown document kind {kind!r}")
    language = language or rng.choice(("en", "en", "fr", "de", "es", "nl", "it"))
    if language not in LOCALES_BY_LANGUAGE:
        raise ValueError(f"unknown language {language!r}")
    loc = LOCALES[rng.choice(LOCALES_BY_LANGUAGE[language])]
    labels = pick_labels(rng, language)
    money_style = rng.choice(loc.money_styles)
    date_style = pick_date_style(rng, loc)
    issue = date(2021, 1, 4) + timedelta(days=rng.randint(0, 2100))
    if kind == "receipt":
        return _receipt(
            seed, rng, loc, labels, money_style, date_style, issue, n_items, plant_error
        )

    # parties
    vendor_country = loc.country
    vendor = fakes.Party(
        name=fakes.company_name(rng, language, vendor_country),
        address=fakes.address(rng, language, vendor_country, with_country=rng.random() < 0.3),
        country=vendor_country,
    )
    if vendor_country == "US":
        vendor.tax_id = fakes.vat_id(rng, "US", language) if rng.random() < 0.5 else None
    elif rng.random() < 0.92:
        vendor.tax_id = fakes.vat_id(rng, vendor_country, language)
    if vendor_country != "US" and rng.random() < 0.9:
        compact, bic = fakes.iban(rng, vendor_country)
        vendor.iban = fakes.format_iban(compact, rng)
        vendor.bic = bic if rng.random() < 0.7 else None
    vendor.phone = fakes.phone(rng, vendor_country) if rng.random() < 0.7 else None
    vendor.email = fakes.email(rng, vendor.name) if rng.random() < 0.6 else None
    if rng.random() < 0.6:
        vendor.registration = fakes.registration_lines(rng, vendor_country, language)
    note = rng.choice(fakes.NOTES[language]) if rng.random() < 0.35 else None

    cust_country = (
        vendor_country
        if rng.random() < 0.85
        else rng.choice(("FR", "DE", "NL", "BE", "IT", "ES", "AT"))
    )
    cust_lang = language
    if rng.random() < 0.25:
        cust_name = fakes.person_name(rng, cust_lang)
    else:
        cust_name = fakes.company_name(rng, cust_lang, cust_country)
    customer = fakes.Party(
        name=cust_name,
        address=fakes.address(
            rng,
            cust_lang,
            cust_country,
            with_country=cust_country != vendor_country or rng.random() < 0.15,
        ),
        country=cust_country,
    )
    if cust_country != "US" and rng.random() < 0.45:
        customer.tax_id = fakes.vat_id(rng, cust_country, cust_lang)

    # items and totals
    year = issue.year
    multi_rate = len(loc.tax_rates) > 1 and loc.country != "US" and rng.random() < 0.3
    rates = list(loc.tax_rates) if multi_rate else [loc.tax_rates[0]]
    drawn = rng.choice((1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 7, 8, 9, 11))
    n_items = drawn if n_items is None else n_items
    pool = item_pool(seed, language, loc, max(n_items, 1), rates)
    items = pool[:n_items]
    if kind == "credit_note":
        for it in items:
            it.unit_price = -it.unit_price
            it.amount = money(it.quantity * it.unit_price)
    number = _number(rng, kind, language, year)
    terms_text, terms_days = rng.choice(PAYMENT_TERMS[language])
    show_terms = kind == "invoice" and rng.random() < 0.65
    due: date | None = None
    if kind == "invoice" and rng.random() < 0.75:
        due = issue + timedelta(
            days=terms_days if show_terms else rng.choice((7, 14, 30, 30, 45, 60))
        )
    content = Content(
        kind=kind,
        locale=loc,
        labels=labels,
        money_style=money_style,
        date_style=date_style,
        number=number,
        issue_date=issue,
        due_date=due,
        purchase_order=_po(rng) if rng.random() < 0.45 else None,
        payment_terms=terms_text if show_terms else None,
        vendor=vendor,
        customer=customer,
        items=items,
        tax_groups=[],
        subtotal=Decimal(0),
        total_tax=Decimal(0),
        total=Decimal(0),
        paid=None,
        amount_due=None,
        basis="net",
        show_unit=rng.random() < 0.6,
        show_tax_column=multi_rate or (loc.country != "US" and rng.random() < 0.4),
        customer_number=f"{rng.randint(10000, 99999)}" if rng.random() < 0.3 else None,
        note=note,
    )
    if kind == "invoice" and rng.random() < 0.3:
        content.delivery_date = issue - timedelta(days=rng.randint(0, 12))
    if kind == "invoice" and rng.random() < 0.15:
        content.order_date = issue - timedelta(days=rng.randint(5, 40))
    if kind == "invoice" and rng.random() < 0.2:
        content.delivery_note = (
            f"{rng.choice(('LS', 'BL', 'DN', 'DDT', 'AL'))}-{rng.randint(1000, 99999)}"
        )
    if kind == "credit_note":
        content.original_invoice = _number(rng, "invoice", language, year)
    _net_totals(content)
    if kind == "invoice":
        if rng.random() < 0.12:
            content.paid = money(content.total * Decimal("0.3"))
            content.amount_due = content.total - content.paid
        elif rng.random() < 0.45:
            content.amount_due = content.total
    if plant_error:
        _plant(content, rng)
    return content


def _po(rng: random.Random) -> str:
    style = rng.randrange(3)
    if style == 0:
        return f"PO-{rng.randint(1000, 99999)}"
    if style == 1:
        return f"45{rng.randint(10000000, 99999999)}"
    return f"{rng.choice('ABCDKLMPX')}{rng.randint(100, 9999)}-{rng.randint(10, 99)}"


def _net_totals(content: Content) -> None:
    groups: dict[Decimal, Decimal] = {}
    for it in content.items:
        groups[it.tax_rate] = groups.get(it.tax_rate, Decimal(0)) + it.amount
    content.tax_groups = [
        TaxGroup(rate, base, money(base * rate / 100))
        for rate, base in sorted(groups.items(), reverse=True)
    ]
    content.subtotal = sum((it.amount for it in content.items), Decimal(0))
    content.total_tax = sum((g.tax for g in content.tax_groups), Decimal(0))
    content.total = content.subtotal + content.total_tax


def _distort(rng: random.Random, value: Decimal) -> Decimal:
    """A wrong printed value: two adjacent digits swapped, or a plausible slip of a few units."""
    digits = f"{abs(value):.2f}".replace(".", "")
    for _ in range(6):
        if len(digits) >= 3 and rng.random() < 0.5:
            i = rng.randrange(len(digits) - 1)
            swapped = digits[:i] + digits[i + 1] + digits[i] + digits[i + 2 :]
            new = Decimal(swapped) / 100
        else:
            new = abs(value) + Decimal(rng.choice((1, 2, 5, 9, 10, 20, 50, 90, 100))) * rng.choice(
                (1, -1)
            )
        if new > 0 and abs(new - abs(value)) >= Decimal("0.5"):
            return new if value >= 0 else -new
    return value + (Decimal(10) if value >= 0 else Decimal(-10))


def _plant(content: Content, rng: random.Random) -> None:
    """Make exactly one arithmetic equation false and record which."""
    kinds = ["LINE_AMOUNT_MISMATCH", "LINES_SUBTOTAL_MISMATCH", "TOTAL_MISMATCH"]
    if len(content.tax_groups) == 1 and content.tax_groups[0].rate > 0:
        kinds.append("TAX_RATE_MISMATCH")
    code = rng.choice(kinds)
    info: dict[str, Any] = {"code": code}
    if code == "LINE_AMOUNT_MISMATCH":
        i = rng.randrange(len(content.items))
        it = content.items[i]
        wrong = _distort(rng, it.unit_price)
        info.update(
            equation="quantity * unit_price = amount",
            line_index=i,
            fields=["line_items.unit_price", "line_items.amount"],
            correct=_cents(it.unit_price),
            printed=_cents(wrong),
        )
        it.unit_price = wrong
    elif code == "LINES_SUBTOTAL_MISMATCH":
        i = rng.randrange(len(content.items))
        it = content.items[i]
        wrong_price = _distort(rng, it.unit_price)
        info.update(
            equation="sum(line_items.amount) = subtotal",
            line_index=i,
            fields=["line_items.amount", "subtotal"],
            correct=_cents(it.amount),
            printed=_cents(money(it.quantity * wrong_price)),
        )
        it.unit_price = wrong_price
        it.amount = money(it.quantity * wrong_price)
    elif code == "TOTAL_MISMATCH":
        wrong = _distort(rng, content.total)
        info.update(
            equation="subtotal + total_tax = total",
            fields=["subtotal", "total_tax", "total"],
            correct=_cents(content.total),
            printed=_cents(wrong),
        )
        _set_total(content, wrong)
    else:
        group = content.tax_groups[0]
        wrong = _distort(rng, group.tax)
        info.update(
            equation="total_tax = tax_rate * subtotal / 100",
            fields=["total_tax", "subtotal"],
            correct=_cents(group.tax),
            printed=_cents(wrong),
        )
        group.tax = wrong
        content.total_tax = wrong
        _set_total(content, content.subtotal + wrong)
    content.planted_error = info


def _set_total(content: Content, total: Decimal) -> None:
    content.total = total
    if content.amount_due is not None:
        content.amount_due = total - (content.paid or Decimal(0))


def _receipt(
    seed: int,
    rng: random.Random,
    loc: Locale,
    labels: dict[str, str],
    money_style: str,
    date_style: str,
    issue: date,
    n_items: int | None,
    plant_error: bool,
) -> Content:
    lang = loc.language
    vendor = fakes.Party(
        name=fakes.shop_name(rng, lang),
        address=fakes.address(rng, lang, loc.country, with_country=False),
        country=loc.country,
    )
    if loc.country == "US":
        vendor.tax_id = None
    elif rng.random() < 0.85:
        vendor.tax_id = fakes.vat_id(rng, loc.country, lang)
    vendor.phone = fakes.phone(rng, loc.country) if rng.random() < 0.6 else None
    drawn = rng.randint(1, 9)
    n = n_items if n_items is not None else drawn
    rates = list(loc.tax_rates)
    full, reduced = rates[0], (rates[1] if len(rates) > 1 else rates[0])
    items: list[LineItem] = []
    articles = catalog.RECEIPT_ITEMS[lang]
    for k in range(n):
        desc, lo, hi, is_reduced = rng.choice(articles)
        qty = Decimal(rng.choice((1, 1, 1, 1, 2, 2, 3, 4, 6)))
        if plant_error and k == 0:
            qty = Decimal(2)
        price = Decimal(rng.randint(lo, hi)) / 100
        rate = reduced if is_reduced else full
        items.append(LineItem(desc, qty, "", price, rate, money(qty * price)))
    if rng.random() < 0.2:
        # a discount on one article, printed as a negative line right after it
        k = rng.randrange(len(items))
        off = -money(items[k].amount * Decimal(rng.choice((10, 15, 20, 25, 30))) / 100)
        if off < 0:
            word = {
                "en": "DISCOUNT",
                "fr": "REMISE",
                "de": "RABATT",
                "es": "DESCUENTO",
                "nl": "KORTING",
                "it": "SCONTO",
            }
            items.insert(k + 1, LineItem(word[lang], Decimal(1), "", off, items[k].tax_rate, off))
    groups: dict[Decimal, Decimal] = {}
    for it in items:
        groups[it.tax_rate] = groups.get(it.tax_rate, Decimal(0)) + it.amount
    tax_groups = []
    for rate, gross in sorted(groups.items(), reverse=True):
        net = money(gross * 100 / (100 + rate))
        tax_groups.append(TaxGroup(rate, net, gross - net))
    total = sum((it.amount for it in items), Decimal(0))
    paid_cash = rng.random() < 0.45
    receipt: dict[str, Any] = {
        "time": f"{rng.randint(7, 21):02d}:{rng.randint(0, 59):02d}",
        "cashier": fakes.FIRST_NAMES[lang][rng.randrange(10)],
        "till": rng.randint(1, 12),
        "payment": "cash" if paid_cash else "card",
        "codes": {rate: "ABCD"[i] for i, rate in enumerate(sorted(groups, reverse=True))},
    }
    content = Content(
        kind="receipt",
        locale=loc,
        labels=labels,
        money_style="plain" if rng.random() < 0.6 else money_style,
        date_style=rng.choice(loc.date_patterns),
        number=f"{rng.randint(1, 9999):04d}"
        if rng.random() < 0.5
        else f"{rng.randint(1, 9)}-{rng.randint(100000, 999999)}",
        issue_date=issue,
        due_date=None,
        purchase_order=None,
        payment_terms=None,
        vendor=vendor,
        customer=None,
        items=items,
        tax_groups=tax_groups,
        subtotal=sum((g.base for g in tax_groups), Decimal(0)),
        total_tax=sum((g.tax for g in tax_groups), Decimal(0)),
        total=total,
        paid=None,
        amount_due=None,
        basis="gross",
        show_unit=False,
        show_tax_column=True,
        receipt=receipt,
    )
    if paid_cash:
        given = (total / 5).to_integral_value(rounding="ROUND_CEILING") * 5
        if given == total:
            given += 5
        receipt["given"] = given
    if plant_error:
        code = rng.choice(("LINE_AMOUNT_MISMATCH", "LINES_SUBTOTAL_MISMATCH"))
        i = 0 if code == "LINE_AMOUNT_MISMATCH" else rng.randrange(len(items))
        it = items[i]
        wrong = _distort(rng, it.unit_price)
        if code == "LINE_AMOUNT_MISMATCH":
            content.planted_error = {
                "code": code,
                "equation": "quantity * unit_price = amount",
                "line_index": i,
                "fields": ["line_items.unit_price", "line_items.amount"],
                "correct": _cents(it.unit_price),
                "printed": _cents(wrong),
            }
            it.unit_price = wrong
        else:
            new_amount = money(it.quantity * wrong)
            content.planted_error = {
                "code": code,
                "equation": "sum(line_items.amount) = total",
                "line_index": i,
                "fields": ["line_items.amount", "total"],
                "correct": _cents(it.amount),
                "printed": _cents(new_amount),
            }
            it.unit_price = wrong
            it.amount = new_amount
    return content
