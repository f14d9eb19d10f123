"""Vendor (issuer) and customer blocks: name and address lines from stacked segments."""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from finscribe.core.extraction.amounts import parse_amount
from finscribe.core.extraction.dates import fold, parse_date
from finscribe.core.extraction.labels import LabelMap
from finscribe.core.extraction.lexicon import is_country, is_lookalike, nearest_country
from finscribe.core.extraction.towns import (
    holds_postcode_and_town,
    street_words_put_right,
    towns_put_right,
    uk_postcode_put_right,
)
from finscribe.core.layout.analysis import Layout, PageLayout, Segment
from finscribe.core.model import BBox

_COMPANY = re.compile(
    r"\b(GmbH|AG|KG|KGaA|UG|OHG|GbR|SE|e\.K\.|Ltd|Limited|plc|PLC|LLC|LLP|DAC|Pty|Inc|Corp|"
    r"S\.?L\.?U?|S\.?A\.?|SAS|SASU|SARL|EURL|Sàrl|Sagl|SRL|S\.?r\.?l\.?|S\.?p\.?A\.?|"
    r"S\.a\.s\.|S\.n\.c\.|BV|B\.V\.|NV|N\.V\.|BVBA|SPRL|VOF|SNC|ApS|AB|Oy|Co\.?)(?!\w)",
)
_CONTACT = re.compile(
    r"@|https?:|www\.|\.(com|fr|de|es|nl|it|be|ch|at|ie|co\.uk|eu|example)\b"
    r"|^\+?\d[\d\s().-]{6,}$"
    # a phone number inside a line whose "Tel." OCR misread ("T61. ±32 533 261 714")
    r"|[+±=≠]\s?\d{1,3}[\s.]+\d{2,4}[\s.]+\d{3}",
    re.IGNORECASE,
)


@dataclass(slots=True)
class PartyLine:
    """One printed line of a party block (possibly only part of a segment)."""

    text: str
    page: int
    bbox: BBox
    confidence: float


@dataclass(slots=True)
class Party:
    """A name line and the address lines under it."""

    name: PartyLine
    address: list[PartyLine]
    segments: list[Segment]


def _line(seg: Segment, start: int = 0) -> PartyLine:
    words = seg.words[start:]
    return PartyLine(
        text=" ".join(w.text for w in words).strip(" :,"),
        page=seg.page,
        bbox=BBox.enclosing([w.bbox for w in words]),
        confidence=min(w.confidence for w in words),
    )


def _is_value_like(text: str) -> bool:
    t = text.strip()
    return parse_amount(t) is not None or parse_date(t) is not None


def _next_below(page: PageLayout, seg: Segment, max_gap: float) -> Segment | None:
    best = None
    for row in page.rows[seg.row + 1 : seg.row + 3]:
        for s in row.segments:
            gap = s.bbox.y0 - seg.bbox.y1
            if gap < -0.3 * seg.font or gap > max_gap:
                continue
            tol = 1.5 * seg.font
            aligned = (
                abs(s.bbox.x0 - seg.bbox.x0) <= tol
                or abs(s.bbox.x1 - seg.bbox.x1) <= tol
                or abs(s.bbox.cx - seg.bbox.cx) <= tol
            )
            if aligned:
                best = s
                break
        if best is not None:
            break
    return best


def stack(
    page: PageLayout,
    first: Segment,
    lm: LabelMap,
    limit: int = 6,
    stop: set[tuple[int, int]] | None = None,
) -> list[Segment]:
    """The segments stacked under ``first`` (aligned, small gaps), stopping at labels and at
    segments in ``stop`` (tables, the other party)."""
    out = [first]
    cur = first
    while len(out) < limit + 1:
        nxt = _stacked_below(page, cur, first)
        if nxt is None or (stop is not None and (nxt.page, nxt.index) in stop):
            break
        hits = lm.hits_in(nxt)
        if any(h.leading for h in hits):
            break
        out.append(nxt)
        cur = nxt
    return out


def line_under(layout: Layout, party: Party) -> Segment | None:
    """The line stacked right under a party's block that :func:`stack` left out (a labelled
    line such as ``VAT No.: ...``), if any."""
    last = party.segments[-1]
    page = layout.page(last.page)
    return None if page is None else _stacked_below(page, last, party.segments[0])


def _stacked_below(page: PageLayout, cur: Segment, first: Segment) -> Segment | None:
    """The segment right under ``cur`` in a block that starts with ``first``."""
    return _next_below(page, cur, 1.1 * max(cur.font, first.font))


def _party(
    page: PageLayout,
    first: Segment,
    lm: LabelMap,
    start: int = 0,
    stop: set[tuple[int, int]] | None = None,
) -> Party:
    segs = stack(page, first, lm, stop=stop)
    name = _line(segs[0], start)
    address = [
        _line(s)
        for s in segs[1:]
        if not _CONTACT.search(s.text) and not lm.hits_in(s) and not _is_value_like(s.text)
    ]
    if page.source == "ocr":
        name.text = clean_ocr_name(name.text)
        for i, line in enumerate(address):
            below = address[i + 1].text if i + 1 < len(address) else ""
            line.text = clean_ocr_address(line.text, below)
    return Party(name=name, address=_up_to_town(address), segments=segs)


def _up_to_town(address: list[PartyLine]) -> list[PartyLine]:
    """The address lines up to the one with the postcode and town, and a country line after
    it: what a block stacks further down (a VAT number, an e-mail or a key OCR garbled past
    its label) is no part of the address."""
    for i, line in enumerate(address):
        if holds_postcode_and_town(line.text):
            end = i + 1
            if end < len(address) and is_country(address[end].text):
                end += 1
            return address[:end]
    return address


#: A speck OCR read as a dot after a word of the address: at the end of the word (``Street.``,
#: ``Berlin.,``) or glued to the next one (``Mille.168``, ``Navarro.Suministros``). Short
#: abbreviations (``St.``, ``Avda.``) and ``-str.`` keep theirs.
_SPECK_DOT = re.compile(r"(?<=[^\W\d_][^\W\d_A-Z]{4})(?<!str)\.+(?=$|[,\s]|\d|[^\W\d_]{3})")
#: A speck read as a dot after a number that ends a part (``Gebäude 3.,``, ``MA 02110.``) or
#: after a postcode before the town (``2000. NEUCHÂTEL``); ordinals (``2. OG``) stay.
_NUMBER_SPECK = re.compile(
    r"(?<=\d)\.+(?=\s*(?:,|$))|(?<=\b\d{4})\.(?=\s\w)|(?<=\b\d{5})\.(?=\s\w)"
)
#: A dot or dash standing alone between two parts of a line: a ``·`` separator as OCR
#: reads it (``Paseo de Gracia, 141 - 28013 Madrid``).
_LONE_DOT = re.compile(r"\s+[.•\-–]\s+")
#: A space OCR lost between a street and its number (``Dorpsstraat17``; not a 1 or 0 that
#: may be a letter: ``Mil1``) or between a postcode and its town (``80331München``).
_GLUED_NUMBER = re.compile(
    r"(?<=[^\W\d_]{4})(?=\d*[2-9]\d*\b)|(?<=\b\d{4})(?=[^\W\d_]{3})|(?<=\b\d{5})(?=[^\W\d_]{3})"
)
#: A speck read as a dot between a number and the word after it (``157.Queensway``,
#: ``10115.Berlin``, ``113. Park Avenue``; a one-digit ordinal, ``3.Stock``, ``2. OG``,
#: keeps it).
_DOT_AFTER_NUMBER = re.compile(r"(?<=\d\d)\.(?=[^\W\d_]{3})|(?<=\d{3})\.(?=\s[^\W\d_]{3})")
#: A 1 or 0 between lower-case letters: the l or o it looks like (``Kö1n``).
_DIGIT_IN_WORD = re.compile(r"(?<=[^\W\d_])[10](?=[^\W\d_A-Z])")
#: The Swiss legal form with its accent misread (``Särl``, ``Sârl``).
_SARL = re.compile(r"\bS[äâáã]rl\b")


def _letters_in_words(text: str) -> str:
    return _DIGIT_IN_WORD.sub(lambda m: "l" if m.group() == "1" else "o", text)


def _speck(m: re.Match[str]) -> str:
    glued = m.end() < len(m.string) and not m.string[m.end()].isspace()
    return " " if glued and m.string[m.end()] != "," else ""


#: Endings of street names written as one word (``Hauptstraße``, ``Kerkstraat``).
_STREET_ENDINGS = ("straße", "strasse", "straat", "gasse", "steenweg")
_WORD = re.compile(r"[^\W\d_]{8,}")


def _street_ending(m: re.Match[str]) -> str:
    """A compound street name whose ending OCR misread by one letter (``Hauptatraße``)."""
    word = m.group()
    if word.lower().endswith(_STREET_ENDINGS):
        return word
    for ending in _STREET_ENDINGS:
        tail = word[-len(ending) :].lower()
        if tail != ending and sum(a != b for a, b in zip(tail, ending, strict=True)) == 1:
            return word[: -len(ending)] + ending
    return word


def clean_ocr_address(text: str, below: str = "") -> str:
    """An address line read by OCR with specks read as dots taken out, look-alike glyphs
    inside words and misread country and town names put right (see the patterns). ``below``
    is the line under it as read (a postcode there marks this line's end as a town)."""
    text = _LONE_DOT.sub(" · ", text)
    text = _GLUED_NUMBER.sub(" ", _DOT_AFTER_NUMBER.sub(_speck, text))
    text = _SPECK_DOT.sub(_speck, text)
    text = _NUMBER_SPECK.sub("", text)
    text = _letters_in_words(text)
    text = street_words_put_right(_WORD.sub(_street_ending, text))
    parts = [" · ".join(_country(p.strip()) for p in part.split(" · ")) for part in text.split(",")]
    nexts = [*parts[1:], below.partition(",")[0].strip()]
    towns = (
        towns_put_right(uk_postcode_put_right(part), after)
        for part, after in zip(parts, nexts, strict=True)
    )
    return ", ".join(towns).strip(" ,")


def _country(part: str) -> str:
    """A country name OCR misread (``Deutachland``, ``Belgié``) spelt as it is printed."""
    name = nearest_country(part)
    if name is None:
        return part
    return name.upper() if part.isupper() else name


def clean_ocr_name(text: str) -> str:
    """A party name read by OCR: a speck glued between two words (``Navarro.Suministros``),
    look-alike glyphs inside words and a misread accent of the legal form ``Sàrl``."""
    text = re.sub(r"(?<=[^\W\d_]{3})\.(?=[^\W\d_]{3})", " ", text)
    text = _letters_in_words(text)
    text = _SARL.sub("Sàrl", text)
    head, _, last = text.rpartition(" ")
    form = _legal_form(last)
    return f"{head} {form}" if head and form else text


#: Legal forms that end company names (what :data:`_COMPANY` matches, as printed).
_LEGAL_FORMS = (
    "GmbH", "AG", "KG", "UG", "Ltd", "Limited", "plc", "LLC", "LLP", "Inc", "Corp", "DAC",
    "SAS", "SARL", "SRL", "SpA", "BV", "NV", "VOF", "SNC",
)  # fmt: skip


#: Legal forms written with dots (what :data:`_COMPANY` matches, as printed).
_DOTTED_FORMS = (
    "S.L.", "S.L.U.", "S.A.", "S.A.S.", "S.r.l.", "S.p.A.", "S.a.s.", "S.n.c.", "B.V.", "N.V.",
    "V.O.F.", "e.K.",
)  # fmt: skip
#: Glyphs OCR reads for a letter of a dotted legal form (``S.r.I.``, ``8.L.``).
_FORM_GLYPHS = frozenset({("I", "l"), ("1", "l"), ("8", "S"), ("5", "S"), ("0", "O"), ("8", "B")})


def _legal_form(word: str) -> str | None:
    """The legal form a last word of three letters or more stands for when OCR swapped one
    look-alike letter in it (``ple`` for ``plc``), or glyphs of a dotted form (``S.r.I.``,
    ``8.L.``); None otherwise."""
    if len(word) < 3 or word in _LEGAL_FORMS or word in _DOTTED_FORMS:
        return None
    if "." in word:
        near = {f for f in _DOTTED_FORMS if len(f) == len(word) and _form_glyphs(word, f)}
    else:
        near = {f for f in _LEGAL_FORMS if len(f) == len(word) and _one_lookalike(word, f)}
    return near.pop() if len(near) == 1 else None


def _form_glyphs(read: str, form: str) -> bool:
    return all(a == b or (a, b) in _FORM_GLYPHS for a, b in zip(read, form, strict=True))


def _one_lookalike(a: str, b: str) -> bool:
    diff = [(x, y) for x, y in zip(a, b, strict=True) if x != y]
    return len(diff) == 1 and is_lookalike(*diff[0])


def _labelled(
    layout: Layout, lm: LabelMap, field: str, stop: set[tuple[int, int]] | None = None
) -> Party | None:
    for hit in lm.hits:
        if hit.field != field or not hit.leading:
            continue
        seg = hit.segment
        if stop is not None and (seg.page, seg.index) in stop:
            continue  # "customer premises" inside an item description is no label
        page = layout.pages[seg.page - 1]
        if hit.end < len(seg.words) and len(seg.words) - hit.end >= 1:
            rest = " ".join(w.text for w in seg.words[hit.end :])
            if len(rest) > 2 and not _is_value_like(rest):
                party = _party(page, seg, lm, start=hit.end, stop=stop)
                return party
        nxt = _next_below(page, seg, 1.6 * seg.font)
        if nxt is not None and not lm.hits_in(nxt):
            return _party(page, nxt, lm, stop=stop)
    return None


def find_customer(
    layout: Layout, lm: LabelMap, stop: set[tuple[int, int]] | None = None
) -> Party | None:
    """The block after a customer label (``Bill to``, ``Client``, ``Rechnungsempfänger``...)."""
    return _labelled(layout, lm, "customer_name", stop)


def find_vendor(
    layout: Layout,
    lm: LabelMap,
    excluded: set[tuple[int, int]],
    receipt: bool,
) -> Party | None:
    """The issuer: a labelled seller block, else the most prominent unlabelled block on top."""
    labelled = _labelled(layout, lm, "vendor_name", excluded)
    if labelled is not None:
        return labelled
    if not layout.pages:
        return None
    page = layout.pages[0]
    best: tuple[float, Segment] | None = None
    for seg in page.segments:
        if (seg.page, seg.index) in excluded or lm.hits_in(seg):
            continue
        b = seg.bbox
        y_rel = b.y0 / max(page.height, 1.0)
        if y_rel > (0.3 if receipt else 0.35):
            continue
        text = seg.text
        letters = sum(ch.isalpha() for ch in text)
        if letters < 2 or _is_value_like(text) or _CONTACT.search(text):
            continue
        if page.source == "ocr":
            text = clean_ocr_name(text)  # "García y Romero 8.L.": a company all the same
        font_rel = min(seg.font / max(page.median_font, 1.0), 2.5)
        score = 2.0 * font_rel - 3.0 * y_rel
        score += 0.6 * (not any(ch.isdigit() for ch in text))
        score += 0.8 * bool(_COMPANY.search(text))
        if best is None or score > best[0]:
            best = (score, seg)
    if best is None:
        return None
    # the name is the first line of its block: walk up while a line is stacked right above
    first = best[1]
    for _ in range(6):
        above = _next_above(page, first, 1.8)
        if (
            above is None
            or (above.page, above.index) in excluded
            or lm.hits_in(above)
            or _CONTACT.search(above.text)
        ):
            break
        first = above
    return _party(page, first, lm, stop=excluded)


#: Separators of a one-line sender address (``Name · Street · Town``) as printed or read.
_SENDER = re.compile(r"·|•|\s[-–|.]\s|\.\.|,.*,")


def _is_sender(seg: Segment, below_seg: Segment) -> bool:
    """A small one-line sender address over a window address (``·`` read as ``..`` / ``-``):
    smaller than the line under it, or no larger and in three parts (``Name · Street ·
    Town``; OCR boxes small print loosely)."""
    seps = len(_SENDER.findall(seg.text))
    return seps > 0 and (
        seg.font < 0.9 * below_seg.font or (seps >= 2 and seg.font <= below_seg.font)
    )


def find_unlabelled_customer(
    layout: Layout, lm: LabelMap, excluded: set[tuple[int, int]], sender: Party | None = None
) -> Party | None:
    """A window-envelope address without a label: the left-most stacked block (a name and at
    least one address line) in the top half of page 1 that is not the vendor's.

    On a scan, a garbled label or sender line over the block is no name
    (:func:`_without_captions`); ``sender`` is the vendor's block.
    """
    if not layout.pages:
        return None
    page = layout.pages[0]
    best: tuple[tuple[float, float, float], Party] | None = None
    for seg in page.segments:
        if (seg.page, seg.index) in excluded or lm.hits_in(seg) or "·" in seg.text:
            continue
        if seg.bbox.y0 / max(page.height, 1.0) > 0.45 or seg.bbox.cx > 0.8 * page.width:
            continue
        text = seg.text
        if sum(ch.isalpha() for ch in text) < 2 or _is_value_like(text) or _CONTACT.search(text):
            continue
        below_seg = _next_below(page, seg, 1.6 * seg.font)
        if below_seg is not None and _is_sender(seg, below_seg):
            continue
        above = _next_above(page, seg)
        if (
            above is not None
            and (above.page, above.index) not in excluded
            and not lm.hits_in(above)
        ):
            continue  # not the first line of its block
        block = _party(page, seg, lm, stop=excluded)
        party = (
            _without_captions(page, block, lm, excluded, sender) if page.source == "ocr" else block
        )
        if party is None:
            continue
        if not party.address or any((s.page, s.index) in excluded for s in party.segments):
            continue
        if any(parse_date(s.text.strip()) is not None for s in party.segments):
            continue  # a column of keys and dates whose labels OCR garbled, not an address
        # a block with a postcode and town is an address; of those, the left-most
        town = any(holds_postcode_and_town(line.text) for line in party.address)
        key = (float(not town), seg.bbox.x0, seg.bbox.y0)
        if best is None or key < best[0]:
            best = (key, party)
    return None if best is None else best[1]


def _caption_lines(first: Segment, second: Segment, sender: Party | None) -> int:
    """How many lines at the top of a block are a caption OCR garbled past the lexicon: a
    key (``Cukomer:``), a key with its value (``Cudit Note No.`` over ``2022-77961``), a
    letters-and-digits jumble (``Cuatame21``) or the sender line (``Mercer Logistics pk 52
    Market Street``). 0 when the block starts with its name."""
    text = first.text.strip()
    if text.endswith(":"):
        return 1
    nxt = second.text.strip()
    if _COMPANY.search(nxt) and not _COMPANY.search(text):
        return 1  # the company's name is the second line: the first is no part of the block
    if " " not in nxt and any(ch.isdigit() for ch in nxt) and len(nxt) >= 4:
        return 2
    if " " not in text and any(ch.isdigit() for ch in text) and any(ch.isalpha() for ch in text):
        return 1
    # the sender line starts with the vendor's name, whose ending OCR may garble ("plc" "pk"),
    # or is most of the vendor's name and address read badly ("Bronet Schoom NV Prinseograa")
    if sender is None:
        return 0
    name = sender.name.text.casefold().split()
    words = text.casefold().split()
    if len(name) >= 2 and words[:2] == name[:2] and len(words) > len(name):
        return 1
    block = " ".join([sender.name.text, *(line.text for line in sender.address)])
    longer = len(text) >= len(sender.name.text) + _SENDER_MORE_CHARS
    return int(longer and _share_in(text, block) >= _SENDER_SHARE)


#: A garbled line over a window address is the sender line when it is longer than the
#: vendor's name (it holds the address too) and this share of it is found, in runs of two
#: characters or more and in order, in the vendor's name and address.
_SENDER_SHARE = 0.6
_SENDER_MORE_CHARS = 6


def _share_in(text: str, other: str) -> float:
    """The share of ``text``'s characters (folded) that ``other`` holds in the same order, in
    runs of two or more."""
    a, b = fold(text), fold(other)
    blocks = SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks()
    return sum(block.size for block in blocks if block.size >= 2) / max(len(a), 1)


def _without_captions(
    page: PageLayout,
    party: Party,
    lm: LabelMap,
    excluded: set[tuple[int, int]],
    sender: Party | None,
) -> Party | None:
    """The block from its name on: captions over it (:func:`_caption_lines`) dropped. None when
    no name and address line are left: the block was a garbled key and its value."""
    segs = party.segments
    drop = _caption_lines(segs[0], segs[1], sender) if len(segs) > 1 else 0
    if drop == 0:
        return party
    if len(segs) < drop + 2:
        return None
    return _party(page, segs[drop], lm, stop=excluded)


def _next_above(page: PageLayout, seg: Segment, max_gap: float = 1.1) -> Segment | None:
    for row in reversed(page.rows[max(0, seg.row - 2) : seg.row]):
        for s in row.segments:
            gap = seg.bbox.y0 - s.bbox.y1
            if "·" in s.text or s.font < 0.8 * seg.font or _is_sender(s, seg):
                continue  # a sender line over a window address is no part of it
            tol = 1.5 * seg.font
            aligned = (
                abs(s.bbox.x0 - seg.bbox.x0) <= tol
                or abs(s.bbox.x1 - seg.bbox.x1) <= tol
                or abs(s.bbox.cx - seg.bbox.cx) <= tol
            )
            if -0.3 * seg.font <= gap <= max_gap * seg.font and aligned:
                return s
    return None
