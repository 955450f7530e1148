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
from collections.abc import Sequence
from datetime import datetime
from types import UnionType
from typing import (
    TYPE_CHECKING,
    Any,
    Final,
    Literal,
    Protocol,
    TypeVar,
    Union,
    get_args,
    get_origin,
)

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
from storage.programme_io import MEASURE_FIELDS
from storage.text import neutralise

FORMAT_VERSION: Final = 2
"""2 added update ids and the bot's state; files of version 1 still restore."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Row(_Strict):
    """A table's rows in the export. Its fields are made at run time from the table's
    columns (`row_model`), so a type checker knows none of them: each reads as Any."""

    if TYPE_CHECKING:

        def __getattr__(self, name: str) -> Any: ...


Row = TypeVar("Row", bound=_Row)


def _aware(annotation: Any) -> Any:
    """A table's datetime as an export's: with its zone."""
    if annotation is datetime:
        return AwareDatetime
    if get_origin(annotation) in (Union, UnionType) and datetime in get_args(annotation):
        return AwareDatetime | None
    return annotation


_COLUMNS: dict[type[_Row], dict[str, str]] = {}
"""Each export model's fields that are columns: the export's name, the table's."""


def row_model(
    table: type[SQLModel],
    *,
    skip: tuple[str, ...],
    rename: dict[str, str] | None = None,
    first: tuple[str, ...] = (),
    defaults: bool = True,
    **extra: Any,
) -> type[_Row]:
    """The export's form of a table's rows, read from its columns, so that a column added
    to the table is backed up and restored without touching this module. `rename`: the
    export's name of a column; `first`: fields that lead, in the file's order. With
    `defaults`, a column with a plain default may be missing from an older backup; any
    other is required."""
    rename = rename or {}
    columns = {rename.get(n, n): n for n in table.model_fields if n not in skip}
    fields: dict[str, Any] = {}
    for name, column in columns.items():
        info = table.model_fields[column]
        plain_default = defaults and not info.is_required() and info.default_factory is None
        fields[name] = (_aware(info.annotation), info.default if plain_default else ...)
    fields |= extra
    fields = {name: fields.pop(name) for name in first} | fields
    model = create_model(f"{table.__name__}Out", __base__=_Row, **fields)
    _COLUMNS[model] = columns
    return model


def _row(model: type[Row], row: SQLModel, **extra: Any) -> Row:
    columns = {n: c for n, c in _COLUMNS[model].items() if n not in extra}
    return model(**{name: getattr(row, column) for name, column in columns.items()}, **extra)


class CurrentOut(_Strict):
    status: str
    progress: int | None
    note: str
    author: str
    time: AwareDatetime


# A model made at run time is no type to mypy: there, each is a _Row (fields of type Any).
if TYPE_CHECKING:
    ProgrammeOut = _Row
    PersonOut = _Row
    CoordinatorOut = _Row
    ThemeOut = _Row
    UpdateOut = _Row
    MeasureOut = _Row
    PartOut = _Row
    RunOut = _Row
    ReminderOut = _Row
    ConversationOut = _Row
else:
    # The programme's part: the file's names and order, as version 1 had them.
    ProgrammeOut = row_model(Programme, skip=("id",), defaults=False)
    PersonOut = row_model(Person, skip=("id",), rename={"ref": "id"}, defaults=False)
    CoordinatorOut = row_model(
        Coordinator, skip=("id", "person_id"), first=("id",), defaults=False, id=(str, ...)
    )
    ThemeOut = row_model(Theme, skip=("id", "code_key"), rename={"code": "id"}, defaults=False)
    UpdateOut = row_model(
        StatusUpdate,
        skip=("measure_id", "idempotency_key"),
        rename={"created_at": "time"},
        first=("id", "time"),
        defaults=False,
        id=(int | None, None),  # the record number, which summary runs refer to; not in version 1
    )
    MeasureOut = row_model(
        Measure,
        skip=("id", "code_key", "theme_id"),
        rename={"code": "id"},
        first=MEASURE_FIELDS,
        defaults=False,
        theme=(str, ...),
        owner=(str | None, ...),
        deputies=(list[str], ...),
        current=(CurrentOut | None, ...),
        updates=(list[UpdateOut] | None, None),
    )
    PartOut = row_model(SummaryPart, skip=("id", "run_id"))
    RunOut = row_model(SummaryRun, skip=("id",), parts=(list[PartOut], ...))
    ReminderOut = row_model(Reminder, skip=("id",))
    ConversationOut = row_model(ConversationRef, skip=("id",))
BOT_STATE = ("summary_runs", "reminders", "conversations")


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
    people = sorted(session.exec(select(Person)), key=lambda p: p.ref)
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
        programme=_row(ProgrammeOut, programme) if programme else None,
        people=[_row(PersonOut, p) for p in people],
        coordinators=sorted(
            (_row(CoordinatorOut, c, id=p.ref) for c, p in coordinators), key=lambda c: c.id
        ),
        themes=[
            _row(ThemeOut, t)
            for t in sorted(themes.values(), key=lambda t: crud.natural_key(t.code))
        ],
        measures=[
            _measure_out(m, themes[m.theme_id], roles[m.id], current.get(m.id), updates, history)
            for m in measures
        ],
        **(_bot_state(session) if history else {}),
    )


def _bot_state(session: Session) -> dict[str, list[_Row]]:
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
    return _row(
        MeasureOut,
        measure,
        theme=theme.code,
        owner=roles.owner.ref if roles.owner else None,
        deputies=[d.ref for d in roles.deputies],
        current=CurrentOut(
            status=current.status,
            progress=current.progress,
            note=current.note,
            author=current.author,
            time=current.created_at,
        )
        if current
        else None,
        updates=[_row(UpdateOut, u) for u in updates.get(measure.id, [])] if history else None,
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
    writer = csv_writer(out, excel=excel)
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


def csv_writer(out: io.StringIO, *, excel: bool = False) -> _SafeWriter:
    """A CSV writer safe for spreadsheets; `excel` as in `export_csv`."""
    if excel:
        out.write("\ufeff")
    return _SafeWriter(csv.writer(out, delimiter=";" if excel else ",", lineterminator="\n"))


class _Writer(Protocol):
    def writerow(self, row: Sequence[object], /) -> object: ...


class _SafeWriter:
    """User text that a spreadsheet would run as a formula (=, +, -, @ …) gets a leading
    apostrophe, as OWASP advises: a note must not compute anything on the coordinator's PC.
    Terminal escapes and bidi overrides are made inert, for a file shown with `cat`."""

    FORMULA = ("=", "+", "-", "@", "\t", "\r")

    def __init__(self, writer: _Writer) -> None:
        self.writer = writer

    def writerow(self, row: Sequence[object]) -> None:
        cells = [neutralise(c) if isinstance(c, str) else c for c in row]
        self.writer.writerow(
            ["'" + c if isinstance(c, str) and c.startswith(self.FORMULA) else c for c in cells]
        )


def _cell(value: object) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, datetime) else str(value)
