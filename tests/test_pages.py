"""The Teams app package refuses bad input, and the pages its manifest links to (about,
terms, privacy notice) are served by the bot itself, in Finnish and English."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from urllib.parse import urlsplit

import httpx
import pytest

from bot.cli import main
from bot.web import create_web_app
from handlers.messages import Messages
from tests.test_slack import start_server

BOT_ID = "00000000-0000-0000-0000-0000000b0700"


@pytest.fixture(autouse=True)
def environment(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'p.db'}")
    monkeypatch.delenv("CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID", raising=False)
    monkeypatch.setenv("DIGIBOT_LANGUAGE", "fi")


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("https://bot.tornio.fi", "https://"),
        ("bot.tornio.fi/digibot", "/digibot"),
        ("bot tornio.fi", "bot tornio.fi"),
        ("bot.tornio.fi:99999", "99999"),
        ("-bot.tornio.fi", "-bot"),
        ("", "--host"),
    ],
)
def test_a_host_that_is_not_a_bare_name_is_refused_and_no_package_written(
    tmp_path, capsys, host, expected
) -> None:
    output = tmp_path / "app.zip"
    code = main(["teams-package", "--bot-id", BOT_ID, f"--host={host}", "--output", str(output)])
    err = capsys.readouterr().err
    assert code == 1
    assert "Traceback" not in err and "palvelimen nimi" in err and expected in err
    assert not output.exists()


@pytest.mark.parametrize("language", ["fi", "en"])
def test_a_bot_id_that_is_not_a_guid_is_refused_in_the_operators_language(
    tmp_path, capsys, monkeypatch, language
) -> None:
    monkeypatch.setenv("DIGIBOT_LANGUAGE", language)
    output = tmp_path / "app.zip"
    args = ["teams-package", "--bot-id", "digibot-app", "--host", "bot.tornio.fi"]
    code = main([*args, "--output", str(output)])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err and "digibot-app" in err
    assert ("GUID" in err) and (("tunnus" in err) if language == "fi" else ("app id" in err))
    assert not output.exists()


def test_both_faults_are_told_at_once(tmp_path, capsys) -> None:
    args = ["teams-package", "--bot-id", "app", "--host", "https://x.fi/", "--output", "a.zip"]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "GUID" in err and "palvelimen nimi" in err and "Traceback" not in err


def test_a_bot_id_from_the_environment_is_checked_too(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID", "not-a-guid")
    code = main(["teams-package", "--host", "bot.tornio.fi", "--output", str(tmp_path / "a.zip")])
    assert code == 1 and "not-a-guid" in capsys.readouterr().err


@contextmanager
def serving(engine, language: str = "fi", **options) -> Iterator[httpx.Client]:
    """The app as `digibot serve` runs it, under uvicorn on a free local port."""
    app = create_web_app(engine, slack=None, messages=Messages(language), **options)
    server, thread, url = start_server(app)
    try:
        with httpx.Client(base_url=url) as client:
            yield client
    finally:
        server.should_exit = True
        thread.join(timeout=10)


class _Page(HTMLParser):
    """What a reader (and a screen reader) gets: the text, the lang, landmarks, headings."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag, attrs) -> None:
        self.tags.append((tag, dict(attrs)))
        self.scripts += tag == "script"

    def handle_data(self, data) -> None:
        self.text.append(data)

    def ids(self) -> set[str]:
        return {attrs["id"] for _, attrs in self.tags if "id" in attrs}


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def _manifest_urls(tmp_path, host: str) -> dict[str, str]:
    output = tmp_path / "app.zip"
    assert main(["teams-package", "--bot-id", BOT_ID, "--host", host, "--output", str(output)]) == 0
    with zipfile.ZipFile(output) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["validDomains"] == [host.split(":", maxsplit=1)[0]]
    developer = manifest["developer"]
    return {key: developer[key] for key in ("websiteUrl", "privacyUrl", "termsOfUseUrl")}


REQUIRED = {
    "fi": {
        "privacyUrl": ["Tietosuojaseloste", "tekijä", "sähköposti", "Teams", "muistutus",
                       "kaupunginhallitu", "arkisto", "tietosuoja@tornio.fi"],
        "websiteUrl": ["Digibot", "digiohjelma", "Käyttöehdot"],
        "termsOfUseUrl": ["Käyttöehdot"],
    },
    "en": {
        "privacyUrl": ["Privacy notice", "author", "e-mail", "Teams", "reminder",
                       "city board", "archive", "tietosuoja@tornio.fi"],
        "websiteUrl": ["Digibot", "digital programme", "Terms of use"],
        "termsOfUseUrl": ["Terms of use"],
    },
}  # fmt: skip


@pytest.mark.parametrize("language", ["fi", "en"])
def test_the_manifests_links_are_pages_the_bot_serves_in_both_languages(
    tmp_path, engine, language
) -> None:
    urls = _manifest_urls(tmp_path, "bot.tornio.fi:8443")
    paths, responses = set(), {}
    with serving(engine, privacy_contact="tietosuoja@tornio.fi") as client:
        for key, url in urls.items():
            parts = urlsplit(url)
            assert parts.scheme == "https" and parts.netloc == "bot.tornio.fi:8443"
            paths.add(parts.path)
            query = {"lang": language} if language == "en" else {}
            responses[key] = (parts, client.get(parts.path, params=query))
    for key, (parts, response) in responses.items():
        url = urls[key]
        assert response.status_code == 200, url
        assert response.headers["content-type"].startswith("text/html")
        page = _parse(response.text)
        assert ("html", {"lang": language}) in page.tags
        assert [tag for tag, _ in page.tags].count("main") == 1
        assert any(tag == "h1" for tag, _ in page.tags) and page.scripts == 0
        text = " ".join(" ".join(page.text).split())
        for needle in REQUIRED[language][key]:
            assert needle in text, (key, needle)
        if parts.fragment:
            assert parts.fragment in page.ids()
    assert len(paths) >= 2 and "/" not in paths  # not all the same page, not a 404 at /


def test_english_by_accept_language_and_the_configured_default(engine) -> None:
    wants_english = {"Accept-Language": "en-GB,en;q=0.9,fi;q=0.5"}
    with serving(engine, "fi") as finnish_default:
        assert '<html lang="en">' in finnish_default.get("/privacy", headers=wants_english).text
        page = finnish_default.get("/privacy", headers={"Accept-Language": "de-DE, sv;q=0.8"})
        assert '<html lang="fi">' in page.text  # nothing we speak: the configured default
    with serving(engine, "en") as english_default:
        assert '<html lang="en">' in english_default.get("/privacy").text
        page = english_default.get("/privacy?lang=fi", headers=wants_english)
        assert '<html lang="fi">' in page.text  # an explicit choice wins over the browser's
        assert "Accept-Language" in page.headers.get("vary", "")


def test_without_a_contact_the_notice_says_so(engine) -> None:
    with serving(engine, "en") as client:
        text = " ".join(_parse(client.get("/privacy").text).text)
    assert "DIGIBOT_PRIVACY_CONTACT" in text and "not been set" in text


def test_the_contact_is_text_not_markup(engine) -> None:
    contact = '<script>alert(1)</script> "Tietosuoja" & co'
    with serving(engine, "en", privacy_contact=contact) as client:
        response = client.get("/privacy")
    assert "<script>" not in response.text and "&lt;script&gt;" in response.text
    assert contact in " ".join(_parse(response.text).text)
