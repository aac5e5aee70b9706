"""The visitor's language and clock on the customer pages (pure): which locale a request asks
for (``?lang=``, else ``Accept-Language``, else English), whether times show on a 12- or
24-hour clock (``?clock=12|24``, else the locale's habit), and the pages' own words in German.

A message id is the English text itself (``{name}`` marks a parameter), so an English page
needs no table and a missing German text shows the English one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from markupsafe import Markup

#: The locales the pages speak, by tag: (Babel's locale id, the page language).
LOCALES: dict[str, tuple[str, str]] = {
    "en-US": ("en_US", "en"),
    "en-GB": ("en_GB", "en"),
    "de-DE": ("de_DE", "de"),
}
#: A bare language (``?lang=de``, ``Accept-Language: de``): the locale it means.
LANGUAGES: dict[str, str] = {"en": "en-US", "de": "de-DE"}
#: Nothing asked: English as the pages always were (24-hour clock, weeks from Monday).
DEFAULT_TAG = "en-GB"
CLOCKS = ("12", "24")


def locale_tag(text: str | None) -> str | None:
    """The supported locale a language tag names (``de``, ``de-AT``, ``en_us``), else
    ``None``: an exact tag first, else its language."""
    if not text:
        return None
    cleaned = text.strip().replace("_", "-")[:35]
    for tag in LOCALES:
        if tag.lower() == cleaned.lower():
            return tag
    return LANGUAGES.get(cleaned.split("-", 1)[0].lower())


def from_accept_language(header: str | None) -> str | None:
    """The supported locale an ``Accept-Language`` header prefers most (by ``q``, then
    order), else ``None``."""
    if not header:
        return None
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")[:20]):
        name, _, params = part.strip().partition(";")
        weight = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                weight = float(params[2:])
            except ValueError:
                weight = 0.0
        tag = locale_tag(name)
        if tag is not None and weight > 0:
            ranked.append((-weight, index, tag))
    return min(ranked)[2] if ranked else None


@dataclass(frozen=True)
class Prefs:
    """The visitor's locale and clock, and what the page's links carry to keep them."""

    tag: str
    #: ``lang`` of the URL (kept in links), ``None`` when not asked there.
    asked_lang: str | None = None
    #: ``clock`` of the URL: ``12`` or ``24``, ``None`` when not asked.
    asked_clock: str | None = None

    @property
    def locale(self) -> str:
        """Babel's locale id (``de_DE``)."""
        return LOCALES[self.tag][0]

    @property
    def lang(self) -> str:
        """The page language (``de``, ``en``): the ``lang`` of ``<html>`` and of :func:`t`."""
        return LOCALES[self.tag][1]

    @property
    def hour12(self) -> bool:
        if self.asked_clock is not None:
            return self.asked_clock == "12"
        return self.tag == "en-US"

    @property
    def query(self) -> dict[str, str | None]:
        """The parameters every link and form of the flow carries."""
        return {"lang": self.asked_lang, "clock": self.asked_clock}

    @property
    def other_clock(self) -> str:
        """The ``clock`` of the toggle: the clock not shown now."""
        return "24" if self.hour12 else "12"


def prefs_of(lang: str | None, clock: str | None, accept_language: str | None) -> Prefs:
    """The visitor's choices: ``lang`` (kept as given when it is supported), else the
    ``Accept-Language`` header, else :data:`DEFAULT_TAG`; ``clock`` when ``12`` or ``24``."""
    asked = locale_tag(lang)
    tag = asked or from_accept_language(accept_language) or DEFAULT_TAG
    kept_lang = lang.strip()[:35] if asked and lang else None
    kept_clock = clock if clock in CLOCKS else None
    return Prefs(tag, kept_lang, kept_clock)


#: The pages' own words in German, by English message id.
GERMAN: dict[str, str] = {
    # booking page
    "Book with {site}": "Buchen bei {site}",
    "No service can be booked online yet.": "Noch kann kein Angebot online gebucht werden.",
    "Class": "Kurs",
    "Appointment": "Termin",
    "All services": "Alle Angebote",
    "Your time zone": "Ihre Zeitzone",
    "Show times": "Zeiten anzeigen",
    "Choose a day": "Tag wählen",
    "Earlier days": "Frühere Tage",
    "Later days": "Spätere Tage",
    ", no free times": ", keine freien Zeiten",
    "12-hour clock": "12-Stunden-Uhr",
    "24-hour clock": "24-Stunden-Uhr",
    "Clock": "Uhr",
    "{day}: times in {zone}": "{day}: Zeiten in {zone}",
    "{day}: sessions in {zone}": "{day}: Termine in {zone}",
    "Book {when}": "{when} buchen",
    "{remaining} of {total} spots left": "{remaining} von {total} Plätzen frei",
    "1 spot left": "1 Platz frei",
    "{n} spots left": "{n} Plätze frei",
    "Full": "Ausgebucht",
    "Not bookable": "Nicht buchbar",
    "Join the waitlist for {when}": "Auf die Warteliste für {when}",
    "Join the waitlist": "Auf die Warteliste",
    "No free times on this day. Choose another day.": (
        "An diesem Tag gibt es keine freien Zeiten. Wählen Sie einen anderen Tag."
    ),
    "No free sessions on this day. Choose another day.": (
        "An diesem Tag gibt es keine freien Termine. Wählen Sie einen anderen Tag."
    ),
    "This service takes place in person: times are in the business's time zone, "
    "<strong>{zone}</strong>.": (
        "Dieses Angebot findet vor Ort statt: Die Zeiten sind in der Zeitzone des "
        "Unternehmens, <strong>{zone}</strong>."
    ),
    "Times are in the business's time zone, <strong>{zone}</strong>. Choose your own time "
    "zone below to see them in yours.": (
        "Die Zeiten sind in der Zeitzone des Unternehmens, <strong>{zone}</strong>. Wählen Sie "
        "unten Ihre Zeitzone, um sie in Ihrer Zeit zu sehen."
    ),
    "Times are in your time zone, <strong>{zone}</strong> (the business is in {business}).": (
        "Die Zeiten sind in Ihrer Zeitzone, <strong>{zone}</strong> (das Unternehmen ist in "
        "{business})."
    ),
    "Your details": "Ihre Angaben",
    "Back to the times": "Zurück zu den Zeiten",
    "This time is no longer available": "Diese Zeit ist nicht mehr frei",
    "Someone booked it a moment ago": "Jemand hat sie gerade gebucht",
    "Your details are kept: choose another time below.": (
        "Ihre Angaben bleiben erhalten: Wählen Sie unten eine andere Zeit."
    ),
    "Waitlist for": "Warteliste für",
    "Your time": "Ihre Zeit",
    "Business time": "Zeit des Unternehmens",
    "Nearest free times": "Nächste freie Zeiten",
    "No other time is free in the week around it.": (
        "In der Woche davor und danach ist keine andere Zeit frei."
    ),
    "See other days": "Andere Tage ansehen",
    "Name": "Name",
    "E-mail": "E-Mail",
    "Phone": "Telefon",
    "(optional)": "(optional)",
    "Book this time": "Diese Zeit buchen",
    "Book": "Buchen",
    "Please give your name and an e-mail address.": (
        "Bitte geben Sie Ihren Namen und eine E-Mail-Adresse an."
    ),
    "Booked": "Gebucht",
    "Request received": "Anfrage erhalten",
    "You're booked": "Sie sind gebucht",
    "Status": "Status",
    "CONFIRMED": "BESTÄTIGT",
    "PENDING": "AUSSTEHEND",
    "WAITING LIST": "WARTELISTE",
    "Your booking is confirmed.": "Ihre Buchung ist bestätigt.",
    "{site} confirms bookings of this service by hand: this time is not confirmed yet, and "
    "you will hear from them.": (
        "{site} bestätigt Buchungen dieses Angebots von Hand: Diese Zeit ist noch nicht "
        "bestätigt, Sie hören von {site}."
    ),
    "You're on the waitlist": "Sie stehen auf der Warteliste",
    "If a spot opens, you will be offered it.": "Wird ein Platz frei, wird er Ihnen angeboten.",
    "Booking not confirmed": "Buchung nicht bestätigt",
    "to": "bis",
    "Add it to your calendar": "In Ihren Kalender eintragen",
    "Download .ics": ".ics herunterladen",
    "Change or cancel": "Ändern oder stornieren",
    "Manage this booking": "Diese Buchung verwalten",
    "(keep this link: it opens your booking without an account).": (
        "(bewahren Sie diesen Link auf: Er öffnet Ihre Buchung ohne Konto)."
    ),
    "Book something else": "Etwas anderes buchen",
    # manage page
    "Not yet confirmed": "Noch nicht bestätigt",
    "Confirmed": "Bestätigt",
    "Waiting for the business to confirm": "Wartet auf die Bestätigung des Unternehmens",
    "On the waiting list": "Auf der Warteliste",
    "Canceled": "Storniert",
    "Declined by the business": "Vom Unternehmen abgelehnt",
    "Your booking is canceled.": "Ihre Buchung ist storniert.",
    "Your booking has moved to the new time.": "Ihre Buchung ist auf die neue Zeit verschoben.",
    "Link not valid": "Link ungültig",
    "This link does not open a booking": "Dieser Link öffnet keine Buchung",
    "The link may be incomplete, altered, or too old. Please use the newest link from your "
    "confirmation e-mail, or contact the business.": (
        "Der Link ist vielleicht unvollständig, verändert oder zu alt. Bitte nutzen Sie den "
        "neuesten Link aus Ihrer Bestätigungs-E-Mail oder wenden Sie sich an das Unternehmen."
    ),
    "Not found": "Nicht gefunden",
    "Page not found": "Seite nicht gefunden",
    "There is nothing at this address.": "Unter dieser Adresse gibt es nichts.",
    "Your booking": "Ihre Buchung",
    "Show times in": "Zeiten anzeigen in",
    "Show": "Anzeigen",
    "Change your booking": "Ihre Buchung ändern",
    "Reschedule": "Verschieben",
    "Cancel booking": "Buchung stornieren",
    "To move this booking to another time, please contact the business.": (
        "Um diese Buchung auf eine andere Zeit zu verschieben, wenden Sie sich bitte an das "
        "Unternehmen."
    ),
    "Update your calendar": "Ihren Kalender aktualisieren",
    "Download the .ics file": "Die .ics-Datei herunterladen",
    "(it marks the event as cancelled)": "(sie markiert den Termin als storniert)",
    "Add to your calendar": "In Ihren Kalender eintragen",
    "Add to Google Calendar": "In Google Kalender eintragen",
    "Add to Outlook": "In Outlook eintragen",
    "(opens in a new tab)": "(öffnet in einem neuen Tab)",
    "Choose a new time": "Neue Zeit wählen",
    "Currently:": "Derzeit:",
    "This booking cannot be moved online. Please contact the business.": (
        "Diese Buchung kann nicht online verschoben werden. Bitte wenden Sie sich an das "
        "Unternehmen."
    ),
    "Days": "Tage",
    "Previous day": "Vorheriger Tag",
    "Next day": "Nächster Tag",
    "Day": "Tag",
    "Free times on {day}": "Freie Zeiten am {day}",
    "Move to {day}, {time}": "Verschieben auf {day}, {time}",
    "No free time on this day. Try the next day.": (
        "An diesem Tag ist keine Zeit frei. Versuchen Sie den nächsten Tag."
    ),
    "Back to your booking": "Zurück zu Ihrer Buchung",
    "Service": "Angebot",
    "When": "Wann",
    "Where": "Wo",
    "The booking changed since this page was opened. Here it is as it is now.": (
        "Die Buchung hat sich geändert, seit diese Seite geöffnet wurde. So ist sie jetzt."
    ),
    "The booking changed since this page was opened. Please choose again.": (
        "Die Buchung hat sich geändert, seit diese Seite geöffnet wurde. Bitte wählen Sie erneut."
    ),
    "The booking could not be changed: {reason}": (
        "Die Buchung konnte nicht geändert werden: {reason}"
    ),
    "The booking could not be moved: {reason}": (
        "Die Buchung konnte nicht verschoben werden: {reason}"
    ),
    "Choose one of the times below.": "Wählen Sie eine der Zeiten unten.",
    "That time is no longer free. Please choose another one.": (
        "Diese Zeit ist nicht mehr frei. Bitte wählen Sie eine andere."
    ),
}

#: The tables by page language; English needs none.
MESSAGES: dict[str, dict[str, str]] = {"de": GERMAN}


def t(lang: str, msgid: str, **params: object) -> str:
    """``msgid`` in ``lang`` (the English id when there is no translation), its ``{name}``
    parameters filled in."""
    text = MESSAGES.get(lang, {}).get(msgid, msgid)
    return text.format(**params) if params else text


def translator(lang: str) -> Callable[..., Markup]:
    """:func:`t` for the templates: the message is trusted markup (it may hold ``<strong>``),
    its parameters are escaped."""

    def translate(msgid: str, **params: object) -> Markup:
        text = MESSAGES.get(lang, {}).get(msgid, msgid)
        return Markup(text).format(**params) if params else Markup(text)

    return translate
