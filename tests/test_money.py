"""Money: appropriations per budget year in the programme file, spending reported in chat and
imported from the finance system's actuals, shown against the plan; every bad input refused
with nothing stored; spending carried through a backup and restore."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from sqlalchemy import Engine
from sqlmodel import select

from handlers.context import Context
from storage import crud, plan
from storage.actuals import read_actuals, record_actuals
from storage.db import make_engine, migrate, session_scope
from storage.export import export_csv
from storage.models import Spending
from storage.programme_io import ImportFailed, import_file
from storage.restore import RestoreRefused
from tests.conftest import (
    COORDINATOR,
    EXAMPLE,
    OWNER,
    PRIMARY,
    STRANGER,
    ChatBot,
    Clock,
    db_url,
)
from tests.test_export import as_json, cli
from tests.test_restore import damaged, restore_into

SPRING_2025 = datetime(2025, 4, 1, 9, 30, tzinfo=UTC)
NEW_YEAR_2026 = datetime(2025, 12, 31, 22, 30, tzinfo=UTC)  # 00.30 on 1 Jan 2026 in Helsinki


def _programme(folder: Path, **appropriations: object) -> Path:
    """The example programme with appropriations for some measures (by id, `1_1` for 1.1)."""
    doc = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    for measure in doc["measures"]:
        if (key := measure["id"].replace(".", "_")) in appropriations:
            measure["appropriations"] = appropriations[key]
    path = folder / "programme.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture
def funded(engine: Engine, tmp_path: Path) -> Engine:
    """1.1 (budget 20 000 €) has 10 000 € in 2025 and 12 400,50 € in 2026."""
    path = _programme(tmp_path, **{"1_1": {2025: 10000, 2026: "12 400,50"}})
    with session_scope(engine) as session:
        import_file(session, path, at=SPRING_2025)
    return engine


@pytest.fixture
def second() -> Engine:
    """An empty database to restore into."""
    engine = make_engine(db_url("restored.db"))
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def money_bot(funded: Engine, clock: Clock) -> ChatBot:
    ctx = Context(engine=funded, language="en", coordinators=frozenset({COORDINATOR}), now=clock)
    return ChatBot(ctx)


def _ask(bot: ChatBot, text: str, *, as_: str = OWNER, key: str | None = None) -> str:
    """The answer on one line: fields' labels and values are aligned with spaces."""
    return " ".join(bot.ask(text, as_=as_, key=key).split())


def _spending(engine: Engine) -> list[Spending]:
    with session_scope(engine) as session:
        rows = list(session.exec(select(Spending).order_by(Spending.id)))
        session.expunge_all()
        return rows


def _actuals(folder: Path, text: str, name: str = "actuals.csv") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8-sig")
    return path


# --- the story: two budget years ---


def test_two_years_of_appropriations_and_actuals(
    money_bot: ChatBot, funded: Engine, clock: Clock, tmp_path: Path
) -> None:
    with session_scope(funded) as session:
        measure = crud.find_measure(session, code="1.1")
        assert measure.appropriations == "2025:1000000;2026:1240050"
        planned = plan.latest_measure_plans(session, ids=[measure.id])[measure.id]
        assert planned.appropriations == measure.appropriations  # a plan field

    shown = _ask(money_bot, "show 1.1")
    assert "Budget: €20,000" in shown
    assert "Appropriation 2025: €10,000" in shown
    assert "Appropriations in all: €22,400.50 (2025–2026)" in shown
    assert "Spent" not in shown  # nothing reported yet

    answer = _ask(money_bot, "spent 1.1 €4,000 Licences for the pilot", as_=OWNER)
    assert "Saved" in answer and "Spent 2025: €4,000 (40%)" in answer
    assert "4 000 €" in _ask(money_bot.in_language("fi"), "näytä 1.1")

    # The finance system's actuals at the year's end: more than the appropriation.
    path = _actuals(tmp_path, "id;spent_eur;as_of;note\n1.1;10 250,75;31.12.2025;Kirjanpito\n")
    clock.value = datetime(2025, 12, 31, 14, tzinfo=UTC)
    with session_scope(funded) as session:  # as `digibot import-actuals` does, at our time
        rows = read_actuals(path, today=clock.value.date())
        record_actuals(session, rows, by="talous", at=clock.value)
    shown = _ask(money_bot, "show 1.1")
    assert "Spent 2025: €10,250.75 (103%)" in shown
    assert "⚠️ Over the appropriation: spent €10,250.75 against €10,000 planned (2025)" in shown

    # A new budget year: the new year's figures; the old year's spending stays in the total.
    clock.value = NEW_YEAR_2026
    fi = money_bot.in_language("fi")
    answer = _ask(fi, "käytetty 1.1 3 100,10", as_=COORDINATOR)
    assert "Tallennettu" in answer
    shown = _ask(fi, "näytä 1.1")
    assert "Määräraha 2026: 12 400,50 €" in shown
    assert "Käytetty 2026: 3 100,10 € (25 %)" in shown
    assert "Käytetty yhteensä: 13 350,85 € (67 %)" in shown  # of the budget, 20 000 €
    assert "Yli määrärahan" not in shown
    answer = _ask(money_bot, "spent 1.1 9 800 --year 2025 Corrected", as_=OWNER)
    assert "Spent in all: €12,900.10" in answer

    rows = _spending(funded)
    assert [(r.year, r.spent_cents, r.source, r.author) for r in rows] == [
        (2025, 400_000, "console", OWNER),
        (2025, 1_025_075, "actuals", "talous"),
        (2026, 310_010, "console", COORDINATOR),
        (2025, 980_000, "console", OWNER),
    ]
    assert (rows[1].reported_on, rows[1].note) == ("2025-12-31", "Kirjanpito")
    assert rows[2].reported_on == "2026-01-01"  # Helsinki's day

    history = _ask(money_bot, "history 1.1")
    assert "Spending reports, newest first" in history
    assert "2025: €10,250.75, by talous" in history

    with session_scope(funded) as session:
        table = export_csv(session, history=False).splitlines()
    assert table[0].endswith(",retired_at,appropriations,spent_eur")
    assert table[1].endswith(",2025:10000.00;2026:12400.50,12900.10")


def test_a_csv_programme_gives_appropriations_in_year_columns(
    engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "programme.csv"
    path.write_text(
        "id;theme;title;owner;budget_eur;appropriation_2025;appropriation_2026\n"
        "1.1;T1;Sähköiset päätökset;kehitysjohtaja@example.org;20000;10 000;12 400,50 €\n"
        "1.2;T1;Ajanvaraus;kehitysjohtaja@example.org;;;\n",
        encoding="utf-8-sig",
    )
    with session_scope(engine) as session:
        import_file(session, path)
        assert [m.appropriations for m in crud.measures(session)] == [
            "2025:1000000;2026:1240050",
            "",
        ]


def test_bad_appropriations_are_refused_at_their_lines(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "programme.csv"
    path.write_text(
        "id,theme,title,owner,appropriation_2025\n"
        "1.1,T1,A,kehitysjohtaja@example.org,-500\n"
        "1.2,T1,B,kehitysjohtaja@example.org,paljon\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportFailed) as failed, session_scope(engine) as session:
        import_file(session, path)
    assert [(p.line, p.key, p.params["year"]) for p in failed.value.problems] == [
        (2, "import.bad_appropriation", "2025"),
        (3, "import.bad_appropriation", "2025"),
    ]
    yaml_path = _programme(tmp_path, **{"1_1": {2025: 100, "ensi vuosi": 5}, "1_2": "lots"})
    with pytest.raises(ImportFailed) as failed, session_scope(engine) as session:
        import_file(session, yaml_path)
    keys = [p.key for p in failed.value.problems]
    assert keys == ["import.bad_year", "import.bad_appropriations"]
    assert all(p.line > 1 for p in failed.value.problems)
    with session_scope(engine) as session:
        assert crud.measures(session) == []


# --- bad input in chat ---


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("spent 1.1 -500", "“-500” is not an amount of euros"),
        ("spent 1.1 lots", "“lots” is not an amount of euros"),
        ("spent 1.1 12,4,00", "is not an amount of euros"),
        ("spent 1.1 500 --year 25", "“25” is not a budget year"),
        ("spent 1.1", "Give the measure's id and the amount spent"),
        ("spent 9.9 500", "not found"),
        # 100 × the 2025 appropriation of 10 000 € is 1 000 000 €.
        ("spent 1.1 1 000 000,01", "is over 100 times the 2025 appropriation or budget (€10,000)"),
        # 2.1 has no appropriations: its budget (60 000 €) is the measure.
        ("spent 2.1 6 000 000,01 --year 2025", "(€60,000)"),
    ],
)
def test_a_bad_report_is_refused_and_nothing_is_stored(
    money_bot: ChatBot, funded: Engine, text: str, expected: str
) -> None:
    reply = money_bot.push(text, as_=COORDINATOR)
    assert not reply.ok
    assert expected in money_bot.pop()
    assert _spending(funded) == []


def test_a_report_at_100_times_the_appropriation_is_taken(
    money_bot: ChatBot, funded: Engine
) -> None:
    assert "Saved" in _ask(money_bot, "spent 1.1 1 000 000", as_=OWNER)
    assert [r.spent_cents for r in _spending(funded)] == [100_000_000]


def test_a_stranger_is_refused_naming_the_owner(money_bot: ChatBot, funded: Engine) -> None:
    reply = money_bot.push("spent 1.1 500", as_=STRANGER)
    assert not reply.ok
    assert OWNER in money_bot.pop()
    assert _spending(funded) == []


def test_a_retired_measure_takes_no_spending(money_bot: ChatBot, funded: Engine) -> None:
    with session_scope(funded) as session:
        revision = plan.new_revision(session, label="TA 2026", by="test", source="test")
        plan.retire(crud.find_measure(session, code="1.1"), revision=revision)
    reply = money_bot.push("spent 1.1 500", as_=COORDINATOR)
    assert not reply.ok
    assert "has been retired" in money_bot.pop()
    assert _spending(funded) == []


def test_a_repeated_delivery_is_stored_once(money_bot: ChatBot, funded: Engine) -> None:
    assert "Saved" in _ask(money_bot, "spent 1.1 500", as_=OWNER, key="Ev1")
    assert "already saved" in _ask(money_bot, "spent 1.1 500", as_=OWNER, key="Ev1")
    assert len(_spending(funded)) == 1


# --- actuals ---


def test_import_actuals_prints_what_it_recorded(funded: Engine, tmp_path: Path) -> None:
    path = _actuals(tmp_path, 'id,spent_eur,year,note\n1.1,"€10,250.75",2025,Ledger\n2.1,0,,\n')
    done = cli(tmp_path, PRIMARY, "import-actuals", str(path), "--by", "talous")
    assert done.returncode == 0, done.stderr.decode()
    out = done.stdout.decode()
    assert "2 actuals recorded" in out and "1.1 2025: €10,250.75" in out
    rows = _spending(funded)
    first = rows[0]
    assert (first.year, first.spent_cents, first.source, first.author, first.note) == (
        2025, 1_025_075, "actuals", "talous", "Ledger",
    )  # fmt: skip
    assert rows[1].year == int(rows[1].reported_on[:4])  # no year: the day's


def test_a_bad_actuals_file_is_refused_at_its_lines_and_nothing_is_stored(
    funded: Engine, tmp_path: Path
) -> None:
    with session_scope(funded) as session:
        revision = plan.new_revision(session, label="TA 2026", by="test", source="test")
        plan.retire(crud.find_measure(session, code="2.1"), revision=revision)
    path = _actuals(
        tmp_path,
        "id,spent_eur,as_of,year\n"
        "1.1,500,,2025\n"
        "9.9,100,,\n"
        "1.1,600,2025-05-01,\n"
        "1.2,-5,,\n"
        "1.3,100,31.2.2025,\n"
        "2.1,100,,2025\n"
        "1.4,100,,ensi\n",
    )
    done = cli(tmp_path, PRIMARY, "import-actuals", str(path))
    assert done.returncode == 1
    errors = done.stderr.decode()
    for expected in (
        "line 4, id: measure 1.1, year 2025 already appears on line 2",
        "line 5, spent_eur: “-5” is not an amount of euros",
        "line 6, as_of: “31.2.2025” is not a day",
        "line 8, year: “ensi” is not a year",
    ):
        assert expected in errors, errors
    assert _spending(funded) == []
    # The rows well formed on their own: ids are checked against the programme.
    path = _actuals(tmp_path, "id;spent_eur\n1.1;500\n9.9;100\n2.1;100\n")
    errors = cli(tmp_path, PRIMARY, "import-actuals", str(path)).stderr.decode()
    assert "line 3, id: measure “9.9” is not in the programme" in errors
    assert "line 4, id: measure 2.1 has been retired from the programme" in errors
    assert _spending(funded) == []


# --- backup ---


def test_spending_survives_a_backup_and_restore_byte_for_byte(
    money_bot: ChatBot, funded: Engine, second: Engine, clock: Clock
) -> None:
    _ask(money_bot, "spent 1.1 4 000 Lisenssit", as_=OWNER)
    clock.value = NEW_YEAR_2026
    _ask(money_bot, "spent 1.1 100,50", as_=OWNER)
    backup = as_json(funded, history=True)
    measure = next(m for m in json.loads(backup)["measures"] if m["id"] == "1.1")
    assert measure["appropriations"] == "2025:1000000;2026:1240050"
    assert [(s["year"], s["spent_cents"], s["note"]) for s in measure["spending"]] == [
        (2025, 400_000, "Lisenssit"),
        (2026, 10_050, ""),
    ]
    restore_into(second, backup)
    assert as_json(second, history=True) == backup


def test_a_backup_with_bad_spending_is_refused(
    money_bot: ChatBot, funded: Engine, second: Engine
) -> None:
    _ask(money_bot, "spent 1.1 4 000", as_=OWNER)
    backup = as_json(funded, history=True)
    for path, value, key in (
        ("measures[0].spending[0].spent_cents", -1, "restore.out_of_range"),
        ("measures[0].spending[0].year", 99, "import.bad_year"),
        ("measures[0].spending[0].reported_on", "eilen", "restore.bad_day"),
        ("measures[0].appropriations", "2025:lots", "import.bad_appropriations"),
    ):
        with pytest.raises(RestoreRefused) as refused:
            restore_into(second, damaged(backup, path, value))
        assert [(p.path, p.key) for p in refused.value.problems] == [(path, key)]
