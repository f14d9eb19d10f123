"""Locales for generated documents: labels per language, number, money and date formats."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

LANGUAGES = ("en", "fr", "de", "es", "nl", "it")


@dataclass(frozen=True, slots=True)
class Locale:
    """How one country writes numbers, money and dates, and which language it prints."""

    code: str  # e.g. "de-CH"
    language: str
    country: str
    currency: str
    symbol: str
    decimal: str
    group: str
    #: Money styles this locale uses: "sym_before", "sym_after", "code_before", "code_after".
    money_styles: tuple[str, ...]
    #: Numeric date patterns: d, m, y tokens and separators, e.g. "d.m.y".
    date_patterns: tuple[str, ...]
    tax_rates: tuple[Decimal, ...]


def _d(*rates: str) -> tuple[Decimal, ...]:
    return tuple(Decimal(r) for r in rates)


LOCALES: dict[str, Locale] = {
    loc.code: loc
    for loc in (
        Locale(
            "en-GB",
            "en",
            "GB",
            "GBP",
            "£",
            ".",
            ",",
            ("sym_before",),
            ("d/m/y", "d.m.y", "Y-m-d"),
            _d("20", "5", "0"),
        ),
        Locale(
            "en-US",
            "en",
            "US",
            "USD",
            "$",
            ".",
            ",",
            ("sym_before", "code_before"),
            ("m/d/y", "m-d-y", "Y-m-d"),
            _d("8.875", "6.25", "7"),
        ),
        Locale(
            "en-IE",
            "en",
            "IE",
            "EUR",
            "€",
            ".",
            ",",
            ("sym_before", "code_after"),
            ("d/m/y", "d-m-y"),
            _d("23", "13.5"),
        ),
        Locale(
            "fr-FR",
            "fr",
            "FR",
            "EUR",
            "€",
            ",",
            " ",
            ("sym_after", "code_after"),
            ("d/m/y", "d.m.y", "d-m-y"),
            _d("20", "10", "5.5"),
        ),
        Locale(
            "fr-BE",
            "fr",
            "BE",
            "EUR",
            "€",
            ",",
            ".",
            ("sym_after", "sym_before"),
            ("d/m/y", "d-m-y"),
            _d("21", "6"),
        ),
        Locale(
            "fr-CH",
            "fr",
            "CH",
            "CHF",
            "CHF",
            ".",
            "'",
            ("code_before", "code_after"),
            ("d.m.y", "d/m/y"),
            _d("8.1", "2.6"),
        ),
        Locale(
            "de-DE",
            "de",
            "DE",
            "EUR",
            "€",
            ",",
            ".",
            ("sym_after", "code_after"),
            ("d.m.y", "Y-m-d"),
            _d("19", "7"),
        ),
        Locale(
            "de-AT",
            "de",
            "AT",
            "EUR",
            "€",
            ",",
            ".",
            ("sym_before", "sym_after"),
            ("d.m.y",),
            _d("20", "10"),
        ),
        Locale(
            "de-CH",
            "de",
            "CH",
            "CHF",
            "CHF",
            ".",
            "'",
            ("code_before", "code_after"),
            ("d.m.y",),
            _d("8.1", "2.6"),
        ),
        Locale(
            "es-ES",
            "es",
            "ES",
            "EUR",
            "€",
            ",",
            ".",
            ("sym_after", "code_after"),
            ("d/m/y", "d-m-y"),
            _d("21", "10", "4"),
        ),
        Locale(
            "nl-NL",
            "nl",
            "NL",
            "EUR",
            "€",
            ",",
            ".",
            ("sym_before", "code_before"),
            ("d-m-y", "d/m/y"),
            _d("21", "9"),
        ),
        Locale(
            "nl-BE",
            "nl",
            "BE",
            "EUR",
            "€",
            ",",
            ".",
            ("sym_before", "sym_after"),
            ("d/m/y", "d-m-y"),
            _d("21", "6"),
        ),
        Locale(
            "it-IT",
            "it",
            "IT",
            "EUR",
            "€",
            ",",
            ".",
            ("sym_before", "sym_after"),
            ("d/m/y", "d-m-y", "d.m.y"),
            _d("22", "10", "4"),
        ),
        Locale(
            "it-CH",
            "it",
            "CH",
            "CHF",
            "CHF",
            ".",
            "'",
            ("code_before",),
            ("d.m.y",),
            _d("8.1", "2.6"),
        ),
    )
}

LOCALES_BY_LANGUAGE: dict[str, tuple[str, ...]] = {
    lang: tuple(c for c, loc in LOCALES.items() if loc.language == lang) for lang in LANGUAGES
}

MONTHS: dict[str, tuple[str, ...]] = {
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
    "fr": (
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ),
    "de": (
        "Januar",
        "Februar",
        "März",
        "April",
        "Mai",
        "Juni",
        "Juli",
        "August",
        "September",
        "Oktober",
        "November",
        "Dezember",
    ),
    "es": (
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ),
    "nl": (
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
    ),
    "it": (
        "gennaio",
        "febbraio",
        "marzo",
        "aprile",
        "maggio",
        "giugno",
        "luglio",
        "agosto",
        "settembre",
        "ottobre",
        "novembre",
        "dicembre",
    ),
}
MONTHS_SHORT: dict[str, tuple[str, ...]] = {
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    "fr": (
        "janv.",
        "févr.",
        "mars",
        "avr.",
        "mai",
        "juin",
        "juil.",
        "août",
        "sept.",
        "oct.",
        "nov.",
        "déc.",
    ),
    "de": (
        "Jan.",
        "Feb.",
        "März",
        "Apr.",
        "Mai",
        "Juni",
        "Juli",
        "Aug.",
        "Sep.",
        "Okt.",
        "Nov.",
        "Dez.",
    ),
    "es": (
        "ene.",
        "feb.",
        "mar.",
        "abr.",
        "may.",
        "jun.",
        "jul.",
        "ago.",
        "sep.",
        "oct.",
        "nov.",
        "dic.",
    ),
    "nl": (
        "jan.",
        "feb.",
        "mrt.",
        "apr.",
        "mei",
        "jun.",
        "jul.",
        "aug.",
        "sep.",
        "okt.",
        "nov.",
        "dec.",
    ),
    "it": (
        "gen.",
        "feb.",
        "mar.",
        "apr.",
        "mag.",
        "giu.",
        "lug.",
        "ago.",
        "set.",
        "ott.",
        "nov.",
        "dic.",
    ),
}


def format_number(value: Decimal, loc: Locale, places: int = 2, group: bool = True) -> str:
    """``value`` with the locale's decimal and grouping separators (``1.234,56``)."""
    q = Decimal(1).scaleb(-places) if places else Decimal(1)
    value = value.quantize(q)
    sign = "-" if value < 0 else ""
    digits = f"{abs(value):f}"
    whole, _, frac = digits.partition(".")
    if group and len(whole) > 3:
        parts: list[str] = []
        while len(whole) > 3:
            parts.insert(0, whole[-3:])
            whole = whole[:-3]
        parts.insert(0, whole)
        whole = loc.group.join(parts)
    return sign + whole + (loc.decimal + frac if places else "")


def format_quantity(value: Decimal, loc: Locale) -> str:
    """A quantity as printed: no decimals when whole, else the locale's decimal mark."""
    if value == value.to_integral_value():
        return format_number(value, loc, places=0)
    places = max(1, -value.normalize().as_tuple().exponent)  # type: ignore[operator]
    return format_number(value, loc, places=places)


def format_money(value: Decimal, loc: Locale, style: str) -> str:
    """An amount with the currency symbol or code before or after, or none (``style="plain"``)."""
    num = format_number(value, loc)
    if style == "plain":
        return num
    if style == "sym_before":
        sep = "" if loc.symbol in "$£" else " "
        if num.startswith("-"):
            return "-" + loc.symbol + sep + num[1:]
        return loc.symbol + sep + num
    if style == "sym_after":
        return num + " " + loc.symbol
    if style == "code_before":
        return loc.currency + " " + num
    return num + " " + loc.currency


def format_rate(rate: Decimal, loc: Locale) -> str:
    """A tax rate as printed, e.g. ``20 %``, ``5,5%``."""
    text = format_quantity(rate, loc)
    return text + ("%" if loc.language in ("en", "nl", "it") else " %")


def rate_value(rate: Decimal) -> str:
    """A tax rate as a normalised decimal string (``20``, ``5.5``)."""
    text = f"{rate.normalize():f}"
    return text


def format_date(day: date, loc: Locale, style: str) -> str:
    """``day`` as printed: ``style`` is a numeric pattern from the locale or "long"/"short"."""
    lang = loc.language
    if style in ("long", "short"):
        months = MONTHS[lang] if style == "long" else MONTHS_SHORT[lang]
        month = months[day.month - 1]
        if lang == "en":
            if loc.country == "US":
                return f"{month} {day.day}, {day.year}"
            return f"{day.day} {month} {day.year}"
        if lang == "de":
            return f"{day.day}. {month} {day.year}"
        if lang == "es":
            return (
                f"{day.day} de {month} de {day.year}"
                if style == "long"
                else f"{day.day} {month} {day.year}"
            )
        return f"{day.day} {month} {day.year}"
    out = []
    for ch in style:
        if ch == "d":
            out.append(f"{day.day:02d}")
        elif ch == "m":
            out.append(f"{day.month:02d}")
        elif ch == "y" or ch == "Y":
            out.append(f"{day.year:04d}")
        else:
            out.append(ch)
    return "".join(out)


def pick_date_style(rng: random.Random, loc: Locale) -> str:
    """A date style for one document: mostly numeric patterns, sometimes month names."""
    roll = rng.random()
    if roll < 0.22:
        return "long"
    if roll < 0.32:
        return "short"
    return rng.choice(loc.date_patterns)


# ---------------------------------------------------------------------------------------------
# Labels. Each key has variants; a document picks one variant per key (consistent within it).
# ---------------------------------------------------------------------------------------------

LABELS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "invoice": ("INVOICE", "Invoice", "Tax Invoice", "TAX INVOICE"),
        "credit_note": ("CREDIT NOTE", "Credit Note", "Credit Memo"),
        "receipt": ("RECEIPT", "Sales Receipt", "Receipt"),
        "invoice_number": ("Invoice No.", "Invoice Number", "Invoice #", "Invoice no:"),
        "credit_number": ("Credit Note No.", "Credit Note Number", "Credit Memo #"),
        "receipt_number": ("Receipt No.", "Receipt #", "Trans. No."),
        "invoice_date": ("Invoice Date", "Date", "Date of issue", "Issue Date"),
        "due_date": ("Due Date", "Payment Due", "Due"),
        "purchase_order": ("PO Number", "Purchase Order", "PO #", "Your Order No."),
        "vendor_tax_id": ("VAT No.", "VAT Reg. No.", "VAT Registration No."),
        "vendor_tax_id_us": ("EIN", "Tax ID", "Federal Tax ID"),
        "customer_tax_id": ("Customer VAT No.", "VAT No.", "Your VAT No."),
        "iban": ("IBAN", "IBAN:"),
        "bic": ("BIC", "SWIFT/BIC", "SWIFT"),
        "bank": ("Bank", "Bank details", "Payment details"),
        "bill_to": ("Bill To", "Invoice To", "Customer", "Billed to"),
        "description": ("Description", "Item", "Description of services"),
        "quantity": ("Qty", "Quantity", "Hours/Qty"),
        "unit": ("Unit",),
        "unit_price": ("Unit Price", "Rate", "Price"),
        "tax_rate": ("VAT", "VAT %", "Tax"),
        "amount": ("Amount", "Total", "Line Total"),
        "subtotal": ("Subtotal", "Net Total", "Total excl. VAT", "Sub-total"),
        "tax": ("VAT", "Tax"),
        "tax_us": ("Sales Tax", "Tax"),
        "total_tax": ("Total VAT", "Total Tax", "VAT Total"),
        "total": ("Total", "Invoice Total", "Total incl. VAT", "Grand Total", "TOTAL"),
        "amount_due": ("Amount Due", "Balance Due", "Total Due", "Please Pay"),
        "paid": ("Amount Paid", "Less: Paid", "Deposit received"),
        "payment_terms": ("Payment Terms", "Terms"),
        "page": ("Page {n} of {m}", "Page {n}/{m}"),
        "continued": ("continued on next page", "Continued overleaf"),
        "carried": ("Invoice {number} (continued)",),
        "original_invoice": ("Original Invoice", "Ref. Invoice", "Relates to invoice"),
        "thanks": (
            "Thank you for your business.",
            "Thank you for your custom!",
            "We appreciate your business.",
        ),
        "receipt_thanks": (
            "THANK YOU FOR SHOPPING WITH US",
            "Thank you, come again!",
            "Thank you for your visit",
        ),
        "cash": ("CASH", "Cash"),
        "card": ("CARD", "VISA", "Debit Card"),
        "change": ("CHANGE", "Change"),
        "tel": ("Tel.", "Phone"),
        "email": ("Email", "E-mail"),
        "cashier": ("Cashier", "Served by"),
        "net": ("Net",),
        "gross": ("Gross",),
        "customer_no": ("Customer No.", "Account No.", "Client ID"),
        "delivery_date": ("Delivery Date", "Date of Supply", "Shipped"),
        "delivery_note": ("Delivery Note", "Packing Slip No."),
        "order_date": ("Order Date",),
    },
    "fr": {
        "invoice": ("FACTURE", "Facture"),
        "credit_note": ("AVOIR", "Avoir", "Facture d'avoir"),
        "receipt": ("TICKET DE CAISSE", "Ticket", "REÇU"),
        "invoice_number": ("N° facture", "Facture n°", "Numéro de facture", "N° de facture"),
        "credit_number": ("N° avoir", "Avoir n°", "Numéro d'avoir"),
        "receipt_number": ("Ticket n°", "N° ticket", "N° de transaction"),
        "invoice_date": ("Date de facture", "Date", "Date d'émission", "Date de facturation"),
        "due_date": ("Date d'échéance", "Échéance", "À payer avant le"),
        "purchase_order": ("N° de commande", "Bon de commande", "Réf. commande", "Votre commande"),
        "vendor_tax_id": (
            "N° TVA",
            "TVA intracom.",
            "N° TVA intracommunautaire",
            "N° d'identification TVA",
        ),
        "vendor_tax_id_ch": ("N° TVA", "IDE"),
        "customer_tax_id": ("N° TVA client", "Votre N° TVA", "TVA intracom. client"),
        "iban": ("IBAN", "IBAN :"),
        "bic": ("BIC", "Code BIC"),
        "bank": ("Coordonnées bancaires", "Banque", "Règlement par virement"),
        "bill_to": ("Facturé à", "Client", "Adresse de facturation", "Destinataire"),
        "description": ("Désignation", "Description", "Libellé"),
        "quantity": ("Qté", "Quantité"),
        "unit": ("Unité", "U."),
        "unit_price": ("Prix unitaire HT", "P.U. HT", "Prix unit."),
        "tax_rate": ("TVA", "Taux TVA", "TVA %"),
        "amount": ("Montant HT", "Total HT", "Montant"),
        "subtotal": ("Total HT", "Montant HT", "Sous-total HT", "Total hors taxes"),
        "tax": ("TVA",),
        "total_tax": ("Total TVA", "Montant TVA", "TVA totale"),
        "total": ("Total TTC", "Montant TTC", "Total toutes taxes comprises", "TOTAL TTC"),
        "amount_due": ("Net à payer", "Reste à payer", "Montant dû", "Solde à payer"),
        "paid": ("Acompte versé", "Déjà réglé", "Acompte reçu"),
        "payment_terms": ("Conditions de paiement", "Conditions de règlement", "Règlement"),
        "page": ("Page {n}/{m}", "Page {n} sur {m}"),
        "continued": ("suite page suivante", "à reporter"),
        "carried": ("Facture {number} (suite)",),
        "original_invoice": ("Facture d'origine", "Réf. facture", "Concerne la facture"),
        "thanks": ("Merci de votre confiance.", "Nous vous remercions de votre confiance."),
        "receipt_thanks": ("MERCI DE VOTRE VISITE", "Merci et à bientôt", "Bonne journée !"),
        "cash": ("ESPÈCES", "Espèces"),
        "card": ("CARTE BANCAIRE", "CB", "Carte bancaire"),
        "change": ("RENDU", "Rendu monnaie"),
        "tel": ("Tél.", "Téléphone"),
        "email": ("E-mail", "Courriel"),
        "cashier": ("Caissier", "Vendeur"),
        "net": ("HT",),
        "gross": ("TTC",),
        "customer_no": ("N° client", "Code client", "Réf. client"),
        "delivery_date": ("Date de livraison", "Livré le"),
        "delivery_note": ("Bon de livraison", "BL n°"),
        "order_date": ("Date de commande",),
    },
    "de": {
        "invoice": ("RECHNUNG", "Rechnung"),
        "credit_note": ("GUTSCHRIFT", "Gutschrift", "Rechnungskorrektur"),
        "receipt": ("KASSENBON", "Kassenbeleg", "Beleg"),
        "invoice_number": ("Rechnungsnummer", "Rechnungs-Nr.", "Rechnung Nr.", "Rechnungsnr."),
        "credit_number": ("Gutschriftsnummer", "Gutschrift-Nr.", "Gutschrift Nr."),
        "receipt_number": ("Bon-Nr.", "Beleg-Nr.", "Bonnummer"),
        "invoice_date": ("Rechnungsdatum", "Datum", "Belegdatum"),
        "due_date": ("Fälligkeitsdatum", "Fällig am", "Zahlbar bis"),
        "purchase_order": ("Bestellnummer", "Bestell-Nr.", "Ihre Bestellung", "Auftragsnummer"),
        "vendor_tax_id": ("USt-IdNr.", "USt-ID", "Umsatzsteuer-ID", "USt.-Id.-Nr."),
        "vendor_tax_id_at": ("UID-Nr.", "UID", "USt-IdNr."),
        "vendor_tax_id_ch": ("MWST-Nr.", "UID", "MWST"),
        "customer_tax_id": ("Ihre USt-IdNr.", "USt-IdNr. Kunde", "Kunden-USt-ID"),
        "iban": ("IBAN", "IBAN:"),
        "bic": ("BIC", "SWIFT-BIC"),
        "bank": ("Bankverbindung", "Bank", "Kontoverbindung"),
        "bill_to": ("Rechnungsempfänger", "Kunde", "Rechnungsadresse", "An"),
        "description": ("Beschreibung", "Bezeichnung", "Artikel", "Leistung"),
        "quantity": ("Menge", "Anzahl", "Anz."),
        "unit": ("Einheit", "ME"),
        "unit_price": ("Einzelpreis", "E-Preis", "Preis/Einheit"),
        "tax_rate": ("MwSt.", "USt.", "MwSt. %"),
        "amount": ("Betrag", "Gesamt", "Gesamtpreis"),
        "subtotal": ("Zwischensumme", "Nettobetrag", "Summe netto", "Gesamtbetrag netto"),
        "tax": ("MwSt.", "USt.", "zzgl. MwSt.", "Umsatzsteuer"),
        "tax_ch": ("MWST", "MwSt."),
        "total_tax": ("MwSt. gesamt", "Summe MwSt.", "Umsatzsteuer gesamt"),
        "total": ("Gesamtbetrag", "Rechnungsbetrag", "Summe brutto", "Endbetrag", "Gesamtsumme"),
        "amount_due": ("Zahlbetrag", "Offener Betrag", "Zu zahlen", "Noch zu zahlen"),
        "paid": ("Bereits bezahlt", "Anzahlung", "abzgl. Anzahlung"),
        "payment_terms": ("Zahlungsbedingungen", "Zahlungsziel", "Zahlungsbedingung"),
        "page": ("Seite {n} von {m}", "Seite {n}/{m}"),
        "continued": ("Fortsetzung auf der nächsten Seite", "Übertrag"),
        "carried": ("Rechnung {number} (Fortsetzung)",),
        "original_invoice": ("Ursprüngliche Rechnung", "Bezug: Rechnung", "zu Rechnung"),
        "thanks": ("Vielen Dank für Ihren Auftrag.", "Wir danken für Ihren Auftrag."),
        "receipt_thanks": (
            "VIELEN DANK FÜR IHREN EINKAUF",
            "Danke und auf Wiedersehen",
            "Vielen Dank!",
        ),
        "cash": ("BAR", "Bar"),
        "card": ("EC-KARTE", "Girocard", "Kartenzahlung"),
        "change": ("RÜCKGELD", "Rückgeld"),
        "tel": ("Tel.", "Telefon"),
        "email": ("E-Mail", "Mail"),
        "cashier": ("Kassierer", "Es bediente Sie"),
        "net": ("Netto",),
        "gross": ("Brutto",),
        "customer_no": ("Kundennummer", "Kunden-Nr.", "Kd.-Nr."),
        "delivery_date": ("Lieferdatum", "Leistungsdatum", "Liefertermin"),
        "delivery_note": ("Lieferschein-Nr.", "Lieferschein"),
        "order_date": ("Bestelldatum", "Auftragsdatum"),
    },
    "es": {
        "invoice": ("FACTURA", "Factura"),
        "credit_note": ("FACTURA RECTIFICATIVA", "Nota de crédito", "ABONO"),
        "receipt": ("TICKET", "FACTURA SIMPLIFICADA", "Ticket de compra"),
        "invoice_number": ("Nº de factura", "Número de factura", "Factura nº", "Nº factura"),
        "credit_number": ("Nº de rectificativa", "Nº nota de crédito", "Número de abono"),
        "receipt_number": ("Nº ticket", "Ticket nº", "Nº operación"),
        "invoice_date": ("Fecha de factura", "Fecha", "Fecha de emisión", "Fecha factura"),
        "due_date": ("Fecha de vencimiento", "Vencimiento", "Fecha de pago"),
        "purchase_order": ("Nº de pedido", "Pedido", "Su pedido", "Referencia pedido"),
        "vendor_tax_id": ("NIF", "CIF", "NIF-IVA", "N.I.F."),
        "customer_tax_id": ("NIF cliente", "CIF cliente", "NIF"),
        "iban": ("IBAN", "IBAN:"),
        "bic": ("BIC", "SWIFT"),
        "bank": ("Datos bancarios", "Cuenta bancaria", "Forma de pago: transferencia"),
        "bill_to": ("Facturar a", "Cliente", "Datos del cliente"),
        "description": ("Descripción", "Concepto", "Artículo"),
        "quantity": ("Cantidad", "Cant.", "Uds."),
        "unit": ("Unidad", "Ud."),
        "unit_price": ("Precio unitario", "Precio", "P. unit."),
        "tax_rate": ("IVA", "% IVA", "IVA %"),
        "amount": ("Importe", "Total", "Subtotal"),
        "subtotal": ("Base imponible", "Subtotal", "Total base imponible", "Base"),
        "tax": ("IVA", "Cuota IVA"),
        "total_tax": ("Total IVA", "Cuota IVA total", "Total cuota IVA"),
        "total": ("Total", "Total factura", "Importe total", "TOTAL"),
        "amount_due": ("Total a pagar", "Importe pendiente", "A pagar"),
        "paid": ("Pagado a cuenta", "Anticipo", "Ya pagado"),
        "payment_terms": ("Forma de pago", "Condiciones de pago"),
        "page": ("Página {n} de {m}", "Pág. {n}/{m}"),
        "continued": ("continúa en la página siguiente", "suma y sigue"),
        "carried": ("Factura {number} (continuación)",),
        "original_invoice": ("Factura original", "Factura rectificada", "Ref. factura"),
        "thanks": ("Gracias por su confianza.", "Muchas gracias por su pedido."),
        "receipt_thanks": ("GRACIAS POR SU VISITA", "Gracias por su compra", "¡Hasta pronto!"),
        "cash": ("EFECTIVO", "Efectivo"),
        "card": ("TARJETA", "Tarjeta crédito"),
        "change": ("CAMBIO", "Cambio"),
        "tel": ("Tel.", "Teléfono"),
        "email": ("Email", "Correo"),
        "cashier": ("Cajero", "Le atendió"),
        "net": ("Base",),
        "gross": ("Total",),
        "customer_no": ("Nº cliente", "Código cliente"),
        "delivery_date": ("Fecha de entrega", "Fecha de servicio"),
        "delivery_note": ("Albarán", "Nº albarán"),
        "order_date": ("Fecha de pedido",),
    },
    "nl": {
        "invoice": ("FACTUUR", "Factuur"),
        "credit_note": ("CREDITNOTA", "Creditnota", "Creditfactuur"),
        "receipt": ("KASSABON", "Bon", "Kassaticket"),
        "invoice_number": ("Factuurnummer", "Factuurnr.", "Factuur nr.", "Nummer"),
        "credit_number": ("Creditnotanummer", "Creditnota nr.", "Creditfactuurnr."),
        "receipt_number": ("Bonnr.", "Bonnummer", "Transactie"),
        "invoice_date": ("Factuurdatum", "Datum", "Datum factuur"),
        "due_date": ("Vervaldatum", "Uiterste betaaldatum", "Te betalen voor"),
        "purchase_order": ("Ordernummer", "Bestelnummer", "Uw referentie", "Inkoopordernr."),
        "vendor_tax_id": ("BTW-nummer", "BTW-nr.", "Btw-id", "Btw-nummer"),
        "customer_tax_id": ("Uw BTW-nummer", "BTW-nr. klant", "Btw-nummer klant"),
        "iban": ("IBAN", "IBAN:", "Rekeningnummer"),
        "bic": ("BIC", "Swift/BIC"),
        "bank": ("Bankgegevens", "Betaalgegevens", "Bank"),
        "bill_to": ("Factuur aan", "Klant", "Factuuradres", "Aan"),
        "description": ("Omschrijving", "Artikel", "Beschrijving"),
        "quantity": ("Aantal", "Aant."),
        "unit": ("Eenheid", "Eenh."),
        "unit_price": ("Prijs per eenheid", "Stukprijs", "Prijs", "Tarief"),
        "tax_rate": ("BTW", "Btw %", "BTW-tarief"),
        "amount": ("Bedrag", "Totaal", "Subtotaal"),
        "subtotal": ("Subtotaal", "Totaal excl. BTW", "Totaal exclusief btw", "Netto"),
        "tax": ("BTW", "Btw"),
        "total_tax": ("Totaal BTW", "BTW-bedrag", "Totaal btw"),
        "total": ("Totaal", "Totaal incl. BTW", "Factuurbedrag", "TOTAAL"),
        "amount_due": ("Te betalen", "Openstaand bedrag", "Nog te betalen"),
        "paid": ("Reeds betaald", "Aanbetaling", "Voldaan"),
        "payment_terms": ("Betalingsvoorwaarden", "Betalingstermijn"),
        "page": ("Pagina {n} van {m}", "Blad {n}/{m}"),
        "continued": ("vervolg op volgende pagina", "zie volgende blad"),
        "carried": ("Factuur {number} (vervolg)",),
        "original_invoice": ("Oorspronkelijke factuur", "Betreft factuur", "Ref. factuur"),
        "thanks": ("Bedankt voor uw opdracht.", "Hartelijk dank voor uw bestelling."),
        "receipt_thanks": ("BEDANKT VOOR UW BEZOEK", "Tot ziens!", "Dank u wel"),
        "cash": ("CONTANT", "Contant"),
        "card": ("PIN", "Pinbetaling", "Maestro"),
        "change": ("WISSELGELD", "Terug"),
        "tel": ("Tel.", "Telefoon"),
        "email": ("E-mail", "Mail"),
        "cashier": ("Kassa", "Medewerker"),
        "net": ("Netto",),
        "gross": ("Bruto",),
        "customer_no": ("Klantnummer", "Debiteurnr.", "Klantnr."),
        "delivery_date": ("Leverdatum", "Afleverdatum"),
        "delivery_note": ("Pakbonnummer", "Pakbon"),
        "order_date": ("Orderdatum", "Besteldatum"),
    },
    "it": {
        "invoice": ("FATTURA", "Fattura"),
        "credit_note": ("NOTA DI CREDITO", "Nota di credito"),
        "receipt": ("SCONTRINO", "DOCUMENTO COMMERCIALE", "Ricevuta"),
        "invoice_number": ("Numero fattura", "Fattura n.", "N. fattura", "Fattura nr."),
        "credit_number": ("Nota di credito n.", "Numero nota di credito", "N. documento"),
        "receipt_number": ("Scontrino n.", "Doc. n.", "N. documento"),
        "invoice_date": ("Data fattura", "Data", "Data emissione", "Data documento"),
        "due_date": ("Data scadenza", "Scadenza", "Da pagare entro"),
        "purchase_order": ("Numero ordine", "Rif. ordine", "Ordine n.", "Vs. ordine"),
        "vendor_tax_id": ("Partita IVA", "P.IVA", "P. IVA", "Part. IVA"),
        "vendor_tax_id_ch": ("N. IVA", "IDI"),
        "customer_tax_id": ("P.IVA cliente", "Partita IVA", "Vs. P.IVA"),
        "iban": ("IBAN", "IBAN:", "Coordinate IBAN"),
        "bic": ("BIC", "BIC/SWIFT"),
        "bank": ("Coordinate bancarie", "Banca d'appoggio", "Pagamento tramite bonifico"),
        "bill_to": ("Intestatario", "Cliente", "Spett.le", "Destinatario"),
        "description": ("Descrizione", "Articolo", "Descrizione prestazione"),
        "quantity": ("Quantità", "Q.tà", "Qtà"),
        "unit": ("U.M.", "Unità"),
        "unit_price": ("Prezzo unitario", "Prezzo", "Prezzo unit."),
        "tax_rate": ("IVA", "Aliquota IVA", "IVA %"),
        "amount": ("Importo", "Totale", "Imponibile"),
        "subtotal": ("Imponibile", "Subtotale", "Totale imponibile", "Totale netto"),
        "tax": ("IVA", "Imposta"),
        "total_tax": ("Totale IVA", "Totale imposta", "IVA totale"),
        "total": ("Totale", "Totale fattura", "Totale documento", "TOTALE"),
        "amount_due": ("Netto a pagare", "Importo dovuto", "Totale da pagare"),
        "paid": ("Già pagato", "Acconto", "Acconto versato"),
        "payment_terms": ("Condizioni di pagamento", "Modalità di pagamento", "Pagamento"),
        "page": ("Pagina {n} di {m}", "Pag. {n}/{m}"),
        "continued": ("segue alla pagina successiva", "continua"),
        "carried": ("Fattura {number} (segue)",),
        "original_invoice": ("Fattura di riferimento", "Rif. fattura", "Storno fattura"),
        "thanks": ("Grazie per la fiducia accordataci.", "Grazie per averci scelto."),
        "receipt_thanks": ("GRAZIE E ARRIVEDERCI", "Grazie per l'acquisto", "Arrivederci"),
        "cash": ("CONTANTI", "Contanti"),
        "card": ("CARTA", "Pagamento elettronico", "Bancomat"),
        "change": ("RESTO", "Resto"),
        "tel": ("Tel.", "Telefono"),
        "email": ("E-mail", "Email"),
        "cashier": ("Cassiere", "Operatore"),
        "net": ("Imponibile",),
        "gross": ("Totale",),
        "customer_no": ("Codice cliente", "Cod. cliente"),
        "delivery_date": ("Data consegna", "Data spedizione"),
        "delivery_note": ("DDT n.", "Documento di trasporto"),
        "order_date": ("Data ordine",),
    },
}

PAYMENT_TERMS: dict[str, tuple[tuple[str, int], ...]] = {
    "en": (
        ("Net 30", 30),
        ("Net 14", 14),
        ("Due on receipt", 0),
        ("Payment within 30 days", 30),
        ("Net 45 days", 45),
        ("14 days net", 14),
    ),
    "fr": (
        ("Paiement à 30 jours", 30),
        ("Paiement à réception", 0),
        ("À 45 jours date de facture", 45),
        ("Virement à 30 jours", 30),
        ("Paiement à 15 jours", 15),
    ),
    "de": (
        ("Zahlbar innerhalb von 14 Tagen ohne Abzug", 14),
        ("Sofort zahlbar ohne Abzug", 0),
        ("30 Tage netto", 30),
        ("Zahlbar innerhalb von 30 Tagen", 30),
    ),
    "es": (
        ("Pago a 30 días", 30),
        ("Transferencia bancaria a 30 días", 30),
        ("Pago al contado", 0),
        ("Pago a 60 días", 60),
    ),
    "nl": (
        ("Betaling binnen 30 dagen", 30),
        ("Betaling binnen 14 dagen na factuurdatum", 14),
        ("Direct te voldoen", 0),
    ),
    "it": (
        ("Pagamento a 30 giorni", 30),
        ("Bonifico bancario 30 gg d.f.", 30),
        ("Rimessa diretta", 0),
        ("Pagamento a 60 giorni d.f.", 60),
    ),
}


def pick_labels(rng: random.Random, language: str) -> dict[str, str]:
    """One variant for every label key, chosen once per document."""
    return {key: rng.choice(variants) for key, variants in LABELS[language].items()}
