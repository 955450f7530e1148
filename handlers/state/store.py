"""Storing an update: appended once however often a platform delivers it, recorded under
the name the programme knows its author by."""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from handlers import people
from handlers.context import Actor, Context
from handlers.vocabulary import Status
from storage import crud
from storage.models import Measure, StatusUpdate


class Stored(NamedTuple):
    update: StatusUpdate
    """The update as stored: ours, or the earlier one of a repeated delivery."""
    repeated: bool


def store(
    session: Session,
    measure: Measure,
    actor: Actor,
    ctx: Context,
    *,
    status: Status,
    progress: int | None,
    note: str,
    key: str | None,
) -> Stored:
    """Append the update; a repeated delivery is stored once, and the earlier one returned."""
    person = people.author(session, actor)
    author = person.ref if person else actor.author
    try:
        with session.begin_nested():  # a savepoint: the caller's transaction stays its own
            update = crud.append_update(
                session,
                measure_id=measure.id,
                author=author,
                status=status.code,
                progress=progress,
                note=note,
                source=ctx.source,
                idempotency_key=key,
                created_at=ctx.now(),
                author_person_id=person.id if person else None,
            )
    except IntegrityError:  # the same delivery raced us to it: stored once, by the other
        if key is None or (earlier := earlier_delivery(session, key)) is None:
            raise
        return earlier
    return Stored(update, repeated=False)


def earlier_delivery(session: Session, key: str | None) -> Stored | None:
    """The update a delivery already stored (a platform retry, a double click)."""
    earlier = crud.update_by_key(session, idempotency_key=key) if key else None
    return Stored(earlier, repeated=True) if earlier else None


def author_ref(session: Session, actor: Actor) -> str:
    """How a withdrawal records who withdrew: the person as the programme names them, else
    their e-mail, else the platform's user id."""
    person = people.recognise(session, actor)
    if person:
        return person.ref
    return crud.normalize_ref(actor.email) if actor.email else actor.author
