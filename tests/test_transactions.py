"""One owner of each transaction: storage flushes, the caller's unit of work commits."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from sqlalchemy import Engine

from storage import crud
from storage.db import session_scope

STORAGE = Path(__file__).resolve().parent.parent / "storage"
# db.py holds the unit of work itself; summary_runs.py is still to be moved over (issue 10).
OWNERS = {"db.py", "summary_runs.py"}


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
    with pytest.raises(RuntimeError), session_scope(engine) as session:
        assert crud.claim_delivery(session, key="slack:event:Ev2")
        crud.ensure_person(session, ref="U0NEW")
        raise RuntimeError("the command failed")
    with session_scope(engine) as session:
        assert crud.claim_delivery(session, key="slack:event:Ev2")
        assert crud.find_person(session, ref="U0NEW") is None


def test_no_storage_module_commits_or_rolls_back_for_its_caller() -> None:
    calls = []
    for path in sorted(STORAGE.glob("*.py")):
        if path.name in OWNERS:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("commit", "rollback")
            ):
                calls.append(f"{path.name}:{node.lineno} {node.func.attr}()")
    assert calls == []
