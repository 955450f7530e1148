"""Restore: a backup carries everything that decides what the bot does next (summary runs
and their messages, reminders sent, Teams conversations), so a restored bot neither posts a
summary twice nor reminds anyone twice; and a restore file is checked as strictly as an
import, all or nothing, with the place of every problem."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func
from sqlmodel import select

from bot.scheduler import Schedule
from bot.slack.app import web_client
from bot.slack.publisher import SlackMessenger, SlackPublisher
from handlers.context import Context
from handlers.render_text import render_text
from handlers.state.stale import stale_lines
from handlers.state.values import NOTE_LIMIT
from handlers.summary.post import post
from handlers.vocabulary import BY_CODE
from storage import conversations, crud, summary_runs
from storage.db import make_engine, migrate, session_scope
from storage.models import (
    ConversationRef,
    Coordinator,
    Person,
    Reminder,
    StatusUpdate,
    SummaryPart,
    SummaryRun,
    Theme,
)
from storage.restore import NOTE_LIMIT as STORED_NOTE_LIMIT
from storage.restore import STATUS_CODES, RestoreRefused, restore
from tests.conftest import COORDINATOR, OWNER, db_url, previewed, record
from tests.slack_standin import SlackStandIn
from tests.test_export import add_history, as_json, cli, counts
from tests.test_summary import HELSINKI_0900_20_MAY_2025, LEADERSHIP, settings_for

V1_EXPORT = Path(__file__).parent / "data" / "export-v1.json"
FOURTEEN_DAYS_BEFORE = datetime(2025, 5, 6, 6, 0, tzinfo=UTC)  # Tuesday 6 May, 09:00


@pytest.fixture
def standin():
    users = {"U0OWNER": OWNER, "U0ICT": "tietohallintopaallikko@example.org"}
    with SlackStandIn(users) as running:
        yield running


@pytest.fixture
def second() -> Engine:
    """An empty database to restore into (the second PostgreSQL database on PostgreSQL)."""
    engine = make_engine(db_url("restored.db"))
    migrate(engine)
    yield engine
    engine.dispose()


def restore_into(engine: Engine, backup: str) -> None:
    with session_scope(engine) as session:
        restore(session, backup)


def stale(engine: Engine) -> tuple[str, ...]:
    ctx = Context(engine=engine, language="en")
    with session_scope(engine) as session:
        return stale_lines(session, ctx)


def rows(engine: Engine, table) -> int:
    with session_scope(engine) as session:
        return session.exec(select(func.count()).select_from(table)).one()


# --- what a restored bot does next ---


def test_a_restored_bot_does_not_post_the_summary_again_and_stale_is_unchanged(
    programme: Engine, second: Engine, standin
) -> None:
    settings = settings_for(standin)
    client = web_client(settings)
    record(programme, "1.1", "on_track", when=datetime(2025, 5, 1, tzinfo=UTC))
    spring = Context(engine=programme, language="en", now=lambda: HELSINKI_0900_20_MAY_2025)
    publisher = SlackPublisher(client, LEADERSHIP)
    assert post(spring, publisher, trigger="schedule", requested_by="schedule").state == "posted"
    record(programme, "2.1", "delayed", note="Vendor", when=datetime(2025, 5, 21, tzinfo=UTC))
    posted = len(standin.called("chat.postMessage"))
    backup = as_json(programme, history=True)

    restore_into(second, backup)
    schedule = Schedule(
        settings, Context(engine=second, language="en"), [publisher], SlackMessenger(client)
    )
    schedule.tick(HELSINKI_0900_20_MAY_2025 + timedelta(days=1))  # the schedule catches up
    restored = Context(engine=second, language="en", now=lambda: HELSINKI_0900_20_MAY_2025)
    again = post(restored, publisher, trigger="chat", requested_by=COORDINATOR)

    assert again.state == "already"
    assert len(standin.called("chat.postMessage")) == posted
    assert stale(second) == stale(programme)
    assert any(" 1.1 " in line for line in stale(second))  # summarised: stale again
    assert not any(" 2.1 " in line for line in stale(second))  # updated since
    autumn = datetime(2025, 9, 22, 6, tzinfo=UTC)
    assert [render_text(p) for p in previewed(Context(engine=second, now=lambda: autumn))[1]] == [
        render_text(p) for p in previewed(Context(engine=programme, now=lambda: autumn))[1]
    ]
    assert as_json(second, history=True) == backup


def test_a_restored_bot_reminds_nobody_a_second_time(
    programme: Engine, second: Engine, standin
) -> None:
    settings = settings_for(standin)
    client = web_client(settings)
    Schedule(settings, Context(engine=programme, language="fi"), [], SlackMessenger(client)).tick(
        FOURTEEN_DAYS_BEFORE
    )
    reminded = len(standin.called("chat.postMessage"))
    assert reminded > 0

    restore_into(second, as_json(programme, history=True))
    Schedule(settings, Context(engine=second, language="fi"), [], SlackMessenger(client)).tick(
        FOURTEEN_DAYS_BEFORE + timedelta(minutes=5)
    )

    assert len(standin.called("chat.postMessage")) == reminded
    assert rows(second, Reminder) == rows(programme, Reminder)


@pytest.fixture
def state(programme: Engine) -> Engine:
    """The history of test_export, a posted summary with its messages, a reminder sent and
    one claimed, and a Teams personal chat the bot can write to."""
    history = add_history(programme)
    with session_scope(history) as session:
        claim = summary_runs.claim_run(
            session, period="2025-H1", channel=LEADERSHIP, force=False, trigger="schedule",
            requested_by="schedule", claimed_by="host:1", as_of="2025-05-20",
            now=datetime(2025, 5, 20, 6, tzinfo=UTC),
        )  # fmt: skip
        summary_runs.record_part(session, run=claim.run, seq=0, message_id="1747720800.000100")
        summary_runs.record_part(session, run=claim.run, seq=1, message_id="1747720800.000200")
        summary_runs.finish_run(session, run=claim.run)
        summary_runs.claim_reminder(
            session, person_ref=OWNER, day="2025-05-06", period="2025-H1", measures=["1.1", "1.2"]
        )
        summary_runs.settle_reminder(session, person_ref=OWNER, day="2025-05-06", sent=True)
        summary_runs.claim_reminder(
            session, person_ref="U0GONE", day="2025-05-06", period="2025-H1", measures=["2.1"]
        )
        conversations.remember(
            session, platform="teams", conversation_id="a:1personal", kind="personal",
            service_url="https://smba.trafficmanager.net/emea/",
            reference='{"conversation": {"id": "a:1personal"}}', tenant_id="tenant-1",
            user_id="29:1owner", aad_object_id="0f0e-aad", email=OWNER,
        )  # fmt: skip
    return history


def test_a_backup_holds_the_bot_state_and_restores_byte_identical(
    state: Engine, second: Engine
) -> None:
    backup = as_json(state, history=True)
    doc = json.loads(backup)
    assert [len(doc[k]) for k in ("summary_runs", "reminders", "conversations")] == [1, 2, 1]
    assert [p["seq"] for p in doc["summary_runs"][0]["parts"]] == [0, 1]

    restore_into(second, backup)

    assert as_json(second, history=True) == backup
    with session_scope(second) as session:
        assert summary_runs.posted_for(session, period="2025-H1")
        found = conversations.personal(session, platform="teams", person_ref=OWNER)
        assert found is not None and found.conversation_id == "a:1personal"
    assert rows(second, SummaryPart) == 2


def test_summaries_named_by_date_and_extras_restore_too(state: Engine, second: Engine) -> None:
    """Several summaries in a half-year are named by their dates, and a hand post outside the
    reminder window is an extra: a backup holding them restores, byte for byte."""
    with session_scope(state) as session:
        for name, kind in (("2025-09-22", "scheduled"), ("2025-10-02-extra", "extra")):
            summary_runs.claim_run(
                session, period=name, channel=LEADERSHIP, force=False, kind=kind,
                trigger="chat", requested_by=COORDINATOR, claimed_by="test:1",
                as_of=name[:10],
            )  # fmt: skip
    backup = as_json(state, history=True)
    restore_into(second, backup)
    assert as_json(second, history=True) == backup


def test_open_data_leaves_the_bot_state_out(state: Engine) -> None:
    doc = json.loads(as_json(state, history=False))
    assert not {"summary_runs", "reminders", "conversations"} & set(doc)


def test_a_restore_goes_on_numbering_updates_after_the_restored_ones(
    state: Engine, second: Engine
) -> None:
    restore_into(second, as_json(state, history=True))
    with session_scope(second) as session:
        measure = crud.find_measure(session, code="1.2")
        added = crud.append_update(
            session, measure_id=measure.id, author=OWNER, status="on_track", progress=None,
            note="", source="console",
        )  # fmt: skip
        assert added.id == max(u.id for u in session.exec(select(StatusUpdate)))
        assert added.id > summary_runs.reporting_cutoff(session)


def test_an_export_from_before_the_bot_state_still_restores(second: Engine) -> None:
    with session_scope(second) as session:
        assert restore(session, V1_EXPORT.read_text(encoding="utf-8")) == (22, 4)
    doc = json.loads(as_json(second, history=True))
    old = json.loads(V1_EXPORT.read_text(encoding="utf-8"))
    for measure in doc["measures"]:
        for update in measure["updates"]:
            del update["id"]
        # Version 3 added the programme in time: the old programme is its revision 1.
        assert (measure.pop("retired_at"), measure.pop("retired_revision_id")) == (None, None)
        (first,) = measure.pop("plan")
        assert (first["revision"], first["due"], first["retired"]) == (1, measure["due"], False)
        # Version 4 added money: no appropriations planned, nothing spent.
        assert (measure.pop("appropriations"), measure.pop("spending")) == ("", [])
    assert doc["measures"] == old["measures"]
    assert (doc["summary_runs"], doc["reminders"], doc["conversations"]) == ([], [], [])
    (revision,) = doc["revisions"]
    assert (revision["id"], revision["label"], revision["kind"], revision["period"]) == (
        1,
        "1",
        "initial",
        old["programme"]["period"],
    )


def test_the_checks_know_the_statuses_and_limits_the_chat_knows() -> None:
    assert set(STATUS_CODES) == set(BY_CODE)
    assert STORED_NOTE_LIMIT == NOTE_LIMIT


# --- broken restore files: each refused with its place, nothing restored ---

DELETE = object()


def damaged(backup: str, path: str, value: object) -> str:
    """The backup with the value at `path` (such as `measures[3].due`) replaced or deleted."""
    doc = json.loads(backup)
    *parents, last = re.findall(r"[^.\[\]]+", path)
    target = doc
    for key in parents:
        target = target[int(key)] if isinstance(target, list) else target[key]
    key = int(last) if isinstance(target, list) else last
    if callable(value):
        value = value(doc)
    if value is DELETE:
        del target[key]
    else:
        target[key] = value
    return json.dumps(doc, ensure_ascii=False, indent=1)


BROKEN = [
    ("measures[0].updates[1].status", "hacked", "restore.bad_status"),
    ("measures[3].due", "2026-13", "import.bad_date"),
    ("programme.vision_year", 9999, "import.bad_year"),
    ("measures[0].updates[0].progress", 140, "restore.bad_progress"),
    ("measures[0].updates[0].progress", -1, "restore.bad_progress"),
    ("measures[2].id", "1.3; DROP TABLE measure", "import.bad_id"),
    ("people[0].id", "not a person", "import.bad_person"),
    ("measures[1].owner", "<script>", "import.bad_person"),
    ("measures[1].deputies", ["ok@example.org", "no one"], "import.bad_person"),
    ("measures[0].updates[0].author", "two words", "import.bad_person"),
    ("coordinators[0].id", "@", "import.bad_person"),
    ("measures[0].title", DELETE, "import.required"),
    ("measures[0].owner", None, "import.required"),
    ("themes", DELETE, "import.required"),
    ("measures[0].updates[0].progress", "40", "restore.not_integer"),
    ("measures[0].title", 5, "restore.not_text"),
    ("measures", {}, "restore.not_list"),
    ("programme", [], "restore.not_object"),
    ("themes[0].target", "high", "restore.not_number"),
    ("history", "yes", "restore.not_bool"),
    ("measures[0].added_at", "2025-01-01T00:00:00", "restore.bad_time"),
    ("measures[0].updates[2].withdrawn_at", "yesterday", "restore.bad_time"),
    ("measures[0].colour", "red", "restore.unknown_field"),
    ("measures[1].id", "1.1", "restore.duplicate"),
    ("themes[1].id", "t1", "restore.duplicate"),
    ("measures[0].theme", "T99", "import.unknown_theme"),
    ("themes[0].target", 7, "import.bad_level"),
    ("measures[0].budget_eur", -5, "import.bad_budget"),
    ("measures[0].title", "x" * 201, "import.too_long"),
    ("measures[0].due", "2024-01", "import.due_before_start"),
    ("measures[0].updates[0].note", "x" * 3001, "import.too_long"),
    ("measures[0].updates[0].source", "s l a c k", "import.bad_id"),
    (
        "measures[0].updates[1].id",
        lambda doc: doc["measures"][0]["updates"][0]["id"],
        "restore.duplicate",
    ),
    ("measures[0].updates[1].id", DELETE, "import.required"),
    ("measures[0].updates[2].withdrawn_by", None, "import.required"),
    ("summary_runs[0].period", "2025-H3", "restore.bad_period"),
    ("summary_runs[0].period", "2025-02-30", "restore.bad_period"),
    ("summary_runs[0].period", "2025-05-20-bonus", "restore.bad_period"),
    ("summary_runs[0].kind", "hacker", "restore.not_one_of"),
    ("summary_runs[0].kind", "extra", "restore.kind_mismatch"),
    ("summary_runs[0].as_of", "2025-02-30", "restore.bad_day"),
    ("summary_runs[0].trigger", "hacker", "restore.not_one_of"),
    ("summary_runs[0].cutoff_update_id", 99, "restore.unknown_update"),
    ("summary_runs[0].attempt", -1, "restore.out_of_range"),
    ("summary_runs[0].parts[1].seq", 0, "restore.duplicate"),
    ("summary_runs[0].parts[1].seq", 2**40, "restore.out_of_range"),
    ("measures[0].updates[0].id", 2**40, "restore.out_of_range"),
    ("summary_runs[0].parts[0].message_id", DELETE, "import.required"),
    ("summary_runs", DELETE, "import.required"),
    ("reminders[0].day", "6.5.2025", "restore.bad_day"),
    ("reminders[0].person_ref", "nobody at all", "import.bad_person"),
    ("reminders[1].person_ref", "U0GONE", "restore.duplicate"),
    ("conversations[0].kind", "hacker", "restore.not_one_of"),
    ("conversations[0].reference", "{not json", "restore.bad_reference"),
    ("digibot_export", 99, "restore.version"),
    ("digibot_export", DELETE, "import.required"),
    ("reminders[0].measures", "2.1,bad id", "import.bad_id"),
    ("history", False, "restore.no_history"),
    (
        "measures[0].updates[0].note",
        "a SQLite backup with a NUL \x00 in it",
        "import.control_character",
    ),
    ("measures[0].title", "title \x1b[31m red", "import.control_character"),
    ("measures[0].updates[0].author", "kj\x00@example.org", "import.control_character"),
]


@pytest.mark.parametrize(("path", "value", "key"), BROKEN, ids=[f"{p}:{k}" for p, _, k in BROKEN])
def test_a_broken_restore_file_is_refused_with_its_place_and_nothing_restored(
    path: str, value: object, key: str, state: Engine, second: Engine
) -> None:
    broken = damaged(as_json(state, history=True), path, value)

    with pytest.raises(RestoreRefused) as refused, session_scope(second) as session:
        restore(session, broken)

    assert refused.value.reason == "invalid"
    first, *more = [(p.path, p.key) for p in refused.value.problems]
    assert first == (path, key)
    assert all(k == "import.unknown_theme" for _, k in more)  # a theme renamed away
    assert counts(second) == (0, 0)
    for table in (Theme, Person, Coordinator, SummaryRun, Reminder, ConversationRef):
        assert rows(second, table) == 0


def test_every_problem_is_reported_at_once(state: Engine, second: Engine) -> None:
    broken = damaged(as_json(state, history=True), "measures[0].updates[1].status", "hacked")
    broken = damaged(broken, "measures[3].due", "2026-13")
    broken = damaged(broken, "reminders[0].day", "tomorrow")

    with pytest.raises(RestoreRefused) as refused, session_scope(second) as session:
        restore(session, broken)

    assert [p.path for p in refused.value.problems] == [
        "measures[0].updates[1].status", "measures[3].due", "reminders[0].day",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("raw", "key"),
    [("", "restore.json_syntax"), ("{\n  garbage", "restore.json_syntax"),
     ("[]", "restore.not_object"), ('{"digibot_export": 1}', "import.required"),
     ("[" * 200_000, "restore.too_deep")],
    ids=["empty", "garbage", "a list", "no measures", "nested too deep"],
)  # fmt: skip
def test_a_file_that_is_no_export_at_all_is_refused(raw: str, key: str, second: Engine) -> None:
    with pytest.raises(RestoreRefused) as refused, session_scope(second) as session:
        restore(session, raw)

    assert refused.value.problems[0].key == key
    assert counts(second) == (0, 0)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", ["“hacked” is not a status", "“2026-13” is not a date", "Nothing was changed"]),
        ("fi", ["”hacked” ei ole tila", "”2026-13” ei ole päivämäärä", "Mitään ei muutettu"]),
    ],
)
def test_cli_restore_names_each_problem_in_the_users_language(
    language: str, expected: list[str], state: Engine, tmp_path: Path
) -> None:
    broken = damaged(as_json(state, history=True), "measures[0].updates[1].status", "hacked")
    backup = tmp_path / "broken.json"
    backup.write_text(damaged(broken, "measures[3].due", "2026-13"), encoding="utf-8")

    done = cli(tmp_path, "restored.db", "restore", str(backup), language=language)

    stderr = done.stderr.decode("utf-8")
    assert done.returncode == 1
    assert "Traceback" not in stderr + done.stdout.decode("utf-8")
    assert "measures[0].updates[1].status" in stderr and "measures[3].due" in stderr
    for text in expected:
        assert text in stderr
    restored = make_engine(db_url("restored.db"))
    assert counts(restored) == (0, 0)
    restored.dispose()
