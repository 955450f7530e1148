"""A programme full of personal data and hostile text, with history, for the public page's
tests: people named by e-mail and chat id, notes that name people, a plan revision that
moves a due date and hands a measure over, a retired measure, a withdrawn update and a
posted summary. Times are fixed: nothing here reads the clock."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import yaml
from sqlalchemy import Engine

from bot.public import PublicConfig
from bot.web import create_web_app
from handlers.messages import Messages
from storage import crud, plan
from storage.db import session_scope
from storage.models import SummaryRun
from storage.programme_io import import_file
from tests.test_slack import start_server

PEOPLE = {
    "aino.virtanen@kaupunki.example": "Aino Virtanen",
    "U07BERTIL9": "Bertil Lindqvist",
    "chidi.okafor@kaupunki.example": "Chidi Okafor",
    "U0DANIELA1": "Daniela Nieminen",
}
NOTE_WITH_NAMES = "Aino Virtanen ja Bertil Lindqvist sopivat pilotista (U07BERTIL9)."
HOSTILE_TITLE = '<script>alert("title")</script> & "lainaus" <img src=x onerror=alert(2)>'
HOSTILE_THEME = "</title><script>alert(3)</script>Teema"
HOSTILE_UNIT = "<b>Keskushallinto</b>"
HOSTILE_NOTE = "<script>alert(4)</script><style>body{display:none}</style>"
FORMULA_TITLE = '=HYPERLINK("http://evil.example","napsauta")'
T0 = datetime(2025, 1, 10, 9, tzinfo=UTC)


def programme_yaml(folder: Path, *, due_2_1: str = "2026-06", owner_2_1: int = 3) -> Path:
    people = list(PEOPLE)
    measure = {"start": "2025-01", "budget_eur": 10000, "indicator": "Osuus"}
    document = {
        "programme": {"name": "Testikaupungin digiohjelma", "period": "2025-2027",
                      "vision_year": 2030},
        "people": [{"id": ref, "name": name} for ref, name in PEOPLE.items()],
        "themes": [
            {"id": "T1", "name": "Digitaaliset palvelut", "baseline": 2.0, "current": 2.5,
             "target": 4.0},
            {"id": "T2", "name": HOSTILE_THEME, "baseline": 1.5, "target": 3.0},
        ],
        "measures": [
            {"id": "1.1", "theme": "T1", "title": "Sähköinen asiointi", "owner": people[0],
             "deputies": [people[1]], "unit": "Keskushallinto", "due": "2026-12", **measure},
            {"id": "1.2", "theme": "T1", "title": HOSTILE_TITLE, "owner": people[1],
             "unit": HOSTILE_UNIT, "due": "2026-03", "description": "{{ 7*7 }} {% raw %}",
             **measure},
            {"id": "1.3", "theme": "T1", "title": FORMULA_TITLE, "owner": people[2],
             "unit": "Sivistyspalvelut", "due": "2025-12", **measure},
            {"id": "2.1", "theme": "T2", "title": "Tietoturvakoulutus", "owner": people[owner_2_1],
             "deputies": [people[0]], "unit": "Henkilöstöpalvelut", "due": due_2_1},
        ],
    }  # fmt: skip
    path = folder / "programme.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return path


def build(engine: Engine, folder: Path) -> None:
    """The programme, its updates and one revision, all dated in 2025."""
    with session_scope(engine) as session:
        import_file(session, programme_yaml(folder), label="1", at=T0)
        ids = {m.code: m.id for m in crud.measures(session)}

        def update(code: str, status: str, progress: int | None, note: str, day: int, by: str):
            return crud.append_update(
                session, measure_id=ids[code], author=by, status=status, progress=progress,
                note=note, source="slack", created_at=T0.replace(month=2, day=day),
            )  # fmt: skip

        refs = list(PEOPLE)
        update("1.1", "on_track", 20, NOTE_WITH_NAMES, 1, refs[0])
        update("1.1", "at_risk", 30, "Toimittaja myöhässä", 15, refs[1])
        update("1.2", "delayed", 10, HOSTILE_NOTE, 2, refs[1])
        update("1.3", "done", 100, "Valmis", 3, refs[2])
        mistake = update("2.1", "delayed", 5, "väärä toimenpide", 4, refs[3])
        crud.withdraw(session, update=mistake, by=refs[3], at=T0.replace(month=2, day=4, hour=10))
        update("2.1", "on_track", 40, "Koulutus alkanut", 5, refs[3])
        session.add(
            SummaryRun(
                period="2025-H1", channel="C0LEADERS", trigger="schedule", requested_by=refs[0],
                as_of="2025-05-20", cutoff_update_id=99, claimed_by="host-1",
                cutoff_at=T0.replace(month=5, day=20), claimed_at=T0.replace(month=5, day=20),
                posted_at=T0.replace(month=5, day=20, hour=7),
            )
        )  # fmt: skip
    with session_scope(engine) as session:  # the revision: 2.1 later, handed over; 1.3 retired
        import_file(session, programme_yaml(folder, due_2_1="2026-12", owner_2_1=2), label="2",
                    at=T0.replace(month=6))  # fmt: skip
    with session_scope(engine) as session:
        revision = plan.new_revision(session, label="3", by="cli", at=T0.replace(month=8))
        retired = crud.find_measure(session, code="1.3")
        assert retired is not None
        plan.retire(retired, revision=revision)
        session.add(retired)
        session.flush()
        plan.record_plans(session, revision=revision)


@contextmanager
def public_server(engine: Engine, config: PublicConfig | None = None) -> Iterator[str]:
    """`digibot serve`'s web app with the public page on, served over real HTTP."""
    app = create_web_app(
        engine, slack=None, messages=Messages("fi"), public=config or PublicConfig()
    )
    server, thread, url = start_server(app)
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=10)
