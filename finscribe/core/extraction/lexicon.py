"""Label lexicons in English, French, German, Spanish, Dutch and Italian, and their matching.

Labels are stored folded (lower case, no accents); :func:`match_labels` finds them in a line
of folded words. A label may end in ``:``, ``#``, ``No.`` and similar; those are stripped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from finscribe.core.extraction.dates import fold

#: field -> labels (any language; folded). Order does not matter; longest match wins.
FIELD_LABELS: dict[str, tuple[str, ...]] = {
    "invoice_number": (
        "invoice number",
        "invoice no",
        "invoice #",
        "invoice nr",
        "inv no",
        "inv #",
        "receipt no",
        "receipt number",
        "receipt #",
        "credit note number",
        "credit note no",
        "credit note #",
        "document no",
        "document number",
        "bill no",
        "ref no",
        "numero de facture",
        "n de facture",
        "no de facture",
        "n facture",
        "facture n",
        "facture no",
        "numero facture",
        "n d'avoir",
        "numero d'avoir",
        "avoir n",
        "avoir no",
        "n avoir",
        "n de recu",
        "ticket n",
        "n ticket",
        "recu n",
        "rechnungsnummer",
        "rechnungs-nr",
        "rechnung nr",
        "rechnung-nr",
        "rechnungsnr",
        "gutschriftsnummer",
        "gutschrift nr",
        "gutschrift-nr",
        "beleg-nr",
        "belegnummer",
        "bon-nr",
        "quittung nr",
        "numero de factura",
        "n de factura",
        "no de factura",
        "factura n",
        "factura no",
        "num factura",
        "numero factura",
        "numero de abono",
        "n de abono",
        "abono n",
        "factura rectificativa n",
        "n de ticket",
        "ticket no",
        "n ticket",
        "factuurnummer",
        "factuurnr",
        "factuur nr",
        "creditnotanummer",
        "creditnota nr",
        "bonnummer",
        "bon nr",
        "kassabon nr",
        "numero fattura",
        "n fattura",
        "fattura n",
        "fattura nr",
        "numero nota di credito",
        "nota di credito n",
        "n nota di credito",
        "numero scontrino",
        "scontrino n",
        "n documento",
        "numero documento",
    ),
    "invoice_date": (
        "invoice date",
        "date of invoice",
        "date of issue",
        "issue date",
        "issued",
        "date",
        "billing date",
        "receipt date",
        "credit note date",
        "document date",
        "purchase date",
        "date de facture",
        "date de facturation",
        "date d'emission",
        "date facture",
        "date de l'avoir",
        "date d'avoir",
        "le",
        "rechnungsdatum",
        "datum",
        "ausstellungsdatum",
        "belegdatum",
        "gutschriftsdatum",
        "rechnungs-datum",
        "fecha de factura",
        "fecha factura",
        "fecha de emision",
        "fecha",
        "fecha del abono",
        "factuurdatum",
        "datum factuur",
        "factuur datum",
        "creditnotadatum",
        "data fattura",
        "data",
        "data di emissione",
        "data documento",
        "data emissione",
    ),
    "due_date": (
        "due date",
        "payment due",
        "due",
        "pay by",
        "payable by",
        "payment date",
        "date d'echeance",
        "echeance",
        "date limite de paiement",
        "a payer avant le",
        "payable avant le",
        "fallig am",
        "falligkeitsdatum",
        "falligkeit",
        "zahlbar bis",
        "zahlungsziel",
        "fecha de vencimiento",
        "vencimiento",
        "fecha vencimiento",
        "pagar antes de",
        "vervaldatum",
        "vervaldag",
        "te betalen voor",
        "uiterste betaaldatum",
        "data di scadenza",
        "scadenza",
        "data scadenza",
        "pagare entro",
    ),
    "purchase_order": (
        "purchase order",
        "po number",
        "po no",
        "po #",
        "p.o. number",
        "p.o.",
        "po",
        "order no",
        "order number",
        "your order",
        "order ref",
        "order reference",
        "bon de commande",
        "n de commande",
        "commande n",
        "numero de commande",
        "commande",
        "bestellnummer",
        "bestellung",
        "bestell-nr",
        "auftragsnummer",
        "auftrag nr",
        "ihre bestellung",
        "pedido",
        "n de pedido",
        "numero de pedido",
        "orden de compra",
        "pedido n",
        "bestelnummer",
        "inkooporder",
        "bestelling",
        "ordernummer",
        "uw referentie",
        "ordine",
        "n ordine",
        "numero ordine",
        "ordine d'acquisto",
        "ordine n",
        "rif. ordine",
    ),
    "vendor_tax_id": (
        "vat",
        "vat no",
        "vat number",
        "vat id",
        "vat reg no",
        "vat reg",
        "tax id",
        "tax no",
        "vat registration",
        "tva",
        "n tva",
        "tva intracommunautaire",
        "n tva intracom",
        "numero de tva",
        "ust-idnr",
        "ust-id",
        "ust id",
        "ust-id-nr",
        "umsatzsteuer-id",
        "ust.-idnr",
        "steuernummer",
        "mwst-nr",
        "nif",
        "cif",
        "nif/cif",
        "n.i.f.",
        "c.i.f.",
        "btw",
        "btw-nummer",
        "btw nr",
        "btw-nr",
        "btw nummer",
        "btw id",
        "partita iva",
        "p. iva",
        "p.iva",
        "piva",
        "codice fiscale",
        "uid",
        "che",
    ),
    "vendor_iban": ("iban", "iban no", "iban:"),
    "currency": ("currency", "devise", "wahrung", "moneda", "valuta", "divisa"),
    "subtotal": (
        "subtotal",
        "sub total",
        "sub-total",
        "net amount",
        "net total",
        "total net",
        "total excl. vat",
        "total excl vat",
        "total before tax",
        "amount before tax",
        "total excluding vat",
        "total (excl. vat)",
        "net",
        "sous-total",
        "sous total",
        "total ht",
        "montant ht",
        "total hors taxes",
        "ht",
        "zwischensumme",
        "nettobetrag",
        "netto",
        "summe netto",
        "gesamt netto",
        "nettosumme",
        "subtotal",
        "base imponible",
        "importe neto",
        "total sin iva",
        "neto",
        "subtotaal",
        "totaal excl. btw",
        "totaal excl btw",
        "netto bedrag",
        "excl. btw",
        "subtotale",
        "imponibile",
        "totale imponibile",
        "totale netto",
    ),
    "total_tax": (
        "vat",
        "tax",
        "sales tax",
        "total vat",
        "vat amount",
        "tax amount",
        "total tax",
        "gst",
        "tva",
        "montant tva",
        "total tva",
        "montant de la tva",
        "mwst",
        "mwst.",
        "ust",
        "ust.",
        "umsatzsteuer",
        "mehrwertsteuer",
        "zzgl. mwst",
        "iva",
        "total iva",
        "importe iva",
        "cuota iva",
        "btw",
        "btw bedrag",
        "totaal btw",
        "btw-bedrag",
        "iva",
        "totale iva",
        "importo iva",
    ),
    "total": (
        "total",
        "total amount",
        "grand total",
        "invoice total",
        "total (incl. vat)",
        "total incl. vat",
        "total incl vat",
        "amount",
        "total to pay",
        "total paid",
        "total ttc",
        "montant ttc",
        "montant total",
        "ttc",
        "gesamtbetrag",
        "gesamt",
        "summe",
        "rechnungsbetrag",
        "endbetrag",
        "gesamtsumme",
        "bruttobetrag",
        "brutto",
        "gesamt brutto",
        "total brutto",
        "total",
        "importe total",
        "total factura",
        "importe",
        "totaal",
        "totaal incl. btw",
        "totaal incl btw",
        "totaalbedrag",
        "totale",
        "totale fattura",
        "importo totale",
        "totale complessivo",
    ),
    "amount_due": (
        "amount due",
        "balance due",
        "balance",
        "amount payable",
        "outstanding",
        "to pay",
        "montant du",
        "solde",
        "reste a payer",
        "solde du",
        "montant a payer",
        "offener betrag",
        "zahlbetrag",
        "restbetrag",
        "noch zu zahlen",
        "zu zahlender betrag",
        "importe adeudado",
        "saldo",
        "importe pendiente",
        "saldo pendiente",
        "openstaand bedrag",
        "verschuldigd bedrag",
        "openstaand",
        "te voldoen",
        "importo dovuto",
        "saldo dovuto",
        "da pagare",
        "importo da pagare",
    ),
    "payment_terms": (
        "payment terms",
        "terms",
        "terms of payment",
        "conditions de paiement",
        "conditions de reglement",
        "modalites de paiement",
        "zahlungsbedingungen",
        "zahlungsziel",
        "condiciones de pago",
        "forma de pago",
        "betalingsvoorwaarden",
        "betalingstermijn",
        "condizioni di pagamento",
        "termini di pagamento",
        "modalita di pagamento",
    ),
    "vendor_name": (
        "from",
        "seller",
        "supplier",
        "vendor",
        "issued by",
        "fournisseur",
        "vendeur",
        "emetteur",
        "lieferant",
        "verkaufer",
        "absender",
        "proveedor",
        "vendedor",
        "emisor",
        "leverancier",
        "verkoper",
        "fornitore",
        "venditore",
        "cedente",
    ),
    "customer_name": (
        "bill to",
        "billed to",
        "invoice to",
        "customer",
        "client",
        "sold to",
        "to",
        "ship to",
        "facture a",
        "facturer a",
        "client",
        "destinataire",
        "adresse de facturation",
        "rechnungsempfanger",
        "kunde",
        "rechnung an",
        "an",
        "empfanger",
        "facturar a",
        "cliente",
        "facturado a",
        "destinatario",
        "factuur aan",
        "klant",
        "gefactureerd aan",
        "afnemer",
        "fatturare a",
        "cliente",
        "intestatario",
        "spett.le",
        "destinatario",
        "cessionario",
    ),
}

#: More labels, merged into FIELD_LABELS. ``ignore`` labels name things that are no field
#: (customer numbers, bank codes, phone...): matching them keeps their values from other fields.
EXTRA_LABELS: dict[str, tuple[str, ...]] = {
    "invoice_number": (
        "n factura",
        "nr factura",
        "n fattura",
        "nr fattura",
        "n facture",
        "nr factuur",
        "n factuur",
        "n rechnung",
        "n de rectificativa",
        "n nota de credito",
        "n ticket",
        "n operacion",
        "n documento",
        "n. documento",
        "credit memo #",
        "credit memo no",
        "trans. no",
        "transaction no",
        "n avoir",
        "n de transaction",
        "gutschrift nr",
        "bonnummer",
        "n de rectificativa",
        "n nota de credito",
        "n operacion",
        "nummer",
        "creditfactuurnr",
        "bonnr",
        "transactie",
        "n. documento",
        "doc. n",
        "scontrino n",
        "n. fattura",
        "fattura n.",
        "facture n",
        "n facture",
        "credit note no",
        "credit note number",
        "n de factura",
        "factura n",
    ),
    "title": (
        "invoice",
        "tax invoice",
        "credit note",
        "facture",
        "avoir",
        "facture d'avoir",
        "rechnung",
        "gutschrift",
        "factura",
        "factura rectificativa",
        "nota de credito",
        "factuur",
        "creditnota",
        "creditfactuur",
        "fattura",
        "nota di credito",
        "receipt",
        "sales receipt",
        "ticket de caisse",
        "kassenbon",
        "kassenbeleg",
        "factura simplificada",
        "ticket de compra",
        "kassabon",
        "kassaticket",
        "scontrino",
        "documento commerciale",
        "ricevuta",
        "recu",
        "rechnungskorrektur",
        "credit memo",
        "abono",
        "bon",
        "ticket",
        "beleg",
        "quittung",
    ),
    "amount_due": (
        "total due",
        "please pay",
        "net a payer",
        "solde a payer",
        "montant du",
        "zu zahlen",
        "total a pagar",
        "a pagar",
        "te betalen",
        "nog te betalen",
        "netto a pagare",
        "totale da pagare",
    ),
    "paid": (
        "amount paid",
        "less: paid",
        "less paid",
        "paid",
        "deposit received",
        "deposit",
        "acompte verse",
        "deja regle",
        "acompte recu",
        "acompte",
        "bereits bezahlt",
        "anzahlung",
        "abzgl. anzahlung",
        "pagado a cuenta",
        "anticipo",
        "ya pagado",
        "reeds betaald",
        "aanbetaling",
        "voldaan",
        "gia pagato",
        "acconto",
        "acconto versato",
    ),
    "total_tax": (
        "vat total",
        "tva totale",
        "mwst. gesamt",
        "summe mwst",
        "umsatzsteuer gesamt",
        "cuota iva total",
        "total cuota iva",
        "btw-bedrag",
        "totaal btw",
        "totale imposta",
        "iva totale",
        "imposta",
        "zzgl. mwst",
        "sales tax",
        "mwst gesamt",
        "tva totale",
    ),
    "subtotal": (
        "net total",
        "total excl. vat",
        "sous-total ht",
        "summe netto",
        "gesamtbetrag netto",
        "total base imponible",
        "base",
        "totaal exclusief btw",
        "totale netto",
    ),
    "total": (
        "gross",
        "bruto",
        "invoice total",
        "total incl. vat",
        "total toutes taxes comprises",
        "summe brutto",
        "endbetrag",
        "gesamtsumme",
        "rechnungsbetrag",
        "total factura",
        "importe total",
        "factuurbedrag",
        "totaal incl. btw",
        "totale documento",
        "totale fattura",
    ),
    "vendor_tax_id": (
        "vat reg. no",
        "vat registration no",
        "ein",
        "tax id",
        "federal tax id",
        "n tva",
        "tva intracom",
        "n tva intracommunautaire",
        "n d'identification tva",
        "ide",
        "ust-idnr",
        "ust-id",
        "umsatzsteuer-id",
        "ust.-id.-nr",
        "uid-nr",
        "uid",
        "mwst-nr",
        "mwst",
        "nif",
        "cif",
        "nif-iva",
        "n.i.f",
        "btw-nummer",
        "btw-nr",
        "btw-id",
        "partita iva",
        "p.iva",
        "p. iva",
        "part. iva",
        "n. iva",
        "idi",
    ),
    "customer_tax_id": (
        "customer vat no",
        "your vat no",
        "n tva client",
        "votre n tva",
        "tva intracom. client",
        "ihre ust-idnr",
        "ust-idnr. kunde",
        "kunden-ust-id",
        "nif cliente",
        "cif cliente",
        "uw btw-nummer",
        "btw-nr. klant",
        "btw-nummer klant",
        "p.iva cliente",
        "vs. p.iva",
    ),
    "vendor_iban": ("rekeningnummer", "coordinate iban"),
    "invoice_date": (
        "date of issue",
        "date d'emission",
        "date de facturation",
        "belegdatum",
        "fecha de emision",
        "datum factuur",
        "data emissione",
        "data documento",
    ),
    "due_date": (
        "payment due",
        "a payer avant le",
        "fallig am",
        "fecha de pago",
        "uiterste betaaldatum",
        "te betalen voor",
        "da pagare entro",
    ),
    "purchase_order": (
        "your order no",
        "ref. commande",
        "votre commande",
        "ihre bestellung",
        "su pedido",
        "referencia pedido",
        "uw referentie",
        "inkoopordernr",
        "rif. ordine",
        "vs. ordine",
    ),
    "customer_name": (
        "invoice to",
        "billed to",
        "adresse de facturation",
        "rechnungsadresse",
        "datos del cliente",
        "factuuradres",
        "aan",
        "intestatario",
        "spett.le",
    ),
    "payment_terms": ("reglement", "zahlungsbedingung", "forma de pago", "pagamento"),
    "ignore": (
        "customer no",
        "account no",
        "client id",
        "n client",
        "code client",
        "ref. client",
        "kundennummer",
        "kunden-nr",
        "kd.-nr",
        "n cliente",
        "codigo cliente",
        "klantnummer",
        "debiteurnr",
        "klantnr",
        "codice cliente",
        "cod. cliente",
        "bic",
        "swift/bic",
        "swift",
        "swift-bic",
        "code bic",
        "bic/swift",
        "tel",
        "phone",
        "telephone",
        "telefon",
        "telefono",
        "telefoon",
        "email",
        "e-mail",
        "courriel",
        "mail",
        "correo",
        "cashier",
        "served by",
        "caissier",
        "kassierer",
        "es bediente sie",
        "cajero",
        "le atendio",
        "kassa",
        "medewerker",
        "cassiere",
        "operatore",
        "original invoice",
        "ref. invoice",
        "relates to invoice",
        "facture d'origine",
        "ref. facture",
        "concerne la facture",
        "ursprungliche rechnung",
        "bezug: rechnung",
        "zu rechnung",
        "factura original",
        "factura rectificada",
        "ref. factura",
        "oorspronkelijke factuur",
        "betreft factuur",
        "ref. factuur",
        "fattura di riferimento",
        "rif. fattura",
        "storno fattura",
        "page",
        "seite",
        "pagina",
        "pag",
        "blad",
    ),
    "payment": (
        "cash",
        "card",
        "change",
        "visa",
        "debit card",
        "especes",
        "carte bancaire",
        "cb",
        "rendu",
        "rendu monnaie",
        "ec-karte",
        "girocard",
        "kartenzahlung",
        "ruckgeld",
        "efectivo",
        "tarjeta",
        "tarjeta credito",
        "cambio",
        "contant",
        "pin",
        "pinbetaling",
        "maestro",
        "wisselgeld",
        "terug",
        "contanti",
        "carta",
        "pagamento elettronico",
        "bancomat",
        "reglement par virement",
        "bank details",
        "banking details",
        "bank account",
        "remittance details",
        "coordonnees bancaires",
        "references bancaires",
        "bankverbindung",
        "bankdaten",
        "kontoverbindung",
        "datos bancarios",
        "betaalgegevens",
        "bankgegevens",
        "coordinate bancarie",
        "dati bancari",
        "payment details",
        "resto",
        "mastercard",
        "tendered",
    ),
    # a delivery note's number: no invoice number, order number or party name
    "delivery_note": (
        "delivery note",
        "delivery note no",
        "delivery no",
        "packing slip",
        "packing slip no",
        "despatch note",
        "dispatch note",
        "bon de livraison",
        "bl n",
        "n bl",
        "n de bl",
        "lieferschein",
        "lieferschein-nr",
        "lieferschein nr",
        "lieferscheinnummer",
        "lieferscheinnr",
        "albaran",
        "n albaran",
        "numero de albaran",
        "pakbon",
        "pakbonnummer",
        "leveringsbon",
        "ddt",
        "ddt n",
        "n ddt",
        "documento di trasporto",
        "bolla di consegna",
    ),
    # dates that are not the invoice's: delivery, supply and order dates
    "other_date": (
        "delivery date",
        "date of delivery",
        "date of supply",
        "supply date",
        "ship date",
        "shipping date",
        "order date",
        "date de livraison",
        "date de commande",
        "lieferdatum",
        "liefertermin",
        "leistungsdatum",
        "bestelldatum",
        "auftragsdatum",
        "fecha de entrega",
        "fecha entrega",
        "fecha de pedido",
        "leverdatum",
        "leveringsdatum",
        "besteldatum",
        "orderdatum",
        "data di consegna",
        "data consegna",
        "data ordine",
        "data dell'ordine",
    ),
}
for _name, _extra in EXTRA_LABELS.items():
    FIELD_LABELS[_name] = tuple(dict.fromkeys(FIELD_LABELS.get(_name, ()) + _extra))

#: Words that mark a customer block (whose tax ID and address belong to the customer).
CUSTOMER_MARKERS: frozenset[str] = frozenset(FIELD_LABELS["customer_name"])


#: Country names as addresses print them, in the six languages (for OCR repair of the
#: country line of an address: one closed list, unlike street and town names).
COUNTRY_NAMES: tuple[str, ...] = (
    "Germany", "Deutschland", "Allemagne", "Alemania", "Duitsland", "Germania",
    "Austria", "Österreich", "Autriche", "Oostenrijk",
    "Switzerland", "Schweiz", "Suisse", "Suiza", "Zwitserland", "Svizzera",
    "France", "Frankreich", "Francia", "Frankrijk",
    "Italy", "Italien", "Italie", "Italia", "Italië",
    "Spain", "Spanien", "Espagne", "España", "Spanje", "Spagna",
    "Netherlands", "Niederlande", "Pays-Bas", "Países Bajos", "Nederland", "Paesi Bassi",
    "Belgium", "Belgien", "Belgique", "Bélgica", "België", "Belgio",
    "Ireland", "Irland", "Irlande", "Irlanda", "Ierland",
    "United Kingdom", "Vereinigtes Königreich", "Royaume-Uni", "Reino Unido",
    "Verenigd Koninkrijk", "Regno Unito",
    "United States", "Vereinigte Staaten", "États-Unis", "Estados Unidos", "Verenigde Staten",
    "Stati Uniti",
    "Luxembourg", "Luxemburg", "Lussemburgo", "Portugal", "Portogallo",
    "Poland", "Polen", "Pologne", "Polonia", "Denmark", "Dänemark", "Danemark", "Dinamarca",
    "Denemarken", "Danimarca", "Sweden", "Schweden", "Suède", "Suecia", "Zweden", "Svezia",
    "Liechtenstein", "Monaco",
)  # fmt: skip


#: Each country name folded (several names may fold alike: ``Italie``, ``Italië``).
_FOLDED_COUNTRIES: tuple[tuple[str, str], ...] = tuple((fold(n), n) for n in COUNTRY_NAMES)
_COUNTRY_KEYS = frozenset(folded for folded, _ in _FOLDED_COUNTRIES)


def nearest_country(text: str) -> str | None:
    """The country name ``text`` (one part of an address line, as OCR read it) stands for:
    the unique name within a few edits (look-alike letters half an edit) or with only its
    accents misread; None when ``text`` is no country name or is one already."""
    if text in COUNTRY_NAMES:
        return None
    near = _near_countries(text)
    return near.pop() if len(near) == 1 else None


def _near_countries(text: str) -> set[str]:
    """The country names nearest ``text`` within a few edits (look-alike letters half an
    edit); none for a short or numeric text."""
    if len(text) < 5 or any(ch.isdigit() for ch in text):
        return set()
    key = fold(text)
    limit = 0 if len(key) < 6 else 1 if len(key) < 9 else 2
    best: dict[float, set[str]] = {}
    for folded, name in _FOLDED_COUNTRIES:
        d = _ocr_distance(key, folded, limit)
        if d <= limit:
            best.setdefault(d, set()).add(name)
    return best[min(best)] if best else set()


#: Short country names printed as an address's last line.
_COUNTRY_CODES = frozenset({"usa", "u.s.a.", "us", "uk", "u.k."})


def is_country(text: str) -> bool:
    """Whether an address part names a country (as printed or as OCR misread it)."""
    key = fold(text.strip(" .,"))
    if key in _COUNTRY_CODES or key in _COUNTRY_KEYS:
        return True
    return bool(_near_countries(text.strip()))


#: Words of payment terms in the languages read ("Net 30 days", "Pago a 30 días"), as
#: printed: OCR readings of terms are put right to these.
TERMS_WORDS: tuple[str, ...] = (
    "net", "days", "day", "within", "of", "invoice", "date", "due", "on", "receipt", "payment",
    "upon", "end", "month", "immediately", "payable",
    "tage", "tagen", "netto", "zahlbar", "innerhalb", "sofort", "ohne", "abzug", "nach",
    "rechnungsdatum", "rechnungserhalt", "zahlung", "skonto",
    "jours", "facture", "réception", "paiement", "fin", "mois", "dès", "comptant", "sous",
    "pago", "días", "contado", "fecha", "factura", "neto", "bancaria", "recepción",
    "vencimiento", "dentro",
    "giorni", "data", "fattura", "pagamento", "vista", "mese", "ricevimento", "bancario",
    "rimessa", "diretta", "entro",
    "betaling", "binnen", "dagen", "factuurdatum", "ontvangst", "direct",
)  # fmt: skip
#: Those of them that are units after a number ("30 days").
TERMS_UNITS: frozenset[str] = frozenset(
    {"days", "day", "tage", "tagen", "jours", "días", "giorni", "dagen"}
)
#: How one pays, printed after the same labels as the terms ("Forma de pago: transferencia").
PAYMENT_METHOD_WORDS = ("transferencia", "bonifico", "virement", "uberweisung", "overschrijving")
PAYMENT_METHOD_LEAD = ("par ", "tramite ", "by bank transfer", "bank transfer")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Words counted to guess the language (folded).
LANGUAGE_WORDS: dict[str, frozenset[str]] = {
    "en": _words(
        "invoice date due total subtotal amount tax vat bill to quantity price "
        "description payment terms receipt thank you balance credit note qty unit "
        "the and of for"
    ),
    "fr": _words(
        "facture date echeance total montant tva ht ttc quantite prix designation "
        "client conditions paiement avoir recu merci le la de du des pour "
        "unitaire sous-total"
    ),
    "de": _words(
        "rechnung rechnungsnummer rechnungsdatum datum gesamtbetrag zwischensumme "
        "mwst menge preis beschreibung einzelpreis betrag kunde zahlbar bis "
        "gutschrift vielen dank der die das und fur netto brutto summe"
    ),
    "es": _words(
        "factura fecha vencimiento total importe iva base imponible cantidad "
        "precio descripcion cliente pago abono gracias el la de los las para "
        "subtotal unitario"
    ),
    "nl": _words(
        "factuur factuurnummer factuurdatum vervaldatum totaal bedrag btw "
        "subtotaal aantal prijs omschrijving klant betaling creditnota bedankt "
        "de het een van voor en"
    ),
    "it": _words(
        "fattura data scadenza totale importo iva imponibile quantita prezzo "
        "descrizione cliente pagamento nota credito grazie il la di del per "
        "subtotale unitario"
    ),
}

#: Document type cues (folded); a credit-note cue wins over an invoice cue.
DOC_TYPE_WORDS: dict[str, tuple[str, ...]] = {
    "credit_note": (
        "credit note",
        "credit memo",
        "avoir",
        "note de credit",
        "gutschrift",
        "rechnungskorrektur",
        "nota de credito",
        "abono",
        "factura rectificativa",
        "creditnota",
        "creditfactuur",
        "nota di credito",
        "nota credito",
    ),
    "receipt": (
        "documento commerciale",
        "factura simplificada",
        "kassenbeleg",
        "sales receipt",
        "receipt",
        "sales receipt",
        "till receipt",
        "cash receipt",
        "ticket de caisse",
        "recu",
        "ticket",
        "kassenbon",
        "quittung",
        "kassenbeleg",
        "bon",
        "beleg",
        "ticket de compra",
        "recibo",
        "kassabon",
        "kassaticket",
        "bonnetje",
        "scontrino",
        "ricevuta",
        "scontrino fiscale",
    ),
    "invoice": ("invoice", "tax invoice", "facture", "rechnung", "factura", "factuur", "fattura"),
}

#: Table header words per column role (folded).
COLUMN_WORDS: dict[str, tuple[str, ...]] = {
    "description": (
        "beschrijving",
        "prestation",
        "prestazione",
        "description",
        "item",
        "items",
        "article",
        "product",
        "service",
        "details",
        "designation",
        "libelle",
        "beschreibung",
        "bezeichnung",
        "artikel",
        "leistung",
        "descripcion",
        "concepto",
        "articulo",
        "omschrijving",
        "artikel",
        "descrizione",
        "articolo",
        "prodotto",
    ),
    "quantity": (
        "uds",
        "ud",
        "unidades",
        "stk",
        "stuck",
        "anz",
        "aant",
        "qty",
        "quantity",
        "qte",
        "quantite",
        "menge",
        "anzahl",
        "cantidad",
        "cant",
        "cant.",
        "aantal",
        "quantita",
        "qta",
        "q.ta",
        "units",
        "hours",
        "hrs",
        "qte.",
    ),
    "unit": ("unit", "unite", "einheit", "unidad", "eenheid", "unita", "uom", "u.", "me"),
    "unit_price": (
        "tarief",
        "p. unit",
        "p unit",
        "precio unit",
        "unit price",
        "price",
        "rate",
        "prix unitaire",
        "prix unit",
        "pu",
        "p.u.",
        "prix",
        "einzelpreis",
        "preis",
        "e-preis",
        "stuckpreis",
        "precio unitario",
        "precio",
        "precio unit",
        "prijs",
        "stukprijs",
        "eenheidsprijs",
        "prezzo unitario",
        "prezzo",
        "prezzo unit",
        "unit cost",
        "price/unit",
    ),
    "tax_rate": (
        "btw-tarief",
        "aliquota iva",
        "taux",
        "tasa",
        "vat %",
        "vat",
        "tax %",
        "tax",
        "vat rate",
        "tva %",
        "tva",
        "taux tva",
        "mwst %",
        "mwst",
        "ust",
        "ust %",
        "iva %",
        "iva",
        "btw %",
        "btw",
        "tax rate",
        "% iva",
        "% tva",
        "% mwst",
        "% btw",
        "aliquota",
        "aliq. iva",
        "%",
    ),
    "amount": (
        "imponibile",
        "subtotaal",
        "subtotale",
        "sous-total",
        "amount",
        "total",
        "line total",
        "montant",
        "montant ht",
        "total ht",
        "betrag",
        "gesamt",
        "gesamtpreis",
        "summe",
        "importe",
        "total linea",
        "bedrag",
        "totaal",
        "importo",
        "totale",
        "net",
        "netto",
        "subtotal",
        "ammontare",
    ),
}


@dataclass(frozen=True, slots=True)
class LabelMatch:
    """A label found in a line: which field, which words (start, end exclusive)."""

    field: str
    start: int
    end: int
    label: str


def normalise_token(text: str) -> str:
    """A word folded for label matching: lower case, no accents, trailing ``: # .`` dropped
    (and an apostrophe, the ``º`` of ``Nº`` as OCR reads it: ``N' de factura``)."""
    t = fold(text.replace("º", "").replace("°", "").replace("ª", "")).strip()
    while t and t[-1] in ":#.;*'’":
        t = t[:-1]
    while t and t[0] in "(*.·":
        t = t[1:]
    return t


def _label_words() -> dict[tuple[str, ...], list[str]]:
    out: dict[tuple[str, ...], list[str]] = {}
    for field_name, labels in FIELD_LABELS.items():
        for label in labels:
            key = tuple(normalise_token(w) for w in label.split())
            key = tuple(k for k in key if k)
            if key:
                out.setdefault(key, [])
                if field_name not in out[key]:
                    out[key].append(field_name)
    return out


LABELS: dict[tuple[str, ...], list[str]] = _label_words()
_MAX_LABEL = max(len(k) for k in LABELS)


_VOCAB: frozenset[str] = frozenset(t for key in LABELS for t in key)
_VOCAB_BY_LEN: dict[int, tuple[str, ...]] = {}
for _word in _VOCAB:
    _VOCAB_BY_LEN[len(_word)] = (*_VOCAB_BY_LEN.get(len(_word), ()), _word)


def _within_one(a: str, b: str) -> bool:
    """True when ``a`` becomes ``b`` by one substitution, insertion or deletion."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) <= 1
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1 :]


#: Characters OCR confuses in Latin print, and what they may have been.
_CONFUSIONS: dict[str, tuple[str, ...]] = {
    "l": ("i",), "i": ("l",), "1": ("l", "i"), "0": ("o",), "o": ("0",), "5": ("s",),
    "8": ("b",), "6": ("b",), "rn": ("m",), "m": ("rn",), "cl": ("d",), "t": ("f",),
    "f": ("t",), "c": ("e",), "e": ("c",), "u": ("n",), "n": ("u",), "h": ("b",),
}  # fmt: skip


#: Letter pairs that print alike at low resolution: OCR swaps them far more often than any
#: two letters, so reading one for the other costs half an edit in :func:`nearest_word`.
LOOKALIKE: frozenset[frozenset[str]] = frozenset(
    frozenset(p)
    for p in (
        "ao", "ae", "eo", "ce", "co", "mn", "nu", "uv", "il", "lt", "ft", "hb", "0o", "1l",
        "1i", "5s", "8b", "6b", "2z",
    )
)  # fmt: skip


def is_lookalike(a: str, b: str) -> bool:
    """True when OCR easily reads letter ``a`` for ``b`` (:data:`LOOKALIKE`, any case)."""
    return frozenset((a.lower(), b.lower())) in LOOKALIKE


def edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance of ``a`` and ``b``, or ``limit + 1`` once it exceeds ``limit``."""
    return int(_distance(a, b, limit))


def _distance(a: str, b: str, limit: float, lookalike: float = 1.0) -> float:
    """Edit distance of ``a`` and ``b`` where swapping look-alike letters
    (:data:`LOOKALIKE`) costs ``lookalike``; ``limit + 1`` once it exceeds ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev = [float(j) for j in range(len(b) + 1)]
    for i, ca in enumerate(a, 1):
        cur = [float(i)]
        for j, cb in enumerate(b, 1):
            sub = 0.0 if ca == cb else lookalike if frozenset((ca, cb)) in LOOKALIKE else 1.0
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + sub))
        if min(cur) > limit:
            return limit + 1
        prev = cur
    return prev[-1]


def _ocr_distance(a: str, b: str, limit: float) -> float:
    """:func:`_distance` with look-alike letters half an edit."""
    return _distance(a, b, limit, lookalike=0.5)


def _loose_limit(token: str) -> int:
    """Edits allowed when repairing a word read by OCR: more for longer words."""
    n = len(token)
    return 0 if n < 5 else 1 if n < 8 else 2 if n < 12 else 3


def nearest_word(token: str, vocab_by_len: dict[int, tuple[str, ...]]) -> str:
    """The unique nearest word of five letters or more within :func:`_loose_limit` edits of
    ``token`` (look-alike letters half an edit), else ``token``."""
    limit = _loose_limit(token)
    best: dict[float, set[str]] = {}
    for n in range(len(token) - limit, len(token) + limit + 1):
        for w in vocab_by_len.get(n, ()):
            if len(w) < 5:
                continue
            d = _ocr_distance(token, w, limit)
            if d <= limit:
                best.setdefault(d, set()).add(w)
    if best:
        nearest = best[min(best)]
        if len(nearest) == 1:
            return nearest.pop()
        # "rechnunga-nr" is as near "rechnung-nr" as "rechnungs-nr": variants of one label
        roles = {tuple(LABELS.get((w,), ())) for w in nearest}
        if len(roles) == 1 and () not in roles:
            return min(nearest)
    return token


@lru_cache(maxsize=8192)
def repair_token(token: str, loose: bool = False) -> str:
    """A label word misread by OCR (``invo1ce``, ``factur6``) mapped back to the lexicon.

    Only words of six or more characters holding a digit or symbol are repaired, and only to
    a unique lexicon word one edit away; anything else is returned unchanged. ``loose`` (words
    read by OCR) also repairs plain words, with more edits the longer the word
    (``rechmngsnr`` -> ``rechnungsnr``, ``imvoice`` -> ``invoice``), to the unique nearest
    lexicon word.
    """
    if token in _VOCAB or len(token) < 5 or not any(ch.isalpha() for ch in token):
        return token
    variants = {
        token[:i] + new + token[i + len(old) :]
        for old, news in _CONFUSIONS.items()
        for i in range(len(token))
        if token.startswith(old, i)
        for new in news
    }
    hits = variants & _VOCAB
    if len(hits) == 1:
        return hits.pop()  # "lmporte" -> "importe", "tactura" -> "factura"
    if loose:
        return nearest_word(token, _VOCAB_BY_LEN)
    if token.isalpha():
        return token  # a real word ("supplies") is no misread "supplier": only fix digit slips
    found = {
        w
        for n in (len(token) - 1, len(token), len(token) + 1)
        for w in _VOCAB_BY_LEN.get(n, ())
        if len(w) >= 6 and _within_one(token, w)
    }
    return found.pop() if len(found) == 1 else token


#: Plain words are loosely repaired only among the first words of a segment.
_LOOSE_LEAD = 1


def match_labels(tokens: Sequence[str], ocr: bool = False) -> list[LabelMatch]:
    """Every label found in normalised tokens, longest first at each start; non-overlapping.

    Tokens one OCR slip away from a label word are read as that word (:func:`repair_token`);
    ``ocr`` (tokens read by OCR) repairs more loosely: words with a digit or symbol anywhere,
    plain words of six letters or more only as the first word of a segment or after a label
    word, where a key is printed (a plain word inside a name, ``Office Supplies``, is no
    misread ``supplier``).
    """
    repaired: list[str] = []
    for i, t in enumerate(tokens):
        # a plain word is loosely repaired as a segment's first word or right after a label
        # word ("Invoice Mumber"), where a key is printed
        lead = i < _LOOSE_LEAD or (i < 3 and repaired[-1] in _VOCAB)
        repaired.append(repair_token(t, ocr and ((lead and len(t) >= 6) or not t.isalpha())))
    tokens = repaired
    out: list[LabelMatch] = []
    i = 0
    n = len(tokens)
    while i < n:
        found = False
        for length in range(min(_MAX_LABEL, n - i), 0, -1):
            key = tuple(t for t in tokens[i : i + length])
            if key in LABELS:
                for field_name in LABELS[key]:
                    out.append(LabelMatch(field_name, i, i + length, " ".join(key)))
                i += length
                found = True
                break
        if not found:
            i += 1
    return out
