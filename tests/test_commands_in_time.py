"""The chat commands through a programme's life: import, status updates, a revision that
moves a due date, changes an owner and retires measures, a new period, a reinstatement;
what show, history, list, stale, the form and reminders say at each step, now and as of
any day."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import Engine

from handlers.context import Actor, Context
from handlers.form import Form, open_form, submit_form
from handlers.reminders import due_people
from handlers.render_text import render_text
from handlers.replies import Reply
from storage import crud, plan
from storage.db import session_scope
from storage.programme_io import import_file
from tests.conftest import COORDINATOR, EXAMPLE, OWNER, STRANGER, ChatBot, Clock, count_updates

COMMS = "viestintapaallikko@example.org"  # owns 1.3 only
BOOKINGS = "hyvinvointipalvelujen.kehittamispaallikko@example.org"  # owns 1.4 and 6.4

IMPORTED = datetime(2025, 1, 10, 10, 0, tzinfo=UTC)
REVISED = datetime(2025, 6, 2, 10, 0, tzinfo=UTC)  # "TA 2026"
NEW_PERIOD = datetime(2026, 12, 31, 22, 0, tzinfo=UTC)  # midnight in Helsinki
REINSTATED = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)  # "TA 2028"


def programme_file(folder: Path, name: str, change: Any = None) -> Path:
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    if change:
        change(data)
    path = folder / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def budget_revision(data: dict[str, Any]) -> None:
    """TA 2026: 1.1 due half a year later, 1.2 handed over, 1.3 and 1.4 dropped."""
    measures = {m["id"]: m for m in data["measures"]}
    measures["1.1"]["due"] = "2026-12"
    measures["1.2"]["owner"] = "digikoordinaattori@example.org"
    measures["1.2"]["deputies"] = ["sivistysjohtaja@example.org"]
    data["measures"] = [m for m in data["measures"] if m["id"] not in ("1.3", "1.4")]


def revise(
    engine: Engine,
    *,
    label: str,
    at: datetime,
    path: Path | None = None,
    kind: str = "revision",
    retire: tuple[str, ...] = (),
    reinstate: tuple[str, ...] = (),
) -> None:
    """A revision as the import will make it: the file applied, measures left out retired."""
    with session_scope(engine) as session:
        if path is not None:
            revision = import_file(session, path, label=label, by="test", at=at).revision
            assert revision is not None
        else:
            revision = plan.new_revision(session, label=label, by="test", kind=kind, at=at)
        for code in retire:
            measure = crud.find_measure(session, code=code)
            assert measure is not None
            plan.retire(measure, revision=revision)
        for code in reinstate:
            measure = crud.find_measure(session, code=code)
            assert measure is not None
            plan.reinstate(measure)
        plan.record_plans(session, revision=revision)


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2025, 3, 1, 9, 0, tzinfo=UTC))


@pytest.fixture
def story(engine: Engine, clock: Clock, tmp_path: Path) -> ChatBot:
    """The programme imported on 10 Jan 2025, updated, then revised by TA 2026 on 2 Jun 2025."""
    with session_scope(engine) as session:
        import_file(session, EXAMPLE, label="TA 2025", by="test", at=IMPORTED)
    bot = ChatBot(Context(engine=engine, language="en", coordinators=frozenset({COORDINATOR}),
                          now=clock))  # fmt: skip
    assert "Saved" in bot.ask("status 1.1 on-track 30% Pilot running", as_=OWNER)
    clock.value = datetime(2025, 5, 31, 21, 30, tzinfo=UTC)  # 1 June 00:30 in Helsinki
    assert "Saved" in bot.ask("status 1.2 at-risk Vendor late", as_=COORDINATOR)
    clock.value = datetime(2025, 6, 2, 8, 0, tzinfo=UTC)
    assert "Saved" in bot.ask("status 1.3 on-track 10%", as_=COMMS)
    path = programme_file(tmp_path, "ta2026.yaml", budget_revision)
    revise(engine, label="TA 2026", at=REVISED, path=path, retire=("1.3", "1.4"))
    clock.value = datetime(2025, 6, 2, 12, 0, tzinfo=UTC)
    return bot


def test_show_tells_the_moved_due_date_and_a_retired_measure(story: ChatBot, clock) -> None:
    shown = story.ask("show 1.1")
    assert "Sep 2024–Dec 2026, originally Jun 2026" in shown
    assert "9/2024–12/2026, alun perin 6/2026" in story.in_language("fi").ask("näytä 1.1")
    assert "originally" not in story.ask("show 2.1")  # never moved
    assert field(story.ask("show 1.2"), "Owner").startswith("Digikoordinaattori")

    retired = story.ask("show 1.3", as_=STRANGER)
    assert "No longer in the programme" in retired
    assert "Retired from the programme on 2 Jun 2025 by revision TA 2026" in retired
    assert "🟢 On track" in retired and "10%" in retired  # its history is kept
    assert "Poistui ohjelmasta 2.6.2025 muutoksessa TA 2026" in story.in_language("fi").ask(
        "näytä 1.3"
    )
    never = story.ask("show 1.4")
    assert "No longer in the programme" in never and "Stale" not in never

    clock.value = datetime(2026, 8, 1, 9, 0, tzinfo=UTC)  # past the original due, not the new
    assert "Overdue" not in story.ask("show 1.1")
    assert "Overdue: the due date Jun 2026 has passed" in story.ask("show 2.2")


def test_history_shows_plan_changes_among_the_updates(story: ChatBot) -> None:
    history = story.ask("history 1.1").splitlines()
    revised = next(i for i, line in enumerate(history) if "Programme revision TA 2026" in line)
    update = next(i for i, line in enumerate(history) if "Pilot running" in line)
    assert revised < update  # newest first by time
    assert "2 Jun 2025 13:00" in history[revised] and "due Jun 2026 → Dec 2026" in history[revised]
    assert not any("Added to the programme" in line for line in history)  # came with it
    finnish = story.in_language("fi").ask("historia 1.1")
    assert "Ohjelman muutos TA 2026 (2.6.2025): määräaika 6/2026 → 12/2026" in finnish

    handed = story.ask("history 1.2")
    assert "owner Sivistysjohtaja → Digikoordinaattori" in handed
    assert "deputies Digikoordinaattori → Sivistysjohtaja" in handed

    retired = story.ask("history 1.3")
    assert "Retired by revision TA 2026 (2 Jun 2025)" in retired and "On track" in retired


def test_history_keeps_its_limit_with_plan_changes(story: ChatBot, clock) -> None:
    for n in range(20):
        clock.advance(minutes=1)
        story.ask(f"status 1.1 on-track {n}% step {n}", as_=OWNER)
    answer = story.ask("history 1.1")
    assert "step 19" in answer and "step 0" in answer
    assert "TA 2026" not in answer and "Pilot running" not in answer
    assert "and 2 older" in answer  # the first update and the revision


def test_a_retired_measure_leaves_lists_counts_stale_form_and_reminders(
    story: ChatBot, engine: Engine
) -> None:
    everything = story.ask("list")
    assert "Measures (20)" in everything
    assert "1.3 " not in everything and "1.4 " not in everything
    assert "1.3" not in story.ask("list T1") and "T1 Digitaaliset palvelut (2)" in story.ask(
        "list T1"
    )
    assert "(1)" in story.ask("list on-track")  # 1.3 is on track, but retired
    assert "You are not the owner or a deputy" in story.ask("list mine", as_=COMMS)
    with session_scope(engine) as session:
        assert crud.count_measures(session) == 20

    stale = story.ask("stale", as_=COORDINATOR)
    assert "1.4" not in stale and "6.4" in stale

    ctx = story.ctx
    assert "You are not the owner" in render_text(_reply(open_form(Actor(email=COMMS), ctx)))
    form = open_form(Actor(user_id=COORDINATOR), ctx)
    assert isinstance(form, Form)
    offered = {option.value for group in form.groups for option in group.options}
    assert "1.1" in offered and "1.3" not in offered and "1.4" not in offered

    people = due_people(ctx)
    assert COMMS not in people
    assert [m.code for m in people[BOOKINGS]] == ["6.4"]


def test_updates_to_a_retired_measure_are_refused_and_nothing_stored(
    story: ChatBot, engine: Engine
) -> None:
    before = count_updates(engine)
    for user in (COMMS, STRANGER, COORDINATOR):  # retired first: not "not yours"
        reply = story.push("status 1.3 done 100%", as_=user)
        answer = story.pop()
        assert not reply.ok
        assert "Measure 1.3 is no longer in the programme" in answer, answer
        assert "by revision TA 2026" in answer and "Nothing was saved" in answer
    assert "no longer in the programme" in story.ask("undo 1.3", as_=COMMS)
    assert "no longer in the programme" in story.ask("undo", as_=COMMS)  # its update of 08:00
    assert "ei ole enää ohjelmassa" in story.in_language("fi").ask("tila 1.4 valmis", as_=BOOKINGS)

    ctx = story.ctx
    opened = open_form(Actor(user_id=COORDINATOR), ctx, measure_code="1.3")
    assert "no longer in the programme" in render_text(_reply(opened))
    problems = submit_form(
        Actor(email=COMMS), ctx, measure_code="1.3", status_code="done", progress="100",
        note="", key="form-1",
    )  # fmt: skip
    assert isinstance(problems, list)
    assert [p.field for p in problems] == ["measure"]
    assert "no longer in the programme" in problems[0].message
    assert count_updates(engine) == before
    with session_scope(engine) as session:
        assert all(u.withdrawn_at is None for u in session.exec(_updates()))


def test_show_and_list_as_of_a_day(story: ChatBot) -> None:
    before = story.ask("show 1.1 --as-of 2025-05-31")
    assert "As it stood at the end of 31 May 2025 (2025-05-31)" in before
    assert "Sep 2024–Jun 2026" in before and "originally" not in before
    assert "🟢 On track" in before and "30%" in before

    # 1.2's update came at 00:30 on 1 June in Helsinki: after the end of 31 May there.
    handed = story.ask("show 1.2 --as-of=31.5.2025")
    assert field(handed, "Owner").startswith("Sivistysjohtaja") and "no updates yet" in handed
    assert "Vendor late" in story.ask("show 1.2 --as-of 1.6.2025")

    retired = story.ask("show 1.3 --as-of 2025-06-01")
    assert "No longer in the programme" not in retired and "no updates yet" in retired
    assert "Retired" in story.ask("show 1.3 --as-of 2025-06-02")  # today: as it stands now

    finnish = story.in_language("fi").ask("näytä 1.1 --ajankohta 31.5.2025")
    assert "Tilanne päivän päättyessä 31.5.2025 (2025-05-31):" in finnish and "30 %" in finnish

    listed = story.ask("list --as-of 2025-05-31")
    assert "Measures (22)" in listed and "🟢 1.1" in listed and "1.3 " in listed
    assert "⚪ 1.2" in listed
    at_risk = story.ask("list at-risk --as-of 2025-06-01")
    assert "At risk (1)" in at_risk and "1.2" in at_risk and "Sivistysjohtaja" in at_risk


@pytest.mark.parametrize(
    ("args", "says"),
    [
        ("--as-of 2025-01-09", "The programme had not been imported yet on 9 Jan 2025"),
        ("--as-of 2025-06-03", "3 Jun 2025 is in the future (today is 2025-06-02)"),
        ("--as-of 2025-13-01", "I don't recognise the day “2025-13-01”"),
        ("--as-of", "The option --as-of needs one value"),
        ("--since 2025-01-01", "Unknown option “--since”. This command takes: --as-of."),
    ],
)
def test_a_bad_as_of_says_why(story: ChatBot, args: str, says: str) -> None:
    reply = story.push(f"show 1.1 {args}")
    assert not reply.ok
    assert says in story.pop()


def test_a_measure_added_later_was_not_there_before(story: ChatBot, tmp_path: Path) -> None:
    def add(data: dict[str, Any]) -> None:
        budget_revision(data)
        data["measures"].append({**data["measures"][0], "id": "1.9", "title": "Uusi"})

    revise(story.ctx.engine, label="TA 2026b", at=datetime(2025, 6, 2, 11, tzinfo=UTC),
           path=programme_file(tmp_path, "new.yaml", add))  # fmt: skip
    assert "Measure 1.9 was not yet in the programme on 1 Jun 2025" in story.ask(
        "show 1.9 --as-of 2025-06-01"
    )
    assert "Added to the programme by revision TA 2026b" in story.ask("history 1.9")


def test_a_new_period_closes_the_old_and_list_reaches_it(story: ChatBot, clock) -> None:
    engine = story.ctx.engine
    with session_scope(engine) as session:
        plan.open_period(session, name="2027-2028", at=NEW_PERIOD)
    revise(engine, label="Kausi 2027-2028", kind="new-period", at=NEW_PERIOD, retire=("1.1",))
    clock.value = datetime(2027, 1, 15, 9, 0, tzinfo=UTC)

    closed = story.ask("show 1.1")
    assert "Closed with period 2024-2026 on 1 Jan 2027" in closed
    assert "Päättyi kauden 2024-2026 mukana 1.1.2027" in story.in_language("fi").ask("näytä 1.1")
    assert "Closed with period 2024-2026 (1 Jan 2027)" in story.ask("history 1.1")
    refused = story.ask("status 1.1 done", as_=OWNER)
    assert "no longer in the programme" in refused and "Closed with period 2024-2026" in refused

    now = story.ask("list")
    assert "Measures (19)" in now and "1.1 " not in now
    assert story.ask("list --period 2027-2028") == now
    old = story.ask("list --period 2024-2026")
    assert "As period 2024-2026 closed (31 Dec 2026):" in old
    assert "Measures (20)" in old and "🟢 1.1" in old and "30%" in old and "1.3 " not in old
    assert "Kauden 2024-2026 päättyessä" in story.in_language("fi").ask("lista --kausi 2024-2026")
    mine = story.ask("list mine --period 2024-2026", as_=OWNER)
    assert "1.1 " in mine and "Your measures" in mine

    unknown = story.push("list --period 2030")
    assert not unknown.ok
    assert "There is no period “2030”. The periods: 2024-2026, 2027-2028." in story.pop()
    assert "either --period or --as-of" in story.ask("list --period 2024-2026 --as-of 2026-01-01")


def test_a_reinstated_measure_comes_back_with_its_history(story: ChatBot, clock) -> None:
    revise(story.ctx.engine, label="TA 2028", at=REINSTATED, reinstate=("1.3",))
    clock.value = datetime(2027, 3, 2, 9, 0, tzinfo=UTC)
    history = story.ask("history 1.3").splitlines()
    assert "Reinstated by revision TA 2028 (1 Mar 2027)" in history[1]
    assert "Retired by revision TA 2026" in history[2] and "10%" in history[3]
    assert "No longer" not in story.ask("show 1.3")
    assert "1.3 " in story.ask("list")
    assert "Saved" in story.ask("status 1.3 done 100%", as_=COMMS)


def field(answer: str, label: str) -> str:
    """A field's value in a rendered reply."""
    return next(
        line.split(":", 1)[1].strip()
        for line in answer.splitlines()
        if line.strip().startswith(f"{label}:")
    )


def _reply(result: object) -> Reply:
    assert isinstance(result, Reply)
    return result


def _updates() -> Any:
    from sqlmodel import select

    from storage.models import StatusUpdate

    return select(StatusUpdate)
