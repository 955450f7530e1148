"""Maturity over time: a coordinator records assessments in chat, the programme file and a
CSV; the chat shows the path baseline → assessments → target, "current" is the latest by
date, and the level as it stood at any moment; backups carry them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import yaml
from sqlalchemy import Engine
from sqlmodel import select

from handlers.context import Context
from storage import crud, maturity
from storage.db import make_engine, migrate, session_scope
from storage.export import export_json
from storage.maturity_import import import_maturity
from storage.models import MaturityAssessment
from storage.programme_io import ImportFailed, import_file
from storage.restore import RestoreRefused, restore
from tests.conftest import COORDINATOR, EXAMPLE, OWNER, ChatBot, Clock, db_url, previewed
from tests.test_import import cli
from tests.test_restore import damaged

START = datetime(2024, 6, 17, 9, tzinfo=UTC)  # the programme: T1 current 2.8 (baseline 2.4)
CHAT = datetime(2025, 3, 20, 9, tzinfo=UTC)
FILE = datetime(2025, 11, 3, 9, tzinfo=UTC)
CSV_AT = datetime(2026, 5, 4, 9, tzinfo=UTC)


def _file(folder: Path, levels: dict[str, float]) -> Path:
    """The example programme with these themes' `current` levels."""
    doc = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    for theme in doc["themes"]:
        if theme["id"] in levels:
            theme["current"] = levels[theme["id"]]
    path = folder / "ohjelma.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


def _csv(folder: Path, text: str) -> Path:
    path = folder / "kypsyys.csv"
    path.write_text(text, encoding="utf-8-sig")
    return path


@pytest.fixture
def restored() -> Iterator[Engine]:
    """An empty database to restore into (the second PostgreSQL database on PostgreSQL)."""
    engine = make_engine(db_url("restored.db"))
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock(CHAT)


@pytest.fixture
def programme(engine: Engine) -> Engine:
    with session_scope(engine) as session:
        import_file(session, EXAMPLE, label="Ohjelma 2024", by="coordinator", at=START)
    return engine


def _bot(engine: Engine, clock: Clock, language: str = "fi") -> ChatBot:
    return ChatBot(
        Context(engine=engine, language=language, coordinators=frozenset({COORDINATOR}), now=clock)
    )


def _stored(engine: Engine) -> list[tuple[str, int, str, str, str]]:
    with session_scope(engine) as session:
        rows = session.exec(select(MaturityAssessment).order_by(MaturityAssessment.id))
        return [(r.origin, r.level_hundredths, r.assessed_on, r.source, r.author) for r in rows]


@pytest.fixture
def story(programme: Engine, clock: Clock, tmp_path: Path) -> Engine:
    """Two years of T1: the programme's 2.8, then chat 3.0, the budget revision's file 3.4
    and the CSV's 3.6 (T2 likewise, from 2.3)."""
    bot = _bot(programme, clock)
    recorded = bot.ask("kypsyys T1 3 Itsearviointi 3/2025", as_=COORDINATOR)
    assert recorded.startswith(
        "T1 Digitaaliset palvelut: kypsyys 3,0 (Itsearviointi, 3/2025); lähtötaso 2,4 → tavoite 4,0"
    )
    assert "kypsyys 2,45 (15.3.2025)" in bot.ask("maturity t2 2,45 15.3.2025", as_=COORDINATOR)
    with session_scope(programme) as session:
        import_file(session, _file(tmp_path, {"T1": 3.4, "T2": 2.6}), label="TA 2026", at=FILE)
    path = _csv(
        tmp_path,
        "theme;level;date;source\nT1;3,6;4/2026;Kuntaliiton kysely\nT2;2,9;2026-04-15;\n",
    )
    with session_scope(programme) as session:
        done = import_maturity(session, path, by="hanna", today=date(2026, 5, 4), at=CSV_AT)
    assert [(r.theme.code, r.level_hundredths, r.line) for r in done.recorded] == [
        ("T1", 360, 2),
        ("T2", 290, 3),
    ]
    clock.value = datetime(2026, 5, 10, 9, tzinfo=UTC)
    return programme


def test_the_chat_shows_each_themes_path_and_the_latest_is_current(
    story: Engine, clock: Clock
) -> None:
    bot = _bot(story, clock)
    path = bot.ask("kypsyys T1", as_=OWNER)  # anyone may look
    lines = [line.strip() for line in path.splitlines()]
    assert lines == [
        "T1 Digitaaliset palvelut — digitaalinen kypsyys (1–5)",
        "Lähtötaso 2,4",
        "2,8 — Ohjelma 2024, 17.6.2024 (coordinator)",
        f"3,0 — Itsearviointi, 3/2025 ({COORDINATOR})",
        "3,4 — TA 2026, 3.11.2025 (cli)",
        "3,6 — Kuntaliiton kysely, 4/2026 (hanna)",
        "Tavoite 4,0",
    ]
    assert "T1 Digitaaliset palvelut: lähtötaso 2,4 → nyt 3,6 → tavoite 4,0" in bot.ask("kypsyys")
    english = _bot(story, clock, "en").ask("maturity T2")
    assert "2.45 — assessment, 15 Mar 2025" in english and "2.9 — imported assessment" in english
    assert "T2 Tiedolla johtaminen: baseline 1.8 → now 2.9 → target 3.5" in _bot(
        story, clock, "en"
    ).ask("maturity")
    summary, _ = previewed(bot.ctx)
    levels = {s.code: s.current for s in summary.themes}
    assert (levels["T1"], levels["T2"], levels["T6"]) == (3.6, 2.9, None)


def test_the_level_as_it_stood_at_any_moment(story: Engine) -> None:
    with session_scope(story) as session:
        t1 = crud.find_theme(session, code="T1")
        assert t1 is not None

        def then(at: datetime) -> int | None:
            row = maturity.current_level(session, t1.id, at=at)
            return row.level_hundredths if row else None

        assert then(datetime(2024, 1, 1, tzinfo=UTC)) is None
        assert then(datetime(2025, 1, 1, tzinfo=UTC)) == 280
        assert then(datetime(2025, 6, 1, tzinfo=UTC)) == 300
        assert then(datetime(2026, 1, 1, tzinfo=UTC)) == 340
        assert then(datetime(2026, 6, 1, tzinfo=UTC)) == 360
        history = maturity.assessments(
            session, theme_ids=[t1.id], at=datetime(2026, 1, 1, tzinfo=UTC)
        )
        assert [a.level_hundredths for a in history[t1.id]] == [280, 300, 340]
        doc = json.loads(export_json(session, history=False, at=datetime(2025, 6, 1, tzinfo=UTC)))
    assert doc["themes"][0]["current"] == 3.0


def test_an_unchanged_programme_file_never_puts_an_old_level_back(
    story: Engine, tmp_path: Path
) -> None:
    before = _stored(story)
    with session_scope(story) as session:  # the file still says 3.4; the CSV said 3.6 since
        import_file(session, _file(tmp_path, {"T1": 3.4, "T2": 2.6}), label="TA 2027")
    assert _stored(story) == before
    with session_scope(story) as session:  # a new level in the file is a new assessment
        import_file(session, _file(tmp_path, {"T1": 3.8, "T2": 2.6}), label="TA 2027", at=CSV_AT)
    assert _stored(story)[len(before) :] == [("programme", 380, "2026-05-04", "TA 2027", "cli")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("kypsyys T1 6 Itsearviointi", "”6” ei ole kypsyystaso 1–5"),
        ("kypsyys T1 0,5", "”0,5” ei ole kypsyystaso 1–5"),
        ("kypsyys T1 3,255", "”3,255” ei ole kypsyystaso 1–5"),
        ("kypsyys T1 hyvä Itsearviointi", "”hyvä” ei ole kypsyystaso 1–5"),
        ("kypsyys T1 3 Itsearviointi 4/2025", "Arviointipäivä 4/2025 on tulevaisuudessa"),
        ("kypsyys T1 3 Itsearviointi 31.2.2025", "”31.2.2025” ei ole päivämäärä"),
        ("kypsyys T1 3 Kysely 13/2024", "”13/2024” ei ole päivämäärä"),
        ("kypsyys T7 3", "Teemaa ”T7” ei löydy. Tarkoititko: T6, T5, T4?"),
        ("kypsyys palvelut 3", "Teemaa ”palvelut” ei löydy."),
        ("kypsyys T1 3 " + "x" * 201, "Lähde on liian pitkä (201 merkkiä, enintään 200)"),
    ],
)
def test_bad_input_in_chat_says_how_and_stores_nothing(
    programme: Engine, clock: Clock, text: str, expected: str
) -> None:
    before = _stored(programme)
    bot = _bot(programme, clock)
    assert not bot.push(text, as_=COORDINATOR).ok
    assert expected in bot.pop()
    assert _stored(programme) == before


def test_only_coordinators_record_a_level(programme: Engine, clock: Clock) -> None:
    before = _stored(programme)
    answer = _bot(programme, clock, "en").ask("maturity T1 3.2 Self-assessment", as_=OWNER)
    assert "Maturity levels are recorded by coordinators; nothing was saved." in answer
    assert "/digi maturity T1" in answer
    assert _stored(programme) == before


def test_the_date_is_today_unless_given_and_every_word_before_it_is_the_source(
    programme: Engine, clock: Clock
) -> None:
    bot = _bot(programme, clock, "en")
    assert "maturity 3.25 (Kuntaliitto survey 2024, 20 Mar 2025)" in bot.ask(
        "maturity T3 3.25 Kuntaliitto survey 2024", as_=COORDINATOR
    )
    bot.ask("mognad T3 3,1 Enkät 2025-03-01", as_=COORDINATOR)  # the Swedish word works too
    assert _stored(programme)[-2:] == [
        ("chat", 325, "2025-03-20", "Kuntaliitto survey 2024", COORDINATOR),
        ("chat", 310, "2025-03-01", "Enkät", COORDINATOR),
    ]
    assert "now 3.25" in bot.ask("maturity")  # the latest by the date assessed


def test_a_repeated_delivery_records_once(programme: Engine, clock: Clock) -> None:
    bot = _bot(programme, clock)
    bot.ask("kypsyys T1 3 Itsearviointi", as_=COORDINATOR, key="delivery-1")
    assert "jo tallennettu" in bot.ask(
        "kypsyys T1 3 Itsearviointi", as_=COORDINATOR, key="delivery-1"
    )
    assert [row[0] for row in _stored(programme)].count("chat") == 1


def test_a_bad_csv_is_refused_whole_with_line_numbers(programme: Engine, tmp_path: Path) -> None:
    before = _stored(programme)
    path = _csv(
        tmp_path,
        "theme,level,date,source\n"
        "T1,3.2,2025-10,Itsearviointi\n"  # good, but the file is refused whole
        "T9,3,2025-10,\n"
        "T1,5.5,2025-10,\n"
        "T1,3,2099-01,\n"
        "T1,3,13/2025,\n"
        "T1,3.2,10/2025,Itsearviointi\n",  # the same as line 2
    )
    with session_scope(programme) as session, pytest.raises(ImportFailed) as failed:
        import_maturity(session, path, by="hanna", today=date(2026, 5, 4))
    assert [(p.line, p.field, p.key) for p in failed.value.problems] == [
        (3, "theme", "maturity.import.unknown_theme"),
        (4, "level", "import.bad_level"),
        (5, "date", "maturity.import.future_date"),
        (6, "date", "maturity.import.bad_date"),
        (7, "-", "maturity.import.duplicate"),
    ]
    header = _csv(tmp_path, "teema;taso\nT1;3\n")
    with session_scope(programme) as session, pytest.raises(ImportFailed) as failed:
        import_maturity(session, header, by="hanna", today=date(2026, 5, 4))
    assert [(p.line, p.field) for p in failed.value.problems] == [
        (1, "teema"),
        (1, "taso"),
        (1, "theme"),
        (1, "level"),
        (1, "date"),
    ]
    assert _stored(programme) == before


def test_cli_import_maturity_prints_what_it_recorded(tmp_path: Path) -> None:
    assert cli(tmp_path, "import", str(EXAMPLE)).returncode == 0
    path = _csv(tmp_path, "theme;level;date;source\nT1;3,2;10/2025;Itsearviointi\n")
    done = cli(tmp_path, "import-maturity", str(path), "--by", "hanna")
    assert done.returncode == 0, done.stderr
    assert "1 maturity assessments recorded (0 were recorded already)" in done.stdout
    assert "T1: 3.2 (Itsearviointi, Oct 2025), line 2" in done.stdout
    again = cli(tmp_path, "import-maturity", str(path))
    assert "0 maturity assessments recorded (1 were recorded already)" in again.stdout
    bad = cli(tmp_path, "import-maturity", str(_csv(tmp_path, "theme,level,date\nT1,7,2025\n")))
    assert bad.returncode == 1
    assert "line 2, level: “7” is not a maturity level" in bad.stderr
    assert "line 2, date: “2025” is not a date" in bad.stderr


def test_a_backup_carries_the_assessments_and_restores_to_the_same_bytes(
    story: Engine, restored: Engine
) -> None:
    with session_scope(story) as session:
        backup = export_json(session, history=True)
        open_data = json.loads(export_json(session, history=False))
    t1 = json.loads(backup)["themes"][0]
    assert t1["current"] == 3.6 and open_data["themes"][0]["current"] == 3.6
    assert open_data["themes"][0]["assessments"] is None
    assert [(a["level_hundredths"], a["origin"]) for a in t1["assessments"]] == [
        (280, "programme"),
        (300, "chat"),
        (340, "programme"),
        (360, "maturity-import"),
    ]
    with session_scope(restored) as session:
        restore(session, backup)
    with session_scope(restored) as session:
        assert export_json(session, history=True) == backup


@pytest.mark.parametrize(
    ("field", "value", "key"),
    [
        ("level_hundredths", 520, "restore.out_of_range"),
        ("assessed_on", "2025-13", "maturity.import.bad_date"),
        ("assessed_on", "2099-01", "maturity.import.bad_date"),
        ("origin", "guess", "restore.not_one_of"),
        ("author", " ", "import.required"),
    ],
)
def test_restore_refuses_a_bad_assessment(
    story: Engine, restored: Engine, field: str, value: object, key: str
) -> None:
    with session_scope(story) as session:
        backup = export_json(session, history=True)
    with session_scope(restored) as session, pytest.raises(RestoreRefused) as refused:
        restore(session, damaged(backup, f"themes[0].assessments[1].{field}", value))
    assert [(p.path, p.key) for p in refused.value.problems] == [
        (f"themes[0].assessments[1].{field}", key)
    ]
