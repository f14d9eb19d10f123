"""Page layouts: seven A4/Letter invoice layouts (any can run onto several pages) and a receipt."""

from __future__ import annotations

import random
from collections.abc import Callable
from decimal import Decimal

from tests.docgen import blocks
from tests.docgen.blocks import Ctx
from tests.docgen.content import Content
from tests.docgen.locales import format_date, format_money, format_quantity, format_rate
from tests.docgen.recorder import Recorder, text_width, wrap

A4_PX = (1654, 2339)
LETTER_PX = (1700, 2200)
RECEIPT_WIDTH_PX = 630  # 80 mm

A4_LAYOUTS = ("classic", "modern", "letter", "boxed", "sidebar", "minimal", "stacked", "banner")
LAYOUTS = (*A4_LAYOUTS, "receipt")


def page_size(content: Content, layout: str, rng: random.Random) -> tuple[int, int]:
    if layout == "receipt":
        return RECEIPT_WIDTH_PX, 0  # height decided by the content
    if content.locale.country == "US" and rng.random() < 0.8:
        return LETTER_PX
    return A4_PX


def title_text(c: Content) -> str:
    return c.labels["credit_note" if c.kind == "credit_note" else "invoice"]


# -- A4 headers: each draws page 1's header and returns the y where the table starts ----------


def _header_classic(rec: Recorder, ctx: Ctx) -> float:
    c = ctx.content
    rec.logo(ctx.left, 40, 34, ctx.accent, ctx.rng.randrange(3))
    y = blocks.party_block(rec, ctx, ctx.left, 78, "vendor", with_tax=not ctx.footer_tax)
    rec.text(
        ctx.right, 70, title_text(c), ctx.bold, ctx.size * 2.4, align="right", color=ctx.accent
    )
    meta_y = blocks.kv_block(
        rec,
        ctx,
        ctx.right - 230,
        86,
        blocks.meta_pairs(ctx),
        ctx.pick("table", "inline", "below"),
        width=230,
        align="right",
    )
    y = max(y, meta_y) + 14
    y = blocks.party_block(rec, ctx, ctx.left, y, "customer", title=ctx.bill_to())
    return y + 14


def _header_modern(rec: Recorder, ctx: Ctx) -> float:
    c = ctx.content
    rec.text(ctx.left, 80, title_text(c), ctx.bold, ctx.size * 3.0, color=ctx.accent)
    y = blocks.party_block(
        rec, ctx, ctx.right, 44, "vendor", align="right", with_tax=not ctx.footer_tax
    )
    y = max(y, 100) + 8
    rec.hline(ctx.left, ctx.right, y, 1.2, 0.2)
    y = blocks.kv_block(
        rec,
        ctx,
        ctx.left,
        y + 4,
        blocks.meta_pairs(ctx),
        ctx.pick("row", "table"),
        width=ctx.right - ctx.left,
    )
    y = blocks.party_block(rec, ctx, ctx.left, y + 6, "customer", title=ctx.bill_to())
    return y + 12


def _header_letter(rec: Recorder, ctx: Ctx) -> float:
    c = ctx.content
    v = c.vendor
    rec.text(
        ctx.right,
        60,
        [(v.name, "vendor_name")],
        ctx.bold,
        ctx.size * 1.6,
        align="right",
        color=ctx.accent,
    )
    y = 60.0
    for line in v.address:
        y += ctx.size * 1.3
        rec.text(ctx.right, y, [(line, "vendor_address")], ctx.reg, ctx.size * 0.9, align="right")
    # return-address line above the window
    sender = " · ".join([v.name, *v.address[:2]])
    rec.text(ctx.left, 128, sender, ctx.reg, ctx.size * 0.7, color=(0.35, 0.35, 0.35))
    rec.hline(ctx.left, ctx.left + text_width(sender, ctx.reg, ctx.size * 0.7), 131, 0.3, 0.4)
    y_cust = blocks.party_block(
        rec, ctx, ctx.left, 134, "customer", name_size=ctx.size * 1.05, with_contact=False
    )
    meta_y = blocks.kv_block(
        rec,
        ctx,
        ctx.right - 200,
        150,
        blocks.meta_pairs(ctx),
        ctx.pick("table", "inline"),
        width=200,
        align="right",
    )
    y = max(y_cust, meta_y) + 20
    subject = (
        f"{title_text(c).capitalize()} {c.number}" if ctx.rng.random() < 0.5 else title_text(c)
    )
    rec.text(ctx.left, y, subject, ctx.bold, ctx.size * 1.4)
    return y + 18


def _header_boxed(rec: Recorder, ctx: Ctx) -> float:
    c = ctx.content
    v = c.vendor
    mid = (ctx.left + ctx.right) / 2
    rec.text(mid, 58, [(v.name, "vendor_name")], ctx.bold, ctx.size * 1.9, align="center")
    y = 58.0
    for line in v.address:
        y += ctx.size * 1.35
        rec.text(mid, y, [(line, "vendor_address")], ctx.reg, ctx.size, align="center")
    y += 10
    rec.hline(ctx.left, ctx.right, y, 1.5, 0.1)
    rec.hline(ctx.left, ctx.right, y + 3, 0.5, 0.1)
    y += 30
    rec.text(ctx.left, y, title_text(c), ctx.bold, ctx.size * 1.8)
    top = y + 8
    # meta box on the left, customer box on the right
    half = (ctx.right - ctx.left) / 2
    meta_bottom = blocks.kv_block(
        rec, ctx, ctx.left + 8, top + 4, blocks.meta_pairs(ctx), "below", width=half - 20
    )
    cust_bottom = blocks.party_block(
        rec, ctx, ctx.left + half + 12, top + 4, "customer", title=ctx.bill_to()
    )
    bottom = max(meta_bottom, cust_bottom) + 6
    rec.rect(ctx.left, top, ctx.left + half - 6, bottom, stroke=0.3)
    rec.rect(ctx.left + half + 4, top, ctx.right, bottom, stroke=0.3)
    return bottom + 18


def _header_sidebar(rec: Recorder, ctx: Ctx) -> float:
    c = ctx.content
    side_w = 150.0
    rec.rect(0, 0, side_w, rec.h, stroke=None, fill=ctx.tint)
    inner = Ctx(**{**ctx.__dict__, "left": 20.0, "right": side_w - 12})
    fit = side_w - 30
    y = blocks.party_block(
        rec, inner, 20, 50, "vendor", name_size=ctx.size * 1.2, with_tax=False, max_width=fit
    )
    v = c.vendor
    if v.tax_id:
        y += 10
        key = blocks._tax_label_key(c.language, v.country)
        rec.text(20, y, ctx.label(key), ctx.bold, ctx.size * 0.85)
        y += ctx.size * 1.3
        tax: list[tuple[str, str | None]] = [(v.tax_id, "vendor_tax_id")]
        rec.text(20, y, tax, ctx.reg, ctx.size * 0.85, max_width=fit)
    lines = blocks.bank_lines(ctx)
    if lines:
        y += 24
        rec.text(20, y, c.labels["bank"], ctx.bold, ctx.size * 0.85)
        for parts in lines:
            label, value = parts[0][0].strip(), parts[1]
            y += ctx.size * 1.3
            rec.text(20, y, label, ctx.reg, ctx.size * 0.8, color=(0.35, 0.35, 0.35))
            y += ctx.size * 1.2
            rec.text(20, y, [value], ctx.reg, ctx.size * 0.8, max_width=fit)
    ctx.footer_bank = False
    ctx.footer_tax = False
    ctx.left = side_w + 28
    rec.text(ctx.left, 70, title_text(c), ctx.bold, ctx.size * 2.6, color=ctx.accent)
    y = blocks.kv_block(rec, ctx, ctx.left, 84, blocks.meta_pairs(ctx), ctx.pick("inline", "table"))
    y = blocks.party_block(rec, ctx, ctx.left, y + 8, "customer", title=ctx.bill_to())
    return y + 14


def _header_minimal(rec: Recorder, ctx: Ctx) -> float:
    c = ctx.content
    rec.text(ctx.left, 60, title_text(c).upper(), ctx.bold, ctx.size * 1.6)
    y = blocks.party_block(rec, ctx, ctx.left, 70, "vendor", with_tax=not ctx.footer_tax)
    y = blocks.kv_block(
        rec, ctx, ctx.left, y + 6, blocks.meta_pairs(ctx), ctx.pick("inline", "table")
    )
    y = blocks.party_block(rec, ctx, ctx.left, y + 6, "customer", title=ctx.bill_to())
    return y + 10


def _header_stacked(rec: Recorder, ctx: Ctx) -> float:
    c = ctx.content
    # customer (recipient) top-left, vendor top-right, title and meta under both
    y_v = blocks.party_block(
        rec, ctx, ctx.right, 44, "vendor", align="right", with_tax=not ctx.footer_tax
    )
    y_c = blocks.party_block(rec, ctx, ctx.left, 60, "customer", title=ctx.label("bill_to"))
    y = max(y_v, y_c) + 16
    rec.text(ctx.left, y + 16, title_text(c), ctx.bold, ctx.size * 2.0, color=ctx.accent)
    mid = (ctx.left + ctx.right) / 2
    y = blocks.kv_block(
        rec,
        ctx,
        mid,
        y,
        blocks.meta_pairs(ctx),
        ctx.pick("below", "table"),
        width=ctx.right - mid,
        align="right",
    )
    return y + 10


def _header_banner(rec: Recorder, ctx: Ctx) -> float:
    c = ctx.content
    v = c.vendor
    band = 96.0
    white = (1.0, 1.0, 1.0)
    rec.rect(0, 0, rec.w, band, stroke=None, fill=ctx.accent)
    title_w = text_width(title_text(c).upper(), ctx.bold, ctx.size * 2.2)
    half = min((ctx.right - ctx.left) * 0.55, ctx.right - ctx.left - title_w - 20)
    rec.text(
        ctx.left,
        46,
        [(v.name, "vendor_name")],
        ctx.bold,
        ctx.size * 1.7,
        color=white,
        max_width=half,
    )
    parts: list[tuple[str, str | None]] = []
    for line in v.address:
        if parts:
            parts.append(("  ·  ", None))
        parts.append((line, "vendor_address"))
    rec.text(
        ctx.left, 66, parts, ctx.reg, ctx.size * 0.9, color=white, max_width=ctx.right - ctx.left
    )
    contact = "   ".join(x for x in (v.phone, v.email) if x)
    if contact:
        rec.text(ctx.left, 82, contact, ctx.reg, ctx.size * 0.85, color=white, max_width=half)
    rec.text(
        ctx.right, 48, title_text(c).upper(), ctx.bold, ctx.size * 2.2, align="right", color=white
    )
    y = band + 12
    style = ctx.pick("table", "below")
    meta_y = blocks.kv_block(rec, ctx, ctx.left, y, blocks.meta_pairs(ctx), style, width=250)
    cust_y = blocks.party_block(rec, ctx, ctx.right - 210, y, "customer", title=ctx.bill_to())
    return max(meta_y, cust_y) + 16


HEADERS: dict[str, Callable[[Recorder, Ctx], float]] = {
    "classic": _header_classic,
    "modern": _header_modern,
    "letter": _header_letter,
    "boxed": _header_boxed,
    "sidebar": _header_sidebar,
    "minimal": _header_minimal,
    "stacked": _header_stacked,
    "banner": _header_banner,
}


def _style(layout: str, ctx: Ctx) -> None:
    rng = ctx.rng
    if layout == "classic":
        ctx.table_style, ctx.header_fill, ctx.totals_style = "grid", True, "box"
        ctx.footer = "columns"
    elif layout == "modern":
        ctx.table_style, ctx.header_fill, ctx.totals_style = "plain", True, "plain"
        ctx.footer, ctx.bank_below, ctx.terms_below = "none", True, True
        ctx.footer_tax = False
    elif layout == "letter":
        ctx.table_style, ctx.header_fill, ctx.totals_style = "rules", False, "lines"
        ctx.footer, ctx.always_page_numbers = "columns", True
    elif layout == "boxed":
        ctx.table_style, ctx.header_fill, ctx.totals_style = "boxed", False, "box"
        ctx.totals_align = "left"
        ctx.footer = "lines"
    elif layout == "sidebar":
        ctx.table_style, ctx.header_fill, ctx.totals_style = "zebra", True, "plain"
        ctx.footer, ctx.terms_below = "none", True
    elif layout == "minimal":
        ctx.table_style, ctx.header_fill, ctx.totals_style = "rules", False, "plain"
        ctx.footer, ctx.terms_below, ctx.bank_below = "lines", True, rng.random() < 0.5
    elif layout == "banner":
        ctx.table_style, ctx.header_inverse, ctx.totals_style = "rules", True, "band"
        ctx.footer, ctx.always_page_numbers = "columns", rng.random() < 0.5
    elif layout == "stacked":
        ctx.table_style, ctx.header_fill, ctx.totals_style = (
            rng.choice(("grid", "rules")),
            True,
            "lines",
        )
        ctx.footer = "columns"


def render_a4(rec: Recorder, content: Content, layout: str, rng: random.Random) -> int:
    """Draw an invoice or credit note; return the number of pages."""
    family = (
        "courier"
        if layout == "minimal"
        else ("times" if layout == "boxed" and rng.random() < 0.7 else None)
    )
    ctx = blocks.make_ctx(content, rng, rec, family)
    _style(layout, ctx)
    ctx.footer_tax = ctx.footer_tax and ctx.footer != "none" and rng.random() < 0.6
    y = HEADERS[layout](rec, ctx)
    cols = blocks.table_columns(ctx)
    rows = blocks.table_rows(ctx, cols)
    bottom_limit = rec.h - blocks.footer_height(ctx) - 24 - ctx.size * 2.5
    tail = blocks.totals_height(ctx) + blocks.extras_height(ctx)
    head_h = blocks.table_header_height(ctx, cols)
    cont_top = 90.0
    # paginate: rows per page, then the totals where they fit
    pages: list[list[blocks.Row]] = [[]]
    cursor = y + head_h
    for row in rows:
        if cursor + row.height > bottom_limit and pages[-1]:
            pages.append([])
            cursor = cont_top + head_h
        pages[-1].append(row)
        cursor += row.height
    totals_on_new_page = cursor + tail > bottom_limit
    n_pages = len(pages) + int(totals_on_new_page)
    for p, page_rows in enumerate(pages):
        if p > 0:
            rec.next_page()
            _continuation_header(rec, ctx, layout)
            ty = cont_top
        else:
            ty = y
        ty = blocks.draw_table_header(rec, ctx, cols, ty)
        for row in page_rows:
            ty = blocks.draw_row(rec, ctx, cols, row, ty)
        if ctx.table_style in ("plain", "zebra"):
            rec.hline(ctx.left, ctx.right, ty + 2, 0.6, 0.3)
        elif ctx.table_style == "boxed":
            rec.hline(ctx.left, ctx.right, ty, 0.6, 0.2)
        last = p == len(pages) - 1
        if not last or totals_on_new_page:
            rec.text(
                ctx.right,
                ty + ctx.size * 2,
                content.labels["continued"],
                ctx.reg,
                ctx.size * 0.8,
                align="right",
                color=(0.4, 0.4, 0.4),
            )
            blocks.draw_footer(rec, ctx, rec.page, n_pages)
        else:
            ty = blocks.draw_totals(rec, ctx, ty)
            blocks.draw_extras(rec, ctx, ty)
            blocks.draw_footer(rec, ctx, rec.page, n_pages)
    if totals_on_new_page:
        rec.next_page()
        _continuation_header(rec, ctx, layout)
        ty = blocks.draw_totals(rec, ctx, cont_top)
        blocks.draw_extras(rec, ctx, ty)
        blocks.draw_footer(rec, ctx, rec.page, n_pages)
    return n_pages


def _continuation_header(rec: Recorder, ctx: Ctx, layout: str) -> None:
    c = ctx.content
    if layout == "sidebar":
        rec.rect(0, 0, 150.0, rec.h, stroke=None, fill=ctx.tint)
    carried = c.labels["carried"]
    before, _, after = carried.partition("{number}")
    half = (ctx.right - ctx.left) / 2 - 10
    rec.text(ctx.left, 50, c.vendor.name, ctx.bold, ctx.size * 1.1, max_width=half)
    rec.text(
        ctx.right,
        50,
        [(before, None), (c.number, "invoice_number"), (after, None)],
        ctx.reg,
        ctx.size,
        align="right",
        max_width=half,
    )
    rec.hline(ctx.left, ctx.right, 58, 0.6, 0.4)


# -- receipt ----------------------------------------------------------------------------------


def render_receipt(rec: Recorder, content: Content, rng: random.Random) -> float:
    """Draw a till receipt; return the y (points) where the paper should end."""
    c = content
    loc = c.locale
    lab = c.labels
    font = rng.choice(("Courier", "Courier", "Helvetica"))
    bold = "Courier-Bold" if font == "Courier" else "Helvetica-Bold"
    size = 7.6 if font == "Courier" else 7.8
    lead = 11.5
    left, right = 12.0, rec.w - 12.0
    mid = rec.w / 2
    y = 26.0
    style = c.money_style

    def m(value: Decimal) -> str:
        return format_money(value, loc, style)

    rec.text(
        mid,
        y,
        [(c.vendor.name.upper() if rng.random() < 0.6 else c.vendor.name, "vendor_name")],
        bold,
        size * 1.35,
        align="center",
    )
    for line in c.vendor.address:
        y += lead
        rec.text(mid, y, [(line, "vendor_address")], font, size, align="center")
    if c.vendor.phone:
        y += lead
        rec.text(mid, y, f"{lab['tel']} {c.vendor.phone}", font, size, align="center")
    if c.vendor.tax_id:
        y += lead
        key = blocks._tax_label_key(c.language, c.vendor.country)
        rec.text(
            mid,
            y,
            [(lab[key] + " ", None), (c.vendor.tax_id, "vendor_tax_id")],
            font,
            size,
            align="center",
        )
    y += lead * 1.5
    rec.text(mid, y, lab["receipt"], bold, size * 1.1, align="center")
    y += lead
    when = format_date(c.issue_date, loc, c.date_style)
    rec.text(left, y, [(when, "invoice_date"), ("  " + c.receipt["time"], None)], font, size)
    rec.text(
        right,
        y,
        [(lab["receipt_number"] + " ", None), (c.number, "invoice_number")],
        font,
        size,
        align="right",
    )
    y += lead * 0.6
    rec.hline(left, right, y, 0.5)
    codes: dict[Decimal, str] = c.receipt["codes"]
    for i, it in enumerate(c.items):
        tag = f"item:{i}"
        row_top = y + lead - size * 1.05  # top of the row's first line
        if it.quantity != 1:
            y += lead
            rec.text(
                left + 6,
                y,
                [
                    (format_quantity(it.quantity, loc), f"{tag}:quantity"),
                    (" x ", None),
                    (format_money(it.unit_price, loc, "plain"), f"{tag}:unit_price"),
                ],
                font,
                size,
            )
        y += lead
        desc = wrap(it.description, font, size, (right - left) * 0.62)[0]
        rec.text(left, y, [(desc, f"{tag}:description")], font, size)
        rec.text(
            right,
            y,
            [
                (format_money(it.amount, loc, "plain"), f"{tag}:amount"),
                (" " + codes[it.tax_rate], None),
            ],
            font,
            size,
            align="right",
        )
        rec.tag_span(f"{tag}:row", "", (left, row_top, right, y + size * 0.35))
    y += lead * 0.6
    rec.hline(left, right, y, 0.5)
    y += lead * 1.2
    total_text = m(c.total)
    room = right - left - text_width(total_text, bold, size * 1.25) - 10
    rec.text(left, y, lab["total"].upper(), bold, size * 1.25, max_width=room)
    rec.text(right, y, [(total_text, "total")], bold, size * 1.25, align="right")
    y += lead * 0.3
    pay = c.receipt["payment"]
    if pay == "cash":
        y += lead
        rec.text(left, y, lab["cash"], font, size)
        rec.text(
            right, y, format_money(c.receipt["given"], loc, "plain"), font, size, align="right"
        )
        y += lead
        rec.text(left, y, lab["change"], font, size)
        rec.text(
            right,
            y,
            format_money(c.receipt["given"] - c.total, loc, "plain"),
            font,
            size,
            align="right",
        )
    else:
        y += lead
        rec.text(left, y, lab["card"], font, size)
        rec.text(right, y, format_money(c.total, loc, "plain"), font, size, align="right")
    # tax table: code, rate, net, tax, gross
    y += lead * 1.4
    cols = (left, left + 14, right - 100, right - 52, right)
    heads = (
        "",
        "%",
        lab["net"],
        lab["tax"].rstrip(".:"),
        lab["gross"],
    )
    for k, h in enumerate(heads):
        if h:
            rec.text(cols[k], y, h, font, size * 0.9, align="left" if k < 2 else "right")
    single = len(c.tax_groups) == 1
    for g in c.tax_groups:
        y += lead
        rec.text(cols[0], y, codes[g.rate], font, size * 0.9)
        rec.text(cols[1], y, format_rate(g.rate, loc), font, size * 0.9)
        rec.text(
            cols[2],
            y,
            [(format_money(g.base, loc, "plain"), "subtotal" if single else None)],
            font,
            size * 0.9,
            align="right",
        )
        rec.text(
            cols[3],
            y,
            [(format_money(g.tax, loc, "plain"), "total_tax" if single else None)],
            font,
            size * 0.9,
            align="right",
        )
        rec.text(
            cols[4], y, format_money(g.base + g.tax, loc, "plain"), font, size * 0.9, align="right"
        )
    if not single:
        y += lead
        sum_label = {"de": "Summe", "nl": "Totaal", "it": "Totale"}.get(c.language, "Total")
        rec.text(cols[0], y, sum_label, font, size * 0.9)
        rec.text(
            cols[2],
            y,
            [(format_money(c.subtotal, loc, "plain"), "subtotal")],
            font,
            size * 0.9,
            align="right",
        )
        rec.text(
            cols[3],
            y,
            [(format_money(c.total_tax, loc, "plain"), "total_tax")],
            font,
            size * 0.9,
            align="right",
        )
        rec.text(cols[4], y, format_money(c.total, loc, "plain"), font, size * 0.9, align="right")
    y += lead * 1.6
    rec.text(
        mid,
        y,
        f"{lab['cashier']}: {c.receipt['cashier']}   #{c.receipt['till']}",
        font,
        size * 0.9,
        align="center",
    )
    y += lead * 1.4
    rec.text(mid, y, lab["receipt_thanks"], bold, size, align="center")
    return y + 30


__all__ = ["A4_LAYOUTS", "LAYOUTS", "format_rate", "render_a4", "render_receipt"]
