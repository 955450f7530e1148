"""The public progress page and open data over real HTTP (the browser's view is in
test_public_browser.py): off by default, three languages, no personal data, hostile text
inert, plan history, stable open data, conditional requests, headers, nothing written."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta
from html.parser import HTMLParser

import httpx
import pytest
from sqlalchemy import inspect, text

from bot import platforms
from bot.public import PublicConfig
from bot.serve import web_app
from bot.settings import Settings
from handlers.public import HISTORY_COLUMNS, MEASURE_COLUMNS
from storage import crud
from storage.db import session_scope
from tests.public_site import (
    FORMULA_TITLE,
    HOSTILE_NOTE,
    HOSTILE_THEME,
    HOSTILE_TITLE,
    HOSTILE_UNIT,
    NOTE_WITH_NAMES,
    PEOPLE,
    T0,
    build,
    public_server,
)
from tests.test_slack import start_server

LANGS = ("fi", "sv", "en")
DATA = ("/data/measures.json", "/data/measures.csv", "/data/history.csv")


@pytest.fixture
def site(engine, tmp_path):
    build(engine, tmp_path)
    return engine


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        if tag == "a" and (href := dict(attrs).get("href")):
            self.links.append(href)


def crawl(url: str) -> dict[str, str]:
    """Every page reachable from the overview, in each language, and the data files."""
    seen: dict[str, str] = {}
    todo = [f"/?lang={lang}" for lang in LANGS]
    with httpx.Client(base_url=url) as client:
        while todo:
            path = todo.pop()
            if path in seen:
                continue
            response = client.get(path)
            assert response.status_code == 200, path
            seen[path] = response.text
            if "html" in response.headers["content-type"]:
                parser = Links()
                parser.feed(response.text)
                todo.extend(href for href in parser.links if href.startswith("/"))
    assert {"/theme/T2?lang=sv", "/measure/1.3?lang=en", *DATA} <= seen.keys()
    return seen


def test_the_public_pages_are_off_by_default_and_on_when_the_setting_says(
    site, monkeypatch, tmp_path
) -> None:
    monkeypatch.chdir(tmp_path)
    for value, expected in ((None, 404), ("false", 404), ("true", 200)):
        if value is None:
            monkeypatch.delenv("DIGIBOT_PUBLIC_PAGE", raising=False)
        else:
            monkeypatch.setenv("DIGIBOT_PUBLIC_PAGE", value)
        settings = Settings(_env_file=None)
        server, thread, url = start_server(web_app(settings, site, platforms.build(settings, site)))
        try:
            for path in ("/", "/theme/T1", "/measure/1.1", "/accessibility", "/data", *DATA):
                assert httpx.get(url + path).status_code == expected, (value, path)
            assert httpx.get(url + "/health").status_code == 200
        finally:
            server.should_exit = True
            thread.join(timeout=10)


@pytest.mark.parametrize(
    ("query", "accept", "expected", "word"),
    [
        ("", "", "fi", "Toimenpiteiden tila"),
        ("?lang=sv", "", "sv", "Åtgärdernas status"),
        ("?lang=en", "fi", "en", "Status of the measures"),
        ("", "sv-FI,sv;q=0.9,en;q=0.8", "sv", "Åtgärdernas status"),
        ("", "de, en;q=0.5", "en", "Status of the measures"),
        ("?lang=de", "", "fi", "Toimenpiteiden tila"),
    ],
)
def test_each_page_speaks_the_asked_language(site, query, accept, expected, word) -> None:
    with public_server(site) as url:
        response = httpx.get(f"{url}/{query}", headers={"Accept-Language": accept})
    assert response.headers["content-language"] == expected
    assert f'<html lang="{expected}">' in response.text and word in response.text
    assert "Accept-Language" in response.headers["vary"]


def test_no_personal_data_appears_in_any_page_or_data_file(site) -> None:
    with public_server(site) as url:
        seen = crawl(url)
    for path, body in seen.items():
        for ref, name in PEOPLE.items():
            assert ref not in body and name not in body, (path, ref)
        assert not re.search(r"[\w.+-]+@[\w-]+\.[\w.]+", body), path
        assert "C0LEADERS" not in body and "host-1" not in body
        assert "Toimittaja myöhässä" not in body, path  # notes are not public by default
        assert NOTE_WITH_NAMES not in body
    assert "Keskushallinto" in seen["/measure/1.1?lang=fi"]  # the owner is shown by unit


def test_notes_are_shown_only_when_the_programme_makes_them_public(site) -> None:
    with public_server(site, PublicConfig(notes=True)) as url:
        page = httpx.get(f"{url}/measure/1.1?lang=en").text
        rows = list(csv.DictReader(io.StringIO(httpx.get(f"{url}/data/measures.csv").text)))
        history = httpx.get(f"{url}/data/history.csv").text
    assert "Toimittaja myöhässä" in page and "Toimittaja myöhässä" in history
    assert {r["code"]: r["note"] for r in rows}["1.1"] == "Toimittaja myöhässä"
    assert "aino.virtanen@kaupunki.example" not in page + history  # still no authors


def test_hostile_text_is_escaped_everywhere(site) -> None:
    with public_server(site, PublicConfig(notes=True)) as url:
        theme = httpx.get(f"{url}/theme/T1?lang=fi").text
        measure = httpx.get(f"{url}/measure/1.2?lang=fi").text
        other = httpx.get(f"{url}/theme/T2?lang=fi").text
        rows = list(csv.DictReader(io.StringIO(httpx.get(f"{url}/data/measures.csv").text)))
        data = httpx.get(f"{url}/data/measures.json").json()
    for raw in (HOSTILE_TITLE, HOSTILE_UNIT, HOSTILE_NOTE, HOSTILE_THEME):
        assert raw not in theme + measure + other
    assert "<script" not in theme + measure + other and "onerror=alert" not in measure.replace(
        "&lt;img src=x onerror=alert(2)&gt;", ""
    )
    assert "&lt;script&gt;alert(&#34;title&#34;)&lt;/script&gt;" in measure
    assert "&lt;b&gt;Keskushallinto&lt;/b&gt;" in measure
    assert "{{ 7*7 }} {% raw %}" in measure  # user text is never a template
    assert "&lt;/title&gt;&lt;script&gt;alert(3)&lt;/script&gt;Teema" in other
    by_code = {r["code"]: r for r in rows}
    assert by_code["1.3"]["title"] == "'" + FORMULA_TITLE  # a spreadsheet will not run it
    assert by_code["1.2"]["title"] == HOSTILE_TITLE  # data is data: exact, unescaped
    assert {m["code"]: m["title"] for m in data["measures"]}["1.3"] == FORMULA_TITLE


def test_a_measure_shows_its_plan_its_original_due_and_its_public_history(site) -> None:
    with public_server(site) as url:
        page = httpx.get(f"{url}/measure/2.1?lang=fi").text
        retired = httpx.get(f"{url}/measure/1.3?lang=en").text
    assert "Alkuperäinen aikataulu</dt><dd>6/2026" in page
    assert "Valmistuu</dt><dd>12/2026" in page
    assert "Suunnitelmaa muutettu" in page and "Valmistuu: 6/2026 → 12/2026" in page
    assert "Lisätty ohjelmaan" in page
    assert page.count('class="status status-') == 2  # current + one report; the withdrawn one gone
    assert "status-delayed" not in page
    assert "Henkilöstöpalvelut" in page
    assert "Retired from the programme on 10 Aug 2025." in retired


def test_the_overview_counts_what_is_in_force_and_lists_themes_maturity_and_budget(site) -> None:
    with public_server(site) as url:
        page = httpx.get(f"{url}/?lang=en").text
        theme = httpx.get(f"{url}/theme/T1?lang=en").text
    assert "Testikaupungin digiohjelma" in page and "2025-2027" in page and "Vision 2030" in page
    assert "Done: 0 of 3 measures (0%)." in page  # 1.3 was done, then retired
    assert "The last summary to the city board: 20 May 2025." in page
    assert "Planned budget €20,000 (2 of 3 measures have a budget)." in page
    assert "<dt>Current</dt><dd>2.5</dd>" in page and "<dt>Target</dt><dd>3.0</dd>" in page
    assert "Measures retired from the programme" in theme and "/measure/1.3?lang=en" in theme
    for mark, label in (("▲", "At risk"), ("■", "Delayed"), ("●", "On track")):
        assert f'<span class="mark" aria-hidden="true">{mark}</span> {label}' in page


def test_an_unknown_id_is_a_404_page_in_the_readers_language(site) -> None:
    with public_server(site) as url:
        measure = httpx.get(f"{url}/measure/<b>9.9?lang=sv")
        theme = httpx.get(f"{url}/theme/T9?lang=en")
    assert measure.status_code == 404 and "Sidan hittades inte" in measure.text
    assert "&lt;b&gt;9.9" in measure.text and "<b>9.9" not in measure.text
    assert theme.status_code == 404 and "“T9”" in theme.text


def test_the_open_data_has_stable_columns_under_the_configured_licence(site) -> None:
    with public_server(site, PublicConfig(licence="CC0 1.0")) as url:
        as_json = httpx.get(f"{url}/data/measures.json")
        as_csv = httpx.get(f"{url}/data/measures.csv")
        history = httpx.get(f"{url}/data/history.csv")
        page = httpx.get(f"{url}/data?lang=en").text
    body = as_json.json()
    assert body["licence"] == "CC0 1.0" and "Licence: CC0 1.0." in page
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert [list(m) for m in body["measures"]] == [list(MEASURE_COLUMNS)] * 4
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert tuple(rows[0]) == MEASURE_COLUMNS
    by_code = {r["code"]: r for r in rows}
    assert by_code["2.1"]["original_due"] == "2026-06" and by_code["2.1"]["due"] == "2026-12"
    assert by_code["1.3"]["retired"] == "true" and by_code["1.3"]["retired_at"].startswith(
        "2025-08-10"
    )
    assert by_code["1.1"]["status"] == "at_risk" and by_code["1.1"]["progress"] == "30"
    assert by_code["1.1"]["note"] == ""
    events = list(csv.DictReader(io.StringIO(history.text)))
    assert tuple(events[0]) == HISTORY_COLUMNS
    times = [e["recorded_at"] for e in events]
    assert times == sorted(times)
    assert [e["event"] for e in events if e["measure_code"] == "2.1"] == [
        "added",
        "status",
        "changed",
    ]  # fmt: skip  (the withdrawn report is not public; the handover changes nothing public)
    changed = next(e for e in events if e["event"] == "changed")
    assert (changed["field"], changed["old_value"], changed["new_value"]) == (
        "due", "2026-06", "2026-12"
    )  # fmt: skip
    assert [e["event"] for e in events if e["measure_code"] == "1.3"][-1] == "retired"


@pytest.mark.parametrize("path", ["/?lang=sv", "/measure/1.1?lang=en", *DATA])
def test_a_poll_of_unchanged_data_is_answered_304_and_a_change_shows_at_once(site, path) -> None:
    with public_server(site) as url, httpx.Client(base_url=url) as client:
        first = client.get(path)
        etag, modified = first.headers["etag"], first.headers["last-modified"]
        assert modified == "Sun, 10 Aug 2025 09:00:00 GMT"  # the data's own latest change
        again = client.get(path, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.content == b""
        assert again.headers["etag"] == etag
        since = client.get(path, headers={"If-Modified-Since": modified})
        assert since.status_code == 304
        assert client.get(path, headers={"If-None-Match": '"other"'}).status_code == 200
        with session_scope(site) as session:
            measure = crud.find_measure(session, code="1.1")
            crud.append_update(
                session, measure_id=measure.id, author="U07BERTIL9", status="done",
                progress=100, note="", source="slack", created_at=T0.replace(month=9),
            )  # fmt: skip
        changed = client.get(path, headers={"If-None-Match": etag, "If-Modified-Since": modified})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert changed.headers["last-modified"] == "Wed, 10 Sep 2025 09:00:00 GMT"
    news = "Klara: 1 av 3" if path.startswith("/?") else "2025-09-10T09:00:00"
    news = "status-done" if path.startswith("/measure/") else news
    assert news in changed.text and news not in first.text


def test_every_answer_has_the_security_headers_and_nothing_is_written(site) -> None:
    def snapshot() -> dict[str, list]:
        with site.connect() as connection:
            return {
                table: connection.execute(text(f"SELECT * FROM {table}")).all()
                for table in inspect(site).get_table_names()
            }

    before = snapshot()
    with public_server(site) as url, httpx.Client(base_url=url) as client:
        pages = crawl(url)
        answers = [client.get(p) for p in ("/", "/public.css", "/measure/x", *DATA)]
        answers.append(client.get("/", headers={"If-None-Match": answers[0].headers["etag"]}))
        for method in ("POST", "PUT", "DELETE"):
            for path in ("/", "/measure/1.1", "/data/measures.csv"):
                assert client.request(method, path).status_code == 405
    assert snapshot() == before
    for response in answers:
        csp = response.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp
        assert "style-src 'self'" in csp and "unsafe-inline" not in csp and "script-src" not in csp
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["x-frame-options"] == "DENY"
    for path, body in pages.items():
        if path not in DATA:
            assert "<script" not in body and " style=" not in body and "<style" not in body


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("fi", ("Saavutettavuusseloste", "Etelä-Suomen aluehallintovirastolle")),
        ("sv", ("Tillgänglighetsutlåtande", "Regionförvaltningsverket i Södra Finland")),
        ("en", ("Accessibility statement", "Regional State Administrative Agency")),
    ],
)
def test_the_accessibility_statement_names_the_feedback_channel_and_authority(
    site, lang, words
) -> None:
    contact = "saavutettavuus@kaupunki.example"
    with public_server(site, PublicConfig(contact=contact)) as with_contact:
        page = httpx.get(f"{with_contact}/accessibility?lang={lang}").text
    with public_server(site) as without:
        unset = httpx.get(f"{without}/accessibility?lang={lang}").text
    assert all(word in page for word in words)
    assert f'<a href="mailto:{contact}">{contact}</a>' in page
    assert "https://www.saavutettavuusvaatimukset.fi/" in page
    assert "WCAG 2.1" in page
    assert "DIGIBOT_ACCESSIBILITY_CONTACT" in unset and "mailto:" not in unset


def test_the_measures_json_is_the_csv_in_another_form(site) -> None:
    with public_server(site) as url:
        body = json.loads(httpx.get(f"{url}/data/measures.json").text)
        rows = list(csv.DictReader(io.StringIO(httpx.get(f"{url}/data/measures.csv").text)))
    assert [m["code"] for m in body["measures"]] == [r["code"] for r in rows]
    assert body["columns"] == list(MEASURE_COLUMNS)


def test_a_long_history_shows_the_latest_reports_and_points_to_the_open_data(site) -> None:
    with session_scope(site) as session:
        measure = crud.find_measure(session, code="1.1")
        for day in range(1, 106):
            crud.append_update(
                session, measure_id=measure.id, author="U07BERTIL9", status="on_track",
                progress=day % 100, note="", source="slack",
                created_at=T0.replace(month=3) + timedelta(days=day),
            )  # fmt: skip
    with public_server(site) as url:
        page = httpx.get(f"{url}/measure/1.1?lang=en").text
        history = list(csv.DictReader(io.StringIO(httpx.get(f"{url}/data/history.csv").text)))
    assert "The page shows the latest 100 of 107 status reports." in page
    assert page.count("<tr><td><time") == 100 + 1  # and the plan's one change: added
    assert "Added to the programme" in page
    assert sum(1 for e in history if e["measure_code"] == "1.1" and e["event"] == "status") == 107


def test_the_overview_shows_the_latest_assessment_and_the_spending_reported(site) -> None:
    """Maturity and money as the board sees them: the latest assessment is `current`, and
    spent to date goes beside the planned budget."""
    from storage import maturity, money

    with session_scope(site) as session:
        theme = crud.find_theme(session, code="T1")
        maturity.append_assessment(
            session, theme_id=theme.id, level_hundredths=280, assessed_on="2025-10",
            author="coordinator", origin="chat", source="Itsearviointi",
        )  # fmt: skip
        measure = crud.find_measure(session, code="2.1")
        money.append_spending(
            session, measure_id=measure.id, year=2025, spent_cents=500_050,
            reported_on="2025-10-01", author="U0OWNER", source="slack",
        )  # fmt: skip
    with public_server(site) as url:
        page = httpx.get(f"{url}/?lang=en").text
    assert "<dt>Current</dt><dd>2.8</dd>" in page
    assert "Spent to date €5,000.50 (25% of the planned)." in page
