"""Storing an update: appended once however often a platform delivers it, recorded under
the name the programme knows its author by."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from handlers.context import Actor, Context
from handlers.replies import Hint, Reply
from handlers.state.reply import state_reply
from handlers.vocabulary import Status
from storage import crud
from storage.models import Measure


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
) -> Reply:
    """Append the update and answer with the new state; a repeated delivery is stored once."""
    t = ctx.t
    author = author_ref(session, actor)
    try:
        with session.begin_nested():  # a savepoint: the caller's transaction stays its own
            crud.append_update(
                session,
                measure_id=measure.id,
                author=author,
                status=status.code,
                progress=progress,
                note=note,
                source=ctx.source,
                idempotency_key=key,
                created_at=ctx.now(),
            )
    except IntegrityError:  # the same delivery raced us to it: stored once, by the other
        return state_reply(
            session, measure, ctx, intro=t("status.already_recorded", id=measure.code)
        )
    reply = state_reply(session, measure, ctx, intro=t("status.recorded", id=measure.code))
    return Reply((*reply.blocks, Hint(t("status.undo_hint", p=ctx.prefix, id=measure.code))))


def earlier_delivery(session: Session, key: str | None, ctx: Context) -> Reply | None:
    """The answer to a delivery already stored (a platform retry, a double click)."""
    earlier = crud.update_by_key(session, idempotency_key=key) if key else None
    if earlier is None:
        return None
    measure = session.get_one(Measure, earlier.measure_id)
    return state_reply(
        session, measure, ctx, intro=ctx.t("status.already_recorded", id=measure.code)
    )


def author_ref(session: Session, actor: Actor) -> str:
    """What an update records as its author: the person as the programme names them, else
    their e-mail, else the platform's user id; so that the export matches the programme."""
    person = crud.person_among(session, refs=actor.refs)
    if person:
        return person.ref
    return crud.normalize_ref(actor.email) if actor.email else actor.author
