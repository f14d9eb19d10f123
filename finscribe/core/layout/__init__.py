"""Layout analysis on positioned text: segments, rows, reading order, key-value pairs, tables."""

from finscribe.core.layout.analysis import Layout, PageLayout, Row, Segment, analyze_layout
from finscribe.core.layout.tables import Table, TableRow, find_tables

__all__ = [
    "Layout",
    "PageLayout",
    "Row",
    "Segment",
    "Table",
    "TableRow",
    "analyze_layout",
    "find_tables",
]
