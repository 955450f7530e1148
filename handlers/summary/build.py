"""The leadership summary as data: the same data gives the same summary, whatever renders it.

The state shown is the state at the run's cutoff (the newest update when the run was
claimed), compared with the state at the previous summary's cutoff (or at import). A past
summary reads the plan as it stood then (`plan_at`: plan rows, storage/plan.py) and the
statuses as they stood then (the run's cutoff, or `at` for any moment)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session

from handlers.context import Context
from handlers.presence import presence
from handlers.state.labels import person_label, status_of
from handlers.state.money import MoneyState
from handlers.state.reply import is_overdue, local_today
from handlers.summary.revised import Revised, revised_since
from handlers.vocabulary import STATUSES, Status
from storage import crud, maturity, money, plan
from storage.dates import first_day, last_day
from storage.models import Measure, MeasurePlan, Person, Programme, StatusUpdate, Theme, ThemePlan

BEHIND_POINTS = 25
"""On track, yet progress this many points behind the time elapsed: behind schedule."""


@dataclass(frozen=True)
class Row:
    code: str
    title: str
    theme: str
    owner: str
    status: Status
    progress: int | None
    updated_at: datetime | None
    note: str
    due: str | None
    overdue: bool
    stale: bool
    behind: bool
    owner_away_until: date | None = None
    """The owner is away on the summary's day, until this day."""
    owner_left: bool = False
    """The platform says the owner has left: the measure needs a new owner."""
    money: MoneyState | None = field(default=None, compare=False)
    """Planned and spent as `show` reads them, the summary's year as the budget year."""

    @property
    def over(self) -> bool:
        return self.money is not None and self.money.over


@dataclass(frozen=True)
class Assessed:
    """A maturity assessment as the summary shows it."""

    level: float
    assessed_on: str


@dataclass(frozen=True)
class ThemeSection:
    code: str
    name: str
    baseline: float | None
    current: float | None
    target: float | None
    rows: tuple[Row, ...]
    assessed: tuple[Assessed, ...] = ()
    """The assessments recorded by the summary's moment, in order; the last is `current`."""

    @property
    def previous(self) -> float | None:
        """The assessment before the current one."""
        return self.assessed[-2].level if len(self.assessed) > 1 else None

    @property
    def planned_cents(self) -> int | None:
        return planned_of(self.rows)

    @property
    def spent_cents(self) -> int:
        return spent_of(self.rows)


def planned_of(rows: tuple[Row, ...]) -> int | None:
    """The measures' planned money in all (each one's budget, else its appropriations
    summed over the years), cents; None if none has any."""
    found = [r.money.planned_total for r in rows if r.money and r.money.planned_total]
    return sum(found) if found else None


def spent_of(rows: tuple[Row, ...]) -> int:
    """The measures' spending to date over all budget years, cents."""
    return sum(sum(r.money.spent.values()) for r in rows if r.money)


@dataclass(frozen=True)
class Detail:
    """A measure's plan fields and its update's author beyond what the summary shows: the
    summary's CSV of the measures."""

    owner_ref: str | None
    deputies: tuple[str, ...]
    unit: str | None
    start: str | None
    budget_eur: int | None
    indicator: str | None
    baseline: str | None
    target: str | None
    updated_by: str


@dataclass(frozen=True)
class Change:
    row: Row
    before: Status


@dataclass(frozen=True)
class Summary:
    programme: str
    period: str
    today: date
    first: bool
    """No earlier summary: changes are counted from the state at import."""
    rows: tuple[Row, ...]
    themes: tuple[ThemeSection, ...]
    changes: tuple[Change, ...]
    revised: Revised | None = None
    """What revisions of the programme since the last summary changed (None: none landed)."""
    details: dict[str, Detail] = field(default_factory=dict, compare=False, repr=False)
    """Each row's `Detail`, by its code."""

    @property
    def counts(self) -> dict[str, int]:
        return {s.code: sum(1 for r in self.rows if r.status == s) for s in STATUSES}

    @property
    def share_done(self) -> int:
        return round(100 * self.counts["done"] / len(self.rows)) if self.rows else 0

    @property
    def average_progress(self) -> int:
        """Done counts as 100 %, no reported progress as 0 %."""
        if not self.rows:
            return 0
        values = [100 if r.status.code == "done" else r.progress or 0 for r in self.rows]
        return round(sum(values) / len(values))

    @property
    def planned_cents(self) -> int | None:
        return planned_of(self.rows)

    @property
    def spent_cents(self) -> int:
        return spent_of(self.rows)

    def where(self, predicate: Callable[[Row], bool]) -> tuple[Row, ...]:
        return tuple(r for r in self.rows if predicate(r))

    @property
    def newly_done(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.row.status.code == "done")

    @property
    def newly_delayed(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.row.status.code == "delayed")


def build_summary(
    session: Session,
    ctx: Context,
    *,
    period: str,
    cutoff: int | None,
    baseline: int | None,
    as_of: date | None = None,
    cutoff_at: datetime | None = None,
    baseline_at: datetime | None = None,
    at: datetime | None = None,
    plan_at: datetime | None = None,
) -> Summary:
    """The programme as it stood at `cutoff` (an update id, and the moment after which a
    withdrawal no longer changes what was shown), compared with the previous summary.
    `at` instead: the statuses as they stood at that moment (`cutoff` None). `plan_at`: the
    plan as it stood then (None: the plan in force)."""
    today = as_of or local_today(ctx)
    planned = _plan(session, plan_at)
    measures, themes, theme_codes = planned.measures, planned.themes, planned.theme_codes
    ids = [m.id for m, _ in measures]
    now_state = crud.current_updates(
        session, measure_ids=ids, up_to=cutoff, seen_at=cutoff_at, at=at
    )
    before = crud.current_updates(
        session, measure_ids=ids, up_to=baseline or 0, seen_at=baseline_at
    )
    assessed = maturity.assessments(session, theme_ids=theme_codes, at=at or cutoff_at)
    spent = money.latest_spending(session, measure_ids=ids, at=at or cutoff_at)
    here = presence(session, ctx, (roles.owner for _, roles in measures), on=today)
    rows: dict[int, Row] = {}
    details: dict[str, Detail] = {}
    for m, roles in measures:
        update = now_state.get(m.id)
        status = status_of(update)
        overdue = is_overdue(m.plan, status, today)
        rows[m.id] = Row(
            code=m.code,
            title=m.title,
            theme=theme_codes[m.theme_id],
            owner=_owner(roles.owner),
            status=status,
            progress=update.progress if update else None,
            updated_at=update.created_at if update else None,
            note=update.note if update else "",
            due=m.due,
            overdue=overdue,
            stale=update is None or update.id <= (baseline or 0),
            behind=not overdue and _behind(status, update, m.start, m.due, today),
            owner_away_until=here.away.get(owner.id) if (owner := roles.owner) else None,
            owner_left=owner is not None and owner.id in here.left,
            money=MoneyState(
                year=today.year,
                planned=money.decode_appropriations(m.plan.appropriations),
                budget=m.plan.budget_eur * 100 if m.plan.budget_eur is not None else None,
                spent={year: r.spent_cents for year, r in spent.get(m.id, {}).items()},
            ),
        )
        details[m.code] = Detail(
            owner_ref=roles.owner.ref if roles.owner else None,
            deputies=tuple(d.ref for d in roles.deputies),
            unit=m.plan.unit,
            start=m.start,
            budget_eur=m.plan.budget_eur,
            indicator=m.plan.indicator,
            baseline=m.plan.baseline,
            target=m.plan.target,
            updated_by=update.author if update else "",
        )
    changes = tuple(
        Change(rows[m.id], status_of(before.get(m.id)))
        for m, _ in measures
        if status_of(before.get(m.id)) != rows[m.id].status
    )
    return Summary(
        programme=planned.programme or ctx.t("summary.default_programme"),
        period=period,
        today=today,
        first=baseline is None,
        rows=tuple(rows.values()),
        themes=tuple(
            ThemeSection(
                t.code,
                t.name,
                t.baseline,
                assessed[t.id][-1].level_hundredths / 100 if t.id in assessed else None,
                t.target,
                tuple(rows[m.id] for m, _ in measures if m.theme_id == t.id),
                tuple(
                    Assessed(a.level_hundredths / 100, a.assessed_on)
                    for a in assessed.get(t.id, [])
                ),
            )
            for t in themes
        ),
        changes=changes,
        revised=revised_since(session, after=baseline_at, until=plan_at, then=planned.plans),
        details=details,
    )


@dataclass(frozen=True)
class _Measure:
    """A measure's plan as the summary reads it: from its row (the plan in force) or its
    plan row (the plan as it stood)."""

    id: int
    plan: Measure | MeasurePlan

    @property
    def code(self) -> str:
        return self.plan.code

    @property
    def title(self) -> str:
        return self.plan.title

    @property
    def theme_id(self) -> int:
        return self.plan.theme_id

    @property
    def start(self) -> str | None:
        return self.plan.start

    @property
    def due(self) -> str | None:
        return self.plan.due


@dataclass(frozen=True)
class _Theme:
    id: int
    code: str
    name: str
    baseline: float | None
    current: float | None
    target: float | None

    @classmethod
    def of(cls, theme_id: int, t: Theme | ThemePlan) -> _Theme:
        return cls(theme_id, t.code, t.name, t.baseline, t.current, t.target)


@dataclass(frozen=True)
class _Planned:
    programme: str | None
    measures: list[tuple[_Measure, crud.Roles]]
    themes: list[_Theme]
    theme_codes: dict[int, str]
    plans: dict[int, MeasurePlan] | None = None
    """The plan rows read (as of a moment), retired ones included."""


def _plan(session: Session, at: datetime | None) -> _Planned:
    """The programme's plan: in force (`at` None), or as it stood at `at` (measures and
    themes retired then are out; a retired theme's code still names its measures)."""
    key = crud.natural_key
    if at is None:
        programme = session.get(Programme, 1)
        rows = sorted(crud.measures(session), key=lambda m: key(m.code))
        roles = crud.roles_of(session, measure_ids=[m.id for m in rows])
        themes = [_Theme.of(t.id, t) for t in crud.themes(session)]
        return _Planned(
            programme.name if programme else None,
            [(_Measure(m.id, m), roles[m.id]) for m in rows],
            sorted(themes, key=lambda t: key(t.code)),
            {t.id: t.code for t in crud.themes(session, retired=True)},
        )
    revision = plan.revision_as_of(session, at=at)
    programme = session.get(Programme, 1)
    theme_plans = plan.latest_theme_plans(session, at=at)
    plans = plan.latest_measure_plans(session, at=at)
    measure_plans = sorted(
        (p for p in plans.values() if not p.retired),
        key=lambda p: key(p.code),
    )
    people_ids = {i for p in measure_plans for i in (p.owner_id, *plan.deputy_ids(p.deputy_ids))}
    people = crud.people_by_id(session, ids=people_ids)
    return _Planned(
        (revision.programme_name if revision else "") or (programme.name if programme else None),
        [
            (
                _Measure(p.measure_id, p),
                crud.Roles(
                    people.get(p.owner_id) if p.owner_id is not None else None,
                    tuple(people[i] for i in plan.deputy_ids(p.deputy_ids) if i in people),
                ),
            )
            for p in measure_plans
        ],
        sorted(
            (_Theme.of(i, t) for i, t in theme_plans.items() if not t.retired),
            key=lambda t: key(t.code),
        ),
        {i: t.code for i, t in theme_plans.items()},
        plans,
    )


def _owner(person: Person | None) -> str:
    return person.name or person.ref if person else person_label(None)


def _behind(
    status: Status, update: StatusUpdate | None, start: str | None, due: str | None, today: date
) -> bool:
    """Said to be on track, but the progress lags well behind the time elapsed."""
    if (
        status.code != "on_track"
        or update is None
        or update.progress is None
        or not (start and due)
    ):
        return False
    begin, end = first_day(start), last_day(due)
    if end <= begin or today <= begin:
        return False
    elapsed = min(1.0, (today - begin).days / (end - begin).days)
    return update.progress < 100 * elapsed - BEHIND_POINTS
