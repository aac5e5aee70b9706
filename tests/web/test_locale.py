"""The booking page in the visitor's locale (issue 16, web-ui.md §4.1.4): the pure formatting
and language choice, then the HTML (``?lang=``, ``Accept-Language``, ``clock`` kept)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from urllib.parse import parse_qs, urlsplit

import httpx

from bookings.platform.routing import Services
from bookings.web.booking_times import (
    ZonedTime,
    clock,
    day_name,
    first_week_day,
    picker_days,
    short_day,
    week_day_names,
)
from bookings.web.i18n import from_accept_language, prefs_of, t
from tests.conftest import SiteKeys
from tests.web.test_booking_page import FRI, berlin, first_slot, html, massage, open_form
from tests.web.test_manage import booked

__all__ = ["berlin"]  # the fixture, used by name

#: 14:00 UTC on a winter day: 15:00 in Berlin.
AFTERNOON = datetime(2027, 11, 29, 14, 0, tzinfo=UTC)
BERLIN = "Europe/Berlin"


# ---------------------------------------------------------------- pure


def test_german_is_monday_first_and_24_hours() -> None:
    prefs = prefs_of("de", None, None)
    assert (prefs.locale, prefs.lang, prefs.hour12) == ("de_DE", "de", False)
    assert first_week_day(prefs.locale) == 0
    assert week_day_names(prefs.locale)[0] == "Montag"
    assert clock(AFTERNOON, BERLIN, prefs.locale, prefs.hour12) == "15:00"
    assert day_name(date(2027, 10, 29), "de_DE") == "Freitag, 29. Oktober 2027"
    assert short_day(date(2027, 10, 29), "de_DE") == "Fr., 29. Okt."
    # the picker starts on the Monday of the chosen day's week
    days = picker_days(date(2027, 10, 29), date(2027, 10, 1), week_start=0)
    assert days[0] == date(2027, 10, 25) and days[0].weekday() == 0


def test_us_english_is_sunday_first_and_12_hours() -> None:
    prefs = prefs_of("en-US", None, None)
    assert (prefs.locale, prefs.lang, prefs.hour12) == ("en_US", "en", True)
    assert first_week_day(prefs.locale) == 6
    assert week_day_names(prefs.locale)[0] == "Sunday"
    assert clock(AFTERNOON, BERLIN, prefs.locale, prefs.hour12) == "3:00 PM"
    shown = ZonedTime(AFTERNOON, BERLIN, prefs.locale, prefs.hour12)
    assert shown.label == "3:00 PM CET (Europe/Berlin)"
    assert shown.full == "Monday, November 29, 2027, 3:00 PM CET (Europe/Berlin)"
    days = picker_days(date(2027, 10, 29), date(2027, 10, 1), week_start=6)
    assert days[0] == date(2027, 10, 24) and days[0].weekday() == 6
    assert prefs_of("en", None, None).tag == "en-US"


def test_the_clock_toggle_overrides_the_locale() -> None:
    assert prefs_of("de", "12", None).hour12 is True
    assert prefs_of("en-US", "24", None).hour12 is False
    assert prefs_of("de", "13", None).hour12 is False  # not a clock: the locale's
    de12 = prefs_of("de", "12", None)
    assert clock(AFTERNOON, BERLIN, de12.locale, de12.hour12) == "3:00 PM"
    assert de12.query == {"lang": "de", "clock": "12"} and de12.other_clock == "24"


def test_the_language_comes_from_the_url_then_the_header_then_english() -> None:
    assert prefs_of(None, None, "de-DE,de;q=0.9,en;q=0.8").tag == "de-DE"
    assert prefs_of(None, None, "fr-FR, en-US;q=0.5, de;q=0.7").tag == "de-DE"
    assert prefs_of("en", None, "de-DE").tag == "en-US"  # the URL wins
    assert prefs_of("xx", None, "de-AT").tag == "de-DE"  # unsupported lang: the header
    assert prefs_of("xx", None, None).query == {"lang": None, "clock": None}
    nothing = prefs_of(None, None, None)
    assert (nothing.tag, nothing.hour12) == ("en-GB", False)  # English as before
    assert from_accept_language("fr, *;q=0.1") is None
    assert from_accept_language("de;q=0, en-GB") == "en-GB"


def test_messages() -> None:
    assert t("de", "Choose a day") == "Tag wählen"
    assert t("en", "Choose a day") == "Choose a day"
    assert t("de", "Book with {site}", site="Studio") == "Buchen bei Studio"
    assert t("de", "not a known message") == "not a known message"


# ---------------------------------------------------------------- HTML


def query_of(href: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(href).query)


async def test_lang_de_gives_german_and_24_hours(
    client: httpx.AsyncClient, berlin: SiteKeys
) -> None:
    svc = await massage(client, berlin)
    base = f"/book/{berlin.site_id}/{svc['id']}"
    res = await client.get(base, params={"date": FRI, "lang": "de"})
    doc = html(res)
    assert doc.css_first("html").attributes["lang"] == "de"
    assert doc.css_first("#days-heading").text() == "Tag wählen"
    assert doc.css_first("#slots-heading").text().startswith("Freitag, 29. Oktober 2027")
    assert first_slot(doc).startswith("09:00")
    assert "Zeitzone des Unternehmens" in doc.css_first("#zone-note").text()
    # the picker starts on a Monday
    first_day = doc.css_first("nav.days a").attributes["data-day"]
    assert date.fromisoformat(str(first_day)).weekday() == 0
    # lang is kept in every link of the next step, and in the zone form
    for a in doc.css("nav.days a, #slots a.slot"):
        assert query_of(str(a.attributes["href"]))["lang"] == ["de"]
    assert doc.css_first('form.zone-form input[name="lang"]').attributes["value"] == "de"
    services = html(await client.get(f"/book/{berlin.site_id}", params={"lang": "de"}))
    assert services.css_first("h1").text().startswith("Buchen bei")


async def test_accept_language_de_gives_german(client: httpx.AsyncClient, berlin: SiteKeys) -> None:
    svc = await massage(client, berlin)
    base = f"/book/{berlin.site_id}/{svc['id']}"
    doc = html(
        await client.get(base, params={"date": FRI}, headers={"Accept-Language": "de-DE,de"})
    )
    assert doc.css_first("#days-heading").text() == "Tag wählen"
    assert first_slot(doc).startswith("09:00")
    # nothing asked in the URL: the links carry no lang (the header keeps asking)
    assert "lang" not in query_of(str(doc.css_first("#slots a.slot").attributes["href"]))
    # en-US in the header: 12 hours, Sunday first
    doc = html(await client.get(base, params={"date": FRI}, headers={"Accept-Language": "en-US"}))
    assert first_slot(doc).startswith("9:00 AM")
    first_day = doc.css_first("nav.days a").attributes["data-day"]
    assert date.fromisoformat(str(first_day)).weekday() == 6


async def test_lang_and_clock_are_kept_through_the_steps(
    client: httpx.AsyncClient, berlin: SiteKeys
) -> None:
    svc = await massage(client, berlin)
    base = f"/book/{berlin.site_id}/{svc['id']}"
    doc = html(await client.get(base, params={"date": FRI, "lang": "de", "tz": "America/New_York"}))
    toggle = str(doc.css_first("#clock-toggle").attributes["href"])
    assert query_of(toggle)["clock"] == ["12"] and query_of(toggle)["lang"] == ["de"]
    doc = html(await client.get(toggle))
    assert first_slot(doc).startswith("3:00 AM")  # 09:00 Berlin, German words, 12 h
    assert doc.css_first("#days-heading").text() == "Tag wählen"
    href = str(doc.css_first("#slots a.slot").attributes["href"])
    kept = query_of(href)
    assert kept["lang"] == ["de"] and kept["clock"] == ["12"] and kept["tz"]
    action, _ = await open_form(client, href)
    assert query_of(action)["lang"] == ["de"] and query_of(action)["clock"] == ["12"]
    form = html(await client.get(href))
    assert form.css_first('label[for="name"]').text() == "Name"
    assert form.css_first('label[for="email"]').text() == "E-Mail"
    assert "3:00 AM" in form.css_first(".chosen").text()
    # the back link and the booking's confirmation keep them too
    back = str(form.css_first("main p a").attributes["href"])
    assert query_of(back)["clock"] == ["12"]
    _, hidden = await open_form(client, href)
    data = {**hidden, "name": "Ada Lovelace", "email": "ada@example.com"}
    res = await client.post(action, data=data)
    assert res.status_code == 303, res.text[:300]
    done_url = res.headers["location"]
    assert query_of(done_url)["lang"] == ["de"] and query_of(done_url)["clock"] == ["12"]
    done = html(await client.get(done_url))
    assert done.css_first("h1").text() == "Sie sind gebucht"
    assert "BESTÄTIGT" in done.css_first("#status").text()
    assert "3:00 AM EDT (America/New_York)" in done.css_first(".when").text()


# ---------------------------------------------------------------- the manage page


async def test_the_manage_page_in_german_and_on_a_12_hour_clock(
    client: httpx.AsyncClient, services: Services
) -> None:
    b = await booked(client, services)  # 10:15 Berlin
    res = await client.get(b.url, headers={"Accept-Language": "de-DE,de;q=0.9"})
    doc = html(res)
    assert doc.css_first("h1").text() == "Ihre Buchung"
    assert doc.css_first("[data-status]").text() == "Bestätigt"
    assert "10:15" in doc.css_first(".when").text()
    assert doc.css_first(".when").text().startswith("Montag, ")
    doc = html(await client.get(b.url, params={"lang": "de", "clock": "12"}))
    assert "10:15 AM" in doc.css_first(".when").text()
    assert doc.css_first('button[type="submit"].danger').text() == "Buchung stornieren"
    for a in doc.css('a[href^="/book/"]:not(#clock-toggle)'):
        kept = query_of(str(a.attributes["href"]))
        assert kept["lang"] == ["de"] and kept["clock"] == ["12"], a.attributes["href"]
    assert doc.css_first('form.zone-form input[name="lang"]').attributes["value"] == "de"
    toggle = query_of(str(doc.css_first("#clock-toggle").attributes["href"]))
    assert toggle["clock"] == ["24"]
    move = str(doc.css_first("a.button").attributes["href"])
    moved = html(await client.get(move))
    assert moved.css_first("h1").text() == "Neue Zeit wählen"
    labels = [b.text() for b in moved.css("ul.slots button")]
    assert labels and all(label.endswith(("AM", "PM")) for label in labels), labels
    en = html(await client.get(b.url, params={"lang": "en"}))
    assert en.css_first("h1").text() == "Your booking"
    assert "10:15 AM" in en.css_first(".when").text()  # en-US: 12 hours


async def test_the_manage_pages_messages_in_german(
    client: httpx.AsyncClient, services: Services
) -> None:
    b = await booked(client, services)
    res = await client.post(b.url + "/reschedule", params={"lang": "de"}, data={"revision": "1"})
    assert res.status_code == 400
    assert html(res).css_first("#refusal").text() == "Wählen Sie eine der Zeiten unten."
