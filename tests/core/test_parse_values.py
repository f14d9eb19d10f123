"""Property and example tests of the amount, date and identifier parsers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finscribe.core.extraction.amounts import format_decimal, parse_amount, parse_money
from finscribe.core.extraction.dates import parse_date
from finscribe.core.validation.ids import is_valid_iban, is_valid_tax_id, repair_iban

cents = st.integers(min_value=-(10**9), max_value=10**9)


def _group(n: int, sep: str) -> str:
    s = str(n)
    parts = []
    while len(s) > 3:
        parts.insert(0, s[-3:])
        s = s[:-3]
    parts.insert(0, s)
    return sep.join(parts)


@pytest.mark.parametrize(
    ("thousands", "decimal"),
    [(",", "."), (".", ","), (" ", ","), ("\u00a0", ","), ("'", "."), ("", "."), ("", ",")],
)
@given(value=cents, symbol=st.sampled_from(["", "€", "$", "£", "EUR ", " EUR", " CHF"]))
def test_amount_round_trips_in_every_notation(
    thousands: str, decimal: str, value: int, symbol: str
) -> None:
    expected = Decimal(value) / 100
    body = _group(abs(value) // 100, thousands) + decimal + f"{abs(value) % 100:02d}"
    text = ("-" if value < 0 else "") + body
    text = text + symbol if symbol.startswith(" ") else symbol + text
    money = parse_money(text)
    assert money is not None, text
    assert money.amount == expected
    assert format_decimal(money.amount) == format_decimal(expected)


@given(value=st.integers(min_value=0, max_value=10**7))
def test_parentheses_and_trailing_minus_are_negative(value: int) -> None:
    body = f"{value // 100}.{value % 100:02d}"
    assert parse_amount(f"({body})") == -Decimal(body)
    assert parse_amount(f"{body}-") == -Decimal(body)


@pytest.mark.parametrize(
    ("text", "expected", "currency"),
    [
        ("1,234.56", "1234.56", None),
        ("1.234,56 €", "1234.56", "EUR"),
        ("1 234,56", "1234.56", None),
        ("CHF 1'234.50", "1234.50", "CHF"),
        ("$ -5.00", "-5.00", "USD"),
        ("1,5", "1.5", None),
    ],
)
def test_amount_examples(text: str, expected: str, currency: str | None) -> None:
    money = parse_money(text)
    assert money is not None
    assert money.amount == Decimal(expected)
    assert money.currency == currency


@pytest.mark.parametrize(
    "text", ["INV-2024", "1.2.3", "12,34,567.00", "abc", "", "€", "1,23,4", ".50", "~", "ÉUR"]
)
def test_not_amounts(text: str) -> None:
    assert parse_amount(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("25,840..21", "25840.21"),  # a doubled decimal mark
        ("1,68.", "1.68"),  # a speck after the cents
        ("E491.90", "491.90"),  # a pound / euro sign read as a letter
        ("£31,003.25", "31003.25"),
        (".2.427,39", "2427.39"),  # a minus or a speck read as a dot in front
        ("~03.320.00", "3320.00"),  # a minus read as a tilde, "$" as 0
        ("=12.00", "12.00"),
        ("1.956;00", "1956.00"),  # a decimal comma read as a semicolon
        ("387,00 ÉUR", "387.00"),  # an accent on the currency code
    ],
)
def test_amounts_as_ocr_misreads_them(text: str, expected: str) -> None:
    assert parse_amount(text) == Decimal(expected)


def test_lone_separator_with_three_digits_follows_the_locale() -> None:
    assert parse_amount("1.234") == Decimal(1234)
    assert parse_amount("1.234", decimal_comma=False) == Decimal("1.234")
    assert parse_amount("1,234", decimal_comma=True) == Decimal("1.234")


dates = st.dates(min_value=date(1990, 1, 1), max_value=date(2069, 12, 31))

MONTHS = {
    "en": ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"],
    "fr": ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
           "septembre", "octobre", "novembre", "décembre"],
    "de": ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
           "September", "Oktober", "November", "Dezember"],
    "es": ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
           "septiembre", "octubre", "noviembre", "diciembre"],
    "nl": ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
           "september", "oktober", "november", "december"],
    "it": ["gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto",
           "settembre", "ottobre", "novembre", "dicembre"],
}  # fmt: skip


@given(d=dates, sep=st.sampled_from(["/", ".", "-"]))
def test_numeric_dates_in_each_order(d: date, sep: str) -> None:
    assert parse_date(f"{d.day:02d}{sep}{d.month:02d}{sep}{d.year}", "DMY") == d
    assert parse_date(f"{d.month:02d}{sep}{d.day:02d}{sep}{d.year}", "MDY") == d
    assert parse_date(f"{d.year}-{d.month:02d}-{d.day:02d}") == d
    assert parse_date(f"{d.day}{sep}{d.month}{sep}{d.year % 100:02d}", "DMY") == d


@given(d=dates)
def test_unambiguous_numeric_dates_ignore_the_locale(d: date) -> None:
    text = f"{d.day:02d}/{d.month:02d}/{d.year}"
    if d.day > 12:
        assert parse_date(text, "MDY") == d


@given(d=dates, lang=st.sampled_from(sorted(MONTHS)), short=st.booleans())
def test_month_names_in_six_languages(d: date, lang: str, short: bool) -> None:
    name = MONTHS[lang][d.month - 1]
    if short and lang == "en":
        name = name[:3]
    forms = {
        "en": [f"{name} {d.day}, {d.year}", f"{d.day} {name} {d.year}"],
        "fr": [f"{d.day} {name} {d.year}"],
        "de": [f"{d.day}. {name} {d.year}"],
        "es": [f"{d.day} de {name} de {d.year}"],
        "nl": [f"{d.day} {name} {d.year}"],
        "it": [f"{d.day} {name} {d.year}"],
    }[lang]
    for text in forms:
        assert parse_date(text) == d, text


@pytest.mark.parametrize("text", ["31/02/2024", "13/13/2024", "2024-13-01", "hello", "12/2024"])
def test_not_dates(text: str) -> None:
    assert parse_date(text) is None


def _iban(country: str, bban: str) -> str:
    digits = "".join(str(int(c, 36)) for c in bban + country + "00")
    check = 98 - int(digits) % 97
    return f"{country}{check:02d}{bban}"


@given(account=st.integers(min_value=0, max_value=10**18 - 1), flip=st.integers(0, 17))
def test_iban_mod97(account: int, flip: int) -> None:
    iban = _iban("DE", f"37040044{account % 10**10:010d}")
    assert is_valid_iban(iban)
    spaced = " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
    assert is_valid_iban(spaced)
    pos = 4 + flip % (len(iban) - 4)
    broken = iban[:pos] + str((int(iban[pos]) + 1) % 10) + iban[pos + 1 :]
    assert not is_valid_iban(broken)


_LOOKALIKE = {"0": "O", "1": "I", "5": "S", "8": "B", "6": "G", "2": "Z"}


@given(account=st.integers(min_value=0, max_value=10**14 - 1), at=st.integers(0, 13))
def test_iban_misread_by_ocr_is_repaired_by_its_format_and_checksum(account: int, at: int) -> None:
    iban = _iban("GB", f"BARC{account:014d}")
    digit = iban[8 + at]
    misread = iban[: 8 + at] + _LOOKALIKE.get(digit, digit) + iban[9 + at :]
    assert repair_iban(misread) == iban
    # the bank code's letters read as digits, groups split by specks
    assert repair_iban("G" + "8" + iban[2:4] + " " + iban[4:8] + "." + iban[8:]) == iban
    # a wrong digit is no misreading: nothing comes back
    wrong = iban[: 8 + at] + str((int(digit) + 1) % 10) + iban[9 + at :]
    assert repair_iban(wrong) is None


@given(account=st.integers(min_value=0, max_value=10**11 - 1))
def test_iban_country_code_misread_by_one_lookalike_letter(account: int) -> None:
    swiss = _iban("CH", f"00839{account:012d}")
    assert repair_iban("O" + swiss[1:]) == swiss  # "OH19 ..."
    french = _iban("FR", f"2673346641{account:011d}54")
    assert repair_iban("FK" + french[2:]) == french  # FK is an IBAN country of its own
    # a right IBAN of a country one look-alike away stays as it is
    assert repair_iban(swiss) == swiss


@given(account=st.integers(min_value=0, max_value=10**14 - 1), at=st.integers(0, 11))
def test_iban_glyph_lost_in_a_group_of_four_is_put_back_only_when_one_reading_is_valid(
    account: int, at: int
) -> None:
    iban = _iban("GB", f"BARC{account:014d}")
    groups = [iban[i : i + 4] for i in range(0, len(iban), 4)]
    k, pos = 2 + at // 4, at % 4  # a digit of the third to fifth group
    groups[k] = groups[k][:pos] + groups[k][pos + 1 :]
    # the right IBAN is always one of the readings: any one that comes back is it
    assert repair_iban(" ".join(groups)) in {iban, None}
    # without the groups nothing shows where the glyph was lost
    assert repair_iban("".join(groups)) is None


@pytest.mark.parametrize(
    ("read", "iban"),
    [
        ("G807 RB05 7295 729 2874 44", "GB07RBOS72957259287444"),  # 8 for B, 0/5 for O/S, a 5 lost
        ("C5908268144543675921", "CH5908268144543675921"),  # the country code's H lost
        ("A768 2030 6114 4653 7479", "AT682030611446537479"),  # 7 for T
        ("ML.22 DEUT 6668 3421 08", "NL22DEUT6668342108"),  # M for N
        ("GB51 MAEQ 199 8110 6750 03", None),  # 1993 and 1799 both valid: no guess
        ("BE70 EBSI 1959 4100 4031 46", "IE70EBSI19594100403146"),  # I read B: too long for BE
        ("ROR8HGATEENGINEERINGEURL", None),  # a name run together is no IBAN of any country
    ],
)
def test_iban_readings_with_a_lost_or_misread_glyph(read: str, iban: str | None) -> None:
    assert repair_iban(read) == iban


@given(account=st.integers(min_value=0, max_value=10**10 - 1), at=st.integers(0, 3))
def test_iban_bank_code_misread_is_put_right_only_by_a_bic_of_its_country(
    account: int, at: int
) -> None:
    from finscribe.core.validation.ids import iban_with_bank_code

    iban = _iban("NL", f"BCIT{account:010d}")
    misread = iban[: 4 + at] + ("X" if iban[4 + at] != "X" else "Y") + iban[5 + at :]
    assert iban_with_bank_code(misread, ["BCITNL2A"]) == iban
    assert iban_with_bank_code(misread, ["BCITNL2AXXX", "DEUTDEFF"]) == iban
    assert iban_with_bank_code(misread, ["BCITDE2A"]) is None  # a BIC of another country
    assert iban_with_bank_code(misread, []) is None


@given(body=st.integers(min_value=10**7, max_value=10**8 - 1))
def test_german_vat_check_digit(body: int) -> None:
    from stdnum.de import vat

    s = str(body)
    # the ISO 7064 Mod 11,10 check digit, computed independently of the validator
    product = 10
    for ch in s:
        total = (int(ch) + product) % 10 or 10
        product = (2 * total) % 11
    check = (11 - product) % 10
    number = f"DE{s}{check}"
    assert vat.is_valid(number[2:]) == (s[0] != "0")
    if s[0] != "0":
        assert is_valid_tax_id(number) is True
        assert is_valid_tax_id(f"DE{s}{(check + 1) % 10}") is False


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("FR40303265045", True),
        ("FR 40 303 265 045", True),
        ("DE136695976", True),
        ("DE136695977", False),
        ("GB980780684", True),
        ("CHE-116.281.710 MWST", True),
        ("NL004495445B01", True),
        ("12-3456789", None),
    ],
)
def test_tax_ids(text: str, expected: bool | None) -> None:
    assert is_valid_tax_id(text) is expected


@given(
    st.integers(1, 500_000),
    st.integers(0, 3),
    st.integers(1, 10_000_000),
)
def test_implied_quantity_fits_every_printed_line(q_units: int, places: int, cents: int) -> None:
    from finscribe.core.validation.rules import implied_quantity

    quantity = Decimal(q_units).scaleb(-places)
    price = Decimal(cents).scaleb(-2)
    amount = (quantity * price).quantize(Decimal("0.01"))
    if amount == 0:
        return
    found = implied_quantity(price, amount)
    assert found is not None
    assert abs(found * price - amount) <= Decimal("0.005")
    assert -found.as_tuple().exponent <= places  # never more decimals than printed (int)


def test_implied_quantity_examples() -> None:
    from finscribe.core.validation.rules import implied_quantity

    assert implied_quantity(Decimal("130.50"), Decimal("522.00")) == 4
    assert implied_quantity(Decimal("2.16"), Decimal("4.32")) == 2
    assert implied_quantity(Decimal("82.95"), Decimal("1327.20")) == 16
    assert implied_quantity(Decimal("106.00"), Decimal("4266.50")) == Decimal("40.25")
    assert implied_quantity(Decimal("188.00"), Decimal("414.00")) is None
    assert implied_quantity(Decimal("0"), Decimal("10.00")) is None
    assert implied_quantity(Decimal("10.00"), Decimal("-10.00")) is None


@pytest.mark.parametrize(
    ("read", "meant"),
    [
        ("8. Apr11 2024", "2024-04-08"),  # "il" read as "11"
        ("12 0ct0ber 2024", "2024-10-12"),
        ("1 Ju1y 2023", "2023-07-01"),
        ("25 mar5 2024", "2024-03-25"),  # French "mars"
        ("INV-2024", None),  # a number is no date
        ("12 Apr11 X1 2024", None),  # two mixed words: no guess
    ],
)
def test_month_names_with_letters_ocr_read_as_digits(read: str, meant: str | None) -> None:
    from finscribe.core.extraction.dates import parse_date

    got = parse_date(read)
    assert (got.isoformat() if got else None) == meant
