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

from storage import crud, maturity, money, plan
from storage.models import (
    PERSON_IDS,
    ConversationRef,
    Coordinator,
    MaturityAssessment,
    Measure,
    MeasurePlan,
    Period,
    Person,
    Programme,
    Reminder,
    Revision,
    Spending,
    StatusUpdate,
    SummaryPart,
    SummaryRun,
    Theme,
    ThemePlan,
)
from storage.programme_io import MEASURE_FIELDS
from storage.text import neutralise

FORMAT_VERSION: Final = 4
"""2 added update ids and the bot's state; 3 the programme in time: periods, revisions,
plan history and retired measures and themes; 4 money: appropriations per budget year and
spending reports. Files of versions 1 to 3 still restore."""


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
    PeriodOut = _Row
    RevisionOut = _Row
    PlanOut = _Row
    ThemePlanOut = _Row
    AssessmentOut = _Row
    SpendingOut = _Row
else:
    MONEY = {"appropriations": (str, "")}  # not in versions 1 to 3
    RETIRED = {  # not in versions 1 and 2
        "retired_at": (AwareDatetime | None, None),
        "retired_revision_id": (int | None, None),
    }
    PeriodOut = row_model(Period, skip=("id",), defaults=False)
    RevisionOut = row_model(
        Revision, skip=("period_id",), first=("id",), defaults=False, period=(str, ...)
    )
    PlanOut = row_model(
        MeasurePlan,
        skip=("id", "measure_id", "theme_id", "owner_id", "deputy_ids"),
        rename={"revision_id": "revision", "created_at": "time", "code": "id"},
        first=("revision", "time", *MEASURE_FIELDS),
        defaults=False,
        theme=(str, ...),
        owner=(str | None, ...),
        deputies=(list[str], ...),
        **MONEY,
    )
    ThemePlanOut = row_model(
        ThemePlan,
        skip=("id", "theme_id"),
        rename={"revision_id": "revision", "created_at": "time", "code": "id"},
        first=("revision", "time", "id"),
        defaults=False,
    )
    # The programme's part: the file's names and order, as version 1 had them.
    ProgrammeOut = row_model(Programme, skip=("id",), defaults=False)
    # A person's linked platform ids are the bot's to re-learn, not the programme's.
    PersonOut = row_model(
        Person, skip=("id", *PERSON_IDS, "forgotten_at"), rename={"ref": "id"}, defaults=False
    )
    CoordinatorOut = row_model(
        Coordinator, skip=("id", "person_id"), first=("id",), defaults=False, id=(str, ...)
    )
    AssessmentOut = row_model(
        MaturityAssessment,
        skip=("id", "theme_id"),
        rename={"created_at": "time"},
        first=("level_hundredths", "assessed_on", "source", "author", "origin", "time"),
        defaults=False,
    )
    ThemeOut = row_model(
        Theme,
        skip=("id", "code_key"),
        rename={"code": "id"},
        defaults=False,
        plan=(list[ThemePlanOut] | None, None),
        assessments=(list[AssessmentOut] | None, None),  # not in versions 1 to 3
        **RETIRED,
    )
    UpdateOut = row_model(
        StatusUpdate,
        skip=("measure_id", "idempotency_key", "author_person_id"),
        rename={"created_at": "time"},
        first=("id", "time"),
        defaults=False,
        id=(int | None, None),  # the record number, which summary runs refer to; not in version 1
    )
    SpendingOut = row_model(
        Spending,
        skip=("id", "measure_id", "idempotency_key"),
        rename={"created_at": "time"},
        first=("time",),
        defaults=False,
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
        plan=(list[PlanOut] | None, None),
        updates=(list[UpdateOut] | None, None),
        spending=(list[SpendingOut] | None, None),
        **RETIRED,
        **MONEY,
    )
    PartOut = row_model(SummaryPart, skip=("id", "run_id"))
    RunOut = row_model(SummaryRun, skip=("id",), parts=(list[PartOut], ...))
    ReminderOut = row_model(Reminder, skip=("id",))
    ConversationOut = row_model(ConversationRef, skip=("id",))
BOT_STATE = ("summary_runs", "reminders", "conversations")


class ExportDoc(_Strict):
    digibot_export: Literal[1, 2, 3, 4] = FORMAT_VERSION
    history: bool
    as_of: AwareDatetime | None = None
    programme: ProgrammeOut | None
    periods: list[PeriodOut] | None = None
    revisions: list[RevisionOut] | None = None
    people: list[PersonOut]
    coordinators: list[CoordinatorOut]
    themes: list[ThemeOut]
    measures: list[MeasureOut]
    # The bot's state, in backups only (None in open data and in backups of version 1).
    summary_runs: list[RunOut] | None = None
    reminders: list[ReminderOut] | None = None
    conversations: list[ConversationOut] | None = None


def build_export(session: Session, *, history: bool, at: datetime | None = None) -> ExportDoc:
    """The programme, its people and (with `history`) every update, plan change and the
    bot's state; with `at`, all of it as it stood at that moment (only what existed then, as
    it was then: append-only rows make that exact)."""
    programme = _programme_out(session, at)
    people = {p.id: p for p in session.exec(select(Person))}
    refs = {i: p.ref for i, p in people.items()}
    themes = _themes_as_of(session, at)
    theme_codes = {i: t.code for i, t in themes.items()}
    # A theme's current level is its latest assessment then (the `current` column is unused).
    assessed = maturity.assessments(session, theme_ids=list(themes), at=at)
    measures = _measures_as_of(session, at)
    ids = list(measures)
    current = crud.current_updates(session, measure_ids=ids, at=at)
    updates: dict[int, list[UpdateOut]] = {}
    plans: dict[int, list[PlanOut]] = {}
    theme_plans: dict[int, list[ThemePlanOut]] = {}
    spending: dict[int, list[SpendingOut]] = {}
    if history:
        for spent in session.exec(
            select(Spending).order_by(col(Spending.created_at), col(Spending.id))
        ):
            if _by(spent.created_at, at):
                spending.setdefault(spent.measure_id, []).append(_row(SpendingOut, spent))
        for update in session.exec(select(StatusUpdate).order_by(col(StatusUpdate.id))):
            if _by(update.created_at, at):
                updates.setdefault(update.measure_id, []).append(_update_out(update, at))
        for row in session.exec(select(MeasurePlan).order_by(col(MeasurePlan.id))):
            if _by(row.created_at, at):
                plans.setdefault(row.measure_id, []).append(
                    _plan_out(row, theme_codes, refs, session)
                )
        for theme_row in session.exec(select(ThemePlan).order_by(col(ThemePlan.id))):
            if _by(theme_row.created_at, at):
                theme_plans.setdefault(theme_row.theme_id, []).append(_row(ThemePlanOut, theme_row))
    coordinators = session.exec(
        select(Coordinator, Person).join(Person, col(Person.id) == Coordinator.person_id)
    ).all()
    periods = {p.id: p for p in session.exec(select(Period).order_by(col(Period.id)))}
    return ExportDoc(
        history=history,
        as_of=at,
        programme=programme,
        periods=[
            _row(PeriodOut, p, closed_at=p.closed_at if _by(p.closed_at, at) else None)
            for p in periods.values()
            if _by(p.opened_at, at)
        ],
        revisions=[
            _row(RevisionOut, r, period=periods[r.period_id].name)
            for r in plan.revisions(session)
            if _by(r.created_at, at)
        ],
        people=[_row(PersonOut, p) for p in sorted(people.values(), key=lambda p: p.ref)],
        coordinators=sorted(
            (_row(CoordinatorOut, c, id=p.ref) for c, p in coordinators), key=lambda c: c.id
        ),
        themes=[
            _row(
                ThemeOut,
                t,
                current=assessed[t.id][-1].level_hundredths / 100 if t.id in assessed else None,
                plan=theme_plans.get(t.id, []) if history else None,
                assessments=[_row(AssessmentOut, a) for a in assessed.get(t.id, [])]
                if history
                else None,
            )
            for t in sorted(themes.values(), key=lambda t: crud.natural_key(t.code))
        ],
        measures=[
            _measure_out(
                m,
                theme_codes[m.theme_id],
                roles,
                current.get(m.id),
                updates.get(m.id, []) if history else None,
                plans.get(m.id, []) if history else None,
                spending.get(m.id, []) if history else None,
            )
            for m, roles in sorted(measures.values(), key=lambda m: crud.natural_key(m[0].code))
        ],
        **(_bot_state(session, at) if history else {}),
    )


def _by(moment: datetime | None, at: datetime | None) -> bool:
    """Whether something done at `moment` had been done by `at` (always, without `at`)."""
    return moment is not None and (at is None or moment <= at)


def _programme_out(session: Session, at: datetime | None) -> ProgrammeOut | None:
    if at is None:
        programme = session.get(Programme, 1)
        return _row(ProgrammeOut, programme) if programme else None
    revision = plan.revision_as_of(session, at=at)
    if revision is None:
        return None
    period = session.get(Period, revision.period_id)
    then = Programme(
        id=1,
        name=revision.programme_name,
        period=period.name if period else "",
        vision_year=revision.vision_year,
    )
    return _row(ProgrammeOut, then)


def _themes_as_of(session: Session, at: datetime | None) -> dict[int, Theme]:
    """The themes as they stood: rows (now) or rows made from their plans (then)."""
    if at is None:
        return {t.id: t for t in crud.themes(session, retired=True)}
    return {
        theme_id: Theme(
            id=theme_id,
            code=p.code,
            code_key=p.code.lower(),
            name=p.name,
            baseline=p.baseline,
            current=p.current,
            target=p.target,
            retired_at=p.created_at if p.retired else None,
            retired_revision_id=p.revision_id if p.retired else None,
        )
        for theme_id, p in plan.latest_theme_plans(session, at=at).items()
    }


def _measures_as_of(
    session: Session, at: datetime | None
) -> dict[int, tuple[Measure, tuple[str | None, list[str]]]]:
    """Each measure as it stood, with its owner's and deputies' refs then."""
    rows = {m.id: m for m in crud.measures(session, retired=True)}
    people = {p.id: p.ref for p in session.exec(select(Person))}
    if at is None:
        now: dict[int, tuple[Measure, tuple[str | None, list[str]]]] = {}
        for i, roles in crud.roles_of(session, measure_ids=list(rows)).items():
            owner = roles.owner.ref if roles.owner else None
            now[i] = (rows[i], (owner, [d.ref for d in roles.deputies]))
        return now
    found: dict[int, tuple[Measure, tuple[str | None, list[str]]]] = {}
    for measure_id, p in plan.latest_measure_plans(session, at=at).items():
        then = plan.as_measure(p, added_at=rows[measure_id].added_at)
        owner = people[p.owner_id] if p.owner_id is not None else None
        found[measure_id] = (then, (owner, [people[d] for d in plan.deputy_ids(p.deputy_ids)]))
    return found


def _update_out(update: StatusUpdate, at: datetime | None) -> UpdateOut:
    if _by(update.withdrawn_at, at) or update.withdrawn_at is None:
        return _row(UpdateOut, update)
    return _row(UpdateOut, update, withdrawn_at=None, withdrawn_by=None)  # withdrawn later


def _plan_out(
    row: MeasurePlan, theme_codes: dict[int, str], refs: dict[int, str], session: Session
) -> PlanOut:
    theme = theme_codes.get(row.theme_id)
    if theme is None:  # a theme that did not stand then: its code as the plan knew it
        found = session.get(Theme, row.theme_id)
        theme = found.code if found else ""
    return _row(
        PlanOut,
        row,
        theme=theme,
        owner=refs[row.owner_id] if row.owner_id is not None else None,
        deputies=[refs[d] for d in plan.deputy_ids(row.deputy_ids)],
    )


def _bot_state(session: Session, at: datetime | None) -> dict[str, list[_Row]]:
    parts: dict[int, list[SummaryPart]] = {}
    for part in session.exec(select(SummaryPart).order_by(col(SummaryPart.seq))):
        if _by(part.posted_at, at):
            parts.setdefault(part.run_id, []).append(part)
    runs = sorted(session.exec(select(SummaryRun)), key=lambda r: (r.period, r.channel, r.attempt))
    reminders = sorted(session.exec(select(Reminder)), key=lambda r: (r.day, r.person_ref))
    talks = sorted(
        session.exec(select(ConversationRef)), key=lambda c: (c.platform, c.conversation_id)
    )
    return {
        "summary_runs": [
            _row(
                RunOut,
                run,
                parts=[_row(PartOut, p) for p in parts.get(run.id, [])],
                **({} if _by(run.posted_at, at) else {"posted_at": None, "main_id": None}),
            )
            for run in runs
            if _by(run.claimed_at, at)
        ],
        "reminders": [
            _row(ReminderOut, r, **({} if _by(r.sent_at, at) else {"sent_at": None}))
            for r in reminders
            if _by(r.claimed_at, at)
        ],
        "conversations": [_row(ConversationOut, c) for c in talks if _by(c.updated_at, at)],
    }


def _measure_out(
    measure: Measure,
    theme: str,
    roles: tuple[str | None, list[str]],
    current: StatusUpdate | None,
    updates: list[UpdateOut] | None,
    plans: list[PlanOut] | None,
    spending: list[SpendingOut] | None,
) -> MeasureOut:
    return _row(
        MeasureOut,
        measure,
        theme=theme,
        owner=roles[0],
        deputies=roles[1],
        current=CurrentOut(
            status=current.status,
            progress=current.progress,
            note=current.note,
            author=current.author,
            time=current.created_at,
        )
        if current
        else None,
        plan=plans,
        updates=updates,
        spending=spending,
    )


def export_json(session: Session, *, history: bool, at: datetime | None = None) -> str:
    doc = build_export(session, history=history, at=at)
    leave_out = None if history else set(BOT_STATE)
    return doc.model_dump_json(indent=2, exclude_none=False, exclude=leave_out) + "\n"


CSV_MEASURE_COLUMNS = (
    "id", "theme", "title", "owner", "deputies", "unit", "start", "due", "budget_eur",
    "indicator", "baseline", "target", "status", "progress", "updated_at", "updated_by", "note",
    "retired_at", "appropriations", "spent_eur",
)  # fmt: skip
CSV_HISTORY_COLUMNS = (
    "measure", "time", "author", "status", "progress", "note", "source", "withdrawn_at",
    "withdrawn_by",
)  # fmt: skip


def export_csv(
    session: Session, *, history: bool, excel: bool = False, at: datetime | None = None
) -> str:
    """Measures with their current state; with `history`, every update instead. `excel`:
    semicolons and a byte-order mark, as Excel in a Finnish locale opens a file directly.
    `at`: as they stood then."""
    doc = build_export(session, history=history, at=at)
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
    ids = {m.code: m.id for m in crud.measures(session, retired=True)}
    spent = money.spent_to_date(money.latest_spending(session, at=at))
    for m in doc.measures:
        c = m.current
        appropriations, spent_eur = money_cells(
            money.decode_appropriations(m.appropriations), spent.get(ids[m.id])
        )
        writer.writerow(
            [m.id, m.theme, m.title, _cell(m.owner), ";".join(m.deputies), _cell(m.unit),
             _cell(m.start), _cell(m.due), _cell(m.budget_eur), _cell(m.indicator),
             _cell(m.baseline), _cell(m.target), c.status if c else "not_started",
             _cell(c.progress if c else None), _cell(c.time if c else None),
             c.author if c else "", c.note if c else "", _cell(m.retired_at), appropriations,
             spent_eur]
        )  # fmt: skip
    return out.getvalue()


def money_cells(planned: dict[int, int], spent: int | None) -> tuple[str, str]:
    """A measure's `appropriations` (`2025:10000.00;2026:12400.00`) and `spent_eur` cells;
    spent is blank where nothing was reported."""
    appropriations = ";".join(f"{y}:{_euros(cents)}" for y, cents in sorted(planned.items()))
    return appropriations, "" if spent is None else _euros(spent)


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


def _euros(cents: int) -> str:
    """Exact euros for a spreadsheet: `12400.50`."""
    return f"{cents // 100}.{cents % 100:02d}"


def _cell(value: object) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, datetime) else str(value)
