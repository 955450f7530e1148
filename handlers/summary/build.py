"""The leadership summary as data: the same data gives the same summary, whatever renders it.

The state shown is the state at the run's cutoff (the newest update when the run was
claimed), compared with the state at the previous summary's cutoff (or at import)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from handlers.context import Context
from handlers.presence import presence
from handlers.state.labels import person_label, status_of
from handlers.state.reply import is_overdue, local_today
from handlers.vocabulary import STATUSES, Status
from storage import crud
from storage.dates import first_day, last_day
from storage.models import Person, Programme, StatusUpdate

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


@dataclass(frozen=True)
class ThemeSection:
    code: str
    name: str
    baseline: float | None
    current: float | None
    target: float | None
    rows: tuple[Row, ...]


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
    cutoff: int,
    baseline: int | None,
    as_of: date | None = None,
    cutoff_at: datetime | None = None,
    baseline_at: datetime | None = None,
) -> Summary:
    """The programme as it stood at `cutoff` (an update id, and the moment after which a
    withdrawal no longer changes what was shown), compared with the previous summary."""
    today = as_of or local_today(ctx)
    programme = session.get(Programme, 1)
    themes = sorted(crud.themes(session), key=lambda t: crud.natural_key(t.code))
    measures = sorted(crud.measures(session), key=lambda m: crud.natural_key(m.code))
    ids = [m.id for m in measures]
    now_state = crud.current_updates(session, measure_ids=ids, up_to=cutoff, seen_at=cutoff_at)
    before = crud.current_updates(
        session, measure_ids=ids, up_to=baseline or 0, seen_at=baseline_at
    )
    roles = crud.roles_of(session, measure_ids=ids)
    here = presence(session, ctx, (r.owner for r in roles.values()), on=today)
    theme_codes = {t.id: t.code for t in themes}
    rows: dict[int, Row] = {}
    for m in measures:
        update = now_state.get(m.id)
        status = status_of(update)
        overdue = is_overdue(m, status, today)
        rows[m.id] = Row(
            code=m.code,
            title=m.title,
            theme=theme_codes[m.theme_id],
            owner=_owner(roles[m.id].owner),
            status=status,
            progress=update.progress if update else None,
            updated_at=update.created_at if update else None,
            note=update.note if update else "",
            due=m.due,
            overdue=overdue,
            stale=update is None or update.id <= (baseline or 0),
            behind=not overdue and _behind(status, update, m.start, m.due, today),
            owner_away_until=here.away.get(owner.id) if (owner := roles[m.id].owner) else None,
            owner_left=owner is not None and owner.id in here.left,
        )
    changes = tuple(
        Change(rows[m.id], status_of(before.get(m.id)))
        for m in measures
        if status_of(before.get(m.id)) != rows[m.id].status
    )
    return Summary(
        programme=programme.name if programme else ctx.t("summary.default_programme"),
        period=period,
        today=today,
        first=baseline is None,
        rows=tuple(rows.values()),
        themes=tuple(
            ThemeSection(
                t.code,
                t.name,
                t.baseline,
                t.current,
                t.target,
                tuple(rows[m.id] for m in measures if m.theme_id == t.id),
            )
            for t in themes
        ),
        changes=changes,
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
