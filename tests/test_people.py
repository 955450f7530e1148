"""People in time: one person known by many ids, handing measures over, and a person's data
(export and forget), on real databases through the console and the command line."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from handlers.commands import handle
from handlers.context import Actor, Context
from handlers.effects import Tell
from handlers.render_text import render_text
from storage import plan
from storage.db import session_scope
from storage.export import export_csv, export_json
from storage.models import Measure, MeasureRole, Person, StatusUpdate
from storage.programme_io import import_file
from tests.conftest import COORDINATOR, DEPUTY, EXAMPLE, OWNER, ChatBot, Clock, previewed
from tests.test_export import assert_no_traceback, cli

NEW_OWNER = "talousjohtaja@example.org"


@pytest.fixture
def chat(engine: Engine) -> ChatBot:
    """The example programme imported at the start of 2025; the chat's clock in April."""
    with session_scope(engine) as session:
        import_file(session, EXAMPLE, at=datetime(2025, 1, 1, tzinfo=UTC))
    clock = Clock(datetime(2025, 4, 1, 9, 30, tzinfo=UTC))
    ctx = Context(engine=engine, language="en", coordinators=frozenset({COORDINATOR}), now=clock)
    return ChatBot(ctx)


def owner_of(engine: Engine, code: str) -> str | None:
    with Session(engine) as session:
        return session.exec(
            select(Person.ref)
            .join(MeasureRole, MeasureRole.person_id == Person.id)
            .join(Measure, Measure.id == MeasureRole.measure_id)
            .where(Measure.code == code, MeasureRole.role == "owner")
        ).first()


# --- handing over ---


def test_a_coordinator_hands_a_measure_over_and_the_new_owner_is_told(chat: ChatBot) -> None:
    chat.ask("status 1.1 on-track 40% Pilot running")  # by the owner, before the handover
    chat.ctx.now.advance(hours=1)  # type: ignore[attr-defined]
    result = handle(f"owner 1.1 {NEW_OWNER}", Actor.from_ref(COORDINATOR), chat.ctx)
    assert isinstance(result, Tell)
    assert "Owner of measure 1.1: Kehitysjohtaja → Talousjohtaja" in render_text(result.reply)
    (told,) = result.direct
    assert told.person_ref == NEW_OWNER
    dm = render_text(told.reply)
    assert (
        "handed you: 1.1" in dm and "You now own 3 measures" in dm
    )  # 1.1 beside their own 2.2 and 5.4
    assert owner_of(chat.ctx.engine, "1.1") == NEW_OWNER
    history = chat.ask("history 1.1", as_=COORDINATOR)
    assert "owner Kehitysjohtaja → Talousjohtaja (U0COORD)" in history
    assert "1 Apr 2025 13:30 owner" in history  # when, in Helsinki time
    assert "Kehitysjohtaja: Pilot running" in history  # the old owner keeps their update
    assert "Talousjohtaja" in chat.ask("show 1.1", as_=NEW_OWNER)
    assert "Saved" in chat.ask("status 1.1 on-track 50%", as_=NEW_OWNER)
    assert "can be updated by its owner" in chat.ask("status 1.1 done", as_=OWNER)
    with Session(chat.ctx.engine) as session:
        (revision,) = [r for r in plan.revisions(session) if r.kind == "handover"]
        assert revision.created_by == COORDINATOR


def test_deputies_are_added_and_removed_in_the_plan_history(chat: ChatBot) -> None:
    assert "is now a deputy of measure 1.1" in chat.ask(
        "varahenkilö 1.1 lisää sivistysjohtaja@example.org", as_=COORDINATOR
    )
    assert "no longer a deputy" in chat.ask(f"deputy 1.1 remove {DEPUTY}", as_=COORDINATOR)
    history = chat.ask("history 1.1", as_=COORDINATOR)
    assert "deputies Tietohallintopäällikkö, Sivistysjohtaja → Sivistysjohtaja" in history
    assert "is not a deputy" in chat.ask(f"deputy 1.1 remove {DEPUTY}", as_=COORDINATOR)


@pytest.mark.parametrize(
    ("text", "as_", "expected"),
    [
        (f"owner 1.1 {NEW_OWNER}", OWNER, "reassigned by coordinators"),
        ("owner 1.1 nobody@example.org", COORDINATOR, "No user nobody@example.org was found"),
        ("owner 1.1 U0NOBODY", COORDINATOR, "No user U0NOBODY was found"),
        ("owner 1.1", COORDINATOR, "Give the measure's id and the new owner"),
        ("deputy 1.1 maybe x@example.org", COORDINATOR, "add or remove"),
        (f"owner 1.12 {NEW_OWNER}", COORDINATOR, "Did you mean"),
    ],
)
def test_bad_handovers_are_refused_and_change_nothing(
    chat: ChatBot, text: str, as_: str, expected: str
) -> None:
    assert expected in chat.ask(text, as_=as_)
    assert owner_of(chat.ctx.engine, "1.1") == OWNER
    with Session(chat.ctx.engine) as session:
        assert [r.kind for r in plan.revisions(session)] == ["revision"]  # the import


def test_a_retired_measure_is_not_handed_over(chat: ChatBot) -> None:
    with session_scope(chat.ctx.engine) as session:
        measure = session.exec(select(Measure).where(Measure.code == "1.1")).one()
        revision = plan.new_revision(session, label="2", by="cli")
        plan.retire(measure, revision=revision)
        plan.record_plans(session, revision=revision)
    assert "is retired" in chat.ask(f"owner 1.1 {NEW_OWNER}", as_=COORDINATOR)
    assert owner_of(chat.ctx.engine, "1.1") == OWNER


# --- one person, many ids ---


def test_a_person_known_by_slack_id_and_email_is_one_person_with_one_name(chat: ChatBot) -> None:
    slack = Actor(user_id="U0OWNER", email=OWNER, platform_ids=(("slack_id", "U0OWNER"),))
    assert "Saved" in render_text(handle("status 1.1 on-track 40%", slack, chat.ctx))  # type: ignore[arg-type]
    # Later the profile's e-mail is not at hand: the Slack id alone is the same person.
    by_id = Actor(user_id="U0OWNER", platform_ids=(("slack_id", "U0OWNER"),))
    assert "Saved" in render_text(handle("status 1.1 at-risk Vendor late", by_id, chat.ctx))  # type: ignore[arg-type]
    history = chat.ask("history 1.1", as_=COORDINATOR)
    assert history.count("Kehitysjohtaja") == 2 and "U0OWNER" not in history
    with Session(chat.ctx.engine) as session:
        people = session.exec(select(Person).where(Person.name == "Kehitysjohtaja")).all()
        assert [(p.ref, p.slack_id, p.email) for p in people] == [(OWNER, "U0OWNER", OWNER)]
        authors = {u.author_person_id for u in session.exec(select(StatusUpdate))}
        assert authors == {people[0].id}


def test_an_author_the_programme_does_not_name_becomes_a_person(chat: ChatBot) -> None:
    chat.ask("status 2.1 done", as_=COORDINATOR)
    with Session(chat.ctx.engine) as session:
        update = session.exec(select(StatusUpdate)).one()
        person = session.get(Person, update.author_person_id)
        assert person is not None and person.ref == COORDINATOR == update.author


# --- their data ---


def test_export_and_forget_a_person_keep_the_history_and_drop_the_name(
    chat: ChatBot, tmp_path
) -> None:
    chat.ask("status 1.1 on-track 40% Pilot running")
    chat.ask("undo 1.1")
    chat.ask("status 1.1 at-risk Vendor late")
    chat.ctx.now.advance(hours=1)  # type: ignore[attr-defined]
    chat.ask(f"owner 1.1 {NEW_OWNER}", as_=COORDINATOR)
    with Session(chat.ctx.engine) as session:
        person_id = session.exec(select(Person.id).where(Person.ref == OWNER)).one()

    done = cli(tmp_path, "digibot.db", "person", "export", OWNER)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["person"]["name"] == "Kehitysjohtaja" and data["person"]["id"] == person_id
    assert [u["note"] for u in data["updates_authored"]] == ["Pilot running", "Vendor late"]
    roles_now = {(r["measure"], r["role"]) for r in data["roles_now"]}
    assert ("2.2", "deputy") in roles_now and ("1.1", "owner") not in roles_now
    assert ("1.1", "owner") in {(r["measure"], r["role"]) for r in data["roles_in_plan_history"]}
    assert b"data exported" in done.stderr and OWNER.encode() not in done.stderr  # logged

    done = cli(tmp_path, "digibot.db", "person", "forget", str(person_id))
    assert done.returncode == 0, done.stderr
    assert f"replaced by the pseudonym “former owner {person_id}”" in done.stdout.decode()
    assert b"forgotten" in done.stderr and OWNER.encode() not in done.stderr
    again = cli(tmp_path, "digibot.db", "person", "forget", str(person_id))
    assert again.returncode == 0 and b"already replaced" in again.stdout

    history = chat.ask("history 1.1", as_=COORDINATOR)
    assert history.count(f"former owner {person_id}") == 3  # 2 updates and the handover
    assert "Pilot running" in history and "withdrawn" in history and "Vendor late" in history
    outputs = [
        history,
        chat.ask("show 2.2", as_=COORDINATOR),
        chat.ask("list", as_=COORDINATOR),
        "\n".join(render_text(part) for part in previewed(chat.ctx)[1]),
    ]
    with Session(chat.ctx.engine) as session:
        outputs += [export_json(session, history=True), export_csv(session, history=True)]
        assert len(session.exec(select(StatusUpdate)).all()) == 2  # the history is whole
    for output in outputs:
        assert "Kehitysjohtaja" not in output and "kehitysjohtaja@" not in output.lower()
    assert f"former owner {person_id}" in outputs[1]  # still the deputy of 2.2, by pseudonym


def test_an_unknown_person_is_exit_1_with_the_reason(chat: ChatBot, tmp_path) -> None:
    for action in ("export", "forget"):
        done = cli(tmp_path, "digibot.db", "person", action, "nobody@example.org")
        assert done.returncode == 1
        assert b"There is no person nobody@example.org" in done.stderr
        assert_no_traceback(done)


# --- the migration ---


def test_the_migration_makes_existing_authors_persons() -> None:
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import text

    from storage.db import MIGRATIONS, make_engine, migrate
    from tests.conftest import db_url

    engine = make_engine(db_url("upgrade.db"))
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0006")
    with engine.begin() as connection:
        for statement in (
            (
                "INSERT INTO person (id, ref, name) VALUES (1, 'owner@example.org', 'Owner'), "
                "(2, 'U0SLACK', NULL)"
            ),
            "INSERT INTO theme (id, code, code_key, name) VALUES (1, 'T1', 't1', 'Theme')",
            (
                "INSERT INTO measure (id, code, code_key, theme_id, title, added_at) "
                "VALUES (1, '1.1', '1.1', 1, 'M', '2025-01-01 00:00:00')"
            ),
            (
                "INSERT INTO conversation_ref (platform, conversation_id, kind, user_id, "
                "aad_object_id, email, service_url, reference, updated_at) VALUES ('teams', "
                "'a:1', 'personal', '29:1', 'aad-1', 'owner@example.org', 'https://x', '{}', "
                "'2025-01-01 00:00:00')"
            ),
        ):
            connection.execute(text(statement))
        for i, author in enumerate(("owner@example.org", "U0SLACK", "aad-1", "U0UNKNOWN")):
            connection.execute(
                text(
                    "INSERT INTO status_update (measure_id, author, status, note, source, "
                    "created_at) VALUES (1, :author, 'on_track', '', 'slack', :at)"
                ),
                {"author": author, "at": f"2025-01-0{i + 2} 00:00:00"},
            )
    migrate(engine)
    with Session(engine) as session:
        updates = session.exec(select(StatusUpdate).order_by(StatusUpdate.id)).all()
        assert [(u.author, u.author_person_id) for u in updates] == [
            ("owner@example.org", 1), ("U0SLACK", 2), ("aad-1", 1), ("U0UNKNOWN", None),
        ]  # fmt: skip
        assert session.get_one(Person, 1).email == "owner@example.org"
    engine.dispose()
