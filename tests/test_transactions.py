"""One owner of each transaction: storage functions add and flush, the caller's unit of work
(a command, a form submit, a scheduled job's step) commits or rolls back. A claim lost to
another process costs the caller nothing it had done."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from sqlmodel import Session, select

from storage import crud, summary_runs
from storage.db import session_scope
from storage.models import Reminder, StatusUpdate, SummaryPart, SummaryRun
from tests.conftest import ROOT

# Helper p's part of issue 10 removes this rollback: delete the entry when it is merged.
PENDING = {("crud.py", "claim_delivery", "rollback")}


def _session_ends(path: Path) -> Iterator[tuple[str, str, str, int]]:
    """(module, enclosing function, "commit" or "rollback", line) for each such call."""

    def visit(node: ast.AST, function: str) -> Iterator[tuple[str, str, str, int]]:
        for child in ast.iter_child_nodes(node):
            inside = function
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                inside = child.name
            elif (
                isinstance(child, ast.Call)
                and isinstance(child.func, ast.Attribute)
                and child.func.attr in ("commit", "rollback")
            ):
                yield path.name, function, child.func.attr, child.lineno
            yield from visit(child, inside)

    yield from visit(ast.parse(path.read_text(encoding="utf-8")), "<module>")


def test_no_storage_function_commits_or_rolls_back_on_its_callers_behalf() -> None:
    found = [
        f"storage/{module}:{line} {function}() calls .{call}()"
        for path in sorted((ROOT / "storage").glob("*.py"))
        if path.name != "db.py"
        for module, function, call, line in _session_ends(path)
        if (module, function, call) not in PENDING
    ]
    assert found == []


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
