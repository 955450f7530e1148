"""Absences and leavers: who is away until a date, and who the platform says has gone.
Both are append-only: `back` and a reactivation only mark a row ended."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlmodel import Session, col, select

from storage.models import Absence, Departure


def set_absence(
    session: Session,
    *,
    person_id: int,
    starts_on: date,
    until: date,
    note: str,
    set_by: str,
    at: datetime,
) -> Absence:
    """A new absence; it overrides any earlier one (the latest set counts)."""
    absence = Absence(
        person_id=person_id,
        starts_on=starts_on.isoformat(),
        until=until.isoformat(),
        note=note,
        set_by=set_by,
        created_at=at,
    )
    session.add(absence)
    session.flush()
    return absence


def end_absence(session: Session, *, person_id: int, today: date, by: str, at: datetime) -> int:
    """Mark the person's absences that are not over yet ended; how many there were."""
    rows = session.exec(
        select(Absence).where(
            Absence.person_id == person_id,
            col(Absence.ended_at).is_(None),
            Absence.until >= today.isoformat(),
        )
    ).all()
    for row in rows:
        row.ended_at, row.ended_by = at, by
        session.add(row)
    session.flush()
    return len(rows)


def away_until(
    session: Session, *, today: date, person_ids: Iterable[int] | None = None
) -> dict[int, date]:
    """Who is away on `today` (an absence not ended whose days include it), and until when:
    the latest absence set counts. An absence ends by itself: no job marks it."""
    day = today.isoformat()
    query = select(Absence).where(
        col(Absence.ended_at).is_(None), Absence.starts_on <= day, Absence.until >= day
    )
    if person_ids is not None:
        query = query.where(col(Absence.person_id).in_(list(person_ids)))
    found: dict[int, date] = {}
    for row in session.exec(query.order_by(col(Absence.id))):
        found[row.person_id] = date.fromisoformat(row.until)
    return found


def record_left(session: Session, *, person_id: int, source: str, at: datetime) -> bool:
    """The platform says the person is gone; False if they were recorded gone already."""
    if left_ids(session, person_ids=[person_id]):
        return False
    session.add(Departure(person_id=person_id, source=source, left_at=at))
    session.flush()
    return True


def record_returned(session: Session, *, person_id: int, source: str, at: datetime) -> bool:
    """The person is active again (reactivated); False if they were not recorded gone."""
    rows = session.exec(
        select(Departure).where(
            Departure.person_id == person_id, col(Departure.returned_at).is_(None)
        )
    ).all()
    for row in rows:
        row.returned_at, row.returned_source = at, source
        session.add(row)
    session.flush()
    return bool(rows)


def left_ids(session: Session, *, person_ids: Iterable[int] | None = None) -> set[int]:
    """The people recorded gone and not back."""
    query = select(Departure.person_id).where(col(Departure.returned_at).is_(None))
    if person_ids is not None:
        query = query.where(col(Departure.person_id).in_(list(person_ids)))
    return set(session.exec(query))
