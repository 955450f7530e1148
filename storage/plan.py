"""The programme in time: periods, revisions, and each measure's and theme's plan as every
revision left it.

The `measure` and `theme` rows hold the plan in force; an import changes them as before and
then `record_plans` appends a plan row for each one that differs from its latest plan row,
so plan history needs no bookkeeping in whatever changed the rows. The plan as of any
moment is each one's latest plan row at or before it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import func
from sqlmodel import Session, col, select

from storage import crud
from storage.models import (
    Measure,
    MeasurePlan,
    MeasureRole,
    Period,
    Programme,
    Revision,
    Theme,
    ThemePlan,
    utcnow,
)

MEASURE_FIELDS = (
    "code",
    "theme_id",
    "title",
    "description",
    "owner_id",
    "deputy_ids",
    "unit",
    "start",
    "due",
    "budget_eur",
    "indicator",
    "baseline",
    "target",
    "appropriations",
)
"""A measure's plan fields, in the order a change list shows them."""
THEME_FIELDS = ("code", "name", "baseline", "target")
"""A theme's plan fields: its current level is no plan but assessments (storage.maturity)."""

Kind = Literal["added", "retired", "reinstated", "changed"]
PlanRow = MeasurePlan | ThemePlan


# --- periods and revisions ---


def current_period(session: Session) -> Period | None:
    """The period in force: the newest one not closed."""
    return session.exec(
        select(Period).where(col(Period.closed_at).is_(None)).order_by(col(Period.id).desc())
    ).first()


def find_period(session: Session, *, name: str) -> Period | None:
    return session.exec(
        select(Period).where(func.lower(Period.name) == name.strip().lower())
    ).first()


def periods(session: Session) -> list[Period]:
    return list(session.exec(select(Period).order_by(col(Period.id))))


def open_period(session: Session, *, name: str, at: datetime) -> Period:
    """A new period from `at`; the one in force, if any, closes then."""
    previous = current_period(session)
    if previous is not None:
        previous.closed_at = at
        session.add(previous)
    period = Period(name=name, opened_at=at)
    session.add(period)
    session.flush()
    return period


def new_revision(
    session: Session,
    *,
    label: str,
    by: str,
    kind: str = "revision",
    source: str = "",
    at: datetime | None = None,
) -> Revision:
    """A revision of the period in force (one is opened, named by the programme's period,
    when there is none yet). Record the plans with `record_plans` once the rows changed."""
    at = at or utcnow()
    period = current_period(session)
    if period is None:
        programme = session.get(Programme, 1)
        period = open_period(session, name=programme.period if programme else "", at=at)
    revision = Revision(
        period_id=period.id, label=label, kind=kind, created_at=at, created_by=by, source=source
    )
    session.add(revision)
    session.flush()
    return revision


def revisions(session: Session) -> list[Revision]:
    return list(session.exec(select(Revision).order_by(col(Revision.id))))


def revision_as_of(session: Session, *, at: datetime) -> Revision | None:
    """The revision in force at `at`; None before the programme existed."""
    return session.exec(
        select(Revision)
        .where(col(Revision.created_at) <= at)
        .order_by(col(Revision.created_at).desc(), col(Revision.id).desc())
    ).first()


def revisions_between(
    session: Session, *, after: datetime | None, until: datetime
) -> list[Revision]:
    """Revisions that landed in (after, until], oldest first (a summary's "programme
    revised" section)."""
    query = select(Revision).where(col(Revision.created_at) <= until)
    if after is not None:
        query = query.where(col(Revision.created_at) > after)
    return list(session.exec(query.order_by(col(Revision.created_at), col(Revision.id))))


# --- recording plans ---


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: Any
    new: Any


@dataclass(frozen=True)
class PlanChange:
    """What one revision did to one measure or theme."""

    kind: Kind
    code: str
    title: str
    changes: tuple[FieldChange, ...]
    previous: MeasurePlan | ThemePlan | None
    plan: MeasurePlan | ThemePlan


def deputy_ids(value: str) -> list[int]:
    return [int(i) for i in value.split(",") if i]


def record_plans(session: Session, *, revision: Revision) -> list[PlanChange]:
    """Append a plan row, dated by `revision`, for every measure and theme whose row (its
    roles and retirement included) differs from its latest plan; return what changed,
    themes first, each in the programme's id order. Also keeps the programme's name with
    the revision."""
    programme = session.get(Programme, 1)
    if programme is not None:
        revision.programme_name, revision.vision_year = programme.name, programme.vision_year
        session.add(revision)
    found: list[PlanChange] = []
    theme_plans = latest_theme_plans(session)
    for theme in sorted(crud.themes(session, retired=True), key=lambda t: crud.natural_key(t.code)):
        values = {f: getattr(theme, f) for f in THEME_FIELDS}
        if _same(theme_plans.get(theme.id), values, theme.retired_at is not None):
            continue
        plan = ThemePlan(
            theme_id=theme.id,
            revision_id=revision.id,
            created_at=revision.created_at,
            retired=theme.retired_at is not None,
            **values,
        )
        change = _compare(theme_plans.get(theme.id), plan, THEME_FIELDS, theme.code, theme.name)
        if change is not None:
            session.add(plan)
            found.append(change)
    measure_plans = latest_measure_plans(session)
    roles = _roles(session)
    for measure in sorted(
        crud.measures(session, retired=True), key=lambda m: crud.natural_key(m.code)
    ):
        owner, deputies = roles.get(measure.id, (None, []))
        fields: dict[str, Any] = {f: getattr(measure, f, None) for f in MEASURE_FIELDS}
        fields |= {"owner_id": owner, "deputy_ids": ",".join(str(d) for d in deputies)}
        retired = measure.retired_at is not None
        previous = measure_plans.get(measure.id)
        if _same(previous, fields, retired):  # most of a revision: no row to build
            continue
        measure_plan = MeasurePlan(
            measure_id=measure.id,
            revision_id=revision.id,
            created_at=revision.created_at,
            retired=retired,
            **fields,
        )
        change = _compare(previous, measure_plan, MEASURE_FIELDS, measure.code, measure.title)
        if change is not None:
            session.add(measure_plan)
            found.append(change)
    session.flush()
    return found


def _same(previous: MeasurePlan | ThemePlan | None, fields: dict[str, Any], retired: bool) -> bool:
    return (
        previous is not None
        and previous.retired == retired
        and all(getattr(previous, f) == v for f, v in fields.items())
    )


def _roles(session: Session) -> dict[int, tuple[int | None, list[int]]]:
    owners: dict[int, int] = {}
    deputies: dict[int, list[int]] = {}
    for role in session.exec(
        select(MeasureRole).order_by(col(MeasureRole.measure_id), col(MeasureRole.position))
    ):
        if role.role == "owner":
            owners[role.measure_id] = role.person_id
        else:
            deputies.setdefault(role.measure_id, []).append(role.person_id)
    return {m: (owners.get(m), deputies.get(m, [])) for m in owners.keys() | deputies.keys()}


def _compare(
    previous: MeasurePlan | ThemePlan | None,
    plan: MeasurePlan | ThemePlan,
    fields: Iterable[str],
    code: str,
    title: str,
) -> PlanChange | None:
    if previous is None:
        return PlanChange("added", code, title, (), None, plan)
    changes = tuple(
        FieldChange(f, getattr(previous, f), getattr(plan, f))
        for f in fields
        if getattr(previous, f) != getattr(plan, f)
    )
    if plan.retired != previous.retired:
        kind: Kind = "retired" if plan.retired else "reinstated"
        return PlanChange(kind, code, title, changes, previous, plan)
    if changes:
        return PlanChange("changed", code, title, changes, previous, plan)
    return None


# --- reading plans ---


def latest_measure_plans(
    session: Session, *, at: datetime | None = None, ids: Iterable[int] | None = None
) -> dict[int, MeasurePlan]:
    """Each measure's plan as of `at` (the latest plan row at or before it; now if None):
    a measure not yet in the programme then is absent."""
    latest = select(func.max(MeasurePlan.id)).group_by(col(MeasurePlan.measure_id))
    if at is not None:
        latest = latest.where(col(MeasurePlan.created_at) <= at)
    if ids is not None:
        latest = latest.where(col(MeasurePlan.measure_id).in_(list(ids)))
    rows = session.exec(
        select(MeasurePlan).where(col(MeasurePlan.id).in_(latest.scalar_subquery()))
    )
    return {p.measure_id: p for p in rows}


def latest_theme_plans(session: Session, *, at: datetime | None = None) -> dict[int, ThemePlan]:
    """Each theme's plan as of `at`, like `latest_measure_plans`."""
    latest = select(func.max(ThemePlan.id)).group_by(col(ThemePlan.theme_id))
    if at is not None:
        latest = latest.where(col(ThemePlan.created_at) <= at)
    rows = session.exec(select(ThemePlan).where(col(ThemePlan.id).in_(latest.scalar_subquery())))
    return {p.theme_id: p for p in rows}


def plan_history(session: Session, *, measure_id: int) -> list[PlanChange]:
    """Every revision's change to one measure, oldest first (its first plan is "added")."""
    rows = list(
        session.exec(
            select(MeasurePlan)
            .where(MeasurePlan.measure_id == measure_id)
            .order_by(col(MeasurePlan.created_at), col(MeasurePlan.id))
        )
    )
    found: list[PlanChange] = []
    previous: MeasurePlan | None = None
    for row in rows:
        change = _compare(previous, row, MEASURE_FIELDS, row.code, row.title)
        if change is not None:
            found.append(change)
        previous = row
    return found


def original_due(session: Session, *, measure_id: int) -> str | None:
    """The due date the measure was first planned with."""
    return session.exec(
        select(MeasurePlan.due)
        .where(MeasurePlan.measure_id == measure_id)
        .order_by(col(MeasurePlan.created_at), col(MeasurePlan.id))
        .limit(1)
    ).first()


def as_measure(row: MeasurePlan, *, added_at: datetime | None = None) -> Measure:
    """The measure as this plan row has it: a row never added to the session."""
    measure = Measure(
        id=row.measure_id,
        code=row.code,
        code_key=row.code.lower(),
        theme_id=row.theme_id,
        title=row.title,
        description=row.description,
        unit=row.unit,
        start=row.start,
        due=row.due,
        budget_eur=row.budget_eur,
        indicator=row.indicator,
        baseline=row.baseline,
        target=row.target,
        appropriations=row.appropriations,
        retired_at=row.created_at if row.retired else None,
        retired_revision_id=row.revision_id if row.retired else None,
    )
    if added_at is not None:
        measure.added_at = added_at
    return measure


def retire(measure_or_theme: Measure | Theme, *, revision: Revision) -> None:
    """Retired by `revision`: it leaves lists and counts, keeps its history."""
    measure_or_theme.retired_at = revision.created_at
    measure_or_theme.retired_revision_id = revision.id


def reinstate(measure_or_theme: Measure | Theme) -> None:
    measure_or_theme.retired_at = None
    measure_or_theme.retired_revision_id = None
