"""Summary runs and reminders, claimed in the database so that they happen once however many
processes run and whenever one of them dies.

These functions only add and flush: the caller's unit of work commits (the summary job makes
each step durable before the next, handlers/summary/post.py). A claim that loses a race is
undone to a SAVEPOINT, so the caller's transaction goes on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import CursorResult, func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from storage.models import Reminder, StatusUpdate, SummaryPart, SummaryRun, utcnow

STALE_CLAIM = timedelta(minutes=5)
"""A claim not renewed for this long belongs to a process that died: another may resume."""


def max_update_id(session: Session) -> int:
    return session.exec(select(func.max(StatusUpdate.id))).one() or 0


def last_posted(
    session: Session, *, excluding: str | None = None, until: datetime | None = None
) -> SummaryRun | None:
    """The latest posted summary, scheduled or extra (not a repost): what leadership saw
    last. `excluding` leaves out a summary by name, to compare a summary with the one
    before it; `until`: posted by then."""
    query = select(SummaryRun).where(
        col(SummaryRun.posted_at).is_not(None), SummaryRun.attempt == 0
    )
    if until is not None:
        query = query.where(col(SummaryRun.posted_at) <= until)
    if excluding:
        query = query.where(SummaryRun.period != excluding)
    return session.exec(
        query.order_by(col(SummaryRun.cutoff_update_id).desc(), col(SummaryRun.id).desc())
    ).first()


def posted_runs(session: Session) -> list[SummaryRun]:
    """Every posted summary, reposts included, oldest first."""
    return list(
        session.exec(
            select(SummaryRun)
            .where(col(SummaryRun.posted_at).is_not(None))
            .order_by(col(SummaryRun.posted_at), col(SummaryRun.id))
        )
    )


def posted_for(session: Session, *, period: str) -> bool:
    """Has the summary of this name been posted (anywhere)?"""
    return (
        session.exec(
            select(SummaryRun.id).where(
                SummaryRun.period == period,
                SummaryRun.attempt == 0,
                col(SummaryRun.posted_at).is_not(None),
            )
        ).first()
        is not None
    )


def reporting_cutoff(session: Session) -> int | None:
    """Updates after this id are "since the last summary"; None before the first summary."""
    run = last_posted(session)
    return run.cutoff_update_id if run else None


@dataclass(frozen=True)
class Claim:
    state: Literal["claimed", "posted", "busy"]
    run: SummaryRun
    resumed: bool = False
    """Taken over from a process that stopped: some of it may be posted already."""


def claim_run(
    session: Session,
    *,
    period: str,
    channel: str,
    force: bool,
    kind: str = "scheduled",
    trigger: str,
    requested_by: str,
    claimed_by: str,
    as_of: str,
    now: datetime | None = None,
    stale_after: timedelta = STALE_CLAIM,
) -> Claim:
    """Take the run of the summary named `period` for this channel: a new one, a dead
    process's one to resume, or none because it is posted or being posted. `force` starts a
    recorded repost, compared with what the summary itself was compared with."""
    now = now or utcnow()
    existing = session.exec(
        select(SummaryRun)
        .where(SummaryRun.period == period, SummaryRun.channel == channel)
        .order_by(col(SummaryRun.attempt).desc())
    ).first()
    if existing is None or (force and existing.posted_at is not None):
        if existing is not None:  # a repost: compared with what the summary was compared with
            baseline_id, baseline_at = existing.baseline_update_id, existing.baseline_at
        else:
            previous = last_posted(session, excluding=period)
            baseline_id = previous.cutoff_update_id if previous else None
            baseline_at = previous.cutoff_at if previous else None
        run = SummaryRun(
            period=period,
            channel=channel,
            attempt=existing.attempt + 1 if existing else 0,
            kind=existing.kind if existing else kind,
            trigger=trigger,
            requested_by=requested_by,
            as_of=as_of,
            cutoff_update_id=max_update_id(session),
            cutoff_at=now,
            baseline_update_id=baseline_id,
            baseline_at=baseline_at,
            claimed_by=claimed_by,
            claimed_at=now,
        )
        try:
            with session.begin_nested():
                session.add(run)
        except IntegrityError:  # another process claimed it a moment before us
            return claim_run(
                session, period=period, channel=channel, force=False, kind=kind, trigger=trigger,
                requested_by=requested_by, claimed_by=claimed_by, as_of=as_of, now=now,
                stale_after=stale_after,
            )  # fmt: skip
        return Claim("claimed", run)
    if existing.posted_at is not None:
        return Claim("posted", existing)
    if existing.claimed_at > now - stale_after:
        return Claim("busy", existing)
    # An UPDATE's result is a CursorResult (sqlmodel types Session.execute as a plain Result).
    taken: CursorResult[Any] = session.execute(  # type: ignore[assignment]
        update(SummaryRun)
        .where(col(SummaryRun.id) == existing.id, col(SummaryRun.claimed_at) == existing.claimed_at)
        .values(claimed_at=now, claimed_by=claimed_by)
    )
    if taken.rowcount != 1:
        session.refresh(existing)
        return Claim("busy", existing)
    session.refresh(existing)
    return Claim("claimed", existing, resumed=True)


def posted_parts(session: Session, *, run_id: int) -> dict[int, str]:
    rows = session.exec(select(SummaryPart).where(SummaryPart.run_id == run_id))
    return {part.seq: part.message_id for part in rows}


class LostClaim(Exception):
    """Another process took the run over (this one was paused past the claim timeout)."""


def _renew(session: Session, run: SummaryRun, **values: object) -> None:
    """Write to the run only while this process still holds it."""
    held: CursorResult[Any] = session.execute(  # type: ignore[assignment]  # as in claim_run
        update(SummaryRun)
        .where(col(SummaryRun.id) == run.id, col(SummaryRun.claimed_by) == run.claimed_by)
        .values(**values)
    )
    if held.rowcount != 1:
        raise LostClaim(run.id)
    for key, value in values.items():
        setattr(run, key, value)


def record_intent(
    session: Session, *, run: SummaryRun, seq: int, now: datetime | None = None
) -> None:
    """Remember that a part is about to be posted (its id still empty), and renew the claim:
    a run resumed after a crash then knows to look for it before posting it again."""
    _renew(session, run, claimed_at=now or utcnow())
    if session.exec(_part(run.id, seq)).first() is None:
        session.add(SummaryPart(run_id=run.id, seq=seq, message_id=""))
    session.flush()


def record_part(
    session: Session, *, run: SummaryRun, seq: int, message_id: str, now: datetime | None = None
) -> None:
    """Remember a posted message at once, and renew the claim (as of `now`)."""
    values: dict[str, object] = {"claimed_at": now or utcnow()}
    if seq == 0:
        values["main_id"] = message_id
    _renew(session, run, **values)
    part = session.exec(_part(run.id, seq)).first() or SummaryPart(
        run_id=run.id, seq=seq, message_id=message_id
    )
    part.message_id = message_id
    part.posted_at = utcnow()
    session.add(part)
    session.flush()


def _part(run_id: int, seq: int) -> SelectOfScalar[SummaryPart]:
    return select(SummaryPart).where(SummaryPart.run_id == run_id, SummaryPart.seq == seq)


def release_run(session: Session, *, run: SummaryRun) -> None:
    """Give up a claim after a failure, so that the next try resumes at once."""
    _renew(session, run, claimed_at=datetime(1970, 1, 1, tzinfo=UTC))


def finish_run(session: Session, *, run: SummaryRun, now: datetime | None = None) -> None:
    _renew(session, run, posted_at=now or utcnow())


def reminded(session: Session, *, day: str) -> set[str]:
    """Who has a reminder (sent or being sent) for this day."""
    return set(session.exec(select(Reminder.person_ref).where(Reminder.day == day)))


def claim_reminder(
    session: Session, *, person_ref: str, day: str, period: str, measures: list[str]
) -> bool:
    """At most one reminder a person a day; False if it was sent (or is being sent)."""
    try:
        with session.begin_nested():
            session.add(
                Reminder(person_ref=person_ref, day=day, period=period, measures=",".join(measures))
            )
    except IntegrityError:
        return False
    return True


def settle_reminder(session: Session, *, person_ref: str, day: str, sent: bool) -> None:
    """Mark it sent, or give the claim back so that the next try may send it."""
    reminder = session.exec(
        select(Reminder).where(Reminder.person_ref == person_ref, Reminder.day == day)
    ).one()
    if sent:
        reminder.sent_at = utcnow()
        session.add(reminder)
    else:
        session.delete(reminder)
    session.flush()
