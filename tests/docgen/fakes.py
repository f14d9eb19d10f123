"""Fake but plausible parties: company names, printed addresses, valid VAT ids and IBANs."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

from schwifty import IBAN
from stdnum import luhn
from stdnum.eu import vat as eu_vat

SURNAMES: dict[str, tuple[str, ...]] = {
    "en": (
        "Hartley",
        "Whitmore",
        "Ashford",
        "Pemberton",
        "Caldwell",
        "Thornton",
        "Blackwood",
        "Fairfax",
        "Langley",
        "Kensington",
        "Barrow",
        "Holloway",
        "Sterling",
        "Prescott",
        "Mercer",
        "Oakridge",
    ),
    "fr": (
        "Lefèvre",
        "Moreau",
        "Girard",
        "Dubois",
        "Lambert",
        "Fontaine",
        "Rousseau",
        "Bonnet",
        "Mercier",
        "Chevalier",
        "Garnier",
        "Faure",
        "Rivière",
        "Béranger",
        "Lemaître",
        "Delacroix",
    ),
    "de": (
        "Müller",
        "Schäfer",
        "Becker",
        "Hoffmann",
        "Krüger",
        "Schröder",
        "Wagner",
        "Zimmermann",
        "Braun",
        "Hartmann",
        "Lange",
        "Weiß",
        "Köhler",
        "Vogel",
        "Bäcker",
        "Fuchs",
    ),
    "es": (
        "García",
        "Martínez",
        "López",
        "Sánchez",
        "Fernández",
        "Gómez",
        "Ruiz",
        "Jiménez",
        "Moreno",
        "Álvarez",
        "Romero",
        "Navarro",
        "Torres",
        "Domínguez",
        "Vázquez",
        "Muñoz",
    ),
    "nl": (
        "de Vries",
        "Jansen",
        "van Dijk",
        "Bakker",
        "Visser",
        "Smit",
        "Meijer",
        "de Boer",
        "Mulder",
        "de Groot",
        "Bos",
        "Vos",
        "Peters",
        "Hendriks",
        "van Leeuwen",
        "Dekker",
    ),
    "it": (
        "Rossi",
        "Bianchi",
        "Ferrari",
        "Esposito",
        "Romano",
        "Colombo",
        "Ricci",
        "Marino",
        "Greco",
        "Bruno",
        "Gallo",
        "Conti",
        "De Luca",
        "Mancini",
        "Costa",
        "Giordano",
    ),
}
FIRST_NAMES: dict[str, tuple[str, ...]] = {
    "en": (
        "James",
        "Olivia",
        "Thomas",
        "Emily",
        "George",
        "Charlotte",
        "Daniel",
        "Sophie",
        "Michael",
        "Laura",
    ),
    "fr": (
        "Camille",
        "Julien",
        "Élodie",
        "Mathieu",
        "Chloé",
        "Nicolas",
        "Amélie",
        "Sébastien",
        "Léa",
        "François",
    ),
    "de": (
        "Jürgen",
        "Anna",
        "Stefan",
        "Katrin",
        "Lukas",
        "Sabine",
        "Matthias",
        "Jörg",
        "Sophie",
        "Andreas",
    ),
    "es": (
        "Javier",
        "Lucía",
        "Carlos",
        "María",
        "Alejandro",
        "Carmen",
        "Pablo",
        "Elena",
        "Sergio",
        "Inés",
    ),
    "nl": ("Sander", "Femke", "Joost", "Anouk", "Bram", "Lotte", "Thijs", "Sanne", "Ruud", "Eline"),
    "it": (
        "Giuseppe",
        "Francesca",
        "Marco",
        "Chiara",
        "Alessandro",
        "Giulia",
        "Luca",
        "Federica",
        "Matteo",
        "Elena",
    ),
}
TRADES: dict[str, tuple[str, ...]] = {
    "en": (
        "Consulting",
        "Engineering",
        "Print Works",
        "Logistics",
        "Software",
        "Office Supplies",
        "Catering",
        "Design Studio",
        "Facilities",
        "Electrical",
        "Analytics",
        "Legal Services",
    ),
    "fr": (
        "Conseil",
        "Ingénierie",
        "Imprimerie",
        "Transports",
        "Informatique",
        "Fournitures",
        "Traiteur",
        "Bâtiment",
        "Électricité",
        "Services",
        "Études",
        "Menuiserie",
    ),
    "de": (
        "Beratung",
        "Maschinenbau",
        "Druckerei",
        "Logistik",
        "Softwareentwicklung",
        "Bürobedarf",
        "Gebäudetechnik",
        "Elektrotechnik",
        "Metallbau",
        "Steuerberatung",
        "Gartenbau",
        "Versand",
    ),
    "es": (
        "Consultoría",
        "Ingeniería",
        "Imprenta",
        "Transportes",
        "Informática",
        "Suministros",
        "Construcciones",
        "Instalaciones",
        "Asesoría",
        "Distribuciones",
        "Limpiezas",
        "Reformas",
    ),
    "nl": (
        "Advies",
        "Techniek",
        "Drukkerij",
        "Transport",
        "Automatisering",
        "Kantoorartikelen",
        "Installatietechniek",
        "Bouw",
        "Schoonmaak",
        "Vertalingen",
        "Groothandel",
        "Media",
    ),
    "it": (
        "Consulenze",
        "Ingegneria",
        "Tipografia",
        "Trasporti",
        "Informatica",
        "Forniture",
        "Costruzioni",
        "Impianti",
        "Servizi",
        "Arredamenti",
        "Elettronica",
        "Logistica",
    ),
}
LEGAL_FORMS: dict[str, tuple[str, ...]] = {
    "GB": ("Ltd", "Limited", "LLP", "plc"),
    "US": ("Inc.", "LLC", "Corp.", "Co."),
    "IE": ("Ltd", "Limited", "DAC"),
    "FR": ("SARL", "SAS", "SA", "EURL"),
    "BE": ("SRL", "SA", "BV", "NV"),
    "CH": ("AG", "GmbH", "SA", "Sàrl"),
    "DE": ("GmbH", "AG", "GmbH & Co. KG", "e.K.", "UG (haftungsbeschränkt)"),
    "AT": ("GmbH", "AG", "KG"),
    "ES": ("S.L.", "S.A.", "S.L.U."),
    "NL": ("B.V.", "V.O.F.", "N.V."),
    "IT": ("S.r.l.", "S.p.A.", "S.n.c.", "S.a.s."),
}
STREETS: dict[str, tuple[str, ...]] = {
    "en": (
        "High Street",
        "Station Road",
        "Church Lane",
        "Victoria Road",
        "Mill Lane",
        "Park Avenue",
        "King Street",
        "Queensway",
        "Market Street",
        "Oak Drive",
    ),
    "fr": (
        "rue de la République",
        "avenue Victor Hugo",
        "boulevard Voltaire",
        "rue des Lilas",
        "place de la Gare",
        "rue du Commerce",
        "allée des Tilleuls",
        "chemin des Vignes",
    ),
    "de": (
        "Hauptstraße",
        "Bahnhofstraße",
        "Schillerstraße",
        "Gartenweg",
        "Industriestraße",
        "Lindenallee",
        "Am Marktplatz",
        "Goethestraße",
        "Müllerstraße",
    ),
    "es": (
        "Calle Mayor",
        "Avenida de la Constitución",
        "Calle del Sol",
        "Paseo de Gracia",
        "Calle Real",
        "Avenida de Andalucía",
        "Plaza de España",
        "Calle Alcalá",
    ),
    "nl": (
        "Kerkstraat",
        "Stationsweg",
        "Dorpsstraat",
        "Molenweg",
        "Industrieweg",
        "Kanaalstraat",
        "Prinsengracht",
        "Schoolstraat",
    ),
    "it": (
        "Via Roma",
        "Via Garibaldi",
        "Corso Italia",
        "Via Mazzini",
        "Piazza della Repubblica",
        "Viale dei Mille",
        "Via Dante Alighieri",
        "Via Verdi",
    ),
}
CITIES: dict[str, tuple[tuple[str, str], ...]] = {
    "GB": (
        ("London", "EC1V 9BD"),
        ("Manchester", "M1 4BT"),
        ("Bristol", "BS1 6QH"),
        ("Leeds", "LS1 5AB"),
        ("Glasgow", "G2 1DY"),
        ("Cambridge", "CB2 1TN"),
    ),
    "US": (
        ("New York, NY", "10016"),
        ("Austin, TX", "78701"),
        ("Chicago, IL", "60606"),
        ("Denver, CO", "80202"),
        ("Seattle, WA", "98101"),
        ("Boston, MA", "02110"),
    ),
    "IE": (
        ("Dublin 2", "D02 X285"),
        ("Cork", "T12 RX9K"),
        ("Galway", "H91 E2K3"),
        ("Limerick", "V94 T9PX"),
    ),
    "FR": (
        ("Paris", "75011"),
        ("Lyon", "69003"),
        ("Marseille", "13008"),
        ("Toulouse", "31000"),
        ("Lille", "59000"),
        ("Nantes", "44000"),
        ("Strasbourg", "67000"),
    ),
    "BE": (
        ("Bruxelles", "1000"),
        ("Liège", "4000"),
        ("Namur", "5000"),
        ("Antwerpen", "2000"),
        ("Gent", "9000"),
        ("Leuven", "3000"),
    ),
    "CH": (
        ("Zürich", "8001"),
        ("Genève", "1204"),
        ("Basel", "4051"),
        ("Lausanne", "1003"),
        ("Lugano", "6900"),
        ("Bern", "3011"),
        ("Bellinzona", "6500"),
        ("Neuchâtel", "2000"),
    ),
    "DE": (
        ("Berlin", "10115"),
        ("München", "80331"),
        ("Hamburg", "20095"),
        ("Köln", "50667"),
        ("Frankfurt am Main", "60311"),
        ("Stuttgart", "70173"),
        ("Düsseldorf", "40213"),
    ),
    "AT": (
        ("Wien", "1010"),
        ("Graz", "8010"),
        ("Linz", "4020"),
        ("Salzburg", "5020"),
        ("Innsbruck", "6020"),
    ),
    "ES": (
        ("Madrid", "28013"),
        ("Barcelona", "08007"),
        ("Valencia", "46002"),
        ("Sevilla", "41001"),
        ("Bilbao", "48001"),
        ("Málaga", "29015"),
    ),
    "NL": (
        ("Amsterdam", "1017 GC"),
        ("Rotterdam", "3011 AD"),
        ("Utrecht", "3511 LX"),
        ("Den Haag", "2511 CV"),
        ("Eindhoven", "5611 EM"),
        ("Groningen", "9711 LM"),
    ),
    "IT": (
        ("Milano", "20121"),
        ("Roma", "00184"),
        ("Torino", "10121"),
        ("Bologna", "40121"),
        ("Firenze", "50123"),
        ("Napoli", "80133"),
    ),
}
COUNTRY_NAMES: dict[str, dict[str, str]] = {
    "en": {
        "GB": "United Kingdom",
        "US": "USA",
        "IE": "Ireland",
        "FR": "France",
        "DE": "Germany",
        "NL": "Netherlands",
        "BE": "Belgium",
        "ES": "Spain",
        "IT": "Italy",
        "AT": "Austria",
        "CH": "Switzerland",
    },
    "fr": {
        "FR": "France",
        "BE": "Belgique",
        "CH": "Suisse",
        "DE": "Allemagne",
        "ES": "Espagne",
        "IT": "Italie",
        "NL": "Pays-Bas",
        "GB": "Royaume-Uni",
        "IE": "Irlande",
        "AT": "Autriche",
        "US": "États-Unis",
    },
    "de": {
        "DE": "Deutschland",
        "AT": "Österreich",
        "CH": "Schweiz",
        "FR": "Frankreich",
        "NL": "Niederlande",
        "BE": "Belgien",
        "IT": "Italien",
        "ES": "Spanien",
        "GB": "Vereinigtes Königreich",
        "IE": "Irland",
        "US": "USA",
    },
    "es": {
        "ES": "España",
        "FR": "Francia",
        "DE": "Alemania",
        "IT": "Italia",
        "NL": "Países Bajos",
        "BE": "Bélgica",
        "GB": "Reino Unido",
        "IE": "Irlanda",
        "AT": "Austria",
        "CH": "Suiza",
        "US": "EE. UU.",
    },
    "nl": {
        "NL": "Nederland",
        "BE": "België",
        "DE": "Duitsland",
        "FR": "Frankrijk",
        "ES": "Spanje",
        "IT": "Italië",
        "GB": "Verenigd Koninkrijk",
        "IE": "Ierland",
        "AT": "Oostenrijk",
        "CH": "Zwitserland",
        "US": "Verenigde Staten",
    },
    "it": {
        "IT": "Italia",
        "CH": "Svizzera",
        "FR": "Francia",
        "DE": "Germania",
        "ES": "Spagna",
        "NL": "Paesi Bassi",
        "BE": "Belgio",
        "GB": "Regno Unito",
        "IE": "Irlanda",
        "AT": "Austria",
        "US": "Stati Uniti",
    },
}
IT_PROVINCES = {
    "Milano": "MI",
    "Roma": "RM",
    "Torino": "TO",
    "Bologna": "BO",
    "Firenze": "FI",
    "Napoli": "NA",
}
RETAIL: dict[str, tuple[str, ...]] = {
    "en": (
        "Corner Market",
        "Fresh Foods",
        "Daily Grocer",
        "Coffee House",
        "Hardware Store",
        "Pharmacy",
        "Bakery",
    ),
    "fr": (
        "Supérette",
        "Boulangerie",
        "Café de la Place",
        "Épicerie Fine",
        "Pharmacie",
        "Quincaillerie",
        "Primeur",
    ),
    "de": ("Markt", "Bäckerei", "Drogerie", "Getränkemarkt", "Café", "Baumarkt", "Apotheke"),
    "es": (
        "Supermercado",
        "Panadería",
        "Cafetería",
        "Ferretería",
        "Farmacia",
        "Frutería",
        "Droguería",
    ),
    "nl": (
        "Supermarkt",
        "Bakkerij",
        "Koffiehuis",
        "Drogisterij",
        "Bouwmarkt",
        "Slijterij",
        "Apotheek",
    ),
    "it": (
        "Supermercato",
        "Panificio",
        "Bar Caffè",
        "Ferramenta",
        "Farmacia",
        "Alimentari",
        "Tabaccheria",
    ),
}


@dataclass(slots=True)
class Party:
    """A vendor or customer as printed."""

    name: str
    address: list[str]
    country: str
    tax_id: str | None = None  # as printed
    iban: str | None = None  # as printed (grouped in fours or compact)
    bic: str | None = None
    phone: str | None = None
    email: str | None = None
    registration: list[str] = field(default_factory=list)


def compact_id(text: str) -> str:
    """The normalised value of a printed tax id or IBAN: upper case, no spaces, dots or dashes."""
    return re.sub(r"[\s.\-/]", "", text).upper()


def _digits(rng: random.Random, n: int, first_nonzero: bool = True) -> str:
    out = [str(rng.randint(1 if first_nonzero else 0, 9))]
    out += [str(rng.randint(0, 9)) for _ in range(n - 1)]
    return "".join(out)


def _brute(candidates: list[str], valid: object) -> str | None:
    check = valid  # callable
    for cand in candidates:
        if check(cand):  # type: ignore[operator]
            return cand
    return None


def vat_id(rng: random.Random, country: str, language: str) -> str:
    """A printed VAT/tax id with correct check digits for ``country`` (validated with stdnum)."""
    for _ in range(200):
        printed = _vat_candidate(rng, country, language)
        if printed is not None:
            return printed
    raise RuntimeError(f"could not make a VAT id for {country}")


def _vat_candidate(rng: random.Random, country: str, language: str) -> str | None:
    if country == "US":
        from stdnum.us import ein

        prefix = rng.choice(("12", "20", "27", "45", "46", "81", "84", "94"))
        num = prefix + _digits(rng, 7, False)
        return f"{num[:2]}-{num[2:]}" if ein.is_valid(num) else None
    if country == "CH":
        from stdnum.ch import uid

        base = _digits(rng, 8)
        found = _brute([f"CHE{base}{d}" for d in range(10)], uid.is_valid)
        if found is None:
            return None
        d = found[3:]
        suffix = {"de": "MWST", "fr": "TVA", "it": "IVA"}.get(language, "MWST")
        return f"CHE-{d[:3]}.{d[3:6]}.{d[6:]} {suffix}"
    if country == "FR":
        siren8 = _digits(rng, 8)
        siren = next(siren8 + str(d) for d in range(10) if luhn.is_valid(siren8 + str(d)))
        key = (12 + 3 * (int(siren) % 97)) % 97
        compact = f"FR{key:02d}{siren}"
        if not eu_vat.is_valid(compact):
            return None
        return rng.choice(
            (compact, f"FR {key:02d} {siren[:3]} {siren[3:6]} {siren[6:]}", f"FR{key:02d} {siren}")
        )
    if country == "IT":
        base = _digits(rng, 7) + rng.choice(("001", "015", "036", "058", "096", "120"))
        found = _brute([f"IT{base}{d}" for d in range(10)], eu_vat.is_valid)
        if found is None:
            return None
        return rng.choice((found, found[2:]))
    if country == "ES":
        letter = rng.choice("ABB")
        base = letter + _digits(rng, 7)
        found = _brute([f"ES{base}{d}" for d in range(10)], eu_vat.is_valid)
        if found is None:
            return None
        return rng.choice((found, found[2:], f"{found[2]}-{found[3:]}"))
    if country == "NL":
        base = _digits(rng, 8)
        found = _brute([f"NL{base}{d}B01" for d in range(10)], eu_vat.is_valid)
        if found is None:
            return None
        return rng.choice((found, f"NL{found[2:6]}.{found[6:8]}.{found[8:11]}.B01"))
    if country == "BE":
        base = "0" + _digits(rng, 7)
        found = _brute([f"BE{base}{d:02d}" for d in range(100)], eu_vat.is_valid)
        if found is None:
            return None
        d = found[2:]
        return rng.choice((found, f"BE {d[:4]}.{d[4:7]}.{d[7:]}", f"BE{d}"))
    if country == "AT":
        base = _digits(rng, 7)
        found = _brute([f"ATU{base}{d}" for d in range(10)], eu_vat.is_valid)
        return found
    if country == "DE":
        base = _digits(rng, 8)
        found = _brute([f"DE{base}{d}" for d in range(10)], eu_vat.is_valid)
        if found is None:
            return None
        return rng.choice((found, f"DE {found[2:5]} {found[5:8]} {found[8:]}", found))
    if country == "GB":
        base = _digits(rng, 7)
        from stdnum.gb import vat as gb_vat

        found = _brute([f"GB{base}{d:02d}" for d in range(100)], gb_vat.is_valid)
        if found is None:
            return None
        d = found[2:]
        return rng.choice((found, f"GB {d[:3]} {d[3:7]} {d[7:]}"))
    if country == "IE":
        base = _digits(rng, 7, False)
        found = _brute([f"IE{base}{c}" for c in "ABCDEFGHIJKLMNOPQRSTUVW"], eu_vat.is_valid)
        return found
    raise ValueError(f"no VAT id scheme for {country}")


def is_valid_tax_id(printed: str, country: str) -> bool:
    """Whether a printed tax id validates with stdnum (used by the tests)."""
    compact = compact_id(printed)
    if country == "US":
        from stdnum.us import ein

        return bool(ein.is_valid(compact))
    if country == "CH":
        from stdnum.ch import vat as ch_vat

        return bool(ch_vat.is_valid(compact))
    if country == "GB":
        from stdnum.gb import vat as gb_vat

        return bool(gb_vat.is_valid(compact))
    if not compact[:2].isalpha():
        compact = country + compact
    return bool(eu_vat.is_valid(compact))


_ACCOUNT_DIGITS = {
    "FR": ("account_code", 11),
    "IT": ("account_code", 12),
    "CH": ("account_code", 12),
}


def iban(rng: random.Random, country: str) -> tuple[str, str | None]:
    """A valid IBAN for ``country`` (national check digits included) and its bank's BIC."""
    if country == "US":
        raise ValueError("no IBAN in the US")
    if country in _ACCOUNT_DIGITS:  # numeric account numbers, as these countries print them
        _, n = _ACCOUNT_DIGITS[country]
        value = IBAN.random(country_code=country, random=rng, account_code=_digits(rng, n, False))
    else:
        value = IBAN.random(country_code=country, random=rng)
    IBAN(str(value), validate_bban=True)
    bic = value.bic
    return str(value), (str(bic) if bic is not None else None)


def format_iban(compact: str, rng: random.Random) -> str:
    """An IBAN as printed: usually in groups of four, sometimes compact."""
    if rng.random() < 0.8:
        return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))
    return compact


def company_name(rng: random.Random, language: str, country: str) -> str:
    """A company name in the style of ``language`` with the country's legal form."""
    surname = rng.choice(SURNAMES[language])
    trade = rng.choice(TRADES[language])
    legal = rng.choice(LEGAL_FORMS[country])
    pattern = rng.randrange(4)
    if pattern == 0:
        name = f"{surname} {trade}"
    elif pattern == 1:
        other = rng.choice([s for s in SURNAMES[language] if s != surname])
        joiner = {"en": "&", "fr": "et", "de": "&", "es": "y", "nl": "&", "it": "&"}[language]
        name = f"{surname} {joiner} {other}"
    elif pattern == 2 and language == "en":
        place = rng.choice(
            ("Northgate", "Pacific", "Summit", "Riverside", "Crown", "Atlas", "Harbour")
        )
        name = f"{place} {trade}"
    elif pattern == 2:
        name = f"{trade} {surname}"
    else:
        syllables = (
            "Nor",
            "Vel",
            "Astra",
            "Lumo",
            "Tek",
            "Corvi",
            "Brio",
            "Sina",
            "Pax",
            "Quadra",
            "Ori",
        )
        ending = rng.choice(("tec", "net", "via", "lux", "mar", "dis"))
        name = f"{rng.choice(syllables)}{ending} {trade}"
    return f"{name} {legal}"


def person_name(rng: random.Random, language: str) -> str:
    """A person's first and last name."""
    return f"{rng.choice(FIRST_NAMES[language])} {rng.choice(SURNAMES[language])}"


def shop_name(rng: random.Random, language: str) -> str:
    """A retail shop name for receipts."""
    kind = rng.choice(RETAIL[language])
    surname = rng.choice(SURNAMES[language])
    if rng.random() < 0.5:
        return f"{kind} {surname}"
    return f"{surname} {kind}"


#: Cities of multilingual countries by the language spoken there.
CITY_LANGUAGE = {
    "Bruxelles": "fr",
    "Liège": "fr",
    "Namur": "fr",
    "Antwerpen": "nl",
    "Gent": "nl",
    "Leuven": "nl",
    "Zürich": "de",
    "Basel": "de",
    "Bern": "de",
    "Genève": "fr",
    "Lausanne": "fr",
    "Neuchâtel": "fr",
    "Lugano": "it",
    "Bellinzona": "it",
}


def address(rng: random.Random, language: str, country: str, *, with_country: bool) -> list[str]:
    """Printed address lines for ``country``, 2 to 4 lines."""
    cities = [c for c in CITIES[country] if CITY_LANGUAGE.get(c[0], language) == language]
    city, postcode = rng.choice(cities or CITIES[country])
    street = rng.choice(STREETS[language])
    num = rng.randint(1, 180)
    lines: list[str] = []
    if country in ("GB", "IE"):
        lines.append(f"{num} {street}")
        if rng.random() < 0.35:
            lines.append(rng.choice(("Unit 4", "Suite 12", "2nd Floor", "Riverside House")))
        if rng.random() < 0.5:
            lines.append(f"{city} {postcode}")
        else:
            lines += [city, postcode]
    elif country == "US":
        lines.append(f"{num * 10 + rng.randint(0, 9)} {street}")
        if rng.random() < 0.4:
            lines.append(f"Suite {rng.randint(100, 950)}")
        lines.append(f"{city} {postcode}")
    elif country == "FR" or (country in ("BE", "CH") and language == "fr"):
        lines.append(f"{num} {street}" if country == "FR" else f"{street} {num}")
        if rng.random() < 0.3:
            lines.append(rng.choice(("Bâtiment B", "ZI des Hauts", "CS 40012", "2e étage")))
        lines.append(f"{postcode} {city.upper() if rng.random() < 0.5 else city}")
    elif country == "ES":
        floor = rng.choice(("", ", 2º A", ", 1º", ", bajo", ", 3º D"))
        lines.append(f"{street}, {num}{floor}")
        lines.append(f"{postcode} {city}")
    elif country == "IT":
        lines.append(f"{street}, {num}")
        prov = IT_PROVINCES.get(city, "MI")
        lines.append(f"{postcode} {city} ({prov})")
    else:  # DE, AT, CH (de/it), NL, BE (nl)
        lines.append(f"{street} {num}")
        if rng.random() < 0.2:
            extra = {
                "de": ("Gebäude 3", "2. OG", "Hinterhaus"),
                "nl": ("Unit 4", "2e verdieping", "Gebouw B"),
                "it": ("Scala B", "Piano 2", "Interno 5"),
            }.get(language, ("Unit 4",))
            lines.append(rng.choice(extra))
        lines.append(f"{postcode} {city}")
    if with_country:
        lines.append(COUNTRY_NAMES[language][country])
    return lines


def phone(rng: random.Random, country: str) -> str:
    """A phone number in the country's style."""
    codes = {
        "GB": "+44",
        "US": "+1",
        "IE": "+353",
        "FR": "+33",
        "BE": "+32",
        "CH": "+41",
        "DE": "+49",
        "AT": "+43",
        "ES": "+34",
        "NL": "+31",
        "IT": "+39",
    }
    body = " ".join(_digits(rng, 3) for _ in range(3))
    return f"{codes[country]} {body}"


def email(rng: random.Random, name: str) -> str:
    """An e-mail address derived from a company name."""
    stem = re.sub(r"[^a-z]", "", name.lower().encode("ascii", "ignore").decode())[:12] or "info"
    return f"{rng.choice(('info', 'billing', 'accounts', 'contact'))}@{stem}.example"


def registration_lines(rng: random.Random, country: str, language: str) -> list[str]:
    """Company-register lines printed in footers (distractors next to the VAT id)."""

    def d(n: int) -> str:
        return _digits(rng, n)

    person = person_name(rng, language)
    options: dict[str, list[str]] = {
        "GB": [f"Registered in England and Wales No. {d(8)}", f"Company No. {d(8)}"],
        "US": [f"Incorporated in Delaware, File No. {d(7)}"],
        "IE": [f"Registered in Ireland No. {d(6)}", f"Directors: {person}"],
        "FR": [
            f"SIRET {d(3)} {d(3)} {d(3)} {d(5)}",
            f"RCS {rng.choice(('Paris', 'Lyon', 'Nantes'))} B {d(3)} {d(3)} {d(3)}",
            f"SARL au capital de {rng.choice(('7 500', '10 000', '50 000'))} €",
            f"Code APE {d(4)}Z",
        ],
        "BE": [
            f"RPM {rng.choice(('Bruxelles', 'Liège', 'Gent'))}",
            f"N° d'entreprise 0{d(3)}.{d(3)}.{d(3)}",
        ],
        "CH": [
            f"Handelsregister {rng.choice(('Zürich', 'Basel', 'Bern'))}",
            f"Geschäftsführer: {person}",
        ],
        "DE": [
            f"Amtsgericht {rng.choice(('Köln', 'München', 'Hamburg'))} HRB {d(5)}",
            f"Geschäftsführer: {person}",
            f"Steuernummer {d(3)}/{d(3)}/{d(5)}",
        ],
        "AT": [f"Firmenbuch FN {d(6)}a", f"Handelsgericht Wien, Geschäftsführer: {person}"],
        "ES": [
            f"Inscrita en el R.M. de Madrid, Tomo {d(5)}, Folio {d(3)}, Hoja M-{d(6)}",
            f"Reg. Merc. de Barcelona, T. {d(5)}, F. {d(3)}",
        ],
        "NL": [f"KvK {d(8)}", f"KvK-nummer {d(8)}"],
        "IT": [
            f"REA MI-{d(7)}",
            f"Cap. Soc. € {rng.choice(('10.000', '50.000', '100.000'))},00 i.v.",
            f"C.F. {d(11)}",
        ],
    }
    lines = options.get(country, [])
    k = min(len(lines), rng.randint(1, 2))
    return rng.sample(lines, k) if lines else []


NOTES: dict[str, tuple[str, ...]] = {
    "en": (
        "Please quote the invoice number with your payment.",
        "Late payments are subject to interest at 8% above the base rate.",
        "Goods remain our property until paid in full.",
        "Reverse charge: customer to account for VAT.",
    ),
    "fr": (
        "En cas de retard de paiement, une indemnité forfaitaire de 40 € pour frais de "
        "recouvrement sera exigée.",
        "Pas d'escompte pour paiement anticipé.",
        "Pénalités de retard : trois fois le taux d'intérêt légal.",
        "Autoliquidation de la TVA par le preneur.",
    ),
    "de": (
        "Bitte geben Sie bei Zahlung die Rechnungsnummer an.",
        "Die Ware bleibt bis zur vollständigen Bezahlung unser Eigentum.",
        "Leistungsdatum entspricht dem Rechnungsdatum.",
        "Steuerschuldnerschaft des Leistungsempfängers.",
    ),
    "es": (
        "Indique el número de factura en la transferencia.",
        "El retraso en el pago devengará intereses según la Ley 3/2004.",
        "Inversión del sujeto pasivo.",
    ),
    "nl": (
        "Vermeld bij betaling het factuurnummer.",
        "Op al onze leveringen zijn onze algemene voorwaarden van toepassing.",
        "Btw verlegd.",
    ),
    "it": (
        "Si prega di indicare il numero di fattura nella causale del bonifico.",
        "In caso di ritardato pagamento saranno applicati gli interessi di mora ai sensi "
        "del D.Lgs. 231/2002.",
        "Operazione soggetta a inversione contabile.",
    ),
}
