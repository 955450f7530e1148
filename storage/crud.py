"""Queries and writes: flat, keyword-only functions that take a session."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, UnaryExpression, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, or_, select

from storage.models import (
    PERSON_IDS,
    Coordinator,
    Delivery,
    Measure,
    MeasureRole,
    Person,
    StatusUpdate,
    Theme,
    utcnow,
)

_NOT_IN_REF = r"@\s<>\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff"
"""Besides `@`, spaces and brackets: controls and invisible or direction-changing marks."""
EMAIL = re.compile(rf"^[^{_NOT_IN_REF}]+@[^{_NOT_IN_REF}]+\.[^{_NOT_IN_REF}]+$")
USER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9:._-]{0,127}$")


def normalize_ref(ref: str) -> str:
    """People are named by chat user id (kept as given) or e-mail (matched case-insensitively)."""
    ref = ref.strip()
    return ref.lower() if "@" in ref else ref


def natural_key(code: str) -> tuple[tuple[int, int, str], ...]:
    """Sort ids as people do: 1.2 before 1.10."""
    pieces = re.split(r"(\d+)", code.lower())
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in pieces if p)


def is_valid_ref(ref: str) -> bool:
    return bool(EMAIL.match(ref) or USER_ID.match(ref))


# --- people and roles ---


def ensure_person(session: Session, *, ref: str, name: str | None = None) -> Person:
    ref = normalize_ref(ref)
    person = session.exec(select(Person).where(Person.ref == ref)).first()
    if person is None:
        person = Person(ref=ref, name=name)
        session.add(person)
        session.flush()
    elif name and person.name != name:
        person.name = name
    return person


def find_person(session: Session, *, ref: str) -> Person | None:
    """The person named by their programme ref or by any of their linked ids."""
    return person_among(session, refs=[ref])


def people_by_id(session: Session, *, ids: Iterable[int | None]) -> dict[int, Person]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    return {p.id: p for p in session.exec(select(Person).where(col(Person.id).in_(wanted)))}


def person_among(session: Session, *, refs: Iterable[str]) -> Person | None:
    """The person known by one of these refs (one user's ids and e-mail): the one the
    programme names, if any, before one only linked."""
    refs = {normalize_ref(r) for r in refs if r}
    if not refs:
        return None
    return session.exec(
        select(Person)
        .where(known_as(refs))
        .order_by(col(Person.ref).in_(refs).desc(), col(Person.id))
    ).first()


def known_as(refs: set[str]) -> ColumnElement[bool]:
    """A person named by one of `refs`: their programme ref or a linked id."""
    return or_(col(Person.ref).in_(refs), *(col(getattr(Person, c)).in_(refs) for c in PERSON_IDS))


def identities(person: Person) -> set[str]:
    """Every ref a person is known by."""
    return {person.ref} | {v for c in PERSON_IDS if (v := getattr(person, c))}


def link_person(
    session: Session, person: Person, *, ids: Iterable[tuple[str, str]], name: str | None
) -> None:
    """Link ids the platform gave (`("slack_id", "U123")`, `("email", …)`) to the person,
    where they have none of that kind yet and nobody else holds the id; take the platform's
    name where the programme gives none. A forgotten person is never linked again."""
    if person.forgotten_at is not None:
        return
    for column, given in ids:
        value = normalize_ref(given)
        if column not in PERSON_IDS or not value or getattr(person, column):
            continue
        taken = session.exec(select(Person.id).where(col(getattr(Person, column)) == value)).first()
        if taken is None:
            setattr(person, column, value)
    if name and not person.name:
        person.name = name
    session.add(person)
    session.flush()


def new_person(
    session: Session, *, ref: str, ids: Iterable[tuple[str, str]], name: str | None
) -> Person:
    """A person the programme does not name (an update's author, someone handed a measure)."""
    person = Person(ref=normalize_ref(ref))
    session.add(person)
    session.flush()
    link_person(session, person, ids=ids, name=name)
    return person


@dataclass(frozen=True)
class Roles:
    owner: Person | None
    deputies: tuple[Person, ...]

    def refs(self) -> set[str]:
        people = ((self.owner,) if self.owner else ()) + self.deputies
        return {p.ref for p in people}

    def held_by(self, refs: Iterable[str]) -> bool:
        """Whether someone known by one of `refs` is the owner or a deputy."""
        refs = {normalize_ref(r) for r in refs if r}
        people = ((self.owner,) if self.owner else ()) + self.deputies
        return any(identities(p) & refs for p in people)


def roles_of(session: Session, *, measure_ids: Iterable[int]) -> dict[int, Roles]:
    """Owner and deputies of each measure, in the programme file's order; remembered for the
    rest of the session (a command asks for the same measure's roles more than once)."""
    measure_ids = list(measure_ids)
    known: dict[int, Roles] = session.info.setdefault("roles", {})
    if all(mid in known for mid in measure_ids):
        return {mid: known[mid] for mid in measure_ids}
    rows = session.exec(
        select(MeasureRole, Person)
        .join(Person, col(Person.id) == MeasureRole.person_id)
        .where(col(MeasureRole.measure_id).in_(measure_ids))
        .order_by(col(MeasureRole.measure_id), col(MeasureRole.position))
    ).all()
    owners: dict[int, Person] = {}
    deputies: dict[int, list[Person]] = {}
    for role, person in rows:
        if role.role == "owner":
            owners[role.measure_id] = person
        else:
            deputies.setdefault(role.measure_id, []).append(person)
    found = {
        mid: Roles(owner=owners.get(mid), deputies=tuple(deputies.get(mid, ())))
        for mid in measure_ids
    }
    known.update(found)
    return found


def replace_roles(
    session: Session,
    *,
    measure_id: int,
    wanted: list[tuple[int, str]],
    existing: list[MeasureRole] | None = None,
) -> bool:
    """Make a measure's roles `wanted` ((person id, role), in order); True if anything changed.
    `existing` spares the query when the caller has loaded them already."""
    session.info.pop("roles", None)
    if existing is None:
        existing = list(
            session.exec(
                select(MeasureRole)
                .where(MeasureRole.measure_id == measure_id)
                .order_by(col(MeasureRole.position))
            )
        )
    if [(r.person_id, r.role) for r in existing] == wanted:
        return False
    if existing:
        for role in existing:
            session.delete(role)
        session.flush()  # the unique (measure, person) pair may be taken again below
    for position, (person_id, role_name) in enumerate(wanted):
        session.add(
            MeasureRole(
                measure_id=measure_id, person_id=person_id, role=role_name, position=position
            )
        )
    return True


def measure_ids_of(session: Session, *, refs: Iterable[str]) -> list[int]:
    """Measures in force that these refs (one user's id and e-mail) own or deputise."""
    refs = {normalize_ref(r) for r in refs if r}
    if not refs:
        return []
    return list(
        session.exec(
            select(MeasureRole.measure_id)
            .join(Person, col(Person.id) == MeasureRole.person_id)
            .join(Measure, col(Measure.id) == MeasureRole.measure_id)
            .where(known_as(refs), col(Measure.retired_at).is_(None))
            .distinct()
        )
    )


def coordinator_refs(session: Session) -> list[str]:
    return list(
        session.exec(
            select(Person.ref)
            .join(Coordinator, col(Coordinator.person_id) == Person.id)
            .order_by(col(Person.ref))
        )
    )


def is_granted_coordinator(session: Session, *, refs: Iterable[str]) -> bool:
    """Whether someone known by one of `refs` holds the coordinator role in the database."""
    refs = {normalize_ref(r) for r in refs if r}
    if not refs:
        return False
    return (
        session.exec(
            select(Coordinator.id)
            .join(Person, col(Person.id) == Coordinator.person_id)
            .where(known_as(refs))
        ).first()
        is not None
    )


def add_coordinator(session: Session, *, ref: str, added_by: str) -> bool:
    """Grant the coordinator role; False if it was held already."""
    person = ensure_person(session, ref=ref)
    if session.exec(select(Coordinator).where(Coordinator.person_id == person.id)).first():
        return False
    session.add(Coordinator(person_id=person.id, added_by=added_by))
    return True


def remove_coordinator(session: Session, *, ref: str) -> bool:
    row = session.exec(
        select(Coordinator)
        .join(Person, col(Person.id) == Coordinator.person_id)
        .where(known_as({normalize_ref(ref)}))
    ).first()
    if row is None:
        return False
    session.delete(row)
    return True


# --- programme ---


def find_measure(session: Session, *, code: str) -> Measure | None:
    """The measure, its theme loaded in the same query (a `show` is a handful of queries)."""
    row = session.exec(
        select(Measure, Theme)
        .join(Theme, col(Theme.id) == Measure.theme_id)
        .where(Measure.code_key == code.strip().lower())
    ).first()
    return row[0] if row else None


def measure_codes(session: Session) -> list[str]:
    return list(session.exec(select(Measure.code)))


def count_measures(session: Session) -> int:
    """Measures in force: a retired one leaves every count."""
    return session.exec(
        select(func.count()).select_from(Measure).where(col(Measure.retired_at).is_(None))
    ).one()


def themes(session: Session, *, retired: bool = False) -> list[Theme]:
    """Themes in force; with `retired`, the retired ones too."""
    query = select(Theme)
    if not retired:
        query = query.where(col(Theme.retired_at).is_(None))
    return list(session.exec(query))


def find_theme(session: Session, *, code: str) -> Theme | None:
    return session.exec(select(Theme).where(Theme.code_key == code.strip().lower())).first()


def measures(
    session: Session,
    *,
    theme_id: int | None = None,
    ids: list[int] | None = None,
    retired: bool = False,
) -> list[Measure]:
    """Measures in force (a retired one leaves lists, the form and reminders); with
    `retired`, the retired ones too."""
    query = select(Measure)
    if not retired:
        query = query.where(col(Measure.retired_at).is_(None))
    if theme_id is not None:
        query = query.where(Measure.theme_id == theme_id)
    if ids is not None:
        query = query.where(col(Measure.id).in_(ids))
    return list(session.exec(query))


# --- status updates ---


def current_updates(
    session: Session,
    *,
    measure_ids: Iterable[int],
    up_to: int | None = None,
    seen_at: datetime | None = None,
    at: datetime | None = None,
) -> dict[int, StatusUpdate]:
    """Each measure's latest update not withdrawn: one index seek a measure, never a scan.
    For the state a summary showed: of the updates up to the id `up_to`, counting those
    withdrawn only after `seen_at` (leadership saw them). For the state as of a moment
    `at`: the latest update made by then and not withdrawn by then."""
    measure_ids = list(measure_ids)
    if not measure_ids:
        return {}
    if at is not None:
        seen_at = at if seen_at is None else min(seen_at, at)
    visible: ColumnElement[bool] = col(StatusUpdate.withdrawn_at).is_(None)
    if seen_at is not None:
        visible = or_(visible, col(StatusUpdate.withdrawn_at) > seen_at)
    conditions = [col(StatusUpdate.measure_id) == col(Measure.id), visible]
    if up_to is not None:
        conditions.append(col(StatusUpdate.id) <= up_to)
    order: list[UnaryExpression[Any]] = [col(StatusUpdate.id).desc()]
    if at is not None:  # updates may be dated back (the demo, a restore): time decides
        conditions.append(col(StatusUpdate.created_at) <= at)
        order.insert(0, col(StatusUpdate.created_at).desc())
    # ORDER BY … LIMIT 1, not max(): with `up_to`, SQLite would otherwise read the range.
    latest = (
        select(StatusUpdate.id)
        .where(*conditions)
        .order_by(*order)
        .limit(1)
        .correlate(Measure)
        .scalar_subquery()
    )
    rows = session.exec(
        select(StatusUpdate)
        .join(Measure, col(StatusUpdate.id) == latest)
        .where(col(Measure.id).in_(measure_ids))
    ).all()
    return {update.measure_id: update for update in rows}


def current_update(session: Session, *, measure_id: int) -> StatusUpdate | None:
    return current_with_author(session, measure_id=measure_id)[0]


def current_with_author(
    session: Session, *, measure_id: int
) -> tuple[StatusUpdate | None, str | None]:
    """The current update and its author's name (if the programme names them), in one query."""
    row = session.exec(
        select(StatusUpdate, Person.name)
        .outerjoin(Person, col(Person.id) == StatusUpdate.author_person_id)
        .where(StatusUpdate.measure_id == measure_id, col(StatusUpdate.withdrawn_at).is_(None))
        .order_by(col(StatusUpdate.id).desc())
        .limit(1)
    ).first()
    return (row[0], row[1]) if row else (None, None)


def update_by_key(session: Session, *, idempotency_key: str) -> StatusUpdate | None:
    return session.exec(
        select(StatusUpdate).where(StatusUpdate.idempotency_key == idempotency_key)
    ).first()


def append_update(
    session: Session,
    *,
    measure_id: int,
    author: str,
    status: str,
    progress: int | None,
    note: str,
    source: str,
    idempotency_key: str | None = None,
    created_at: datetime | None = None,
    author_person_id: int | None = None,
) -> StatusUpdate:
    update = StatusUpdate(
        measure_id=measure_id,
        author=author,
        author_person_id=author_person_id,
        status=status,
        progress=progress,
        note=note,
        source=source,
        idempotency_key=idempotency_key,
        created_at=created_at or utcnow(),
    )
    session.add(update)
    session.flush()
    return update


def history(session: Session, *, measure_id: int, limit: int) -> tuple[list[StatusUpdate], int]:
    """The newest `limit` updates, withdrawn ones included, and how many there are in all."""
    rows = session.exec(
        select(StatusUpdate)
        .where(StatusUpdate.measure_id == measure_id)
        .order_by(col(StatusUpdate.id).desc())
        .limit(limit)
    ).all()
    total = session.exec(
        select(func.count()).select_from(StatusUpdate).where(StatusUpdate.measure_id == measure_id)
    ).one()
    return list(rows), total


def latest_own_update(
    session: Session, *, authors: Iterable[str], since: datetime, measure_id: int | None
) -> StatusUpdate | None:
    """The author's latest update not withdrawn, newer than `since`."""
    query = select(StatusUpdate).where(
        col(StatusUpdate.author).in_(list(authors)),
        col(StatusUpdate.withdrawn_at).is_(None),
        StatusUpdate.created_at >= since,
    )
    if measure_id is not None:
        query = query.where(StatusUpdate.measure_id == measure_id)
    return session.exec(query.order_by(col(StatusUpdate.id).desc()).limit(1)).first()


def withdraw(
    session: Session, *, update: StatusUpdate, by: str, at: datetime | None = None
) -> None:
    """Mark withdrawn: the row stays in the audit trail."""
    update.withdrawn_at = at or utcnow()
    update.withdrawn_by = by
    session.add(update)
    session.flush()


def claim_delivery(session: Session, *, key: str) -> bool:
    """Record a delivery; False if it was handled before (a platform's retry). A repeat is
    no error (INSERT … ON CONFLICT DO NOTHING): nothing of the caller's unit of work is
    undone, and the claim commits or rolls back with it. (No savepoint is needed: a conflict
    is not an error, so there is nothing to roll back to.)"""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(Delivery).values(key=key, received_at=utcnow())
    claimed = statement.on_conflict_do_nothing().returning(Delivery.key)
    return session.execute(claimed).first() is not None
