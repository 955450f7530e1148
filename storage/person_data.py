"""A person's data: everything held about them (the right of access), and forgetting them
(a stable pseudonym in place of their name and ids everywhere; the programme's history,
which is the city's record, stays whole)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, delete, select, update

from storage import crud, plan
from storage.models import (
    PERSON_IDS,
    Absence,
    ConversationRef,
    Coordinator,
    Departure,
    MaturityAssessment,
    MeasurePlan,
    MeasureRole,
    Person,
    Reminder,
    Revision,
    Spending,
    StatusUpdate,
    SummaryRun,
    utcnow,
)


def find(session: Session, ident: str) -> Person | None:
    """A person by row id, programme ref, platform id or e-mail."""
    ident = ident.strip()
    if ident.isdigit():
        return session.get(Person, int(ident))
    return crud.find_person(session, ref=ident) if ident else None


def token(person: Person) -> str:
    """What replaces a forgotten person's ids in the records: stable, and naming nobody."""
    return f"former-{person.id}"


def export(session: Session, person: Person) -> str:
    """Everything held about the person, as JSON."""
    refs = crud.identities(person)
    codes = {m.id: m.code for m in crud.measures(session, retired=True)}
    roles = session.exec(select(MeasureRole).where(MeasureRole.person_id == person.id))
    plans = session.exec(
        select(MeasurePlan, Revision)
        .join(Revision, col(Revision.id) == MeasurePlan.revision_id)
        .order_by(col(MeasurePlan.created_at), col(MeasurePlan.id))
    )
    updates = session.exec(
        select(StatusUpdate)
        .where(
            (col(StatusUpdate.author_person_id) == person.id) | col(StatusUpdate.author).in_(refs)
        )
        .order_by(col(StatusUpdate.id))
    )
    withdrawn = session.exec(select(StatusUpdate).where(col(StatusUpdate.withdrawn_by).in_(refs)))
    reminders = session.exec(select(Reminder).where(col(Reminder.person_ref).in_(refs)))
    grant = session.exec(select(Coordinator).where(Coordinator.person_id == person.id)).first()
    granted = session.exec(select(Coordinator).where(col(Coordinator.added_by).in_(refs)))
    revisions = session.exec(select(Revision).where(col(Revision.created_by).in_(refs)))
    chats = session.exec(select(ConversationRef).where(_chat_of(refs)))
    spent = session.exec(select(Spending).where(col(Spending.author).in_(refs)))
    assessed = session.exec(
        select(MaturityAssessment).where(col(MaturityAssessment.author).in_(refs))
    )
    absences = session.exec(select(Absence).where(Absence.person_id == person.id))
    departures = session.exec(select(Departure).where(Departure.person_id == person.id))
    data: dict[str, Any] = {
        "person": {
            "id": person.id,
            "ref": person.ref,
            "name": person.name,
            **{c: getattr(person, c) for c in PERSON_IDS},
            "forgotten_at": _time(person.forgotten_at),
        },
        "roles_now": [{"measure": codes.get(r.measure_id), "role": r.role} for r in roles],
        "roles_in_plan_history": [
            {
                "measure": p.code,
                "role": "owner" if p.owner_id == person.id else "deputy",
                "from": _time(p.created_at),
                "revision": r.label,
                "revision_kind": r.kind,
            }
            for p, r in plans
            if p.owner_id == person.id or person.id in plan.deputy_ids(p.deputy_ids)
        ],
        "updates_authored": [
            {
                "measure": codes.get(u.measure_id),
                "time": _time(u.created_at),
                "status": u.status,
                "progress": u.progress,
                "note": u.note,
                "source": u.source,
                "withdrawn_at": _time(u.withdrawn_at),
            }
            for u in updates
        ],
        "updates_withdrawn": [
            {
                "measure": codes.get(u.measure_id),
                "update_time": _time(u.created_at),
                "withdrawn_at": _time(u.withdrawn_at),
            }
            for u in withdrawn
        ],
        "spending_reported": [
            {
                "measure": codes.get(r.measure_id),
                "year": r.year,
                "spent_cents": r.spent_cents,
                "time": _time(r.created_at),
            }
            for r in spent
        ],
        "maturity_assessed": [
            {"level": a.level_hundredths / 100, "on": a.assessed_on, "time": _time(a.created_at)}
            for a in assessed
        ],
        "absences": [
            {"from": a.starts_on, "until": a.until, "note": a.note, "ended_at": _time(a.ended_at)}
            for a in absences
        ],
        "departures": [
            {"left_at": _time(d.left_at), "source": d.source, "returned_at": _time(d.returned_at)}
            for d in departures
        ],
        "reminders_sent": [
            {
                "day": r.day,
                "period": r.period,
                "measures": r.measures.split(","),
                "sent_at": _time(r.sent_at),
            }
            for r in reminders
        ],
        "coordinator": (
            {"added_by": grant.added_by, "added_at": _time(grant.added_at)} if grant else None
        ),
        "coordinators_granted": [_time(c.added_at) for c in granted],
        "revisions_made": [
            {"label": r.label, "kind": r.kind, "time": _time(r.created_at)} for r in revisions
        ],
        "chats": [
            {
                "platform": c.platform,
                "kind": c.kind,
                "user_id": c.user_id,
                "aad_object_id": c.aad_object_id,
                "email": c.email,
                "updated_at": _time(c.updated_at),
            }
            for c in chats
        ],
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def forget(session: Session, person: Person, *, pseudonym: str) -> bool:
    """Replace the person's name and ids by the pseudonym (`pseudonym` as a name, `token`
    as an id) everywhere; False if forgotten already (nothing changes)."""
    if person.forgotten_at is not None:
        return False
    refs = crud.identities(person)
    gone = token(person)
    session.exec(
        update(StatusUpdate)
        .where(col(StatusUpdate.author).in_(refs))
        .values(author=gone, author_person_id=person.id)
    )
    session.exec(
        update(StatusUpdate)
        .where(col(StatusUpdate.withdrawn_by).in_(refs))
        .values(withdrawn_by=gone)
    )
    session.exec(
        update(Coordinator).where(col(Coordinator.added_by).in_(refs)).values(added_by=gone)
    )
    session.exec(update(Revision).where(col(Revision.created_by).in_(refs)).values(created_by=gone))
    session.exec(update(Spending).where(col(Spending.author).in_(refs)).values(author=gone))
    session.exec(
        update(MaturityAssessment)
        .where(col(MaturityAssessment.author).in_(refs))
        .values(author=gone)
    )
    session.exec(update(Absence).where(col(Absence.set_by).in_(refs)).values(set_by=gone))
    session.exec(update(Absence).where(col(Absence.ended_by).in_(refs)).values(ended_by=gone))
    session.exec(
        update(SummaryRun).where(col(SummaryRun.requested_by).in_(refs)).values(requested_by=gone)
    )
    days: set[str] = set()
    for reminder in session.exec(select(Reminder).where(col(Reminder.person_ref).in_(refs))):
        if reminder.day in days:  # one a person a day: reminders under two ids become one
            session.delete(reminder)
            continue
        days.add(reminder.day)
        reminder.person_ref = gone
        session.add(reminder)
    # A personal chat's reference holds the user's ids and name: the bot can no longer
    # speak to someone forgotten.
    session.exec(
        delete(ConversationRef).where(col(ConversationRef.kind) == "personal", _chat_of(refs))
    )
    person.ref, person.name = gone, pseudonym
    for column in PERSON_IDS:
        setattr(person, column, None)
    person.forgotten_at = utcnow()
    session.add(person)
    session.info.pop("roles", None)
    session.flush()
    return True


def _chat_of(refs: set[str]) -> Any:
    return (
        col(ConversationRef.user_id).in_(refs)
        | col(ConversationRef.aad_object_id).in_(refs)
        | col(ConversationRef.email).in_(refs)
    )


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
