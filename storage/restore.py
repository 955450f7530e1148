"""Restore a JSON backup (`digibot export --format json --history`) into an empty database.

The file is checked first, as strictly as an import and with the import's own checks; every
problem is reported with its place, such as `measures[3].due`, as a message key of the
catalogue and its values (storage formats no message). Only a file without a problem is
loaded, in the caller's one transaction: all or nothing."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import PydanticCustomError
from sqlalchemy import UniqueConstraint, insert, text
from sqlmodel import Session, SQLModel, select

from storage import crud, maturity, money, plan
from storage.export import BOT_STATE, ExportDoc, MeasureOut
from storage.models import (
    ConversationRef,
    Coordinator,
    MaturityAssessment,
    Measure,
    MeasurePlan,
    Period,
    Person,
    Reminder,
    Revision,
    Spending,
    StatusUpdate,
    SummaryPart,
    SummaryRun,
    Theme,
    ThemePlan,
    utcnow,
)
from storage.programme_io import (
    MEASURE_FIELDS,
    MeasureIn,
    MeasureRow,
    Model,
    PersonIn,
    PersonRef,
    ProgrammeFile,
    ProgrammeIn,
    ThemeIn,
    apply_programme,
    code,
    person_ref,
    validate,
)
from storage.text import control_character

STATUS_CODES = ("not_started", "on_track", "at_risk", "delayed", "done", "postponed")
"""What an update's status may be: the chat's vocabulary (handlers.vocabulary)."""
NOTE_LIMIT = 3000
"""The longest note the chat accepts (handlers/state/values.py)."""
TRIGGERS = ("schedule", "chat", "cli")
KINDS = ("personal", "channel", "groupChat")
PLATFORMS = ("slack", "teams")
STATE_TABLES: dict[str, type[SQLModel]] = {
    "summary_runs": SummaryRun,
    "reminders": Reminder,
    "conversations": ConversationRef,
}
INT_MAX = 2**31 - 1
PERIOD = re.compile(r"^\d{4}-H[12]$|^(\d{4}-\d\d-\d\d)(-extra)?$")
"""A summary's name: its half-year, or its (moved) date when a half-year has several, or
the day of an extra hand post (handlers/schedule.py)."""
RUN_KINDS = ("scheduled", "extra")
REVISION_KINDS = ("initial", "revision", "new-period")
DAY = re.compile(r"^\d{4}-\d\d-\d\d$")


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a restore file: where (a JSON path), a catalogue key, its values."""

    path: str
    key: str
    params: dict[str, Any] = field(default_factory=dict)


class RestoreRefused(Exception):
    """`invalid`: the file has `problems`; `not_empty`: the database holds a programme."""

    def __init__(self, reason: str, problems: list[Problem] | None = None, **params: Any):
        super().__init__(reason)
        self.reason = reason
        self.problems = problems or []
        self.params = params


def restore(session: Session, raw: str) -> tuple[int, int]:
    """Check the whole file, then load it; (measures, status updates) restored."""
    doc, parsed = check(raw)
    existing = len(crud.measures(session, retired=True))
    if existing or any(
        session.exec(select(table)).first() for table in (Theme, SummaryRun, Reminder, Period)
    ):
        raise RestoreRefused("not_empty", measures=existing)
    _load_revisions(session, doc)
    apply_programme(session, parsed)
    _load_plans(session, doc)
    _load_assessments(session, doc)
    for c in doc.coordinators:
        person = crud.ensure_person(session, ref=c.id)
        if not session.exec(select(Coordinator).where(Coordinator.person_id == person.id)).first():
            session.add(Coordinator(person_id=person.id, added_by=c.added_by, added_at=c.added_at))
    count = _load_updates(session, doc)
    _load_spending(session, doc)
    for run in doc.summary_runs or []:
        row = SummaryRun(**run.model_dump(exclude={"parts"}))
        session.add(row)
        session.flush()
        session.add_all(SummaryPart(run_id=row.id, **p.model_dump()) for p in run.parts)
    session.add_all(Reminder(**r.model_dump()) for r in doc.reminders or [])
    for c in doc.conversations or []:  # one saved since the database was made is newer: kept
        if not session.exec(
            select(ConversationRef).where(
                ConversationRef.platform == c.platform,
                ConversationRef.conversation_id == c.conversation_id,
            )
        ).first():
            session.add(ConversationRef(**c.model_dump()))
    session.flush()
    return len(doc.measures), count


def _load_revisions(session: Session, doc: ExportDoc) -> None:
    """Periods and revisions with their own numbers (plans and retirements refer to them)."""
    periods: dict[str, int] = {}
    for p in doc.periods or []:
        period = Period(**p.model_dump())
        session.add(period)
        session.flush()
        periods[p.name] = period.id
    rows = [
        r.model_dump(exclude={"period"}) | {"period_id": periods[r.period]}
        for r in doc.revisions or []
    ]
    if rows:
        session.execute(insert(Revision), rows)
        _renumber(session, "revision")


def _load_plans(session: Session, doc: ExportDoc) -> None:
    """Retirements and plan history as the file has them; a file from before revisions
    were kept (version 1 or 2) makes its programme revision 1, as the migration does."""
    if doc.revisions is None:
        added = [m.added_at for m in doc.measures]
        first = plan.new_revision(
            session, label="1", kind="initial", by="restore", at=min(added) if added else None
        )
        plan.record_plans(session, revision=first)
        return
    people = {p.ref: p.id for p in session.exec(select(Person))}

    def person(ref: str) -> int:  # a former owner the people list does not name
        ref = crud.normalize_ref(ref)
        if ref not in people:
            people[ref] = crud.ensure_person(session, ref=ref).id
        return people[ref]

    themes = {t.code_key: t for t in crud.themes(session, retired=True)}
    for t in doc.themes:
        theme = themes[t.id.lower()]
        theme.retired_at, theme.retired_revision_id = t.retired_at, t.retired_revision_id
        session.add(theme)
        for p in t.plan or []:
            values = p.model_dump(exclude={"revision", "time", "id"})
            session.add(
                ThemePlan(
                    theme_id=theme.id,
                    revision_id=p.revision,
                    created_at=p.time,
                    code=p.id,
                    **values,
                )
            )
    measures = {m.code_key: m for m in crud.measures(session, retired=True)}
    for m in doc.measures:
        measure = measures[m.id.lower()]
        measure.retired_at, measure.retired_revision_id = m.retired_at, m.retired_revision_id
        session.add(measure)
        for p in m.plan or []:
            values = p.model_dump(exclude={"revision", "time", "id", "theme", "owner", "deputies"})
            session.add(
                MeasurePlan(
                    measure_id=measure.id,
                    revision_id=p.revision,
                    created_at=p.time,
                    code=p.id,
                    theme_id=themes[p.theme.lower()].id,
                    owner_id=people[crud.normalize_ref(p.owner)] if p.owner else None,
                    deputy_ids=",".join(str(people[crud.normalize_ref(d)]) for d in p.deputies),
                    **values,
                )
            )
    session.flush()


def _load_assessments(session: Session, doc: ExportDoc) -> None:
    """Each theme's maturity assessments; a file from before they were kept (no
    `assessments`) makes its theme's `current` level the first, as migration 0009 does."""
    themes = {t.code_key: t.id for t in crud.themes(session, retired=True)}
    first = min((r.created_at for r in doc.revisions or []), default=None)
    for t in doc.themes:
        theme_id = themes[t.id.lower()]
        if t.assessments is not None:
            session.add_all(
                MaturityAssessment(
                    theme_id=theme_id, created_at=a.time, **a.model_dump(exclude={"time"})
                )
                for a in t.assessments
            )
        elif t.current is not None:
            at = first or min((m.added_at for m in doc.measures), default=None) or utcnow()
            maturity.append_assessment(
                session, theme_id=theme_id, level_hundredths=maturity.level_of(t.current),
                assessed_on=at.date().isoformat(), author="restore",
                origin="programme", created_at=at,
            )  # fmt: skip
    session.flush()


def _renumber(session: Session, table: str) -> None:
    """PostgreSQL's sequence continues after rows inserted with their own ids."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
        )


def _load_updates(session: Session, doc: ExportDoc) -> int:
    """Every update with its own record number (summary runs refer to them), in one bulk
    insert; an export of version 1 has none, and the database numbers them in file order."""
    measure_ids = {m.code_key: m.id for m in session.exec(select(Measure))}
    rows = [
        u.model_dump(exclude={"time"} if u.id else {"time", "id"})
        | {"created_at": u.time, "measure_id": measure_ids[m.id.lower()]}
        for m in doc.measures
        for u in m.updates or []
    ]
    if rows:
        session.execute(insert(StatusUpdate), rows)
        _renumber(session, "status_update")
        session.execute(  # each author as the person the file names them by
            text(
                "UPDATE status_update SET author_person_id = "
                "(SELECT person.id FROM person WHERE person.ref = status_update.author)"
            )
        )
    return len(rows)


def _load_spending(session: Session, doc: ExportDoc) -> None:
    """Spending reports in file order (oldest first), as the export wrote them."""
    measure_ids = {m.code_key: m.id for m in session.exec(select(Measure))}
    rows = [
        s.model_dump(exclude={"time"})
        | {"created_at": s.time, "measure_id": measure_ids[m.id.lower()]}
        for m in doc.measures
        for s in m.spending or []
    ]
    if rows:
        session.execute(insert(Spending), rows)


# --- checking ---


def check(raw: str) -> tuple[ExportDoc, ProgrammeFile]:
    """The file as a document and as the import's programme; RestoreRefused with every
    problem otherwise."""
    try:
        data = json.loads(raw)
    except RecursionError:  # `[[[[…` deeper than Python's stack: no export looks like that
        raise RestoreRefused("invalid", [Problem("-", "restore.too_deep")]) from None
    except ValueError as bad:
        line, column = getattr(bad, "lineno", 1), getattr(bad, "colno", 1)
        raise RestoreRefused(
            "invalid", [Problem("-", "restore.json_syntax", {"line": line, "column": column})]
        ) from None
    if not isinstance(data, dict):
        raise RestoreRefused("invalid", [Problem("-", "restore.not_object", _shown(data))])
    if "digibot_export" not in data:
        raise RestoreRefused("invalid", [Problem("digibot_export", "import.required")])
    try:
        doc = ExportDoc.model_validate_json(raw, strict=True)
    except ValidationError as bad:
        raise RestoreRefused("invalid", [_problem(e) for e in bad.errors()]) from None
    if not doc.history:
        raise RestoreRefused("invalid", [Problem("history", "restore.no_history")])
    values = _Values(doc, data)
    parsed = values.check()
    if values.problems:
        raise RestoreRefused("invalid", values.problems)
    return doc, parsed


_TYPE_KEYS = {
    "missing": "import.required",
    "extra_forbidden": "restore.unknown_field",
    "string_type": "restore.not_text",
    "int_type": "restore.not_integer",
    "int_from_float": "restore.not_integer",
    "float_type": "restore.not_number",
    "bool_type": "restore.not_bool",
    "list_type": "restore.not_list",
    "model_type": "restore.not_object",
    "dict_type": "restore.not_object",
    "model_attributes_type": "restore.not_object",
    "timezone_aware": "restore.bad_time",
}


def _problem(error: Any) -> Problem:
    """A pydantic error as a problem of the catalogue: its place and kind, no English."""
    loc = tuple(error["loc"])
    path = _path(loc)
    kind = error["type"]
    if loc == ("digibot_export",):
        known = {"known": "1, 2, 3, 4"}
        return Problem(path, "restore.version", {**_shown(error.get("input")), **known})
    if kind in ("missing", "extra_forbidden"):
        return Problem(path, _TYPE_KEYS[kind])
    if kind.startswith("datetime"):
        kind = "timezone_aware"
    return Problem(path, _TYPE_KEYS.get(kind, "restore.bad_value"), _shown(error.get("input")))


def _path(loc: tuple[str | int, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}" if path else str(part)
    return path or "-"


def _shown(value: Any) -> dict[str, str]:
    shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return {"value": shown if len(shown) <= 60 else shown[:59] + "…"}


def _unique_keys(table: type[SQLModel], *, within: str = "") -> list[tuple[str, ...]]:
    """The table's unique keys (read from the table, so a changed key is checked as it is
    now); `within`: the column of the entry a section is nested in, left out."""
    return [
        tuple(c.name for c in constraint.columns if c.name != within)
        for constraint in table.__table__.constraints  # type: ignore[attr-defined]  # sqlmodel
        if isinstance(constraint, UniqueConstraint)
    ]


class CoordinatorIn(BaseModel):
    id: PersonRef
    added_by: PersonRef


class _Values:
    """The checks a backup needs beyond its types: the import's for the programme (its
    models), the chat's for updates (status, progress, note, people), the bot state's own."""

    def __init__(self, doc: ExportDoc, data: dict[str, Any]) -> None:
        self.doc, self.data = doc, data
        self.problems: list[Problem] = []

    def add(self, path: str, key: str, **params: Any) -> None:
        self.problems.append(Problem(path, key, params))

    def entry(self, model: type[Model], values: dict[str, Any], path: str) -> Model | None:
        """The entry as the import's model; each fault at the entry's path and field."""
        found, faults = validate(model, values)
        for fault in faults:
            self.add(f"{path}.{fault.field}", fault.key, **fault.params)
        return found

    def rule(self, path: str, rule: Callable[[str], str], value: str) -> None:
        """One of the import's rules for a single value (a person, an id)."""
        try:
            rule(value)
        except PydanticCustomError as bad:
            self.add(path, bad.type, **(bad.context or {}))

    def check(self) -> ProgrammeFile:
        parsed = ProgrammeFile()
        data, doc = self.data, self.doc
        if data["programme"] is not None and (
            programme := self.entry(ProgrammeIn, data["programme"], "programme")
        ):
            parsed.programme = programme.row()
        self.unique("people", "id", key=crud.normalize_ref)
        for i, values in enumerate(data["people"]):
            if person := self.entry(PersonIn, values, f"people[{i}]"):
                parsed.people[person.id] = person.name
        self.unique("themes", "id", key=str.lower)
        for i, values in enumerate(data["themes"]):
            if theme := self.entry(ThemeIn, values, f"themes[{i}]"):
                parsed.themes.append(theme)
        self.unique("coordinators", "id", key=crud.normalize_ref)
        for i, values in enumerate(data["coordinators"]):
            self.entry(CoordinatorIn, values, f"coordinators[{i}]")
        self.unique("measures", "id", key=str.lower)
        themes = {t.id.lower() for t in doc.themes}
        ids = [u.id for m in doc.measures for u in m.updates or []]
        need_ids = doc.digibot_export >= 2 or any(i is not None for i in ids)
        self.seen_updates: dict[int, str] = {}
        for i, measure in enumerate(data["measures"]):
            path = f"measures[{i}]"
            values = {k: v for k, v in measure.items() if k in MEASURE_FIELDS}
            found = self.entry(MeasureIn, values, path)
            if found and found.theme.lower() not in themes:
                self.add(f"{path}.theme", "import.unknown_theme", value=found.theme)
            elif found:
                row = MeasureRow.of(found, 0)
                row.values["added_at"] = doc.measures[i].added_at
                parsed.measures.append(row)
            self.updates(doc.measures[i], path, need_ids)
            self.spending(doc.measures[i], path)
        self.in_time(themes)
        self.bot_state(max((i for i in ids if i is not None), default=0))
        return parsed

    def in_time(self, themes: set[str]) -> None:
        """Periods, revisions and plan history: each reference known, plans in time order."""
        doc = self.doc
        if doc.digibot_export >= 3:
            for section in ("periods", "revisions"):
                if getattr(doc, section) is None:
                    self.add(section, "import.required")
        self.unique("periods", "name", key=str.lower)
        for i, p in enumerate(doc.periods or []):
            self.text(f"periods[{i}].name", p.name, 100)
        periods = {p.name for p in doc.periods or []}
        self.unique("revisions", "id", key=str)
        for i, r in enumerate(doc.revisions or []):
            at = f"revisions[{i}]"
            self.at_least(f"{at}.id", r.id, 1)
            if r.period not in periods:
                self.add(f"{at}.period", "restore.unknown_period", value=r.period)
            self.one_of(f"{at}.kind", r.kind, REVISION_KINDS)
            for name in ("label", "created_by", "source", "programme_name"):
                self.text(f"{at}.{name}", getattr(r, name), 300)
        known = {r.id for r in doc.revisions or []}

        def revision(path: str, value: int | None) -> None:
            if value is not None and value not in known:
                self.add(path, "restore.unknown_revision", value=value)

        for i, t in enumerate(doc.themes):
            self.assessments(f"themes[{i}].assessments", t.assessments or [])
            revision(f"themes[{i}].retired_revision_id", t.retired_revision_id)
            for j, p in enumerate(t.plan or []):
                at = f"themes[{i}].plan[{j}]"
                revision(f"{at}.revision", p.revision)
                self.entry(ThemeIn, p.model_dump(exclude={"revision", "time"}), at)
            self.ordered(f"themes[{i}].plan", t.plan or [])
        for i, m in enumerate(doc.measures):
            revision(f"measures[{i}].retired_revision_id", m.retired_revision_id)
            for j, p in enumerate(m.plan or []):
                at = f"measures[{i}].plan[{j}]"
                revision(f"{at}.revision", p.revision)
                values = p.model_dump(include=set(MEASURE_FIELDS))
                if self.entry(MeasureIn, values, at) and p.theme.lower() not in themes:
                    self.add(f"{at}.theme", "import.unknown_theme", value=p.theme)
            self.ordered(f"measures[{i}].plan", m.plan or [])

    def assessments(self, path: str, rows: list[Any]) -> None:
        """Maturity assessments: on the scale, dated (not after they were recorded), from a
        known origin."""
        for j, a in enumerate(rows):
            at = f"{path}[{j}]"
            if not maturity.LOWEST <= a.level_hundredths <= maturity.HIGHEST:
                self.add(f"{at}.level_hundredths", "restore.out_of_range", value=a.level_hundredths)
            if maturity.parse_assessed_on(a.assessed_on) != a.assessed_on or maturity.is_future(
                a.assessed_on, a.time.date()
            ):
                self.add(f"{at}.assessed_on", "maturity.import.bad_date", value=a.assessed_on)
            self.one_of(f"{at}.origin", a.origin, maturity.ORIGINS)
            self.text(f"{at}.source", a.source, maturity.SOURCE_LIMIT)
            self.text(f"{at}.author", a.author, 300)
            if not a.author.strip():
                self.add(f"{at}.author", "import.required")

    def ordered(self, path: str, plans: list[Any]) -> None:
        for j in range(1, len(plans)):
            if plans[j].time < plans[j - 1].time:
                self.add(f"{path}[{j}].time", "restore.out_of_order", value=plans[j].time)

    def unique(
        self,
        section: str,
        name: str | tuple[str, ...],
        *,
        key: Callable[[str], object],
        within: list[dict[str, Any]] | None = None,
    ) -> None:
        """Each entry's `name` (or the tuple of names) once in the section."""
        seen: dict[Any, str] = {}
        names = (name,) if isinstance(name, str) else name
        entries = (self.data.get(section) or []) if within is None else within
        for i, entry in enumerate(entries):
            values = [entry.get(n) for n in names]
            if not all(isinstance(v, str | int) for v in values):
                continue
            value = tuple(key(v) if isinstance(v, str) else v for v in values)
            place = f"{section}[{i}].{names[0]}"
            if value in seen:
                shown = ", ".join(str(v) for v in values)
                self.add(place, "restore.duplicate", id=shown, first=seen[value])
            else:
                seen[value] = place

    def person(self, path: str, value: str | None, *, required: bool = True) -> None:
        if value is None or not value.strip():
            if required:
                self.add(path, "import.required")
        elif char := control_character(value):
            self.add(path, "import.control_character", char=char)
        else:
            self.rule(path, person_ref, value)

    def text(self, path: str, value: str, limit: int) -> None:
        """Free text of a backup. (The import's text checks cover the programme's.)"""
        if len(value) > limit:
            self.add(path, "import.too_long", length=len(value), limit=limit)
        elif char := control_character(value):
            self.add(path, "import.control_character", char=char)

    def one_of(self, path: str, value: str, allowed: tuple[str, ...]) -> None:
        if value not in allowed:
            self.add(path, "restore.not_one_of", value=value, allowed=", ".join(allowed))

    def day(self, path: str, value: str) -> None:
        try:
            ok = bool(DAY.match(value)) and date.fromisoformat(value).year >= 1900
        except ValueError:
            ok = False
        if not ok:
            self.add(path, "restore.bad_day", value=value)

    def period(self, path: str, value: str) -> None:
        match = PERIOD.match(value)
        try:
            ok = bool(match) and int(value[:4]) >= 1900
            if ok and match and match.group(1):
                date.fromisoformat(match.group(1))
        except ValueError:
            ok = False
        if not ok:
            self.add(path, "restore.bad_period", value=value)

    def at_least(self, path: str, value: int | None, least: int) -> bool:
        """At least `least`, and no more than the database's integers hold."""
        if value is not None and not least <= value <= INT_MAX:
            self.add(path, "restore.out_of_range", value=value)
            return False
        return True

    def updates(self, measure: MeasureOut, path: str, need_ids: bool) -> None:
        for j, u in enumerate(measure.updates or []):
            at = f"{path}.updates[{j}]"
            if u.id is None and need_ids:
                self.add(f"{at}.id", "import.required")
            elif u.id is not None and self.at_least(f"{at}.id", u.id, 1):
                if u.id in self.seen_updates:
                    first = self.seen_updates[u.id]
                    self.add(f"{at}.id", "restore.duplicate", id=u.id, first=first)
                else:
                    self.seen_updates[u.id] = f"{at}.id"
            if u.status not in STATUS_CODES:
                self.add(f"{at}.status", "restore.bad_status", value=u.status,
                    statuses=", ".join(STATUS_CODES),
                )  # fmt: skip
            if u.progress is not None and not 0 <= u.progress <= 100:
                self.add(f"{at}.progress", "restore.bad_progress", value=u.progress)
            self.text(f"{at}.note", u.note, NOTE_LIMIT)
            self.person(f"{at}.author", u.author)
            self.rule(f"{at}.source", code, u.source)
            self.person(f"{at}.withdrawn_by", u.withdrawn_by, required=u.withdrawn_at is not None)

    def spending(self, measure: MeasureOut, path: str) -> None:
        """Each report as the chat and the actuals import would have taken it."""
        for j, s in enumerate(measure.spending or []):
            at = f"{path}.spending[{j}]"
            if not 1900 <= s.year <= 2200:
                self.add(f"{at}.year", "import.bad_year", value=s.year)
            if not 0 <= s.spent_cents < money.MAX_CENTS:
                self.add(f"{at}.spent_cents", "restore.out_of_range", value=s.spent_cents)
            self.day(f"{at}.reported_on", s.reported_on)
            self.text(f"{at}.note", s.note, NOTE_LIMIT)
            if not s.author.strip():
                self.add(f"{at}.author", "import.required")
            self.text(f"{at}.author", s.author, 300)
            self.rule(f"{at}.source", code, s.source)
        self.ordered(f"{path}.spending", measure.spending or [])

    def bot_state(self, last_update: int) -> None:
        doc = self.doc
        if doc.digibot_export >= 2:
            for section in BOT_STATE:
                if getattr(doc, section) is None:
                    self.add(section, "import.required")
        for section, table in STATE_TABLES.items():
            for names in _unique_keys(table):
                self.unique(section, names, key=str)
        for i, run in enumerate(doc.summary_runs or []):
            at = f"summary_runs[{i}]"
            self.period(f"{at}.period", run.period)
            self.one_of(f"{at}.kind", run.kind, RUN_KINDS)
            if run.kind in RUN_KINDS and (run.kind == "extra") != run.period.endswith("-extra"):
                self.add(f"{at}.kind", "restore.kind_mismatch", kind=run.kind, name=run.period)
            self.day(f"{at}.as_of", run.as_of)
            self.one_of(f"{at}.trigger", run.trigger, TRIGGERS)
            self.person(f"{at}.requested_by", run.requested_by)
            self.at_least(f"{at}.attempt", run.attempt, 0)
            for name in ("cutoff_update_id", "baseline_update_id"):
                value = getattr(run, name)
                if self.at_least(f"{at}.{name}", value, 0) and (value or 0) > last_update:
                    self.add(f"{at}.{name}", "restore.unknown_update", value=value)
            for name in ("channel", "claimed_by", "main_id"):
                self.text(f"{at}.{name}", getattr(run, name) or "", 300)
            parts = self.data["summary_runs"][i]["parts"]
            for names in _unique_keys(SummaryPart, within="run_id"):
                self.unique(f"{at}.parts", names, key=str, within=parts)
            for j, part in enumerate(run.parts):
                self.at_least(f"{at}.parts[{j}].seq", part.seq, 0)
                self.text(f"{at}.parts[{j}].message_id", part.message_id, 300)
        for i, reminder in enumerate(doc.reminders or []):
            at = f"reminders[{i}]"
            self.person(f"{at}.person_ref", reminder.person_ref)
            self.day(f"{at}.day", reminder.day)
            self.period(f"{at}.period", reminder.period)
            for measure_id in reminder.measures.split(","):
                self.rule(f"{at}.measures", code, measure_id)
        for i, talk in enumerate(doc.conversations or []):
            at = f"conversations[{i}]"
            self.one_of(f"{at}.platform", talk.platform, PLATFORMS)
            self.one_of(f"{at}.kind", talk.kind, KINDS)
            for name in ("conversation_id", "service_url", "user_id", "aad_object_id", "tenant_id"):
                self.text(f"{at}.{name}", getattr(talk, name) or "", 300)
            if talk.email:
                self.person(f"{at}.email", talk.email)
            try:
                reference = json.loads(talk.reference)
            except (ValueError, RecursionError):
                reference = None
            if not isinstance(reference, dict):
                self.add(f"{at}.reference", "restore.bad_reference")
