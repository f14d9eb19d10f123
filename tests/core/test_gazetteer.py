"""Town names OCR misread, put right from the GeoNames gazetteer (and kept where they are right)."""

from __future__ import annotations

import gzip

import pytest

from finscribe.core.extraction.gazetteer import DATA, Town, _far_ahead, nearest_town, towns
from finscribe.core.extraction.parties import clean_ocr_address


@pytest.mark.parametrize(
    ("read", "meant"),
    [
        ("Amaterdam", "Amsterdam"),  # s read as a
        ("Eindhoyen", "Eindhoven"),  # v read as y
        ("Manchiester", "Manchester"),  # a glyph read that is not printed
        ("Berlln", "Berlin"),
        ("Boaton", "Boston"),  # Boston is a main name, Boeton only an alternate of Baubau
        ("NEUCHÁTEL", "NEUCHÂTEL"),  # a misread accent; the case as printed
        ("Neuchätel", "Neuchâtel"),
        ("GENÉVE", "GENÈVE"),
        ("Lúgano", "Lugano"),  # not the alternate "Lugāno": fewest letters changed
        ("Amsterclam", "Amsterdam"),  # d read as cl
        ("Mannheirn", "Mannheim"),  # m read as rn
        ("Bournernouth", "Bournemouth"),
    ],
)
def test_misread_town_names_put_right(read: str, meant: str) -> None:
    assert nearest_town(read) == meant


@pytest.mark.parametrize(
    "word",
    ["Zürich", "Köln", "KÖLN", "Bristol", "Liege", "Roma", "Rona", "Sevilla", "Hinterhaus",
     "Berl1n", "Molenweg"],
)  # fmt: skip
def test_town_names_and_other_words_are_kept(word: str) -> None:
    """A town's own name (also unaccented where that spelling is known), a short word, a word
    with a digit and a word near no town are left as read."""
    assert nearest_town(word) is None


def test_of_several_towns_one_misread_away_only_a_far_larger_one_is_taken() -> None:
    big, small, near_big = Town(("A",), 10, True), Town(("B",), 500, True), Town(("C",), 50, True)
    assert _far_ahead(big, small)
    assert not _far_ahead(big, near_big)  # alike in size: no guess
    assert _far_ahead(Town(("D",), 900, True), Town(("E",), 1, False))  # main name over alternate
    assert not _far_ahead(Town(("E",), 1, False), Town(("D",), 900, True))


def _main_names() -> list[str]:
    with gzip.open(DATA, "rt", encoding="utf-8") as lines:
        return [line.split("\t")[0].strip() for line in lines if not line.startswith("#")]


def test_a_town_name_as_printed_is_never_changed() -> None:
    """Every town's main name, as printed and in capitals (``ŞANLIURFA``, ``NEUSÄSS``)."""
    changed = [
        (word, nearest_town(word))
        for name in _main_names()
        if name.isalpha()
        for word in (name, name.upper())
        if nearest_town(word) is not None
    ]
    assert changed == []


def test_gazetteer_holds_the_towns_of_the_supported_countries() -> None:
    known = towns()
    for name in ("München", "Genève", "Bruxelles", "Antwerpen", "Milano", "Sevilla", "Leeds"):
        from finscribe.core.extraction.dates import fold

        assert name in known[fold(name)].names


@pytest.mark.parametrize(
    ("read", "below", "meant"),
    [
        ("Dorpsstraat 96, 1017 GC Amaterdam", "", "Dorpsstraat 96, 1017 GC Amsterdam"),
        ("770 Church Lane, Boaton, MA 02110", "", "770 Church Lane, Boston, MA 02110"),
        ("Brlstol BS1 6QH", "", "Bristol BS1 6QH"),  # before a British postcode
        ("Manchiester", "M1 4BT", "Manchester"),  # the postcode on the line below
        ("allée des Tilleuls 109 . 4000 LIÉGE · Belgique", "",
         "allée des Tilleuls 109 · 4000 LIÈGE · Belgique"),
        ("00184 Roma (RM)", "", "00184 Roma (RM)"),
        # a house number that looks like a postcode is followed by a street, not a town
        ("12345 Amaterdam Road", "", "12345 Amaterdam Road"),
        ("Amaterdamstraat 5", "", "Amaterdamstraat 5"),  # no town slot
        ("Manchiester", "", "Manchiester"),  # nothing marks it as a town
    ],
)  # fmt: skip
def test_town_slot_of_a_scanned_address(read: str, below: str, meant: str) -> None:
    assert clean_ocr_address(read, below) == meant
