"""Swedish, and each person's language: the words of every language work for anyone; a person
is answered in the language they chose, else the one their platform tells, among the city's
languages, else the city's; what the channel reads stays in the city's language."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session, select

from handlers import formatting as fmt
from handlers.commands import COMMANDS, find
from handlers.context import Actor
from handlers.language import from_locale
from handlers.render_text import render_text
from handlers.summary.document import render_html
from handlers.summary.report import title
from handlers.vocabulary import STATUSES, fold, parse_status
from storage.models import PersonLanguage
from tests.conftest import COORDINATOR, OWNER, ROOT, ChatBot, db_url, previewed, record


def persons_bot(bot: ChatBot, city: str = "fi") -> ChatBot:
    """The console bot of a city whose language is `city`."""
    return ChatBot(replace(bot.ctx, language=city))


def chosen_languages(bot: ChatBot) -> dict[str, str]:
    with Session(bot.ctx.engine) as session:
        return {row.ref: row.language for row in session.exec(select(PersonLanguage))}


# --- the words ---


@pytest.mark.parametrize(
    ("typed", "command"),
    [
        ("visa", "show"), ("VISA", "show"), ("historik", "history"), ("lista", "list"),
        ("ångra", "undo"), ("angra", "undo"), ("Ångra", "undo"), ("hjälp", "help"),
        ("hjalp", "help"), ("uppdatera", "update"), ("status", "status"), ("läge", "status"),
        ("lage", "status"), ("ouppdaterade", "stale"), ("översikt", "summary"),
        ("oversikt", "summary"), ("språk", "language"), ("sprak", "language"),
        ("kieli", "language"), ("language", "language"),
    ],
)  # fmt: skip
def test_swedish_command_words_with_or_without_diacritics(typed: str, command: str) -> None:
    found = find(typed)
    assert found is not None and found.name == command


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("ej-påbörjad", "not_started"), ("ej_paborjad", "not_started"),
        ("enligt-plan", "on_track"), ("ENLIGT_PLAN", "on_track"), ("pågår", "on_track"),
        ("pagar", "on_track"), ("risk", "at_risk"), ("Risk", "at_risk"),
        ("försenad", "delayed"), ("forsenad", "delayed"), ("klar", "done"), ("KLAR", "done"),
        ("uppskjuten", "postponed"),
    ],
)  # fmt: skip
def test_swedish_status_words_with_or_without_diacritics(typed: str, code: str) -> None:
    status = parse_status(typed)
    assert status is not None and status.code == code


def test_no_word_of_any_language_calls_two_commands_or_two_statuses() -> None:
    """`lista` (fi, sv), `status` (en, sv) and the like are shared: they must mean one thing."""
    commands: dict[str, set[str]] = {}
    for command in COMMANDS:
        for words in command.words.values():
            for word in words:
                commands.setdefault(fold(word), set()).add(command.name)
    statuses: dict[str, set[str]] = {}
    for status in STATUSES:
        for word in status.words:
            statuses.setdefault(fold(word), set()).add(status.code)
    assert {w: c for w, c in commands.items() if len(c) > 1} == {}
    assert {w: s for w, s in statuses.items() if len(s) > 1} == {}
    assert fold("lista") in commands and fold("status") in commands and fold("risk") in statuses


def test_anyone_may_use_swedish_words_and_is_answered_in_their_own_language(
    bot: ChatBot,
) -> None:
    """A Finnish-speaking owner types Swedish words: the update is stored, the reply is his."""
    fi = persons_bot(bot, "fi")
    answer = fi.ask("status 1.1 forsenad Leverantören är sen")
    assert "Tallennettu" in answer and "Viivästynyt" in answer
    assert "Leverantören är sen" in answer
    assert "Tila: 🔴 Viivästynyt (1)" in fi.ask("lista FÖRSENAD")
    assert fi.ask("lista risk") == "Ei toimenpiteitä."  # a status, not an unknown filter
    assert "Omat toimenpiteesi" in fi.ask("lista mina")
    assert [u.status for u in bot.updates()] == ["delayed"]


def test_a_swedish_status_that_needs_a_reason_asks_for_it_in_swedish(bot: ChatBot) -> None:
    sv = persons_bot(bot, "sv")
    answer = sv.ask("status 1.1 försenad")
    assert "Statusen ”Försenad” kräver en orsak" in answer
    assert "status 1.1 försenad Leverantörens tidtabell" in answer
    assert bot.updates() == []


# --- answered in Swedish ---


def test_the_help_in_swedish(bot: ChatBot) -> None:
    answer = persons_bot(bot, "sv").ask("hjälp")
    assert answer.startswith("Digiprogrammets bot — kommandon")
    for line in ("/digi visa <id>", "/digi historik <id>", "/digi ångra [<id>]",
                 "/digi lista [mina | <tema> | <status>]", "/digi språk <språk>"):  # fmt: skip
        assert line in answer
    assert "ej-påbörjad" in answer and "enligt-plan" in answer and "försenad" in answer


def test_a_swedish_speaking_owners_story_in_the_console(bot: ChatBot, clock) -> None:
    sv = persons_bot(bot, "sv")
    saved = sv.ask("status 1.1 enligt-plan 40 % Pilotprojektet pågår")
    assert "Sparat. Läget för åtgärd 1.1 nu:" in saved
    assert "Framskrider enligt plan" in saved and "40 %" in saved
    shown = sv.ask("visa 1.1")
    assert "Ansvarsperson" in shown and "1.4.2025 kl. 12.30" in shown  # 9.30 UTC in Helsinki
    assert "Pilotprojektet pågår" in sv.ask("historik 1.1")
    assert "Tillbakadragen: din uppdatering" in sv.ask("ångra")
    assert "Okänd status ”snart”" in sv.ask("status 1.1 snart")


def test_swedish_numbers_and_dates_are_written_as_in_finland() -> None:
    at = datetime(2025, 5, 20, 6, 5, tzinfo=UTC)
    from zoneinfo import ZoneInfo

    helsinki = ZoneInfo("Europe/Helsinki")
    assert fmt.moment("sv", at, helsinki) == "20.5.2025 kl. 9.05"
    assert fmt.moment("fi", at, helsinki) == "20.5.2025 klo 9.05"
    assert fmt.day("sv", date(2025, 5, 20)) == "20.5.2025"
    assert fmt.progress("sv", 40) == "40 %" and fmt.level("sv", 2.8) == "2,8"
    assert fmt.euros("sv", 120000) == "120 000 €" and fmt.when("sv", "2026-06") == "6/2026"


def test_the_summary_and_the_report_in_swedish(bot: ChatBot) -> None:
    record(bot.ctx.engine, "1.1", "delayed", note="Leverantören är sen",
           when=datetime(2025, 5, 1, tzinfo=UTC))  # fmt: skip
    ctx = replace(bot.ctx, language="sv", now=lambda: datetime(2025, 5, 20, 6, tzinfo=UTC))
    summary, parts = previewed(ctx)
    text = "\n".join(render_text(part) for part in parts)
    assert title(summary, ctx).endswith("— lägesöversikt, våren 2025")
    assert "Läget 20.5.2025:" in text and "Att observera" in text
    assert "Försenade och med risk för försening (1)" in text and "Leverantören är sen" in text
    assert "Förändringar sedan programmet importerades" in text
    html = render_html(parts, title=title(summary, ctx), language="sv", chart_png=None)
    assert '<html lang="sv">' in html and "Ansvarsperson" in html and "våren 2025" in html


def test_the_summary_preview_is_in_the_channels_language_whoever_asks(bot: ChatBot) -> None:
    """It shows what the channel will read: a Swedish-speaking coordinator of a Finnish city
    previews the Finnish summary, and is answered in Swedish otherwise."""
    city = persons_bot(bot, "fi")
    assert "Klart: jag svarar dig hädanefter på svenska." in city.ask("språk sv", as_=COORDINATOR)
    preview = city.ask("översikt förhandsvisa", as_=COORDINATOR)
    assert "tilannekatsaus, kevät 2025" in preview and "lägesöversikt" not in preview
    assert "Ange förhandsvisa eller publicera." in city.ask("översikt", as_=COORDINATOR)


# --- choosing one's language ---


def test_a_person_chooses_their_language_and_it_is_kept(bot: ChatBot) -> None:
    city = persons_bot(bot, "fi")
    assert "Kommandona fungerar på svenska" in city.ask("kieli ruotsi") + city.ask("hjälp")
    assert chosen_languages(bot) == {OWNER: "sv"}
    assert "Jag svarar dig på svenska." in city.ask("språk")
    assert "Done: I will answer you in English from now on." in city.ask("språk EN")
    assert "I answer you in English." in city.ask("language")
    assert "Selvä: vastaan sinulle tästä lähtien suomeksi." in city.ask("language suomi")
    assert chosen_languages(bot) == {OWNER: "fi"}


@pytest.mark.parametrize("word", ["xx", "de", "norsk"])
def test_an_unknown_language_lists_the_allowed_ones_and_stores_nothing(
    bot: ChatBot, word: str
) -> None:
    answer = persons_bot(bot, "sv").ask(f"språk {word}")
    assert f"Jag kan inte svara på ”{word}”." in answer
    assert "fi (finska), sv (svenska), en (engelska)" in answer
    assert "Ingenting sparades." in answer and "Exempel: /digi språk sv" in answer
    assert chosen_languages(bot) == {}


def test_a_language_the_city_does_not_allow_cannot_be_chosen(bot: ChatBot) -> None:
    city = ChatBot(replace(bot.ctx, language="fi", languages=("fi", "sv")))
    answer = city.ask("kieli en")
    assert "En osaa vastata kielellä ”en”. Valittavat kielet: fi (suomi), sv (ruotsi)." in answer
    assert chosen_languages(bot) == {}


# --- the platform's locale ---


def ask_as(bot: ChatBot, text: str, actor: Actor) -> str:
    from bot.console import respond

    return render_text(respond(text, actor, bot.ctx))


def test_the_locale_the_platform_tells_chooses_the_reply_language(bot: ChatBot) -> None:
    city = persons_bot(bot, "fi")
    swedish = Actor(email=OWNER, locale="sv-FI")
    assert "Framskrider enligt plan" in ask_as(city, "status 1.1 on-track", swedish)
    assert "Etenee suunnitellusti" in ask_as(city, "show 1.1", Actor(email=OWNER))
    assert "On track" in ask_as(city, "näytä 1.1", Actor(email=OWNER, locale="en_GB"))
    german = Actor(email=OWNER, locale="de-DE")  # not one of ours: the city's
    assert "Etenee suunnitellusti" in ask_as(city, "show 1.1", german)


def test_a_locale_the_city_does_not_allow_gives_the_citys_language(bot: ChatBot) -> None:
    city = ChatBot(replace(bot.ctx, language="fi", languages=("fi", "en")))
    assert "Etenee" in ask_as(city, "status 1.1 on-track", Actor(email=OWNER, locale="sv-SE"))
    assert from_locale("sv-SE", ("fi", "en")) is None and from_locale("SV_fi") == "sv"


def test_an_explicitly_chosen_language_wins_over_the_platforms_locale(bot: ChatBot) -> None:
    city = persons_bot(bot, "fi")
    swedish_app = Actor(email=OWNER, locale="sv-SE")
    ask_as(city, "language en", swedish_app)
    assert "On track" in ask_as(city, "status 1.1 enligt-plan", swedish_app)
    # chosen under the e-mail: the same person by their chat id and e-mail finds it too
    both = Actor(user_id="U0OWNER", email=OWNER, locale="fi-FI")
    assert "Withdrawn" in ask_as(city, "undo", both)


# --- settings ---


def run_cli(tmp_path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DIGIBOT_"))}
    clean.update(DATABASE_URL=db_url("s.db"), PYTHONPATH=str(ROOT), **env)
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "export"], env=clean, cwd=tmp_path,
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("env", "said"),
    [
        ({"DIGIBOT_LANGUAGES": "fi,xx"}, "unsupported language 'xx'"),
        ({"DIGIBOT_LANGUAGES": "fi,en", "DIGIBOT_LANGUAGE": "sv"}, "DIGIBOT_LANGUAGE sv must"),
        ({"DIGIBOT_LANGUAGE": "de"}, "DIGIBOT_LANGUAGE"),
    ],
)
def test_an_unsupported_language_setting_is_refused_at_start(tmp_path, env, said) -> None:
    result = run_cli(tmp_path, **env)
    assert result.returncode == 2, result.stderr
    assert said in result.stderr and "Traceback" not in result.stderr


def test_the_allowed_languages_come_from_the_settings() -> None:
    from bot.settings import Settings

    assert Settings(_env_file=None).languages == ("fi", "sv", "en")
    chosen = Settings(_env_file=None, digibot_language="sv", digibot_languages=" SV , fi")
    assert chosen.languages == ("fi", "sv")
