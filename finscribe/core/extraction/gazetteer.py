"""Town names (GeoNames, towns of 15,000 people or more) and the town a misread word names.

OCR reads a town's name one glyph off (``Amaterdam``, ``Eindhoyen``, ``Manchiester``) or with
its accent misread (``NEUCHÁTEL``, ``GENÉVE``). :func:`nearest_town` puts such a word right
when exactly one known town name is one look-alike glyph, one extra glyph, one lost glyph or
only accents away (of several, the one a town bears as its main name rather than as an
alternate, or a town far larger than the others); a word that is itself a town's name, or
near none or several alike, is kept.
The names (``data/towns.txt.gz``, CC BY 4.0 GeoNames) are built by ``make gazetteer``.
"""

from __future__ import annotations

import gzip
import string
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from finscribe.core.extraction.dates import fold
from finscribe.core.extraction.lexicon import LOOKALIKE

DATA = Path(__file__).with_name("data") / "towns.txt.gz"

#: Letters OCR reads one for the other in a town's name (lower case, accents folded): the
#: lexicon's look-alike letters and a few more seen in town names (``Amaterdam``).
_TOWN_LOOKALIKES = ("as", "vy", "ij", "gq")
_SWAPS: dict[str, str] = {}
for _a, _b in [
    *(sorted(p) for p in LOOKALIKE if all(ch.isalpha() for ch in p)),
    *_TOWN_LOOKALIKES,
]:
    _SWAPS[_a] = _SWAPS.get(_a, "") + _b
    _SWAPS[_b] = _SWAPS.get(_b, "") + _a
#: Fewest letters for a word to be put right: shorter ones are too often a town by chance.
MIN_LETTERS = 5
#: Of several towns one misread away, the largest is taken when the next one's rank (by
#: population, largest first) is this many times further down.
RANK_MARGIN = 10


@dataclass(frozen=True, slots=True)
class Town:
    """The spellings of one folded name (``Geneve``, ``Genève``), the rank of the largest
    town that bears it (0 for the largest town of all) and whether it is a town's main name
    (``Boston``) rather than only an alternate one (``Boeton`` for Baubau)."""

    names: tuple[str, ...]
    rank: int
    main: bool


def _key(text: str) -> str:
    """``text`` folded (lower case, no accents; ``ı`` as ``i`` and ``ß`` as ``ss``, as upper
    case spells them)."""
    return fold(text).replace("ı", "i").replace("ß", "ss")


@cache
def towns() -> dict[str, Town]:
    """Every town name, keyed by its folded spelling (lower case, no accents)."""
    names: dict[str, list[str]] = {}
    ranks: dict[str, int] = {}
    main: set[str] = set()
    with gzip.open(DATA, "rt", encoding="utf-8") as lines:
        for rank, line in enumerate(line for line in lines if not line.startswith("#")):
            for i, name in enumerate(line.rstrip("\n").split("\t")):
                key = _key(name)
                names.setdefault(key, []).append(name)
                ranks.setdefault(key, rank)
                if i == 0:
                    main.add(key)
    return {key: Town(tuple(names[key]), ranks[key], key in main) for key in names}


def is_town(word: str) -> bool:
    """True when ``word`` is a town's name as printed (any case: ``ŞANLIURFA`` too)."""
    town = towns().get(_key(word))
    return town is not None and any(
        word.lower() == n.lower() or word.upper() == n.upper() for n in town.names
    )


@lru_cache(maxsize=4096)
def nearest_town(word: str) -> str | None:
    """The town name ``word`` (one word as OCR read it) stands for, in ``word``'s case; None
    when ``word`` is a town's name already, is short or holds more than letters, or when no
    single town name is near."""
    if len(word) < MIN_LETTERS or not word.isalpha() or is_town(word):
        return None
    key = _key(word)
    known = towns()
    if key in known:
        town = known[key]
    else:
        near = sorted((known[k] for k in _one_glyph_off(key) if k in known), key=_rank)
        if not near or (len(near) > 1 and not _far_ahead(near[0], near[1])):
            return None
        town = near[0]
    spelling = _spelling(word, town.names)
    if spelling is None:
        return None
    return spelling.upper() if word.isupper() else spelling


def _rank(town: Town) -> tuple[bool, int]:
    return (not town.main, town.rank)


def _far_ahead(first: Town, second: Town) -> bool:
    """``first`` is a main name and ``second`` only an alternate, or ``first`` is a town
    :data:`RANK_MARGIN` times larger by rank."""
    if first.main != second.main:
        return first.main
    return second.rank >= RANK_MARGIN * (first.rank + 1)


def _spelling(word: str, names: tuple[str, ...]) -> str | None:
    """The spelling of a town (names folding alike: ``Geneve``, ``Genève``, ``Lugāno``) that
    ``word`` meant: the one with fewest letters unlike ``word``'s, of those the accented one
    where ``word`` has accents and the plain one where it has none; None on a tie."""
    spellings = {n.lower(): n for n in names}
    accented = _key(word) != word.lower()

    def cost(spelling: str) -> tuple[int, bool]:
        unlike = sum(a != b for a, b in zip(spelling, word.lower(), strict=False))
        return unlike, (_key(spelling) != spelling) != accented

    ranked = sorted(spellings, key=cost)
    if len(ranked) > 1 and cost(ranked[0]) == cost(ranked[1]):
        return None
    return spellings[ranked[0]]


#: Glyphs OCR reads as others of a different count: ``rn`` as ``m``, ``cl`` as ``d``...
_GLYPH_PAIRS = (
    ("m", "rn"), ("rn", "m"), ("d", "cl"), ("cl", "d"), ("w", "vv"), ("vv", "w"), ("h", "li"),
    ("li", "h"), ("m", "nn"), ("nn", "m"),
)  # fmt: skip


def _one_glyph_off(key: str) -> set[str]:
    """Folded spellings one misread away from ``key``: a look-alike glyph swapped (``s`` read
    as ``a``), two glyphs read as one or one as two (``Bem`` for ``Bern``), an extra glyph
    read (the word as printed lacks it) or one glyph lost."""
    out: set[str] = set()
    for read, printed in _GLYPH_PAIRS:
        at = key.find(read)
        while at >= 0:
            out.add(key[:at] + printed + key[at + len(read) :])
            at = key.find(read, at + 1)
    for i, ch in enumerate(key):
        for other in _SWAPS.get(ch, ""):
            out.add(key[:i] + other + key[i + 1 :])
        out.add(key[:i] + key[i + 1 :])
    for i in range(len(key) + 1):
        for ch in string.ascii_lowercase:
            out.add(key[:i] + ch + key[i:])
    out.discard(key)
    return out
