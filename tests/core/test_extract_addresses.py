"""Where an address ends: the line with its postcode and town, and a country after it."""

from __future__ import annotations

import pytest

from finscribe.core.extraction import build_document
from finscribe.core.extraction.towns import holds_postcode_and_town
from tests.core.layout_helpers import document, page


@pytest.mark.parametrize(
    "line",
    [
        "10115 Berlin",
        "9711 LM Groningen",
        "00184 Roma (RM)",
        "Frankfurt am Main",
        "60311 Frankfurt am Main",
        "Leeds LS1 5AB",
        "Leeds, LS1 5AB",
        "H91 E2K3",
        "Chicago, IL 60606",
        "Denver, Co 80202",
        "Paseo de Gracia, 72 · 29015 Málaga",
    ],
)
def test_lines_that_hold_a_postcode_and_town(line: str) -> None:
    expected = line != "Frankfurt am Main"  # a town without its postcode ends nothing
    assert holds_postcode_and_town(line) is expected


@pytest.mark.parametrize(
    "line", ["1513 Queensway", "1714 Oak Drive", "CS 40012", "2nd Floor", "Unit 4", "BP 123"]
)
def test_house_numbers_and_boxes_are_no_postcode(line: str) -> None:
    assert not holds_postcode_and_town(line)


def _vendor_address(block: list[tuple[str, float, float]], source: str) -> str:
    rows = [
        *block,
        ("INVOICE", 1200, 100), ("Invoice No.", 1000, 200), ("INV-7781", 1250, 200),
        ("Total", 1000, 1000), ("100.00", 1350, 1000),
    ]  # fmt: skip
    p = page(rows)
    p.source = source  # type: ignore[assignment]
    doc = build_document(document(p))
    return str(doc["fields"]["vendor_address"]["value"])


@pytest.mark.parametrize(
    ("lines", "address"),
    [
        (["Molenweg 67", "9000 Gent", ">32 783 354 525"], "Molenweg 67, 9000 Gent"),
        (
            ["Paseo de Gracia, 72", "29015 Málaga", "España", "NI.F. A42650630"],
            "Paseo de Gracia, 72, 29015 Málaga, España",
        ),
        (
            ["505 Oak Drive", "Chicago, IL 60606", "infoewhitmorethor example"],
            "505 Oak Drive, Chicago, IL 60606",
        ),
        # a house number that looks like a postcode, a CEDEX box: the address goes on
        (["1513 Queensway", "Denver, CO 80202", "USA"], "1513 Queensway, Denver, CO 80202, USA"),
        (
            ["77 rue du Commerce", "CS 40012", "13008 Marseille"],
            "77 rue du Commerce, CS 40012, 13008 Marseille",
        ),
    ],
)
@pytest.mark.parametrize("source", ["ocr", "text_layer"])
def test_a_line_stacked_under_the_town_and_country_is_no_part_of_the_address(
    lines: list[str], address: str, source: str
) -> None:
    block = [("Northwind Trading Ltd", 100, 100.0)]
    block += [(text, 100, 140.0 + 30 * i) for i, text in enumerate(lines)]
    assert _vendor_address(block, source) == address
