"""Export: open data, and backups (`history`) that `storage.restore` loads again.

The JSON export is deterministic: the same data gives byte-identical output (measures by id,
updates oldest first, no export time), so exports can be diffed and a restore proved. A
backup also carries the bot's own state, read column by column from the tables: summary runs
and their messages, reminders, Teams conversations; so a restored bot neither posts a summary
again nor reminds anyone twice. Delivery keys (a platform's retries within minutes) are left
out: no retry outlives a restore."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from types import UnionType
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import AwareDatetime, BaseModel, ConfigDict, create_model
from sqlmodel import Session, SQLModel, col, select

from storage import crud
from storage.models import (
    ConversationRef,
    Coordinator,
    Measure,
    Person,
    Programme,
    Reminder,
    StatusUpdate,
    SummaryPart,
    SummaryRun,
    Theme,
)
from storage.text import neutralise

FORMAT_VERSION = 2
"""2 added update ids and the bot's state; files of version 1 still restore."""


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
    id: int | None = None
    """The record number, which summary runs refer to; absent in exports of version 1."""
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


def _aware(annotation: Any) -> Any:
    """A table's datetime as an export's: with its zone."""
    if annotation is datetime:
        return AwareDatetime
    if get_origin(annotation) in (Union, UnionType) and datetime in get_args(annotation):
        return AwareDatetime | None
    return annotation


def row_model(table: type[SQLModel], *, skip: tuple[str, ...], **extra: Any) -> type[_Strict]:
    """The export's form of a table's rows, read from its columns, so that a column added
    to the table is backed up and restored without touching this module. A column with a
    plain default may be missing from an older backup; any other is required."""
    fields: dict[str, Any] = {}
    for name, info in table.model_fields.items():
        if name not in skip:
            plain_default = not info.is_required() and info.default_factory is None
            fields[name] = (_aware(info.annotation), info.default if plain_default else ...)
    return create_model(f"{table.__name__}Out", __base__=_Strict, **fields, **extra)


PartOut = row_model(SummaryPart, skip=("id", "run_id"))
RunOut = row_model(SummaryRun, skip=("id",), parts=(list[PartOut], ...))
ReminderOut = row_model(Reminder, skip=("id",))
ConversationOut = row_model(ConversationRef, skip=("id",))
BOT_STATE = ("summary_runs", "reminders", "conversations")


def _row(model: type[_Strict], row: SQLModel, **extra: Any) -> Any:
    columns = type(row).model_fields
    return model(**{n: getattr(row, n) for n in model.model_fields if n in columns}, **extra)


class ExportDoc(_Strict):
    digibot_export: Literal[1, 2] = FORMAT_VERSION
    history: bool
    programme: ProgrammeOut | None
    people: list[PersonOut]
    coordinators: list[CoordinatorOut]
    themes: list[ThemeOut]
    measures: list[MeasureOut]
    # The bot's state, in backups only (None in open data and in backups of version 1).
    summary_runs: list[RunOut] | None = None
    reminders: list[ReminderOut] | None = None
    conversations: list[ConversationOut] | None = None


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
        **(_bot_state(session) if history else {}),
    )


def _bot_state(session: Session) -> dict[str, list]:
    parts: dict[int, list[SummaryPart]] = {}
    for part in session.exec(select(SummaryPart).order_by(col(SummaryPart.seq))):
        parts.setdefault(part.run_id, []).append(part)
    runs = sorted(session.exec(select(SummaryRun)), key=lambda r: (r.period, r.channel, r.attempt))
    reminders = sorted(session.exec(select(Reminder)), key=lambda r: (r.day, r.person_ref))
    talks = sorted(
        session.exec(select(ConversationRef)), key=lambda c: (c.platform, c.conversation_id)
    )
    return {
        "summary_runs": [
            _row(RunOut, run, parts=[_row(PartOut, p) for p in parts.get(run.id, [])])
            for run in runs
        ],
        "reminders": [_row(ReminderOut, r) for r in reminders],
        "conversations": [_row(ConversationOut, c) for c in talks],
    }


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
                id=u.id,
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
    leave_out = None if history else set(BOT_STATE)
    return doc.model_dump_json(indent=2, exclude_none=False, exclude=leave_out) + "\n"


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
