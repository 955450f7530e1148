"""What the public progress page and the open data show (PRODUCT.md, "Open to residents"):
platform-free and language-free values, read in a handful of queries.

Privacy is decided here, once, for every page and data file: a measure is answered for by
its unit, never by a person; notes appear only when the programme's notes are public; the
people list, chat ids, e-mails and authors are never read at all. Withdrawn updates are
left out (their reporters took them back). Retired measures stay in the public record,
marked retired, and leave the counts (as they do in the chat and the summary)."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from heapq import merge
from typing import Any, Literal

from sqlalchemy import func
from sqlalchemy import select as columns
from sqlmodel import Session, col, select

from handlers.vocabulary import STATUSES
from storage import crud, plan, progress, summary_runs
from storage import maturity as maturity_levels
from storage import money as spending
from storage.models import (
    MaturityAssessment,
    Measure,
    MeasurePlan,
    Programme,
    Revision,
    Spending,
    StatusUpdate,
    SummaryRun,
    Theme,
    ThemePlan,
)

PUBLIC_PLAN_FIELDS = (
    "code",
    "theme",
    "title",
    "description",
    "unit",
    "start",
    "due",
    "budget_eur",
    "indicator",
    "baseline",
    "target",
)
"""The plan fields the public sees change (the owner and deputies are people: never)."""

Event = Literal["status", "added", "changed", "retired", "reinstated"]


# --- the change token: one query, so a cached page is a lookup ---


@dataclass(frozen=True)
class Version:
    """What the data is now: `token` changes whenever anything public does; `modified` is
    the latest time among the changes (None: nothing recorded yet)."""

    token: str
    modified: datetime | None


def version(session: Session) -> Version:
    """One query of index seeks: the newest update, withdrawal, plan row, revision, posted
    summary, spending report and maturity assessment."""
    latest_update = (
        select(StatusUpdate.id, StatusUpdate.created_at)
        .order_by(col(StatusUpdate.id).desc())
        .limit(1)
        .subquery()
    )
    row = (
        session.connection()
        .execute(
            columns(
                select(func.max(latest_update.c.id)).scalar_subquery(),
                select(func.max(latest_update.c.created_at)).scalar_subquery(),
                select(func.max(StatusUpdate.withdrawn_at))
                .where(col(StatusUpdate.withdrawn_at).is_not(None))
                .scalar_subquery(),
                select(func.max(MeasurePlan.id)).scalar_subquery(),
                select(func.max(ThemePlan.id)).scalar_subquery(),
                select(func.max(Revision.id)).scalar_subquery(),
                select(func.max(Revision.created_at)).scalar_subquery(),
                select(func.max(SummaryRun.posted_at)).scalar_subquery(),
                select(func.max(Spending.id)).scalar_subquery(),
                select(func.max(MaturityAssessment.id)).scalar_subquery(),
            )
        )
        .one()
    )
    times = [_utc(value) for value in (row[1], row[2], row[6], row[7])]
    token = "|".join(str(value) for value in row)
    return Version(
        hashlib.sha256(token.encode()).hexdigest()[:20],
        max((t for t in times if t is not None), default=None),
    )


def _utc(value: Any) -> datetime | None:
    """A max() of a time column as an aware UTC time, whatever the driver gave (SQLite: text)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# --- maturity and money: what the data has today, one place to switch to issue 12's ---


@dataclass(frozen=True)
class Maturity:
    baseline: float | None
    current: float | None
    target: float | None


def maturity(session: Session, theme: Theme) -> Maturity:
    """The theme's maturity on the 1–5 scale: planned baseline and target, and its latest
    assessment as `current`."""
    latest = maturity_levels.current_level(session, theme.id)
    now = latest.level_hundredths / 100 if latest else None
    return Maturity(theme.baseline, now, theme.target)


@dataclass(frozen=True)
class Money:
    planned_eur: int
    """The planned budget of the measures that have one."""
    with_budget: int
    of: int
    spent_cents: int = 0
    """Spent to date on these measures, as reported (chat or the finance system's actuals)."""


def money(session: Session, budgets: Iterable[int | None], measure_ids: Iterable[int]) -> Money:
    """The planned budget where known (each measure's `budget_eur`) and spent to date."""
    budgets = list(budgets)
    known = [b for b in budgets if b is not None]
    spent = spending.spent_to_date(spending.latest_spending(session, measure_ids=measure_ids))
    return Money(sum(known), len(known), len(budgets), sum(spent.values()))


# --- the pages ---


@dataclass(frozen=True)
class State:
    """A measure's public state: its plan, its unit, and its latest status."""

    measure: Any
    """The measure's columns (a `Measure`, or a row of storage/progress.py)."""
    theme: Theme
    status: str
    progress: int | None
    reported_at: datetime | None
    note: str | None

    @property
    def retired(self) -> bool:
        return self.measure.retired_at is not None


@dataclass(frozen=True)
class ThemeSummary:
    theme: Theme
    maturity: Maturity
    counts: dict[str, int]
    total: int


@dataclass(frozen=True)
class Overview:
    name: str
    period: str
    vision_year: int | None
    counts: dict[str, int]
    total: int
    done_share: int | None
    """Per cent of the measures in force that are done (None: there are none)."""
    themes: list[ThemeSummary]
    retired_themes: list[Theme]
    money: Money
    last_summary: str | None
    """The local day the last posted summary spoke of, YYYY-MM-DD."""


def _counts(states: Iterable[State]) -> dict[str, int]:
    return _ordered(Counter(s.status for s in states if not s.retired))


def _ordered(found: Counter[str]) -> dict[str, int]:
    """Every status, in the report's order, with its count."""
    return {status.code: found[status.code] for status in STATUSES}


def _states(rows: Iterable[Any], themes: dict[int, Theme], *, notes: bool) -> list[State]:
    """storage/progress.py's rows as states, in the programme's order."""
    return [
        State(
            row,
            themes[row.theme_id],
            row.status or "not_started",
            row.progress,
            row.reported_at,
            (row.note or None) if notes else None,
        )
        for row in sorted(rows, key=lambda r: crud.natural_key(r.code))
    ]


def overview(session: Session) -> Overview:
    programme = session.get(Programme, 1)
    period = plan.current_period(session)
    all_themes = sorted(crud.themes(session, retired=True), key=lambda t: crud.natural_key(t.code))
    rows = progress.statuses(session)
    by_theme: dict[int, Counter[str]] = {}
    for theme_id, _, status in rows:
        by_theme.setdefault(theme_id, Counter())[status or "not_started"] += 1
    counts = _ordered(sum(by_theme.values(), Counter()))
    total = len(rows)
    last = summary_runs.last_posted(session)
    return Overview(
        name=programme.name if programme else "",
        period=period.name if period else (programme.period if programme else ""),
        vision_year=programme.vision_year if programme else None,
        counts=counts,
        total=total,
        done_share=round(100 * counts["done"] / total) if total else None,
        themes=[
            ThemeSummary(
                t,
                maturity(session, t),
                _ordered(by_theme.get(t.id, Counter())),
                sum(by_theme.get(t.id, Counter()).values()),
            )
            for t in all_themes
            if t.retired_at is None
        ],
        retired_themes=[t for t in all_themes if t.retired_at is not None],
        money=money(
            session, (budget for _, budget, _ in rows), (m.id for m in crud.measures(session))
        ),
        last_summary=last.as_of if last else None,
    )


@dataclass(frozen=True)
class ThemePage:
    theme: Theme
    maturity: Maturity
    counts: dict[str, int]
    measures: list[State]
    retired: list[State]
    money: Money


def theme_page(session: Session, *, code: str) -> ThemePage | None:
    theme = crud.find_theme(session, code=code)
    if theme is None:
        return None
    rows = progress.measure_states(session, theme_id=theme.id, retired=True)
    states = _states(rows, {theme.id: theme}, notes=False)
    in_force = [s for s in states if not s.retired]
    return ThemePage(
        theme,
        maturity(session, theme),
        _counts(states),
        in_force,
        [s for s in states if s.retired],
        money(session, (s.measure.budget_eur for s in in_force), (s.measure.id for s in in_force)),
    )


@dataclass(frozen=True)
class Entry:
    """One line of a measure's public history: a status reported, or a plan change."""

    at: datetime
    event: Event
    status: str | None = None
    progress: int | None = None
    note: str | None = None
    changes: tuple[plan.FieldChange, ...] = ()


@dataclass(frozen=True)
class MeasurePage:
    state: State
    original_due: str | None
    history: list[Entry]
    """Newest first: every plan change, and the latest `HISTORY_LIMIT` status reports."""
    reports: int
    """How many status reports there are in all (history.csv has every one)."""


HISTORY_LIMIT = 100
"""Status reports on a measure's page; a measure has a few dozen in a programme period."""


def measure_page(session: Session, *, code: str, notes: bool) -> MeasurePage | None:
    measure = crud.find_measure(session, code=code)
    if measure is None:
        return None
    theme = session.get(Theme, measure.theme_id)
    assert theme is not None  # a foreign key
    update = crud.current_update(session, measure_id=measure.id)
    state = State(
        measure,
        theme,
        update.status if update else "not_started",
        update.progress if update else None,
        update.created_at if update else None,
        (update.note or None) if update and notes else None,
    )
    plans = list(
        session.exec(
            select(MeasurePlan)
            .where(MeasurePlan.measure_id == measure.id)
            .order_by(col(MeasurePlan.created_at), col(MeasurePlan.id))
        )
    )
    theme_codes = _theme_codes(session)
    statuses = session.exec(
        select(
            StatusUpdate.created_at, StatusUpdate.status, StatusUpdate.progress, StatusUpdate.note
        )
        .where(StatusUpdate.measure_id == measure.id, col(StatusUpdate.withdrawn_at).is_(None))
        .order_by(col(StatusUpdate.created_at).desc(), col(StatusUpdate.id).desc())
        .limit(HISTORY_LIMIT)
    ).all()
    reports = len(statuses)
    if reports == HISTORY_LIMIT:
        reports = session.exec(
            select(func.count())
            .select_from(StatusUpdate)
            .where(StatusUpdate.measure_id == measure.id, col(StatusUpdate.withdrawn_at).is_(None))
        ).one()
    reported = [
        Entry(at, "status", status, progress, (note or None) if notes else None)
        for at, status, progress, note in statuses
    ]
    changed = sorted(_plan_entries(plans, theme_codes), key=lambda e: e.at, reverse=True)
    history = list(merge(reported, changed, key=lambda e: e.at, reverse=True))
    return MeasurePage(state, plans[0].due if plans else measure.due, history, reports)


def _theme_codes(session: Session) -> dict[int, str]:
    return dict(session.exec(select(Theme.id, Theme.code)).all())


def _public(row: MeasurePlan, field: str, theme_codes: dict[int, str]) -> Any:
    if field == "theme":
        return theme_codes.get(row.theme_id, "")
    return getattr(row, field)


def _plan_entries(rows: Iterable[MeasurePlan], theme_codes: dict[int, str]) -> Iterator[Entry]:
    """One measure's plan rows, oldest first, as public events: a row that only changed
    the owner or the deputies says nothing public and is left out."""
    previous: MeasurePlan | None = None
    for row in rows:
        if previous is None:
            yield Entry(row.created_at, "retired" if row.retired else "added")
        else:
            changes = tuple(
                plan.FieldChange(f, _public(previous, f, theme_codes), _public(row, f, theme_codes))
                for f in PUBLIC_PLAN_FIELDS
                if _public(previous, f, theme_codes) != _public(row, f, theme_codes)
            )
            if row.retired != previous.retired:
                yield Entry(
                    row.created_at, "retired" if row.retired else "reinstated", changes=changes
                )
            elif changes:
                yield Entry(row.created_at, "changed", changes=changes)
        previous = row


# --- open data ---


MEASURE_COLUMNS = (
    "code",
    "theme_code",
    "theme_name",
    "title",
    "description",
    "unit",
    "start",
    "due",
    "original_due",
    "budget_eur",
    "indicator",
    "baseline",
    "target",
    "status",
    "progress",
    "status_reported_at",
    "note",
    "retired",
    "retired_at",
)
"""measures.csv/json, one row a measure: stable names (docs/open-data.md); add, never rename."""

HISTORY_COLUMNS = (
    "measure_code",
    "recorded_at",
    "event",
    "status",
    "progress",
    "note",
    "field",
    "old_value",
    "new_value",
)
"""history.csv, one row a status report or a changed plan field, oldest first."""


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def measure_rows(session: Session, *, notes: bool) -> list[dict[str, Any]]:
    """Every measure, retired ones included, in the programme's order."""
    themes = {t.id: t for t in crud.themes(session, retired=True)}
    first = select(func.min(MeasurePlan.id)).group_by(col(MeasurePlan.measure_id)).scalar_subquery()
    original = dict(
        session.exec(
            select(MeasurePlan.measure_id, MeasurePlan.due).where(col(MeasurePlan.id).in_(first))
        ).all()
    )
    states = _states(progress.measure_states(session, retired=True), themes, notes=notes)
    return [
        {
            "code": s.measure.code,
            "theme_code": s.theme.code,
            "theme_name": s.theme.name,
            "title": s.measure.title,
            "description": s.measure.description,
            "unit": s.measure.unit,
            "start": s.measure.start,
            "due": s.measure.due,
            "original_due": original.get(s.measure.id, s.measure.due),
            "budget_eur": s.measure.budget_eur,
            "indicator": s.measure.indicator,
            "baseline": s.measure.baseline,
            "target": s.measure.target,
            "status": s.status,
            "progress": s.progress,
            "status_reported_at": _iso(s.reported_at),
            "note": s.note,
            "retired": s.retired,
            "retired_at": _iso(s.measure.retired_at),
        }
        for s in states
    ]


def history_rows(session: Session, *, notes: bool, batch: int = 5000) -> Iterator[tuple[Any, ...]]:
    """Every public event of every measure, oldest first: the plan changes, then merged in
    by time the status reports (read in batches: a million rows never sit in memory)."""
    codes = dict(session.exec(select(Measure.id, Measure.code)).all())
    theme_codes = _theme_codes(session)
    plan_rows: list[tuple[Any, ...]] = []
    by_measure: dict[int, list[MeasurePlan]] = {}
    for row in session.exec(
        select(MeasurePlan).order_by(col(MeasurePlan.created_at), col(MeasurePlan.id))
    ):
        by_measure.setdefault(row.measure_id, []).append(row)
    for measure_id, rows in by_measure.items():
        for entry in _plan_entries(rows, theme_codes):
            at, code = _iso(entry.at), codes[measure_id]
            if not entry.changes:
                plan_rows.append((at, code, entry.event, None, None, None, None, None, None))
            plan_rows.extend(
                (at, code, entry.event, None, None, None, c.field, c.old, c.new)
                for c in entry.changes
            )
    plan_rows.sort(key=lambda r: r[0])
    reported = session.connection().execute(
        columns(
            col(StatusUpdate.created_at),
            col(StatusUpdate.measure_id),
            col(StatusUpdate.status),
            col(StatusUpdate.progress),
            col(StatusUpdate.note),
        )
        .where(col(StatusUpdate.withdrawn_at).is_(None))
        .order_by(col(StatusUpdate.created_at), col(StatusUpdate.id))
        .execution_options(yield_per=batch)
    )
    statuses = (
        (_iso(at), codes[m], "status", s, p, (n or None) if notes else None, None, None, None)
        for at, m, s, p, n in reported
    )
    for line in merge(plan_rows, statuses, key=lambda r: r[0]):
        yield (line[1], line[0], *line[2:])
