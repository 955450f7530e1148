"""The public page's bulk read: every measure's plan columns, its theme and its latest
update in one query of plain rows (no ORM objects: a thousand measures in milliseconds)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select as columns
from sqlmodel import Session, col, select

from storage.models import Measure, StatusUpdate, Theme


def _latest() -> Any:
    return (
        select(StatusUpdate.id)
        .where(StatusUpdate.measure_id == Measure.id, col(StatusUpdate.withdrawn_at).is_(None))
        .order_by(col(StatusUpdate.id).desc())
        .limit(1)
        .correlate(Measure)
        .scalar_subquery()
    )


def statuses(session: Session) -> Sequence[Any]:
    """Each measure in force as (theme_id, budget_eur, status or None): what counts need."""
    query = (
        columns(col(Measure.theme_id), col(Measure.budget_eur), col(StatusUpdate.status))
        .select_from(Measure)
        .outerjoin(StatusUpdate, col(StatusUpdate.id) == _latest())
        .where(col(Measure.retired_at).is_(None))
    )
    return session.connection().execute(query).all()


def measure_states(
    session: Session, *, theme_id: int | None = None, retired: bool = False
) -> Sequence[Any]:
    """Each measure (in force; with `retired` all) with its theme's code and name and its
    latest update not withdrawn (None columns when it has none): one seek a measure."""
    query = (
        columns(
            *(col(c) for c in Measure.__table__.columns),  # type: ignore[attr-defined]
            col(Theme.code).label("theme_code"),
            col(Theme.name).label("theme_name"),
            col(StatusUpdate.status),
            col(StatusUpdate.progress),
            col(StatusUpdate.created_at).label("reported_at"),
            col(StatusUpdate.note),
        )
        .select_from(Measure)
        .join(Theme, col(Theme.id) == col(Measure.theme_id))
        .outerjoin(StatusUpdate, col(StatusUpdate.id) == _latest())
    )
    if not retired:
        query = query.where(col(Measure.retired_at).is_(None))
    if theme_id is not None:
        query = query.where(col(Measure.theme_id) == theme_id)
    return session.connection().execute(query).all()
