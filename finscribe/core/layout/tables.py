"""Table detection: a header row of column words, columns from it, body rows until the totals."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from finscribe.core.extraction.lexicon import (
    COLUMN_WORDS,
    FIELD_LABELS,
    nearest_word,
    normalise_token,
)
from finscribe.core.layout.analysis import Layout, PageLayout, Row, Segment
from finscribe.core.model import Word

_COLUMN_KEYS: dict[tuple[str, ...], str] = {}
for _role, _words in COLUMN_WORDS.items():
    for _w in _words:
        _key = tuple(t for t in (normalise_token(x) for x in _w.split()) if t)
        _COLUMN_KEYS.setdefault(_key, _role)

_COLUMN_VOCAB: dict[int, tuple[str, ...]] = {}
for _t in sorted({t for key in _COLUMN_KEYS for t in key}):
    _COLUMN_VOCAB[len(_t)] = (*_COLUMN_VOCAB.get(len(_t), ()), _t)


@lru_cache(maxsize=4096)
def _ocr_token(token: str) -> str:
    """A header word read by OCR (``deacription``) mapped to the nearest column word."""
    if len(token) < 6 or token in _COLUMN_VOCAB.get(len(token), ()):
        return token
    return nearest_word(token, _COLUMN_VOCAB)


def _tokens(words: list[str], ocr: bool) -> list[str]:
    tokens = [normalise_token(x) for x in words]
    return [_ocr_token(t) for t in tokens] if ocr else tokens


_STOP_FIELDS = ("subtotal", "total", "total_tax", "amount_due")
_STOP_LABELS: frozenset[tuple[str, ...]] = frozenset(
    tuple(t for t in (normalise_token(x) for x in label.split()) if t)
    for f in _STOP_FIELDS
    for label in FIELD_LABELS[f]
)


@dataclass(slots=True)
class Column:
    """One table column: its role (description, quantity, ...) and its header's extent."""

    role: str | None
    x0: float
    x1: float

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2


@dataclass(slots=True)
class TableRow:
    """One body row: the segments assigned to each column index."""

    page: int
    cells: dict[int, list[Segment]]
    segments: list[Segment]


@dataclass(slots=True)
class Table:
    """A detected table: its columns, header segments and body rows (maybe over several pages)."""

    columns: list[Column]
    header: list[Segment]
    rows: list[TableRow] = field(default_factory=list)
    ended: bool = False  # a totals row or a gap closed it (else it may go on next page)

    @property
    def body_segments(self) -> list[Segment]:
        return [s for r in self.rows for s in r.segments]


def column_role(text: str, ocr: bool = False) -> str | None:
    """The column role a header cell names (``Qty`` -> quantity), None if none; ``ocr``:
    words read by OCR, misread header words repaired to the nearest column word."""
    key = tuple(t for t in _tokens(text.split(), ocr) if t)
    if key in _COLUMN_KEYS:
        return _COLUMN_KEYS[key]
    if key and key[-1] in ("%",) and key[:-1] in _COLUMN_KEYS:
        return "tax_rate"
    # "Description of services", "Qty Unit", "Hours/Qty", "Prix unitaire HT": a known prefix
    for n in range(min(len(key), 3), 0, -1):
        if key[:n] in _COLUMN_KEYS:
            return _COLUMN_KEYS[key[:n]]
    if key and "/" in key[0]:
        for part in key[0].split("/"):
            if (part,) in _COLUMN_KEYS:
                return _COLUMN_KEYS[(part,)]
    if ocr and len(key) > 1 and key[-1:] in _COLUMN_KEYS:
        return _COLUMN_KEYS[key[-1:]]  # "Uhit Price": a first word misread past the lexicon
    return None


def is_totals_row(row: Row) -> bool:
    """True when the row's first segment starts with a subtotal/total/tax label."""
    first = row.segments[0]
    tokens = [normalise_token(w.text) for w in first.words]
    tokens = [t for t in tokens if t]
    return any(tuple(tokens[:n]) in _STOP_LABELS for n in range(1, min(len(tokens), 5) + 1))


def _split_header(seg: Segment, ocr: bool = False) -> list[Column]:
    """Header cells printed close together (``Qty Unit Price``): one column per role phrase."""
    tokens = _tokens([w.text for w in seg.words], ocr)
    out: list[Column] = []
    i = 0
    while i < len(tokens):
        if not tokens[i] or (ocr and len(tokens[i]) <= 2 and not tokens[i].isalpha()):
            i += 1  # a speck or a lone "." / "|" between two header cells ("01" on a scan)
            continue
        for n in range(min(3, len(tokens) - i), 0, -1):
            key = tuple(t for t in tokens[i : i + n] if t)
            if key and key in _COLUMN_KEYS:
                words = seg.words[i : i + n]
                out.append(Column(_COLUMN_KEYS[key], words[0].bbox.x0, words[-1].bbox.x1))
                i += n
                break
        else:
            role = column_role(tokens[i]) if "/" in tokens[i] else None
            if role is None:
                return []
            w = seg.words[i]  # "Preis/Einheit", "Hours/Qty": one cell
            out.append(Column(role, w.bbox.x0, w.bbox.x1))
            i += 1
    return out


def _header_columns(row: Row, ocr: bool = False) -> list[Column] | None:
    columns = _header_cells(row, ocr)
    known = {c.role for c in columns if c.role}
    if len(columns) < 3 or len(known) < 3 or "description" not in known:
        return None
    if not known & {"amount", "unit_price"}:
        return None
    return columns


def _header_cells(row: Row, ocr: bool) -> list[Column]:
    """The columns a header row's cells name (a role each, None where no column word)."""
    columns: list[Column] = []
    for s in row.segments:
        role = column_role(s.text, ocr)
        parts = _split_header(s, ocr) if len(s.words) > 1 else []
        if len(parts) > 1 and (role is None or len({p.role for p in parts}) > 1):
            columns.extend(parts)
        else:
            columns.append(Column(role, s.bbox.x0, s.bbox.x1))
    known = {c.role for c in columns if c.role}
    if (
        ocr
        and "description" not in known
        and "amount" in known
        and len(known) >= 3
        and columns[0].role is None
        and not any(ch.isdigit() for ch in row.segments[0].text)
    ):
        # the first column's header garbled past the lexicon ("tem" for "Item"): the
        # left-most column of a header naming amounts holds the descriptions
        columns[0].role = "description"
    return columns


_AMOUNT_CELL = re.compile(r"^[-−]?[€$£]?\s?\d[\d.,' ]*[.,]\d{2}(?:\s?[A-Z€$£]{1,3})?$")


def _header_without_amount(row: Row, below: Row) -> list[Column] | None:
    """A scanned header whose amount cell OCR lost (small grey print): description and
    quantity cells (at least three named), and under them a row ending in an amount right of
    every cell: the amounts' column."""
    columns = _header_cells(row, ocr=True)
    known = {c.role for c in columns if c.role}
    if len(known) < 3 or not {"description", "quantity"} <= known or known & {"amount"}:
        return None
    last = below.segments[-1]
    if last.bbox.x0 <= max(c.x1 for c in columns) or not _AMOUNT_CELL.match(last.text.strip()):
        return None
    for seg in below.segments[:-1]:
        # "Unit Price" with "Price" lost: an amount under "Unit" is a price
        column = columns[assign_column(seg, columns)]
        if column.role == "unit" and _AMOUNT_CELL.match(seg.text.strip()):
            column.role = "unit_price"
    return [*columns, Column("amount", last.bbox.x0, last.bbox.x1)]


def _header_without_description(row: Row, below: Row, page_width: float) -> list[Column] | None:
    """A scanned header whose description cell OCR lost (small grey print): cells naming
    amounts and quantities or prices on the right of the page, and under them a row whose
    text starts left of every cell: the descriptions' column."""
    columns = [Column(column_role(s.text, ocr=True), s.bbox.x0, s.bbox.x1) for s in row.segments]
    known = {c.role for c in columns}
    if None in known or "amount" not in known or not known & {"quantity", "unit_price"}:
        return None
    first = min(c.x0 for c in columns)
    if first < 0.3 * page_width or is_totals_row(below):
        return None
    lead = below.segments[0]
    if lead.bbox.x1 >= first or sum(ch.isalpha() for ch in lead.text) < 3:
        return None
    return [Column("description", lead.bbox.x0, lead.bbox.x1), *columns]


def assign_column(seg: Segment, columns: list[Column]) -> int:
    """The column a body segment belongs to: overlap first, then nearest aligned edge."""
    b = seg.bbox
    best, best_score = 0, float("-inf")
    for i, c in enumerate(columns):
        overlap = min(b.x1, c.x1) - max(b.x0, c.x0)
        edge = min(abs(b.x0 - c.x0), abs(b.x1 - c.x1), abs(b.cx - c.cx))
        score = (overlap if overlap > 0 else 0.0) - edge
        if score > best_score:
            best, best_score = i, score
    return best


_NUMERIC_WORD = re.compile(r"^[-+(]?[€$£]?\d[\d.,'’]*%?\)?$|^%$|^[€$£]$|^[A-Z]{3}$")


_LEADING_GROUP = re.compile(r"^\d{1,3}$")
_THOUSANDS_TAIL = re.compile(r"^\d{3}(?:[.,]\d{2})?$")
_CENTS_TAIL = re.compile(r"^\d{3}[.,]\d{2}$")


def _split_numeric(seg: Segment, columns: list[Column]) -> list[Segment]:
    """A run of numbers printed close together over several columns (``77.00 13.5%``),
    split by column; text cells (``2 pcs``, descriptions) stay whole."""
    if len(seg.words) < 2 or not all(_NUMERIC_WORD.match(w.text) for w in seg.words):
        return [seg]
    groups: list[tuple[int, list[Word]]] = []
    for w in seg.words:
        col = assign_column(Segment([w], seg.page, seg.font), columns)
        if groups and groups[-1][0] == col:
            groups[-1][1].append(w)
        else:
            groups.append((col, [w]))
    # "11 550,00": a thousands group printed apart stays with its amount (also alone in the
    # column left of it, "2 831,20 EUR", unless that is a quantity column)
    for k in range(len(groups) - 1):
        left, right = groups[k][1], groups[k + 1][1]
        alone_ok = columns[groups[k][0]].role != "quantity" and bool(
            _CENTS_TAIL.match(right[0].text)
        )
        if (
            (len(left) > 1 or alone_ok)
            and _LEADING_GROUP.match(left[-1].text)
            and _THOUSANDS_TAIL.match(right[0].text)
        ):
            right.insert(0, left.pop())
    groups = [g for g in groups if g[1]]
    if len(groups) < 2:
        return [seg]
    return [Segment(words, seg.page, seg.font, index=seg.index, row=seg.row) for _, words in groups]


def _fits(row: Row, columns: list[Column], page_width: float) -> bool:
    left, right = columns[0].x0 - 0.05 * page_width, columns[-1].x1 + 0.05 * page_width
    return all(left <= s.bbox.x0 and s.bbox.x1 <= right for s in row.segments)


def _collect_rows(table: Table, page: PageLayout, start: int, max_gap_factor: float = 4.0) -> None:
    prev_bottom = table.header[0].bbox.y1 if start > 0 else None
    for row in page.rows[start:]:
        if is_totals_row(row) or _header_columns(row, page.source == "ocr") is not None:
            table.ended = True
            return
        if not _fits(row, table.columns, page.width):
            table.ended = True
            return
        font = max(s.font for s in row.segments)
        if prev_bottom is not None and row.bbox.y0 - prev_bottom > max_gap_factor * font:
            table.ended = True
            return
        cells: dict[int, list[Segment]] = {}
        for whole in row.segments:
            for s in _split_numeric(whole, table.columns):
                cells.setdefault(assign_column(s, table.columns), []).append(s)
        table.rows.append(TableRow(page=page.number, cells=cells, segments=list(row.segments)))
        prev_bottom = row.bbox.y1


def _is_header_line(header: Row, other: Row, columns: list[Column]) -> bool:
    """True when ``other`` is a second line of the repeated header row ``header``: no digits,
    column words or short words under a header cell (``HT`` under ``Prix unitaire``)."""
    font = max(s.font for s in header.segments)
    top, bottom = sorted((header, other), key=lambda r: r.bbox.y0)
    if bottom.bbox.y0 - top.bbox.y1 > 0.8 * font:
        return False
    texts = [s.text.strip() for s in other.segments]
    if any(any(ch.isdigit() for ch in t) or len(t.split()) > 3 for t in texts):
        return False
    return all(
        t == "%" or column_role(t) is not None or _under_header(seg, columns)
        for seg, t in zip(other.segments, texts, strict=True)
    )


def _under_header(seg: Segment, columns: list[Column]) -> bool:
    return any(min(seg.bbox.x1, c.x1) - max(seg.bbox.x0, c.x0) > 0 for c in columns)


def _merge_header_row(table: Table, header: Row, other: Row) -> bool:
    """Fold a second header line into the columns; False when ``other`` is no header line."""
    font = max(s.font for s in header.segments)
    gap = (
        other.bbox.y0 - header.bbox.y1
        if other.bbox.y0 > header.bbox.y0
        else (header.bbox.y0 - other.bbox.y1)
    )
    if gap > 0.8 * font:
        return False
    texts = [s.text.strip() for s in other.segments]
    if any(any(ch.isdigit() for ch in t) or len(t.split()) > 3 for t in texts):
        return False
    if not all(
        t == "%" or column_role(t) is not None or _under_header(seg, table.columns)
        for seg, t in zip(other.segments, texts, strict=True)
    ):
        return False
    for seg, text in zip(other.segments, texts, strict=True):
        b = seg.bbox
        over = [(min(b.x1, c.x1) - max(b.x0, c.x0), c) for c in table.columns]
        width, col = max(over, key=lambda t: t[0])
        if width > 0:
            merged = column_role(f"{text} {col.role or ''}".strip()) if col.role is None else None
            if col.role is None:
                col.role = merged or ("tax_rate" if text == "%" else column_role(text))
            col.x0, col.x1 = min(col.x0, b.x0), max(col.x1, b.x1)
        elif text == "%" or column_role(text) is not None:
            role = "tax_rate" if text == "%" else column_role(text)
            table.columns.append(Column(role, b.x0, b.x1))
    table.columns.sort(key=lambda c: c.x0)
    table.header.extend(other.segments)
    return True


def _header_split_by_skew(above: Row, row: Row) -> Row | None:
    """A header row of a skewed scan whose first cell (``Bezeichnung``) landed on the row
    above: the two rows as one, when the one above is a lone text cell left of every cell of
    ``row`` and close above it; None otherwise."""
    if len(above.segments) != 1 or not row.segments:
        return None
    first = above.segments[0]
    font = max(s.font for s in row.segments)
    if any(ch.isdigit() for ch in first.text) or first.bbox.x1 >= row.segments[0].bbox.x0:
        return None
    if row.bbox.y0 - first.bbox.y1 > 0.8 * font:
        return None
    return Row(segments=[first, *row.segments], index=row.index)


def _header_in_two_rows(row: Row, below: Row) -> Row | None:
    """A header row of a scan that OCR boxed as two rows (``Item  Line Total`` over
    ``Qty  Price``, or one cell read with a smaller box): the two as one row, when neither
    holds digits, they touch vertically and no cell of one lies over a cell of the other;
    None otherwise."""
    cells = [*row.segments, *below.segments]
    if not row.segments or not below.segments or any(ch.isdigit() for s in cells for ch in s.text):
        return None
    font = max(s.font for s in cells)
    if below.bbox.y0 - row.bbox.y1 > 0.8 * font:
        return None
    for a in row.segments:
        for b in below.segments:
            if min(a.bbox.x1, b.bbox.x1) > max(a.bbox.x0, b.bbox.x0):
                return None
    return Row(segments=sorted(cells, key=lambda s: s.bbox.x0), index=row.index)


def find_tables(layout: Layout) -> list[Table]:
    """Tables found on the pages; a table left open at a page end continues on the next page
    (repeated header or not)."""
    tables: list[Table] = []
    open_table: Table | None = None
    for page in layout.pages:
        header_at = None
        header_row: Row | None = None
        header_cols: list[Column] = []
        ocr = page.source == "ocr"
        for i, row in enumerate(page.rows):
            candidate: Row | None = row
            cols = _header_columns(row, ocr)
            if cols is None and ocr and i > 0:
                candidate = _header_split_by_skew(page.rows[i - 1], row)
                cols = None if candidate is None else _header_columns(candidate, ocr)
            at = i
            if cols is None and ocr and i + 1 < len(page.rows):
                candidate = _header_in_two_rows(row, page.rows[i + 1])
                cols = None if candidate is None else _header_columns(candidate, ocr)
                at = i + 1
            if cols is None and ocr and i + 1 < len(page.rows):
                candidate, at = row, i
                cols = _header_without_description(
                    row, page.rows[i + 1], page.width
                ) or _header_without_amount(row, page.rows[i + 1])
            if cols is not None:
                header_at, header_row = at, candidate
                header_cols = cols
                break
        if open_table is not None and not open_table.ended:
            if header_at is not None:
                # repeated header: continue the same table below it
                open_table.header.extend(page.rows[header_at].segments)
                body = header_at + 1
                for j in (header_at - 1, header_at + 1):
                    if 0 <= j < len(page.rows) and _is_header_line(
                        page.rows[header_at], page.rows[j], open_table.columns
                    ):
                        open_table.header.extend(page.rows[j].segments)
                        body = max(body, j + 1)
                _collect_rows(open_table, page, body)
            else:
                first_fitting = next(
                    (
                        i
                        for i, r in enumerate(page.rows)
                        if _fits(r, open_table.columns, page.width)
                        and r.bbox.y0 > 0.05 * page.height
                        and any(
                            open_table.columns[assign_column(s, open_table.columns)].role
                            == "amount"
                            for s in r.segments
                        )
                    ),
                    None,
                )
                if first_fitting is not None:
                    _collect_rows(open_table, page, first_fitting, max_gap_factor=1e9)
                    # the first row has no header above: keep gaps loose only for it
            continue
        if header_at is None or header_row is None:
            continue
        table = Table(columns=header_cols, header=list(header_row.segments))
        body = header_at + 1
        # a header printed on two lines ("%" over "VAT", "Unit" under "Price")
        for j in (header_at - 1, header_at + 1):
            if (
                0 <= j < len(page.rows)
                and header_row is page.rows[header_at]
                and _merge_header_row(table, header_row, page.rows[j])
            ):
                body = max(body, j + 1)
        _collect_rows(table, page, body)
        if ocr:
            _infer_quantity(table)
        tables.append(table)
        open_table = table
    return tables


_QUANTITY_CELL = re.compile(r"^\d{1,5}(?:[.,]\d{1,3})?(?:\s+\S{1,6})?$")


def _infer_quantity(table: Table) -> None:
    """A column whose header OCR garbled (``Qt6``) left of the prices, holding small numbers
    in most rows (``2``, ``10.5``, ``3 h``), is the quantity column."""
    roles = [c.role for c in table.columns]
    if "quantity" in roles:
        return
    priced = [i for i, r in enumerate(roles) if r in ("unit_price", "amount")]
    for i, col in enumerate(table.columns):
        if col.role is not None or not priced or i > min(priced) or i == 0:
            continue
        texts = [" ".join(s.text for s in row.cells[i]) for row in table.rows if i in row.cells]
        if len(texts) >= max(1, len(table.rows) // 2) and all(
            _QUANTITY_CELL.match(t.strip()) for t in texts
        ):
            col.role = "quantity"
            return
