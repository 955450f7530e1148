"""One owner of each transaction: storage functions add and flush, the caller's unit of work
(a command, a form submit, a scheduled job's step) commits or rolls back. A claim lost to
another process costs the caller nothing it had done."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from handlers.context import Actor, Context
from handlers.render_text import render_text
from handlers.state.reply import recorded_reply
from handlers.state.store import store
from handlers.vocabulary import BY_CODE
from storage import crud, summary_runs
from storage.db import session_scope
from storage.models import Reminder, StatusUpdate, SummaryPart, SummaryRun

ROOT = Path(__file__).resolve().parent.parent
OWNERS = {"storage/db.py", "storage/migrations/env.py", "handlers/summary/post.py"}
"""db.py holds the unit of work itself, Alembic's env.py its own connection, and the summary
job owns its durable steps."""


def test_a_repeated_delivery_keeps_the_callers_work(engine: Engine) -> None:
    with session_scope(engine) as session:
        assert crud.claim_delivery(session, key="slack:event:Ev1")
    with session_scope(engine) as session:
        crud.ensure_person(session, ref="U0NEW", name="Uusi")
        assert not crud.claim_delivery(session, key="slack:event:Ev1")
        crud.ensure_person(session, ref="U0LATER")
    with session_scope(engine) as session:
        assert crud.find_person(session, ref="U0NEW").name == "Uusi"
        assert crud.find_person(session, ref="U0LATER") is not None


def test_a_delivery_whose_handling_failed_is_handled_on_the_retry(engine: Engine) -> None:
    def handle_and_fail() -> None:
        with session_scope(engine) as session:
            assert crud.claim_delivery(session, key="slack:event:Ev2")
            crud.ensure_person(session, ref="U0NEW")
            raise RuntimeError("the command failed")

    with pytest.raises(RuntimeError, match="the command failed"):
        handle_and_fail()
    with session_scope(engine) as session:
        assert crud.claim_delivery(session, key="slack:event:Ev2")
        assert crud.find_person(session, ref="U0NEW") is None


def test_no_storage_or_handlers_module_commits_or_rolls_back_for_its_caller() -> None:
    """The transaction `handle()` or the form owns is never ended under it."""
    calls = [
        f"{name}:{node.lineno} {node.func.attr}()"
        for path in sorted([*ROOT.glob("storage/**/*.py"), *ROOT.glob("handlers/**/*.py")])
        if (name := path.relative_to(ROOT).as_posix()) not in OWNERS
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("commit", "rollback")
    ]
    assert calls == []


def _claim(session: Session, period: str = "2025-H1") -> summary_runs.Claim:
    return summary_runs.claim_run(
        session, period=period, channel="C0LEADERS", force=False, trigger="test",
        requested_by="test", claimed_by="host:1", as_of="2025-05-20",
    )  # fmt: skip


def test_a_summary_run_and_a_reminder_are_kept_only_if_the_caller_commits(engine) -> None:
    with Session(engine, expire_on_commit=False) as session:
        claim = _claim(session)
        summary_runs.record_intent(session, run=claim.run, seq=0)
        summary_runs.record_part(session, run=claim.run, seq=0, message_id="1.0001")
        summary_runs.finish_run(session, run=claim.run)
        assert summary_runs.claim_reminder(
            session, person_ref="U0OWNER", day="2025-05-06", period="2025-H1", measures=["1.1"]
        )
        session.rollback()  # the caller's unit of work failed: nothing of it stays
    with Session(engine) as session:
        for table in (SummaryRun, SummaryPart, Reminder):
            assert session.exec(select(table)).all() == []


def test_a_reminder_claimed_by_another_process_leaves_the_callers_work_intact(programme) -> None:
    with session_scope(programme) as other:  # another process reminds U0DEPUTY first
        summary_runs.claim_reminder(
            other, person_ref="U0DEPUTY", day="2025-05-06", period="2025-H1", measures=["1.1"]
        )
    with session_scope(programme) as session:
        measure = crud.find_measure(session, code="1.1")
        crud.append_update(  # the caller's own work, not committed yet
            session, measure_id=measure.id, author="U0OWNER", status="delayed", progress=40,
            note="Vendor late", source="slack",
        )  # fmt: skip
        assert not summary_runs.claim_reminder(
            session, person_ref="U0DEPUTY", day="2025-05-06", period="2025-H1", measures=["1.1"]
        )
        assert summary_runs.claim_reminder(
            session, person_ref="U0OWNER", day="2025-05-06", period="2025-H1", measures=["1.1"]
        )
    with Session(programme) as session:
        assert [u.note for u in session.exec(select(StatusUpdate))] == ["Vendor late"]
        assert summary_runs.reminded(session, day="2025-05-06") == {"U0DEPUTY", "U0OWNER"}


def test_a_delivery_stored_meanwhile_by_another_process_keeps_the_callers_work(
    programme,
) -> None:
    """Another worker stored the same delivery after our check for it: ours is not stored
    twice, store() hands back the stored one, the user hears it was already saved, and what
    our transaction had done stays."""
    ctx = Context(engine=programme, language="en")
    actor = Actor.from_ref("kehitysjohtaja@example.org")
    with session_scope(programme) as other:
        measure = crud.find_measure(other, code="1.1")
        crud.append_update(
            other, measure_id=measure.id, author="U0OTHER", status="on_track", progress=10,
            note="From the other worker", source="slack", idempotency_key="slack:view:V1",
        )  # fmt: skip
    with session_scope(programme) as session:
        crud.ensure_person(session, ref="U0EARLIER", name="Earlier work")
        measure = crud.find_measure(session, code="1.1")
        stored = store(
            session, measure, actor, ctx, status=BY_CODE["delayed"], progress=40,
            note="Vendor late", key="slack:view:V1",
        )  # fmt: skip
        assert stored.repeated and stored.update.note == "From the other worker"
        answer = render_text(recorded_reply(session, stored, ctx))
        assert answer.startswith("This update was already saved. Measure 1.1 stands at:")
    with session_scope(programme) as session:
        assert crud.find_person(session, ref="U0EARLIER").name == "Earlier work"
        assert [u.note for u in session.exec(select(StatusUpdate))] == ["From the other worker"]
