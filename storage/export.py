"""Export (open data, backups) and restore.

The JSON export is deterministic: the same data gives byte-identical output (measures by id,
updates oldest first, no export time), so exports can be diffed and a restore proved."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict
from sqlmodel import Session, col, select

from storage import crud
from storage.models import Coordinator, Measure, Person, Programme, StatusUpdate, Theme
from storage.text import neutralise

FORMAT_VERSION = 1


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProgrammeOut(_Strict):
    name: str
    period: str
    vision_year: int | None


class PersonOut(_Strict):
    id: str
    name: str | None


class CoordinatorOut(_Strict):
    id: str
    added_by: str
    added_at: AwareDatetime


class ThemeOut(_Strict):
    id: str
    name: str
    baseline: float | None
    current: float | None
    target: float | None


class UpdateOut(_Strict):
    time: AwareDatetime
    author: str
    status: str
    progress: int | None
    note: str
    source: str
    withdrawn_at: AwareDatetime | None
    withdrawn_by: str | None


class CurrentOut(_Strict):
    status: str
    progress: int | None
    note: str
    author: str
    time: AwareDatetime


class MeasureOut(_Strict):
    id: str
    theme: str
    title: str
    description: str | None
    owner: str | None
    deputies: list[str]
    unit: str | None
    start: str | None
    due: str | None
    budget_eur: int | None
    indicator: str | None
    baseline: str | None
    target: str | None
    added_at: AwareDatetime
    current: CurrentOut | None
    updates: list[UpdateOut] | None = None


class ExportDoc(_Strict):
    digibot_export: int = FORMAT_VERSION
    history: bool
    programme: ProgrammeOut | None
    people: list[PersonOut]
    coordinators: list[CoordinatorOut]
    themes: list[ThemeOut]
    measures: list[MeasureOut]


def build_export(session: Session, *, history: bool) -> ExportDoc:
    programme = session.get(Programme, 1)
    themes = {t.id: t for t in session.exec(select(Theme))}
    measures = sorted(session.exec(select(Measure)), key=lambda m: crud.natural_key(m.code))
    ids = [m.id for m in measures]
    roles = crud.roles_of(session, measure_ids=ids)
    current = crud.current_updates(session, measure_ids=ids)
    updates: dict[int, list[StatusUpdate]] = {}
    if history:
        for update in session.exec(select(StatusUpdate).order_by(col(StatusUpdate.id))):
            updates.setdefault(update.measure_id, []).append(update)
    coordinators = session.exec(
        select(Coordinator, Person).join(Person, col(Person.id) == Coordinator.person_id)
    ).all()
    return ExportDoc(
        history=history,
        programme=ProgrammeOut(
            name=programme.name, period=programme.period, vision_year=programme.vision_year
        )
        if programme
        else None,
        people=[
            PersonOut(id=p.ref, name=p.name)
            for p in sorted(session.exec(select(Person)), key=lambda p: p.ref)
        ],
        coordinators=sorted(
            (
                CoordinatorOut(id=p.ref, added_by=c.added_by, added_at=c.added_at)
                for c, p in coordinators
            ),
            key=lambda c: c.id,
        ),
        themes=[
            ThemeOut(
                id=t.code, name=t.name, baseline=t.baseline, current=t.current, target=t.target
            )
            for t in sorted(themes.values(), key=lambda t: crud.natural_key(t.code))
        ],
        measures=[
            _measure_out(m, themes[m.theme_id], roles[m.id], current.get(m.id), updates, history)
            for m in measures
        ],
    )


def _measure_out(
    measure: Measure,
    theme: Theme,
    roles: crud.Roles,
    current: StatusUpdate | None,
    updates: dict[int, list[StatusUpdate]],
    history: bool,
) -> MeasureOut:
    return MeasureOut(
        id=measure.code,
        theme=theme.code,
        title=measure.title,
        description=measure.description,
        owner=roles.owner.ref if roles.owner else None,
        deputies=[d.ref for d in roles.deputies],
        unit=measure.unit,
        start=measure.start,
        due=measure.due,
        budget_eur=measure.budget_eur,
        indicator=measure.indicator,
        baseline=measure.baseline,
        target=measure.target,
        added_at=measure.added_at,
        current=CurrentOut(
            status=current.status,
            progress=current.progress,
            note=current.note,
            author=current.author,
            time=current.created_at,
        )
        if current
        else None,
        updates=[
            UpdateOut(
                time=u.created_at,
                author=u.author,
                status=u.status,
                progress=u.progress,
                note=u.note,
                source=u.source,
                withdrawn_at=u.withdrawn_at,
                withdrawn_by=u.withdrawn_by,
            )
            for u in updates.get(measure.id, [])
        ]
        if history
        else None,
    )


def export_json(session: Session, *, history: bool) -> str:
    doc = build_export(session, history=history)
    return doc.model_dump_json(indent=2, exclude_none=False) + "\n"


CSV_MEASURE_COLUMNS = (
    "id", "theme", "title", "owner", "deputies", "unit", "start", "due", "budget_eur",
    "indicator", "baseline", "target", "status", "progress", "updated_at", "updated_by", "note",
)  # fmt: skip
CSV_HISTORY_COLUMNS = (
    "measure", "time", "author", "status", "progress", "note", "source", "withdrawn_at",
    "withdrawn_by",
)  # fmt: skip


def export_csv(session: Session, *, history: bool, excel: bool = False) -> str:
    """Measures with their current state; with `history`, every update instead. `excel`:
    semicolons and a byte-order mark, as Excel in a Finnish locale opens a file directly."""
    doc = build_export(session, history=history)
    out = io.StringIO()
    if excel:
        out.write("\ufeff")
    writer = _SafeWriter(csv.writer(out, delimiter=";" if excel else ",", lineterminator="\n"))
    if history:
        writer.writerow(CSV_HISTORY_COLUMNS)
        for m in doc.measures:
            for u in m.updates or []:
                writer.writerow(
                    [m.id, u.time.isoformat(), u.author, u.status, _cell(u.progress), u.note,
                     u.source, _cell(u.withdrawn_at), _cell(u.withdrawn_by)]
                )  # fmt: skip
        return out.getvalue()
    writer.writerow(CSV_MEASURE_COLUMNS)
    for m in doc.measures:
        c = m.current
        writer.writerow(
            [m.id, m.theme, m.title, _cell(m.owner), ";".join(m.deputies), _cell(m.unit),
             _cell(m.start), _cell(m.due), _cell(m.budget_eur), _cell(m.indicator),
             _cell(m.baseline), _cell(m.target), c.status if c else "not_started",
             _cell(c.progress if c else None), _cell(c.time if c else None),
             c.author if c else "", c.note if c else ""]
        )  # fmt: skip
    return out.getvalue()


class _SafeWriter:
    """User text that a spreadsheet would run as a formula (=, +, -, @ …) gets a leading
    apostrophe, as OWASP advises: a note must not compute anything on the coordinator's PC.
    Terminal escapes and bidi overrides are made inert, for a file shown with `cat`."""

    FORMULA = ("=", "+", "-", "@", "\t", "\r")

    def __init__(self, writer) -> None:
        self.writer = writer

    def writerow(self, row: list[str]) -> None:
        cells = [neutralise(c) if isinstance(c, str) else c for c in row]
        self.writer.writerow(
            ["'" + c if isinstance(c, str) and c.startswith(self.FORMULA) else c for c in cells]
        )


def _cell(value: object) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, datetime) else str(value)


class RestoreRefused(Exception):
    """The database is not empty, or the file is not a JSON export with history."""

    def __init__(self, reason: str, **params: object) -> None:
        super().__init__(reason)
        self.reason = reason
        self.params = params


def restore(session: Session, raw: str) -> tuple[int, int]:
    """Load a JSON export, history included, into an empty database."""
    try:
        doc = ExportDoc.model_validate_json(raw)
    except ValueError as bad:
        raise RestoreRefused("invalid", detail=str(bad).splitlines()[0]) from None
    if not doc.history:
        raise RestoreRefused("invalid", detail="no history: export with --history")
    for kind, codes in (
        ("theme", [t.id for t in doc.themes]),
        ("measure", [m.id for m in doc.measures]),
    ):
        lowered = [c.lower() for c in codes]
        if duplicate := next((c for c in codes if lowered.count(c.lower()) > 1), None):
            raise RestoreRefused("invalid", detail=f"{kind} {duplicate} appears twice")
    existing = crud.count_measures(session)
    if existing or session.exec(select(Theme)).first():
        raise RestoreRefused("not_empty", measures=existing)
    if doc.programme:
        session.add(Programme(id=1, **doc.programme.model_dump()))
    for person in doc.people:
        crud.ensure_person(session, ref=person.id, name=person.name)
    themes = {}
    for t in doc.themes:
        theme = Theme(code=t.id, code_key=t.id.lower(), name=t.name, baseline=t.baseline,
                      current=t.current, target=t.target)  # fmt: skip
        session.add(theme)
        themes[t.id] = theme
    session.flush()
    for c in doc.coordinators:
        person = crud.ensure_person(session, ref=c.id)
        session.add(Coordinator(person_id=person.id, added_by=c.added_by, added_at=c.added_at))
    count = 0
    for m in doc.measures:
        if m.theme not in themes:
            raise RestoreRefused("invalid", detail=f"measure {m.id}: unknown theme {m.theme}")
        measure = Measure(
            code=m.id, code_key=m.id.lower(), theme_id=themes[m.theme].id, title=m.title,
            description=m.description, unit=m.unit, start=m.start, due=m.due,
            budget_eur=m.budget_eur, indicator=m.indicator, baseline=m.baseline,
            target=m.target, added_at=m.added_at,
        )  # fmt: skip
        session.add(measure)
        session.flush()
        if m.owner:
            crud.set_roles(
                session,
                measure=measure,
                owner=crud.ensure_person(session, ref=m.owner),
                deputies=[crud.ensure_person(session, ref=d) for d in m.deputies],
            )
        for u in m.updates or []:
            update = crud.append_update(
                session, measure_id=measure.id, author=u.author, status=u.status,
                progress=u.progress, note=u.note, source=u.source, created_at=u.time,
            )  # fmt: skip
            if u.withdrawn_at:
                crud.withdraw(
                    session, update=update, by=u.withdrawn_by or u.author, at=u.withdrawn_at
                )
            count += 1
    session.flush()
    return len(doc.measures), count
