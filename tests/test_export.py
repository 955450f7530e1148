"""Export (open data, backups) and restore: deterministic JSON, the full history, CSV that
Excel and Python read back, and a restore that proves itself by exporting the same bytes."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from storage import crud
from storage.db import make_engine, migrate, session_scope
from storage.export import export_csv, export_json
from storage.models import StatusUpdate
from storage.restore import RestoreRefused, restore
from tests.conftest import COORDINATOR, DEPUTY, OWNER, ROOT, db_url

NOTE = 'Pilot, "phase 2"\nstarted in two schools'
T1 = datetime(2025, 4, 1, 9, 30, tzinfo=UTC)
T2 = datetime(2025, 4, 8, 10, 0, tzinfo=UTC)
T3 = datetime(2025, 4, 9, 11, 15, tzinfo=UTC)
WITHDRAWN_AT = datetime(2025, 4, 9, 11, 20, tzinfo=UTC)


def add_update(session, code: str, *, author: str, status: str, progress, note: str, at):
    measure = crud.find_measure(session, code=code)
    return crud.append_update(
        session,
        measure_id=measure.id,
        author=author,
        status=status,
        progress=progress,
        note=note,
        source="console",
        created_at=at,
    )


@pytest.fixture
def history(programme: Engine) -> Engine:
    return add_history(programme)


def add_history(programme: Engine) -> Engine:
    """The example with three updates of 1.1 (the latest withdrawn), one of 2.1, and a
    coordinator granted in the database."""
    with session_scope(programme) as session:
        add_update(session, "1.1", author=OWNER, status="on_track", progress=20, note="", at=T1)
        add_update(session, "1.1", author=DEPUTY, status="at_risk", progress=40, note=NOTE, at=T2)
        wrong = add_update(
            session, "1.1", author=OWNER, status="done", progress=100, note="oops", at=T3
        )
        crud.withdraw(session, update=wrong, by=COORDINATOR, at=WITHDRAWN_AT)
        add_update(session, "2.1", author=OWNER, status="delayed", progress=5, note="x", at=T1)
        crud.add_coordinator(session, ref=COORDINATOR, added_by="cli")
    return programme


@pytest.fixture
def fresh(tmp_path: Path) -> Engine:
    engine = make_engine(db_url("fresh.db"))
    migrate(engine)
    yield engine
    engine.dispose()


def as_json(engine: Engine, *, history: bool) -> str:
    with session_scope(engine) as session:
        return export_json(session, history=history)


def as_csv(engine: Engine, *, history: bool) -> list[list[str]]:
    with session_scope(engine) as session:
        return list(csv.reader(io.StringIO(export_csv(session, history=history), newline="")))


def measure_of(text: str, code: str) -> dict:
    return next(m for m in json.loads(text)["measures"] if m["id"] == code)


def counts(engine: Engine) -> tuple[int, int]:
    with session_scope(engine) as session:
        updates = len(session.exec(select(StatusUpdate)).all())
        return crud.count_measures(session), updates


# --- JSON ---


def test_json_export_is_byte_identical_twice(history: Engine) -> None:
    assert as_json(history, history=True) == as_json(history, history=True)
    assert as_json(history, history=False) == as_json(history, history=False)


def test_json_export_holds_no_export_time(programme: Engine) -> None:
    text = as_json(programme, history=False)
    doc = json.loads(text)

    stamps = set(re.findall(r'"(\d{4}-\d\d-\d\dT[^"]*)"', text))
    assert stamps == {m["added_at"] for m in doc["measures"]} | {
        r["created_at"] for r in doc["revisions"]
    } | {p["opened_at"] for p in doc["periods"]}
    assert set(doc) == {
        "digibot_export", "history", "as_of", "programme", "periods", "revisions", "people",
        "coordinators", "themes", "measures",
    }  # fmt: skip


def test_json_measures_are_in_natural_id_order(programme: Engine) -> None:
    ids = [m["id"] for m in json.loads(as_json(programme, history=False))["measures"]]

    assert ids[:4] == ["1.1", "1.2", "1.3", "1.4"]
    assert len(ids) == 22


def test_history_lists_every_update_oldest_first(history: Engine) -> None:
    updates = measure_of(as_json(history, history=True), "1.1")["updates"]

    assert [(u["author"], u["status"], u["progress"], u["note"]) for u in updates] == [
        (OWNER, "on_track", 20, ""),
        (DEPUTY, "at_risk", 40, NOTE),
        (OWNER, "done", 100, "oops"),
    ]
    assert [datetime.fromisoformat(u["time"]) for u in updates] == [T1, T2, T3]
    assert [u["withdrawn_by"] for u in updates] == [None, None, COORDINATOR]
    assert datetime.fromisoformat(updates[2]["withdrawn_at"]) == WITHDRAWN_AT
    assert updates[0]["withdrawn_at"] is None


def test_without_history_only_the_current_state(history: Engine) -> None:
    measure = measure_of(as_json(history, history=False), "1.1")

    assert not measure.get("updates")
    assert measure["current"]["status"] == "at_risk"


def test_current_ignores_the_withdrawn_update(history: Engine) -> None:
    current = measure_of(as_json(history, history=True), "1.1")["current"]

    assert (current["status"], current["progress"], current["note"]) == ("at_risk", 40, NOTE)
    assert (current["author"], datetime.fromisoformat(current["time"])) == (DEPUTY, T2)


def test_measure_without_updates_has_no_current_state(history: Engine) -> None:
    measure = measure_of(as_json(history, history=True), "1.2")

    assert measure["current"] is None
    assert measure["updates"] == []


# --- restore ---


def test_restore_round_trip_gives_identical_export(history: Engine, fresh: Engine) -> None:
    original = as_json(history, history=True)

    with session_scope(fresh) as session:
        assert restore(session, original) == (22, 4)

    assert as_json(fresh, history=True) == original


def test_restore_refuses_a_database_that_is_not_empty(history: Engine) -> None:
    backup = as_json(history, history=True)
    before = counts(history)

    with pytest.raises(RestoreRefused) as refused, session_scope(history) as session:
        restore(session, backup)

    assert refused.value.reason == "not_empty"
    assert counts(history) == before


def test_restore_refuses_an_export_without_history(history: Engine, fresh: Engine) -> None:
    with pytest.raises(RestoreRefused) as refused, session_scope(fresh) as session:
        restore(session, as_json(history, history=False))

    assert refused.value.reason == "invalid"
    assert counts(fresh) == (0, 0)


@pytest.mark.parametrize("raw", ["", "garbage", "[]", '{"digibot_export": 1}'])
def test_restore_refuses_garbage(raw: str, fresh: Engine) -> None:
    with pytest.raises(RestoreRefused) as refused, session_scope(fresh) as session:
        restore(session, raw)

    assert refused.value.reason == "invalid"
    assert counts(fresh) == (0, 0)


# --- CSV ---


def test_csv_has_a_header_and_one_row_per_measure(history: Engine) -> None:
    header, *rows = as_csv(history, history=False)

    assert header[:4] == ["id", "theme", "title", "owner"]
    assert len(rows) == 22
    by_id = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    assert (by_id["1.1"]["status"], by_id["1.1"]["progress"]) == ("at_risk", "40")
    assert (by_id["2.1"]["status"], by_id["2.1"]["progress"]) == ("delayed", "5")
    assert (by_id["1.2"]["status"], by_id["1.2"]["progress"]) == ("not_started", "")


def test_csv_note_with_comma_quotes_and_newline_reads_back(history: Engine) -> None:
    header, *rows = as_csv(history, history=False)

    row = dict(zip(header, rows[0], strict=True))
    assert (row["id"], row["note"]) == ("1.1", NOTE)


def test_csv_history_has_one_row_per_update_withdrawn_marked(history: Engine) -> None:
    header, *rows = as_csv(history, history=True)
    rows = [dict(zip(header, row, strict=True)) for row in rows]

    assert [(r["measure"], r["status"]) for r in rows] == [
        ("1.1", "on_track"), ("1.1", "at_risk"), ("1.1", "done"), ("2.1", "delayed"),
    ]  # fmt: skip
    assert [r["withdrawn_by"] for r in rows] == ["", "", COORDINATOR, ""]
    assert datetime.fromisoformat(rows[2]["withdrawn_at"]) == WITHDRAWN_AT
    assert rows[1]["note"] == NOTE


# --- the command line ---


def cli(
    tmp_path: Path, database: str, *args: str, language: str = "en"
) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DIGIBOT_", "DATABASE_"))}
    env |= {"DATABASE_URL": db_url(database), "DIGIBOT_LANGUAGE": language}
    env["PYTHONPATH"] = str(ROOT)  # this checkout's code, whichever the virtualenv installed
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        timeout=120,
    )


def assert_no_traceback(done: subprocess.CompletedProcess) -> None:
    assert b"Traceback" not in done.stdout + done.stderr


def test_cli_export_matches_the_python_export(history: Engine, tmp_path: Path) -> None:
    done = cli(tmp_path, "digibot.db", "export", "--format", "json", "--history")

    assert done.returncode == 0, done.stderr
    assert done.stdout.decode("utf-8") == as_json(history, history=True)


def test_cli_restore_then_export_gives_the_same_bytes(history: Engine, tmp_path: Path) -> None:
    exported = cli(tmp_path, "digibot.db", "export", "--format", "json", "--history").stdout
    backup = tmp_path / "backup.json"
    backup.write_bytes(exported)

    restored = cli(tmp_path, "restored.db", "restore", str(backup))
    again = cli(tmp_path, "restored.db", "export", "--format", "json", "--history")

    assert restored.returncode == 0, restored.stderr
    assert b"22 measures and 4 status updates" in restored.stdout
    assert again.stdout == exported


def test_cli_restore_refuses_a_database_that_is_not_empty(history: Engine, tmp_path: Path) -> None:
    backup = tmp_path / "backup.json"
    backup.write_text(as_json(history, history=True), encoding="utf-8")
    before = counts(history)

    done = cli(tmp_path, "digibot.db", "restore", str(backup))

    assert done.returncode != 0
    assert b"only into an empty database" in done.stderr
    assert_no_traceback(done)
    assert counts(history) == before


def test_cli_restore_refuses_an_export_without_history(history: Engine, tmp_path: Path) -> None:
    backup = tmp_path / "plain.json"
    backup.write_text(as_json(history, history=False), encoding="utf-8")

    done = cli(tmp_path, "empty.db", "restore", str(backup))

    assert done.returncode != 0
    assert b"--history" in done.stderr
    assert_no_traceback(done)


def test_cli_restore_refuses_garbage(tmp_path: Path) -> None:
    backup = tmp_path / "garbage.json"
    backup.write_text("this is not an export", encoding="utf-8")

    done = cli(tmp_path, "empty.db", "restore", str(backup))

    assert done.returncode != 0
    assert b"is not a digibot JSON export" in done.stderr
    assert_no_traceback(done)


def _duplicate_id(doc: dict) -> None:
    doc["measures"][1]["id"] = doc["measures"][0]["id"]


def _time_without_zone(doc: dict) -> None:
    doc["measures"][0]["added_at"] = "2025-01-01T00:00:00"


@pytest.mark.parametrize("damage", [_duplicate_id, _time_without_zone])
def test_cli_restore_refuses_a_damaged_export_without_traceback(
    damage, history: Engine, tmp_path: Path
) -> None:
    doc = json.loads(as_json(history, history=True))
    damage(doc)
    backup = tmp_path / "damaged.json"
    backup.write_text(json.dumps(doc), encoding="utf-8")

    done = cli(tmp_path, "empty.db", "restore", str(backup))

    assert done.returncode != 0
    assert b"Nothing was changed" in done.stderr
    assert_no_traceback(done)
    empty = make_engine(db_url("empty.db"))
    assert counts(empty) == (0, 0)
    empty.dispose()


def test_csv_neutralises_formulas_and_has_an_excel_flavour(programme: Engine) -> None:
    with session_scope(programme) as session:
        add_update(session, "1.1", author=OWNER, status="at_risk", progress=None,
                   note='=HYPERLINK("http://x";"klikkaa")', at=T1)  # fmt: skip
        plain = export_csv(session, history=False)
        excel = export_csv(session, history=False, excel=True)
    [row] = [r for r in csv.DictReader(io.StringIO(plain)) if r["id"] == "1.1"]
    assert row["note"] == '\'=HYPERLINK("http://x";"klikkaa")'
    assert excel.startswith("\ufeffid;theme;title;owner")
    assert (
        next(iter(csv.DictReader(io.StringIO(excel.lstrip("\ufeff")), delimiter=";")))["id"]
        == "1.1"
    )
