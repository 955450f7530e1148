"""Handing measures over: a coordinator reassigns an owner or a deputy, recorded as a
revision of kind "handover" in the plan history (who and when); the new owner is told
what they now own. A programme import that changes owners tells them the same way."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlmodel import Session, col, select

from handlers import formatting as fmt
from handlers.context import Context
from handlers.effects import Direct
from handlers.people import name_of
from handlers.replies import Heading, Hint, Items, Paragraph, Reply
from handlers.state.labels import author_label
from storage import crud, plan
from storage.models import Measure, MeasureRole, Person, Revision

KIND = "handover"


def reassign(
    session: Session, measure: Measure, wanted: list[tuple[int, str]], *, by: str, at: datetime
) -> None:
    """Make the measure's roles `wanted` and record the change in the plan history."""
    crud.replace_roles(session, measure_id=measure.id, wanted=wanted)
    session.flush()
    revision = plan.new_revision(session, label=measure.code, by=by, kind=KIND, at=at)
    plan.record_plans(session, revision=revision)


def owned_now(session: Session, person: Person) -> list[Measure]:
    """The measures in force the person owns, in the programme's id order."""
    rows = session.exec(
        select(Measure)
        .join(MeasureRole, col(MeasureRole.measure_id) == Measure.id)
        .where(
            MeasureRole.person_id == person.id,
            MeasureRole.role == "owner",
            col(Measure.retired_at).is_(None),
        )
    )
    return sorted(rows, key=lambda m: crud.natural_key(m.code))


def new_owner_message(
    session: Session, person: Person, handed: list[Measure], ctx: Context, *, by: str | None
) -> Direct:
    """The direct message to a new owner: what was handed to them, and all they own now."""
    t = ctx.t
    codes = ", ".join(m.code for m in handed)
    intro = (
        t("handover.dm_intro_by", ids=codes, by=author_label(session, by))
        if by
        else t("handover.dm_intro", ids=codes)
    )
    owned = owned_now(session, person)
    reply = Reply(
        (
            Heading(t("handover.dm_title")),
            Paragraph(intro),
            Paragraph(t("handover.dm_owned", count=len(owned))),
            Items(tuple(f"{m.code} {m.title}" for m in owned)),
            Hint(t("handover.dm_hint", p=ctx.prefix, id=handed[0].code)),
        )
    )
    return Direct(person.ref, reply)


def handover_messages(
    session: Session, changes: Iterable[plan.PlanChange], ctx: Context
) -> list[Direct]:
    """The direct messages to each new owner of a programme revision's changes."""
    handed: dict[int, list[Measure]] = {}
    for change in changes:
        for field in change.changes:
            if field.field == "owner_id" and field.new is not None:
                measure = session.get(Measure, getattr(change.plan, "measure_id", 0))
                if measure is not None and measure.retired_at is None:
                    handed.setdefault(field.new, []).append(measure)
    messages = []
    for person_id, measures in handed.items():
        person = session.get(Person, person_id)
        if person is not None and person.forgotten_at is None:
            messages.append(new_owner_message(session, person, measures, ctx, by=None))
    return messages


def history_entries(session: Session, measure_id: int, ctx: Context) -> list[tuple[datetime, str]]:
    """The handovers of a measure as history lines: "vastuuhenkilö A → B (by C)"."""
    t, entries = ctx.t, []
    for change in plan.plan_history(session, measure_id=measure_id):
        revision = session.get(Revision, change.plan.revision_id)
        if revision is None or revision.kind != KIND:
            continue
        parts = []
        for field in change.changes:
            if field.field == "owner_id":
                old, new = _names(session, [field.old]), _names(session, [field.new])
                parts.append(t("handover.history_owner", old=old, new=new))
            elif field.field == "deputy_ids":
                old = _names(session, plan.deputy_ids(field.old or ""))
                new = _names(session, plan.deputy_ids(field.new or ""))
                parts.append(t("handover.history_deputies", old=old, new=new))
        if parts:
            when = fmt.moment(ctx.language, revision.created_at, ctx.timezone)
            by = author_label(session, revision.created_by)
            entries.append((revision.created_at, f"{when} {'; '.join(parts)} ({by})"))
    return entries


def _names(session: Session, ids: Iterable[int | None]) -> str:
    people = [session.get(Person, i) for i in ids if i is not None]
    return ", ".join(name_of(p) for p in people if p) or "—"
