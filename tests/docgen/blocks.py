"""Drawing blocks shared by the A4 layouts: address blocks, key-value blocks, tables, totals."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal

from tests.docgen.content import Content, LineItem
from tests.docgen.locales import format_date, format_money, format_quantity, format_rate
from tests.docgen.recorder import FAMILIES, Recorder, text_width, wrap

ACCENTS = (
    (0.12, 0.25, 0.45),
    (0.1, 0.4, 0.3),
    (0.35, 0.35, 0.35),
    (0.55, 0.15, 0.15),
    (0.2, 0.2, 0.5),
    (0.0, 0.0, 0.0),
)
TINTS = (
    (0.9, 0.93, 0.97),
    (0.9, 0.96, 0.92),
    (0.93, 0.93, 0.93),
    (0.97, 0.92, 0.9),
    (0.92, 0.92, 0.97),
    (0.9, 0.9, 0.9),
)


@dataclass
class Ctx:
    """Per-document drawing choices shared by the blocks."""

    content: Content
    rng: random.Random
    family: str
    size: float
    accent: tuple[float, float, float]
    tint: tuple[float, float, float]
    left: float
    right: float
    colon: bool
    table_style: str = "grid"  # grid | rules | plain | zebra | boxed
    header_fill: bool = True
    totals_style: str = "plain"  # plain | box | lines | band
    #: table header in white on the accent colour
    header_inverse: bool = False
    totals_align: str = "right"  # right | left
    table_money: str = "plain"
    footer: str = "columns"  # columns | lines | none
    footer_bank: bool = True
    footer_tax: bool = True
    terms_below: bool = False
    bank_below: bool = False
    always_page_numbers: bool = False
    cont_top: float = 70.0
    extras: list[str] = field(default_factory=list)
    bill_to_title: bool = True

    @property
    def reg(self) -> str:
        return FAMILIES[self.family][0]

    @property
    def bold(self) -> str:
        return FAMILIES[self.family][1]

    def pick(self, default: str, *alternatives: str) -> str:
        """Mostly ``default``, sometimes one of the alternatives (variety within a layout)."""
        if alternatives and self.rng.random() < 0.35:
            return self.rng.choice(alternatives)
        return default

    def bill_to(self) -> str | None:
        """The customer block's title, or None: many invoices print the address unlabelled."""
        return self.label("bill_to") if self.bill_to_title else None

    def label(self, key: str) -> str:
        text = self.content.labels[key]
        if self.colon and not text.endswith((":", "#")):
            return text + ":"
        return text

    def money(self, value: Decimal, style: str | None = None) -> str:
        c = self.content
        return format_money(value, c.locale, style or c.money_style)

    def date(self, which: str) -> str:
        c = self.content
        day = c.issue_date if which == "issue" else c.due_date
        assert day is not None
        return format_date(day, c.locale, c.date_style)


def make_ctx(content: Content, rng: random.Random, rec: Recorder, family: str | None = None) -> Ctx:
    k = rng.randrange(len(ACCENTS))
    fam = family or rng.choice(("helvetica", "helvetica", "times", "vera", "courier"))
    size = rng.choice((8.5, 9.0, 9.0, 9.5, 10.0)) if fam != "courier" else rng.choice((8.0, 8.5))
    margin = rng.choice((42.0, 48.0, 56.0))
    return Ctx(
        content=content,
        rng=rng,
        family=fam,
        size=size,
        accent=ACCENTS[k],
        tint=TINTS[k],
        left=margin,
        right=rec.w - margin,
        colon=rng.random() < 0.6,
        table_money="plain" if rng.random() < 0.75 else content.money_style,
        bill_to_title=rng.random() < 0.75,
    )


# -- key-value pairs --------------------------------------------------------------------------


def meta_pairs(ctx: Ctx, *, include_terms: bool = True) -> list[tuple[str, str, str | None]]:
    """(label, value, tag) for the document's header facts."""
    c = ctx.content
    num_key = {
        "invoice": "invoice_number",
        "credit_note": "credit_number",
        "receipt": "receipt_number",
    }[c.kind]
    pairs: list[tuple[str, str, str | None]] = [(ctx.label(num_key), c.number, "invoice_number")]
    pairs.append((ctx.label("invoice_date"), ctx.date("issue"), "invoice_date"))
    if c.due_date is not None:
        pairs.append((ctx.label("due_date"), ctx.date("due"), "due_date"))
    if c.customer_number is not None:
        pairs.append((ctx.label("customer_no"), c.customer_number, None))
    if c.order_date is not None:
        pairs.append(
            (ctx.label("order_date"), format_date(c.order_date, c.locale, c.date_style), None)
        )
    if c.delivery_date is not None:
        day = format_date(c.delivery_date, c.locale, c.date_style)
        pairs.append((ctx.label("delivery_date"), day, None))
    if c.delivery_note is not None:
        pairs.append((ctx.label("delivery_note"), c.delivery_note, None))
    if c.purchase_order is not None:
        pairs.append((ctx.label("purchase_order"), c.purchase_order, "purchase_order"))
    if c.original_invoice is not None:
        pairs.append((ctx.label("original_invoice"), c.original_invoice, None))
    if include_terms and c.payment_terms is not None and not ctx.terms_below:
        pairs.append((ctx.label("payment_terms"), c.payment_terms, "payment_terms"))
    return pairs


def kv_block(
    rec: Recorder,
    ctx: Ctx,
    x: float,
    y: float,
    pairs: list[tuple[str, str, str | None]],
    style: str,
    *,
    width: float = 220.0,
    align: str = "left",
) -> float:
    """Draw key-value pairs; return the y below the block.

    Styles: "table" (labels in one column, values in the next), "inline" ("Label: value"),
    "below" (small label with the value under it), "row" (labels across, values under them).
    """
    size = ctx.size
    lead = size * 1.45
    if style == "table":
        label_w = max(text_width(lab, ctx.reg, size) for lab, _, _ in pairs) + 10
        for lab, val, tag in pairs:
            y += lead
            rec.text(x, y, lab, ctx.reg, size)
            if text_width(val, ctx.bold, size) > width - label_w:
                # too long for the value column: the value goes under its label
                y += lead
                rec.text(
                    x + width if align == "right" else x,
                    y,
                    [(val, tag)],
                    ctx.bold,
                    size,
                    align=align,
                )
            elif align == "right":
                rec.text(x + width, y, [(val, tag)], ctx.bold, size, align="right")
            else:
                rec.text(x + label_w, y, [(val, tag)], ctx.bold, size)
        return y + lead * 0.5
    if style == "inline":
        for lab, val, tag in pairs:
            y += lead
            parts: list[tuple[str, str | None]] = [(lab + " ", None), (val, tag)]
            if align == "right":
                rec.text(x + width, y, parts, ctx.reg, size, align="right")
            else:
                rec.text(x, y, parts, ctx.reg, size)
        return y + lead * 0.5
    if style == "below":
        for lab, val, tag in pairs:
            y += lead * 0.9
            anchor = x + width if align == "right" else x
            rec.text(
                anchor,
                y,
                lab.rstrip(":"),
                ctx.reg,
                size * 0.8,
                align=align,
                color=(0.35, 0.35, 0.35),
            )
            y += lead
            rec.text(anchor, y, [(val, tag)], ctx.bold, size, align=align)
            y += lead * 0.3
        return y + lead * 0.3
    # row: labels across the width, values below each (a table when they do not fit)
    n = len(pairs)
    col = width / max(n, 1)
    needed = max(
        max(text_width(lab, ctx.reg, size * 0.8), text_width(val, ctx.bold, size))
        for lab, val, _ in pairs
    )
    if needed > col - 8:
        return kv_block(rec, ctx, x, y, pairs, "table", width=min(width, 300.0))
    y += lead
    for k, (lab, _, _) in enumerate(pairs):
        rec.text(x + k * col, y, lab.rstrip(":"), ctx.reg, size * 0.8, color=(0.35, 0.35, 0.35))
    y += lead
    for k, (_, val, tag) in enumerate(pairs):
        rec.text(x + k * col, y, [(val, tag)], ctx.bold, size)
    return y + lead * 0.6


def party_block(
    rec: Recorder,
    ctx: Ctx,
    x: float,
    y: float,
    who: str,
    *,
    title: str | None = None,
    align: str = "left",
    name_size: float | None = None,
    with_tax: bool = True,
    with_contact: bool = True,
    max_width: float | None = None,
) -> float:
    """Name, address lines, and optionally tax id and contact of the vendor or customer."""
    c = ctx.content
    party = c.vendor if who == "vendor" else c.customer
    assert party is not None
    size = ctx.size
    lead = size * 1.35
    if title:
        y += lead
        rec.text(x, y, title, ctx.bold, size * 0.85, align=align, color=ctx.accent)
        y += 2
    ns = name_size or size * 1.15
    y += ns * 1.25
    fit = max_width
    rec.text(x, y, [(party.name, f"{who}_name")], ctx.bold, ns, align=align, max_width=fit)
    for line in party.address:
        y += lead
        rec.text(x, y, [(line, f"{who}_address")], ctx.reg, size, align=align, max_width=fit)
    if with_tax and party.tax_id:
        y += lead
        key = _tax_label_key(c.language, party.country) if who == "vendor" else "customer_tax_id"
        rec.text(
            x,
            y,
            [(ctx.label(key) + " ", None), (party.tax_id, f"{who}_tax_id")],
            ctx.reg,
            size,
            align=align,
            max_width=fit,
        )
    if with_contact:
        if party.phone:
            y += lead
            phone = f"{ctx.label('tel')} {party.phone}"
            rec.text(x, y, phone, ctx.reg, size, align=align, max_width=fit)
        if party.email:
            y += lead
            rec.text(x, y, party.email, ctx.reg, size, align=align, max_width=fit)
    return y + lead * 0.6


def _tax_label_key(language: str, country: str) -> str:
    if country == "US":
        return "vendor_tax_id_us"
    if country == "CH" and language in ("de", "fr", "it"):
        return "vendor_tax_id_ch"
    if country == "AT" and language == "de":
        return "vendor_tax_id_at"
    return "vendor_tax_id"


# -- the line-item table ----------------------------------------------------------------------


@dataclass
class Column:
    key: str
    label: str
    width: float
    align: str


@dataclass
class Row:
    index: int
    cells: dict[str, list[str]]
    height: float


def table_columns(ctx: Ctx) -> list[Column]:
    c = ctx.content
    size = ctx.size * 0.95
    cols: list[Column] = []

    cells = [_cells(ctx, it) for it in c.items]

    def add(key: str, width: float, align: str) -> None:
        label = c.labels[key]
        widest_word = max(text_width(word, ctx.bold, size) for word in label.split())
        widest_cell = max((text_width(row[key], ctx.reg, size) for row in cells), default=0.0)
        w = max(width, widest_word + 10, widest_cell + 10)
        cols.append(Column(key, label, w, align))

    longest_word = max(
        (text_width(word, ctx.reg, size) for it in c.items for word in it.description.split()),
        default=0.0,
    )
    show_unit, show_tax = c.show_unit, c.show_tax_column
    while True:
        cols.clear()
        add("quantity", 38, "right")
        if show_unit:
            add("unit", 40, "left")
        add("unit_price", 66, "right")
        if show_tax:
            add("tax_rate", 38, "right")
        add("amount", 74, "right")
        desc_width = (ctx.right - ctx.left) - sum(col.width for col in cols)
        if desc_width >= max(longest_word + 10, 130) or not (show_unit or show_tax):
            break
        # too narrow for the descriptions: leave out the unit column, then the rate column
        if show_unit:
            show_unit = False
        else:
            show_tax = False
    desc = Column("description", c.labels["description"], desc_width, "left")
    return [desc, *cols]


def _cells(ctx: Ctx, it: LineItem) -> dict[str, str]:
    loc = ctx.content.locale
    return {
        "quantity": format_quantity(it.quantity, loc),
        "unit": it.unit,
        "unit_price": ctx.money(it.unit_price, ctx.table_money),
        "tax_rate": format_rate(it.tax_rate, loc),
        "amount": ctx.money(it.amount, ctx.table_money),
    }


def table_rows(ctx: Ctx, cols: list[Column]) -> list[Row]:
    c = ctx.content
    size = ctx.size * 0.95
    lead = size * 1.3
    desc_w = cols[0].width - 8
    rows: list[Row] = []
    for i, it in enumerate(c.items):
        cells: dict[str, list[str]] = {"description": wrap(it.description, ctx.reg, size, desc_w)}
        cells.update({key: [text] for key, text in _cells(ctx, it).items()})
        n = len(cells["description"])
        rows.append(Row(i, cells, n * lead + size * 0.9))
    return rows


def _header_lines(ctx: Ctx, col: Column) -> list[str]:
    return wrap(col.label, ctx.bold, ctx.size * 0.95, col.width - 8)


def table_header_height(ctx: Ctx, cols: list[Column]) -> float:
    n = max(len(_header_lines(ctx, col)) for col in cols)
    return ctx.size * (2.2 + 1.2 * (n - 1))


def draw_table_header(rec: Recorder, ctx: Ctx, cols: list[Column], y: float) -> float:
    size = ctx.size * 0.95
    h = table_header_height(ctx, cols)
    ink = (1.0, 1.0, 1.0) if ctx.header_inverse else (0.0, 0.0, 0.0)
    if ctx.header_inverse:
        rec.rect(ctx.left, y, ctx.right, y + h, stroke=None, fill=ctx.accent)
    elif ctx.header_fill:
        rec.rect(ctx.left, y, ctx.right, y + h, stroke=None, fill=ctx.tint)
    if ctx.table_style in ("grid", "boxed"):
        rec.rect(ctx.left, y, ctx.right, y + h, stroke=0.2, width=0.6)
    elif ctx.table_style in ("rules", "zebra"):
        rec.hline(ctx.left, ctx.right, y + h, 0.8)
    x = ctx.left
    for col in cols:
        lines = _header_lines(ctx, col)
        base = y + h / 2 + size * 0.35 - (len(lines) - 1) * ctx.size * 0.6
        for line in lines:
            if col.align == "right":
                rec.text(x + col.width - 4, base, line, ctx.bold, size, align="right", color=ink)
            else:
                rec.text(x + 4, base, line, ctx.bold, size, color=ink)
            base += ctx.size * 1.2
        x += col.width
    return y + h


def draw_row(rec: Recorder, ctx: Ctx, cols: list[Column], row: Row, y: float) -> float:
    size = ctx.size * 0.95
    lead = size * 1.3
    if ctx.table_style == "zebra" and row.index % 2 == 1:
        rec.rect(ctx.left, y, ctx.right, y + row.height, stroke=None, fill=(0.95, 0.95, 0.95))
    x = ctx.left
    top_base = y + size * 0.45 + size
    for col in cols:
        lines = row.cells[col.key]
        tag = f"item:{row.index}:{col.key}"
        for k, line in enumerate(lines):
            base = top_base + k * lead
            if col.align == "right":
                rec.text(x + col.width - 4, base, [(line, tag)], ctx.reg, size, align="right")
            else:
                rec.text(x + 4, base, [(line, tag)], ctx.reg, size)
        x += col.width
    rec.tag_span(f"item:{row.index}:row", "", (ctx.left, y, ctx.right, y + row.height))
    bottom = y + row.height
    if ctx.table_style == "grid":
        rec.rect(ctx.left, y, ctx.right, bottom, stroke=0.3, width=0.4)
        x = ctx.left
        for col in cols[:-1]:
            x += col.width
            rec.vline(x, y, bottom, 0.4, 0.3)
    elif ctx.table_style == "boxed":
        rec.vline(ctx.left, y, bottom, 0.6, 0.2)
        rec.vline(ctx.right, y, bottom, 0.6, 0.2)
        x = ctx.left
        for col in cols[:-1]:
            x += col.width
            rec.vline(x, y, bottom, 0.4, 0.4)
    elif ctx.table_style == "rules":
        rec.hline(ctx.left, ctx.right, bottom, 0.3, 0.6)
    return bottom


# -- totals -----------------------------------------------------------------------------------


def totals_rows(ctx: Ctx) -> list[tuple[str, str, str | None, bool]]:
    """(label, value, tag, emphasised) rows of the totals block."""
    c = ctx.content
    loc = c.locale
    rows: list[tuple[str, str, str | None, bool]] = [
        (ctx.label("subtotal"), ctx.money(c.subtotal, ctx.table_money), "subtotal", False)
    ]
    tax_key = (
        "tax_us"
        if loc.country == "US"
        else ("tax_ch" if loc.country == "CH" and "tax_ch" in c.labels else "tax")
    )
    single = len(c.tax_groups) == 1
    for g in c.tax_groups:
        rate = format_rate(g.rate, loc)
        label = (
            f"{c.labels[tax_key]} {rate}"
            if loc.country != "US"
            else f"{c.labels[tax_key]} ({rate})"
        )
        if ctx.colon:
            label += ":"
        rows.append(
            (label, ctx.money(g.tax, ctx.table_money), "total_tax" if single else None, False)
        )
    if not single:
        rows.append(
            (ctx.label("total_tax"), ctx.money(c.total_tax, ctx.table_money), "total_tax", False)
        )
    rows.append((ctx.label("total"), ctx.money(c.total), "total", True))
    if c.paid is not None:
        rows.append((ctx.label("paid"), ctx.money(c.paid, ctx.table_money), None, False))
    if c.amount_due is not None:
        rows.append((ctx.label("amount_due"), ctx.money(c.amount_due), "amount_due", True))
    return rows


def totals_height(ctx: Ctx) -> float:
    return len(totals_rows(ctx)) * ctx.size * 1.6 + ctx.size * 2


def draw_totals(rec: Recorder, ctx: Ctx, y: float) -> float:
    rows = totals_rows(ctx)
    size = ctx.size
    lead = size * 1.6
    widest = max(
        text_width(label, ctx.bold, size * 1.1) + text_width(value, ctx.bold, size * 1.1)
        for label, value, _, _ in rows
    )
    width = min(max(230.0, widest + 24), (ctx.right - ctx.left) * 0.75)
    x1 = ctx.right if ctx.totals_align == "right" else ctx.left + width
    x0 = x1 - width
    y += size * 0.8
    top = y
    if ctx.totals_style == "box":
        rec.rect(
            x0 - 4,
            top,
            x1 + 2,
            top + lead * len(rows) + size * 0.6,
            stroke=0.2,
            fill=None,
            width=0.8,
        )
    for label, value, tag, strong in rows:
        if strong and ctx.totals_style == "lines":
            rec.hline(x0, x1, y + 2, 0.7)
        ink = (0.0, 0.0, 0.0)
        if strong and ctx.totals_style == "band":
            rec.rect(x0 - 4, y + 2, x1 + 2, y + lead + size * 0.45, stroke=None, fill=ctx.accent)
            ink = (1.0, 1.0, 1.0)
        y += lead
        font = ctx.bold if strong else ctx.reg
        fs = size * (1.1 if strong else 1.0)
        rec.text(x0 + 2, y, label, font, fs, color=ink)
        rec.text(x1 - 4, y, [(value, tag)], font, fs, align="right", color=ink)
    if ctx.totals_style == "lines":
        rec.hline(x0, x1, y + size * 0.5, 0.7)
        rec.hline(x0, x1, y + size * 0.5 + 2, 0.7)
    return y + size * 1.4


# -- footer, bank block, payment terms --------------------------------------------------------


def bank_lines(ctx: Ctx) -> list[list[tuple[str, str | None]]]:
    v = ctx.content.vendor
    out: list[list[tuple[str, str | None]]] = []
    if v.iban:
        out.append([(ctx.label("iban") + " ", None), (v.iban, "vendor_iban")])
    if v.bic:
        out.append([(ctx.label("bic") + " ", None), (v.bic, None)])
    return out


Parts = list[tuple[str, str | None]]


def _footer_columns(ctx: Ctx) -> list[list[Parts]]:
    """The footer's columns of lines (vendor, contact and registers, bank)."""
    c = ctx.content
    v = c.vendor
    cols: list[list[Parts]] = []
    first: list[Parts] = [[(v.name, "vendor_name")]]
    first += [[(line, None)] for line in v.address[:3]]
    cols.append(first)
    second: list[Parts] = []
    if v.phone:
        second.append([(f"{ctx.label('tel')} {v.phone}", None)])
    if v.email:
        second.append([(v.email, None)])
    if ctx.footer_tax and v.tax_id:
        key = _tax_label_key(c.language, v.country)
        second.append([(ctx.label(key) + " ", None), (v.tax_id, "vendor_tax_id")])
    second += [[(line, None)] for line in v.registration]
    if second:
        cols.append(second)
    if ctx.footer_bank and not ctx.bank_below:
        bank = bank_lines(ctx)
        if bank:
            cols.append([[(c.labels["bank"], None)], *bank])
    if ctx.footer == "columns":
        # long untagged lines (company registers) wrap inside their column
        size = ctx.size * 0.8
        width = (ctx.right - ctx.left) / max(len(cols), 1)
        for column in cols:
            wrapped: list[Parts] = []
            for line in column:
                text = "".join(part for part, _ in line)
                too_wide = text_width(text, ctx.reg, size) > width * 1.2
                if len(line) == 1 and line[0][1] is None and too_wide:
                    wrapped += [[(piece, None)] for piece in wrap(text, ctx.reg, size, width - 8)]
                else:
                    wrapped.append(line)
            column[:] = wrapped
    return cols


def footer_height(ctx: Ctx) -> float:
    if ctx.footer == "none":
        return ctx.size * 5
    if ctx.footer == "lines":
        return ctx.size * 8.5
    longest = max(len(column) for column in _footer_columns(ctx))
    return ctx.size * max(8.5, 2.5 + longest * 0.8 * 1.35)


def draw_footer(rec: Recorder, ctx: Ctx, page: int, pages: int) -> None:
    c = ctx.content
    size = ctx.size * 0.8
    lead = size * 1.35
    bottom = rec.h - 30
    if pages > 1 or ctx.always_page_numbers:
        text = c.labels["page"].format(n=page, m=pages)
        rec.text(ctx.right, bottom, text, ctx.reg, size, align="right")
    if ctx.footer == "none":
        return
    top = rec.h - footer_height(ctx) - 10
    rec.hline(ctx.left, ctx.right, top, 0.5, 0.5)
    cols = _footer_columns(ctx)
    if ctx.footer == "lines":
        y = top + lead
        for column in cols:
            flat: Parts = []
            for line in column:
                if flat:
                    flat.append(("  ·  ", None))
                flat += line
            rec.text(
                (ctx.left + ctx.right) / 2,
                y,
                flat,
                ctx.reg,
                size,
                align="center",
                color=(0.3, 0.3, 0.3),
                max_width=ctx.right - ctx.left,
            )
            y += lead
        return
    width = (ctx.right - ctx.left) / max(len(cols), 1)
    gray = (0.25, 0.25, 0.25)
    for k, column in enumerate(cols):
        y = top + lead
        for line in column:
            rec.text(ctx.left + k * width, y, line, ctx.reg, size, color=gray, max_width=width - 8)
            y += lead


def extras_height(ctx: Ctx) -> float:
    n = 2  # thanks line, registration line
    if ctx.content.note:
        n += 1 + len(wrap(ctx.content.note, ctx.reg, ctx.size * 0.9, ctx.right - ctx.left))
    if ctx.terms_below and ctx.content.payment_terms:
        n += 1
    if ctx.bank_below:
        n += 1 + len(bank_lines(ctx))
    return n * ctx.size * 1.5 + ctx.size * 2


def draw_extras(rec: Recorder, ctx: Ctx, y: float) -> float:
    c = ctx.content
    size = ctx.size
    lead = size * 1.5
    y += size
    if ctx.terms_below and c.payment_terms:
        y += lead
        rec.text(
            ctx.left,
            y,
            [(ctx.label("payment_terms") + " ", None), (c.payment_terms, "payment_terms")],
            ctx.reg,
            size,
        )
    if ctx.bank_below and bank_lines(ctx):
        y += lead
        rec.text(ctx.left, y, c.labels["bank"], ctx.bold, size)
        for bank_line in bank_lines(ctx):
            y += lead
            rec.text(ctx.left, y, bank_line, ctx.reg, size)
    if c.note:
        y += lead * 0.5
        for note_line in wrap(c.note, ctx.reg, size * 0.9, ctx.right - ctx.left):
            y += lead * 0.9
            rec.text(ctx.left, y, note_line, ctx.reg, size * 0.9, color=(0.3, 0.3, 0.3))
    y += lead
    rec.text(ctx.left, y, c.labels["thanks"], ctx.reg, size, color=(0.3, 0.3, 0.3))
    if ctx.footer == "none" and c.vendor.registration:
        y += lead
        small = size * 0.8
        rec.text(
            ctx.left, y, "  ·  ".join(c.vendor.registration), ctx.reg, small, color=(0.4, 0.4, 0.4)
        )
    return y
