"""Line items from detected tables (wrapped rows joined, tables over several pages merged)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from finscribe.core.extraction.amounts import format_decimal, format_quantity, parse_amount
from finscribe.core.extraction.candidates import parse_rate
from finscribe.core.extraction.dates import DATE_SPAN, fold
from finscribe.core.extraction.labels import LabelMap
from finscribe.core.extraction.repairs import CELL_CONFIDENCE, CELL_TEXT, QUANTITY_UNREAD
from finscribe.core.layout.analysis import Layout, PageLayout, Row, Segment
from finscribe.core.layout.tables import Table, TableRow
from finscribe.core.model import BBox
from finscribe.core.validation.rules import VAT_RATES, implied_quantity

_QTY_UNIT = re.compile(
    r"^(-?\d+(?:[.,]\d+)?)\s*([A-Za-zÀ-ÿ.²³/]{1,10}(?: [A-Za-zÀ-ÿ.²³/]{1,10})?)?$"
)
#: An amount and a VAT rate read as one cell ("-18.90 23%").
_GLUED_RATE = re.compile(r"^(.*\d)[.,]?\s+(\d{1,2}(?:[.,]\d{1,2})?\s?%)$")
_QTY_X_PRICE = re.compile(r"^(\d+(?:[.,]\d+)?)\s*[xX×*@]\s*(.+)$")


def _text(segs: list[Segment]) -> str:
    return " ".join(s.text for s in sorted(segs, key=lambda s: s.bbox.x0))


#: A cell amount whose decimal mark OCR read as a colon (``627:50``).
_COLON_MARK = re.compile(r"^([-−]?\D{0,2}\d[\d.,' ]*):(\d{2}\b.{0,4})$")


def _money(text: str, decimal_comma: bool | None) -> Decimal | None:
    return parse_amount(text, decimal_comma) if text else None


def _cell_money(text: str, decimal_comma: bool | None) -> Decimal | None:
    """A price or amount cell of a table (``627:50``: a decimal mark read as a colon, in a
    cell of the price or amount column, is one; not a time on a receipt's line)."""
    value = _money(text, decimal_comma)
    m = _COLON_MARK.match(text.strip()) if value is None else None
    if m is not None:
        mark = "," if decimal_comma else "."
        value = parse_amount(m.group(1) + mark + m.group(2), decimal_comma)
    return value


def _quantity(text: str, decimal_comma: bool | None) -> tuple[Decimal | None, str | None]:
    m = _QTY_UNIT.match(text.strip())
    if not m:
        return None, None
    num = m.group(1)
    if "," in num and (decimal_comma is not False or len(num.rpartition(",")[2]) != 3):
        num = num.replace(",", ".")  # "6,25" is no thousands group, whatever the locale
    elif "," in num:
        num = num.replace(",", "")
    try:
        return Decimal(num), (m.group(2) or None)
    except ArithmeticError:  # pragma: no cover - the pattern only lets digits through
        return None, None


def _money_str(value: Decimal) -> str:
    exp = value.as_tuple().exponent
    places = 2 if not isinstance(exp, int) or exp >= -2 else min(-exp, 4)
    return format_decimal(value, places)


def _dropped_mark(qty: Decimal, price: Decimal, amount: Decimal) -> Decimal:
    """A quantity read without its decimal mark (``625`` for ``6.25``) or a 1 read as 7: the
    reading of the printed quantity that makes quantity x price the printed amount."""
    if abs(qty * price - amount) <= Decimal("0.01"):
        return qty
    if qty == 7 and price == amount:
        return Decimal(1)  # a printed 1 read as the 7 it looks like
    for places in (1, 2, 3):
        q = qty.scaleb(-places)
        if q >= Decimal("0.1") and abs(q * price - amount) <= Decimal("0.01"):
            return q.normalize()
    return qty


#: Words of a discount line (its amount is negative, even where OCR lost the minus).
_DISCOUNT = re.compile(
    r"\b(discount|rabatt|nachlass|remise|r[ée]duction|descuento|sconto|korting)\b", re.IGNORECASE
)


def discount_signs(items: list[dict[str, Any]]) -> None:
    """Discount lines read with a positive amount (the minus lost) made negative."""
    for item in items:
        if not _DISCOUNT.search(str(item.get("description", ""))):
            continue
        for k in ("unit_price", "amount"):
            v = item.get(k)
            if isinstance(v, str) and v and not v.startswith("-") and Decimal(v) != 0:
                item[k] = "-" + v


def _row_item(row: TableRow, table: Table, decimal_comma: bool | None) -> dict[str, Any] | None:
    cells: dict[str, str] = {}
    for idx, segs in row.cells.items():
        role = table.columns[idx].role or f"col{idx}"
        cells[role] = (cells.get(role, "") + " " + _text(segs)).strip()
    for role in ("unit_price", "amount"):
        glued = _GLUED_RATE.match(cells.get(role, ""))
        if glued and not cells.get("tax_rate"):
            # "-18.90 23%": the rate column's cell read into the price column's
            cells[role], cells["tax_rate"] = glued.group(1), glued.group(2)
    amount = _cell_money(cells.get("amount", ""), decimal_comma)
    price = _cell_money(cells.get("unit_price", ""), decimal_comma)
    if amount is None and price is None:
        return None
    item: dict[str, Any] = {}
    desc = cells.get("description", "")
    item["description"] = desc
    unit_cell = cells.get("unit", "")
    quantity_role = "quantity"
    if "quantity" not in cells and unit_cell[:1].isdigit():
        # "Qty Unit" printed as one cell under two headers: "3 Stk."
        cells["quantity"] = unit_cell
        del cells["unit"]
        quantity_role = "unit"
    qty_text = cells.get("quantity", "")
    qty, unit = _quantity(qty_text, decimal_comma) if qty_text else (None, None)
    if qty is not None:
        item["quantity"] = format_quantity(qty)
    unit_text = cells.get("unit", "").strip()
    if unit_text:
        item["unit"] = unit_text
    elif unit:
        item["unit"] = unit
    if price is not None:
        item["unit_price"] = _money_str(price)
    rate_text = cells.get("tax_rate", "")
    rate = _rate_cell(rate_text, decimal_comma) if rate_text else None
    if rate is not None:
        item["tax_rate"] = format_quantity(rate)
    if (
        qty is not None
        and price is not None
        and amount is not None
        and not re.search(r"[.,]", qty_text)
    ):
        qty = _dropped_mark(qty, price, amount)
        item["quantity"] = format_quantity(qty)
    if amount is not None:
        item["amount"] = format_decimal(amount)
    elif price is not None and qty is not None:
        item["amount"] = format_decimal(price * qty)
    if (
        qty is not None
        and price is not None
        and amount is not None
        and re.fullmatch(r"\d+[.,]", qty_text.strip())
    ):
        # "10." for "10.8": the decimals after the mark lost, the line shows which
        implied = implied_quantity(abs(price), abs(amount))
        if implied is not None and int(implied) == qty and implied != qty:
            item["quantity"] = format_quantity(implied)
    has_qty_column = any(c.role == "quantity" for c in table.columns)
    if qty is None and has_qty_column and price is not None and amount is not None:
        # a short quantity ("1", "3") is what OCR loses most (or reads as a dash): the one
        # quantity as printed that makes the line add up, else the line is left to validation
        implied = implied_quantity(abs(price), abs(amount))
        if implied is not None:
            item["quantity"] = format_quantity(implied)
        else:
            item[QUANTITY_UNREAD] = True
    boxes = [s.bbox for s in row.segments]
    item["confidence"] = round(min(s.confidence for s in row.segments), 4)
    cell_confidence: dict[str, float] = {}
    for idx, segs in row.cells.items():
        cell_role = table.columns[idx].role
        if segs and cell_role == quantity_role:
            cell_confidence["quantity"] = min(s.confidence for s in segs)
        elif segs and cell_role in ("unit_price", "amount"):
            cell_confidence[cell_role] = min(s.confidence for s in segs)
    item[CELL_CONFIDENCE] = cell_confidence
    item[CELL_TEXT] = {k: v for k, v in cells.items() if k in ("unit_price", "amount")}
    item["page"] = row.page
    item["bbox"] = BBox.enclosing(boxes).to_list()
    return item


#: What OCR reads for a "%" after a rate ("21 8", "8.18"): taken for one only where the
#: rate in front of it is one of the VAT rates in use.
_PERCENT_GLYPHS = "%896043°º"
_RATE_HEAD = re.compile(r"^\d{1,2}(?:[.,]\d{1,2})?$")


def _before_glyph(t: str) -> Decimal | None:
    """The rate in front of a "%" OCR read as a glyph, when it is a VAT rate in use (the gap
    before the sign may be read as a dot: ``20.8`` for ``20 %``)."""
    if len(t) > 1 and t[-1] in _PERCENT_GLYPHS:
        return _rate_in_use(t[:-1].strip().rstrip(".,"))
    return None


def _rate_in_use(text: str) -> Decimal | None:
    """The VAT rate in use ``text`` prints (``20``, ``5,5``), else None."""
    m = _RATE_HEAD.match(text)
    rate = Decimal(m.group(0).replace(",", ".")) if m else None
    return rate if rate is not None and rate in VAT_RATES else None


def rate_before_sign(text: str, after: str) -> Decimal | None:
    """A VAT rate in use printed apart from its "%", which OCR read as one or two glyphs
    (``IVA 21 84``: 21, not the 8 a glyph after "8" would make); None otherwise."""
    sign = after.strip(":;")
    if not sign or len(sign) > 2 or any(ch not in _PERCENT_GLYPHS for ch in sign):
        return None
    rate = _rate_in_use(text.strip())
    return rate if rate is not None and rate > 0 else None


def glyph_rate(text: str) -> Decimal | None:
    """A rate whose "%" OCR read as a digit or degree sign: ``238`` -> 23, ``208:`` -> 20
    (only when what is left is a VAT rate in use)."""
    rate = _before_glyph(text.strip(":;"))
    return rate if rate is not None and rate > 0 else None


def _rate_cell(text: str, decimal_comma: bool | None) -> Decimal | None:
    """A tax-rate cell: ``20%``, ``20``, and as OCR reads a percent sign: ``21 8``, ``8.18``."""
    rate = parse_rate(text)
    if rate is not None:
        lost_mark = rate / 10  # "55 %" read for "5.5 %": no VAT rate is 55
        if rate not in VAT_RATES and rate == rate.to_integral() and lost_mark in VAT_RATES:
            return lost_mark
        return rate
    if re.fullmatch(r"0\d", text.strip()):
        return Decimal(0)  # "05": no rate is printed with a leading zero; "0%", the % misread
    value = _money(text.replace("%", "").strip(), decimal_comma)
    if value is not None and value in VAT_RATES:
        return value
    glyph = _before_glyph(text.strip())
    if glyph is not None:
        return glyph
    if value is not None and 0 <= value < 100:
        return value
    return None


def line_items(tables: list[Table], decimal_comma: bool | None) -> list[dict[str, Any]]:
    """The items of every table in order; a row with only text continues the item above."""
    items: list[dict[str, Any]] = []
    for table in tables:
        first = len(items)
        pending: list[str] = []
        last_bottom: float | None = None
        last_page: int | None = None
        for row in table.rows:
            item = _row_item(row, table, decimal_comma)
            top = min(s.bbox.y0 for s in row.segments)
            font = max(s.font for s in row.segments)
            if item is None:
                text = _text(row.segments)
                close = (
                    last_bottom is not None
                    and last_page == row.page
                    and top - last_bottom < 1.2 * font
                )
                if items and close and table.rows.index(row) > 0:
                    prev = items[-1]
                    prev["description"] = (prev["description"] + " " + text).strip()
                    box = BBox(*prev["bbox"]).union(BBox.enclosing([s.bbox for s in row.segments]))
                    prev["bbox"] = box.to_list()
                    last_bottom = max(s.bbox.y1 for s in row.segments)
                else:
                    pending.append(text)
                continue
            if pending:
                item["description"] = (" ".join(pending) + " " + item["description"]).strip()
                pending = []
            items.append(item)
            last_bottom = max(s.bbox.y1 for s in row.segments)
            last_page = row.page
        if _is_sum_row(items[first:]):
            items.pop()
    for item in items:
        if not item["description"]:
            del item["description"]
    return items


def _is_sum_row(items: list[dict[str, Any]]) -> bool:
    """The last item is the table's own sum (a subtotal row whose label was not read): an
    amount alone, without description, quantity or price, that the items above add up to."""
    if len(items) < 3:
        return False
    last = items[-1]
    if last.get("description") or "quantity" in last or "unit_price" in last:
        return False
    amounts = [i.get("amount") for i in items]
    if any(a is None for a in amounts):
        return False
    above = sum((Decimal(str(a)) for a in amounts[:-1]), Decimal(0))
    return abs(above - Decimal(str(amounts[-1]))) <= Decimal("0.01")


# "9,78 B", and as OCR reads it: "11,72. A", "7,78 A.", "5,76 B ."
_CODE_AMOUNT = re.compile(r"^(.*?\d)[.,:;]?\s+[.,]?([A-F]|\*|8(?=$))\s?[.,:;]?$")
_LEGEND_RATE = re.compile(r"^(\d{1,2}(?:[.,]\d{1,3})?)\s?%$")
# a rate whose "%" was not read: a small number followed by the amounts of its legend row
#: An amount in a receipt's tax legend (``21.54``).
_LEGEND_AMOUNT = re.compile(r"\d[\d.,]*[.,]\d{2}")
_BARE_RATE = re.compile(r"^(\d{1,2}(?:[.,]\d{1,2})?)$")
_STOP_FIELDS = frozenset({"subtotal", "total", "total_tax", "amount_due", "paid", "payment"})


def _legend(layout: Layout) -> dict[str, Decimal]:
    """Tax letter codes printed with their rate (``A 21% ...``, ``B = 9%``)."""
    codes: dict[str, Decimal] = {}
    for page in layout.pages:
        for row in page.rows:
            words = [w.text for s in row.segments for w in s.words]
            if len(words) >= 2 and re.fullmatch(r"[A-F]=?", words[0]):
                for w in (words[1], " ".join(words[1:3]), words[2] if len(words) > 2 else ""):
                    m = _LEGEND_RATE.match(w.strip("=()"))
                    if m:
                        codes.setdefault(words[0][0], Decimal(m.group(1).replace(",", ".")))
                        break
                else:
                    cell = words[1].strip("=()")
                    glyph = _rate_cell(cell, None)
                    if glyph is not None and glyph in VAT_RATES and _money(cell, None) != glyph:
                        codes.setdefault(words[0][0], glyph)  # "8,18": "8,1%" misread
                        continue
                    bare = _BARE_RATE.match(words[1].strip("=()"))
                    amounts = [w for w in words[2:] if _LEGEND_AMOUNT.fullmatch(w)]
                    rate = Decimal(bare.group(1).replace(",", ".")) if bare else None
                    if rate is not None and len(amounts) >= 2 and rate in VAT_RATES:
                        codes.setdefault(words[0][0], rate)
                        continue
                    derived = _rate_of_amounts(words[1:])
                    if derived is not None:
                        codes.setdefault(words[0][0], derived)  # the rate itself not read
    return codes


def _rate_of_amounts(words: list[str]) -> Decimal | None:
    """The VAT rate a legend row's net, tax and gross amounts show (``21.54 1.29 22.83``:
    6 %), where net + tax = gross and one rate in use fits tax / net; else None."""
    values = [_money(w, None) for w in words if _LEGEND_AMOUNT.fullmatch(w)]
    if len(values) < 3 or any(v is None for v in values[-3:]):
        return None
    net, tax, gross = (v for v in values[-3:] if v is not None)
    if net <= 0 or abs(net + tax - gross) > Decimal("0.011"):
        return None
    rate = tax / net * 100
    tolerance = Decimal("0.6") / net + Decimal("0.01")  # the tax rounded to the cent
    fits = [r for r in VAT_RATES if r > 0 and abs(r - rate) <= tolerance]
    return fits[0] if len(fits) == 1 else None


def receipt_items(layout: Layout, lm: LabelMap, decimal_comma: bool | None) -> list[dict[str, Any]]:
    """Items of a receipt without a table header: ``NAME ... 9,78 B`` rows between the header
    and the first total, with an optional ``3 x 3,26`` quantity line above each."""
    return _receipt_scan(layout, lm, decimal_comma)[0]


def _receipt_strays(layout: Layout, lm: LabelMap, decimal_comma: bool | None) -> list[Decimal]:
    return _receipt_scan(layout, lm, decimal_comma)[1]


def _speck(seg: Segment, page: PageLayout) -> bool:
    """A mark on a scan read as a glyph: a short segment under half the page's text size."""
    return page.source == "ocr" and len(seg.text) <= 2 and seg.font < 0.5 * page.median_font


def _receipt_scan(
    layout: Layout, lm: LabelMap, decimal_comma: bool | None
) -> tuple[list[dict[str, Any]], list[Decimal]]:
    """The receipt's items, and the amounts on rows among them that no item took."""
    if not layout.pages:
        return [], []
    page = layout.pages[0]
    legend = _legend(layout)
    start = 0
    for i, row in enumerate(page.rows[: max(1, len(page.rows) // 2)]):
        text = row.text
        if DATE_SPAN.search(fold(text)) or any(
            h.field in ("invoice_number", "title", "vendor_tax_id")
            for s in row.segments
            for h in lm.hits_in(s)
        ):
            start = i + 1
    end = len(page.rows)
    for i, row in enumerate(page.rows[start:], start):
        hits = lm.hits_in(row.segments[0])
        if hits and hits[0].leading and hits[0].field in _STOP_FIELDS:
            end = i
            break
    items: list[dict[str, Any]] = []
    strays: list[Decimal] = []
    pending: tuple[Decimal, Decimal, list[Segment]] | None = None
    for row in page.rows[start:end]:
        segs = [s for s in row.segments if not _speck(s, page)]
        if not segs:
            continue
        if len(segs) == 1:
            m = _QTY_X_PRICE.match(segs[0].text.strip())
            if m:
                qty, _ = _quantity(m.group(1), decimal_comma)
                price = _money(m.group(2), decimal_comma)
                if qty is not None and price is not None:
                    pending = (qty, price, list(segs))
                    continue
        last = segs[-1].text.strip()
        code = None
        m2 = _CODE_AMOUNT.match(last)
        if m2:
            # "2.17 8": the code letter B read as the digit it looks like
            last, code = m2.group(1), m2.group(2).replace("8", "B")
        amount = _money(last, decimal_comma) if len(segs) >= 2 else None
        desc = " ".join(s.text for s in segs[:-1]).strip()
        if amount is None or not any(ch.isalpha() for ch in desc):
            strays += _row_amounts(segs, decimal_comma)
            continue
        item: dict[str, Any] = {"description": desc}
        boxes = [s.bbox for s in segs]
        confs = [s.confidence for s in segs]
        if pending is not None:
            qty, price, psegs = pending
            item["quantity"] = format_quantity(qty)
            item["unit_price"] = _money_str(price)
            boxes += [s.bbox for s in psegs]
            confs += [s.confidence for s in psegs]
        pending = None
        if code is not None and code in legend:
            item["tax_rate"] = format_quantity(legend[code])
        item["amount"] = format_decimal(amount)
        item["confidence"] = round(min(confs), 4)
        item[CELL_CONFIDENCE] = {"amount": segs[-1].confidence}
        item[CELL_TEXT] = {"amount": last}
        item["page"] = page.number
        item["bbox"] = BBox.enclosing(boxes).to_list()
        items.append(item)
    return items, strays


# an amount as printed in an item row: digits with two decimals ("1.449,50", "3.47")
_ROW_AMOUNT = re.compile(r"(?<![\d.,])-?(?:\d{1,3}(?:[.,' ]\d{3})+|\d+)[.,]\d{2}(?![.,]?\d)")


def _row_amounts(segs: list[Segment], decimal_comma: bool | None) -> list[Decimal]:
    out: list[Decimal] = []
    for s in segs:
        for m in _ROW_AMOUNT.finditer(s.text):
            value = _money(m.group(0).strip(), decimal_comma)
            if value is not None and value != 0:
                out.append(value)
    return out


def stray_amounts(
    layout: Layout,
    tables: list[Table],
    lm: LabelMap,
    decimal_comma: bool | None,
    receipt: bool,
) -> list[Decimal]:
    """Amounts printed among the line items that no item took: the page's evidence that a
    row was lost or merged when read (a row inside a table's span, or between a receipt's
    first item and its totals, that carries an amount but did not become an item)."""
    strays: list[Decimal] = []
    for table in tables:
        item_rows = [r for r in table.rows if _row_item(r, table, decimal_comma) is not None]
        taken = {(s.page, s.index) for r in item_rows for s in r.segments}
        header = {(s.page, s.index) for s in table.header}
        pages = sorted({r.page for r in item_rows})
        for n in pages:
            page = layout.page(n)
            if page is None:
                continue
            on_page = [s for r in item_rows if r.page == n for s in r.segments]
            top = min(s.bbox.y0 for s in on_page)
            bottom = max(s.bbox.y1 for s in on_page)
            if n == pages[-1]:
                bottom = _totals_top(page.rows, bottom, lm)
            for row in page.rows:
                box = row.bbox
                if box.cy <= top or box.cy >= bottom:
                    continue
                segs = [s for s in row.segments if (s.page, s.index) not in taken | header]
                if segs and not _is_summary(row.segments, lm):
                    strays += _row_amounts(segs, decimal_comma)
    if receipt and not tables:
        strays += _receipt_strays(layout, lm, decimal_comma)
    return strays


def _is_summary(segs: list[Segment], lm: LabelMap) -> bool:
    return any(h.field in _STOP_FIELDS for s in segs for h in lm.hits_in(s))


def _totals_top(rows: list[Row], below: float, lm: LabelMap) -> float:
    """The top of the first totals row under ``below`` (the page's bottom when none)."""
    for row in rows:
        if row.bbox.cy > below and _is_summary(row.segments, lm):
            return row.bbox.y0
    return below
