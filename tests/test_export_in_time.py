"""Export and restore carry the programme in time: periods, revisions, plan history and
retired measures; an export can be made as of any past moment."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from sqlalchemy import Engine

from storage import crud, plan
from storage.db import make_engine, migrate, session_scope
from storage.export import export_json
from storage.programme_io import import_file
from storage.restore import RestoreRefused, restore
from tests.conftest import EXAMPLE, db_url, record
from tests.test_restore import damaged

START = datetime(2025, 1, 10, 8, tzinfo=UTC)
REVISED = datetime(2025, 10, 1, 8, tzinfo=UTC)
NEXT_PERIOD = datetime(2027, 1, 5, 8, tzinfo=UTC)


def _as_json(engine: Engine, *, at: datetime | None = None, history: bool = True) -> str:
    with session_scope(engine) as session:
        return export_json(session, history=history, at=at)


def _revise(engine: Engine, folder: Path, name: str, change, *, label: str, at: datetime) -> None:
    doc = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    change(doc)
    path = folder / name
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    with session_scope(engine) as session:
        new_period = name.startswith("period")  # the import's --new-period
        import_file(session, path, label=label, by="coordinator", at=at, new_period=new_period)


def _budget_revision(doc: dict) -> None:
    """TA 2026: 1.1 moved to 12/2026 and handed to a new owner; the last measure dropped."""
    first = doc["measures"][0]
    first["due"], first["owner"] = "2026-12", "uusi.omistaja@example.org"
    doc["measures"].pop()


@pytest.fixture
def revised(engine: Engine, tmp_path: Path) -> Engine:
    with session_scope(engine) as session:
        import_file(session, EXAMPLE, label="Ohjelma 2024", by="coordinator", at=START)
    record(engine, "1.1", "on_track", progress=30, when=START + timedelta(days=30))
    _revise(engine, tmp_path, "ta2026.yaml", _budget_revision, label="TA 2026", at=REVISED)
    record(engine, "1.1", "at_risk", note="Toimittaja myöhässä", when=REVISED + timedelta(days=2))
    return engine


def _measure(doc: dict, code: str) -> dict:
    return next(m for m in doc["measures"] if m["id"] == code)


def test_a_backup_carries_revisions_plan_history_and_retired_measures(revised: Engine) -> None:
    doc = json.loads(_as_json(revised))
    assert [(r["id"], r["label"], r["kind"]) for r in doc["revisions"]] == [
        (1, "Ohjelma 2024", "revision"),
        (2, "TA 2026", "revision"),
    ]
    first = _measure(doc, "1.1")
    assert [(p["revision"], p["due"], p["owner"]) for p in first["plan"]] == [
        (1, "2026-06", "kehitysjohtaja@example.org"),
        (2, "2026-12", "uusi.omistaja@example.org"),
    ]
    dropped = doc["measures"][-1]
    assert (dropped["retired_revision_id"], dropped["plan"][-1]["retired"]) == (2, True)
    assert dropped["retired_at"] == "2025-10-01T08:00:00Z"


def test_restore_then_export_gives_the_same_bytes_with_revisions(revised: Engine) -> None:
    backup = _as_json(revised)
    second = make_engine(db_url("restored.db"))
    migrate(second)
    try:
        with session_scope(second) as session:
            restore(session, backup)
        assert _as_json(second) == backup
        with session_scope(second) as session:  # and the restored plan reads as the original
            measure = crud.find_measure(session, code="1.1")
            assert plan.original_due(session, measure_id=measure.id) == "2026-06"
            assert len(crud.measures(session)) == len(crud.measures(session, retired=True)) - 1
    finally:
        second.dispose()


def test_an_export_as_of_a_past_moment_shows_the_programme_as_it_stood(revised: Engine) -> None:
    before = json.loads(_as_json(revised, at=REVISED - timedelta(days=1)))
    first, dropped = _measure(before, "1.1"), before["measures"][-1]
    assert (first["due"], first["owner"], first["current"]["status"]) == (
        "2026-06",
        "kehitysjohtaja@example.org",
        "on_track",
    )
    assert dropped["retired_at"] is None  # still in force then
    assert [r["label"] for r in before["revisions"]] == ["Ohjelma 2024"]
    assert [len(m["plan"]) for m in before["measures"]] == [1] * len(before["measures"])
    assert [u["status"] for u in first["updates"]] == ["on_track"]

    after = json.loads(_as_json(revised, at=REVISED + timedelta(days=3)))
    first = _measure(after, "1.1")
    assert (first["due"], first["owner"], first["current"]["status"]) == (
        "2026-12",
        "uusi.omistaja@example.org",
        "at_risk",
    )
    assert after["measures"][-1]["retired_at"] == "2025-10-01T08:00:00Z"
    assert after["as_of"] == (REVISED + timedelta(days=3)).isoformat().replace("+00:00", "Z")


def test_an_export_as_of_now_is_the_export(revised: Engine) -> None:
    """Only the `as_of` stamp differs: nothing else moves when the moment is after it all."""
    now = json.loads(_as_json(revised))
    later = json.loads(_as_json(revised, at=datetime(2030, 1, 1, tzinfo=UTC)))
    assert later.pop("as_of") and now.pop("as_of") is None
    assert later == now


def test_a_withdrawal_made_later_is_not_in_an_earlier_export(revised: Engine) -> None:
    with session_scope(revised) as session:
        measure = crud.find_measure(session, code="1.1")
        latest = crud.current_update(session, measure_id=measure.id)
        latest.withdrawn_at, latest.withdrawn_by = REVISED + timedelta(days=20), "U0OWNER"
        session.add(latest)
    then = json.loads(_as_json(revised, at=REVISED + timedelta(days=10)))
    assert _measure(then, "1.1")["current"]["status"] == "at_risk"
    assert _measure(then, "1.1")["updates"][-1]["withdrawn_at"] is None
    now = json.loads(_as_json(revised))
    assert _measure(now, "1.1")["current"]["status"] == "on_track"


def test_a_new_period_is_carried_by_the_backup(revised: Engine, tmp_path: Path) -> None:
    def next_period(doc: dict) -> None:
        doc["programme"]["period"] = "2027-2028"
        doc["measures"] = doc["measures"][:3]

    _revise(revised, tmp_path, "period.yaml", next_period, label="2027-2028", at=NEXT_PERIOD)
    doc = json.loads(_as_json(revised))
    assert [(p["name"], p["closed_at"]) for p in doc["periods"]] == [
        ("2024-2026", "2027-01-05T08:00:00Z"),
        ("2027-2028", None),
    ]
    second = make_engine(db_url("restored.db"))
    migrate(second)
    try:
        with session_scope(second) as session:
            restore(session, json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
            assert plan.current_period(session).name == "2027-2028"
        assert json.loads(_as_json(second)) == doc
    finally:
        second.dispose()


@pytest.mark.parametrize(
    ("path", "value", "key"),
    [
        ("measures[0].plan[1].revision", 9, "restore.unknown_revision"),
        ("measures[21].retired_revision_id", 7, "restore.unknown_revision"),
        ("revisions[1].period", "1999-2000", "restore.unknown_period"),
        ("revisions[1].kind", "rewrite", "restore.not_one_of"),
        ("measures[0].plan[1].time", "2024-01-01T00:00:00Z", "restore.out_of_order"),
        ("measures[0].plan[0].due", "kesäkuu", "import.bad_date"),
        ("measures[0].plan[0].theme", "T9", "import.unknown_theme"),
        ("revisions", None, "import.required"),
    ],
)
def test_a_broken_history_of_the_programme_is_refused_with_its_place(
    revised: Engine, path: str, value: object, key: str
) -> None:
    broken = damaged(_as_json(revised), path, value)
    second = make_engine(db_url("restored.db"))
    migrate(second)
    try:
        with pytest.raises(RestoreRefused) as refused, session_scope(second) as session:
            restore(session, broken)
        assert (path, key) in [(p.path, p.key) for p in refused.value.problems]
        with session_scope(second) as session:
            assert crud.measures(session, retired=True) == []
            assert plan.revisions(session) == []
    finally:
        second.dispose()


def test_the_cli_exports_as_of_a_day_and_refuses_a_day_it_cannot_tell(
    revised: Engine, tmp_path: Path
) -> None:
    from tests.test_export import cli

    done = cli(tmp_path, "digibot.db", "export", "--history", "--as-of", "30.9.2025")
    assert done.returncode == 0, done.stderr
    then = json.loads(done.stdout)
    assert _measure(then, "1.1")["due"] == "2026-06" and len(then["revisions"]) == 1
    for day, said in (
        ("2024-12-31", "had not been imported yet on 31 Dec 2024: it was first imported on"),
        ("2999-01-01", "1 Jan 2999 is in the future"),
        ("syyskuu", "--as-of takes a day as YYYY-MM-DD or D.M.YYYY"),
    ):
        refused = cli(tmp_path, "digibot.db", "export", "--as-of", day)
        assert refused.returncode == 1 and refused.stdout == b""
        assert said in refused.stderr.decode()
