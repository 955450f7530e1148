"""A measure's state as a reply: its status, progress, latest note, and whether it is late."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session

from handlers import formatting as fmt
from handlers.context import Context
from handlers.presence import presence
from handlers.replies import Block, Fields, Heading, Hint, Paragraph, Reply
from handlers.state.labels import person_label, status_of, update_author
from handlers.state.money import money_fields, money_state, over_flag
from handlers.state.retired import retired_text
from handlers.state.store import Stored
from handlers.vocabulary import Status
from storage import crud, plan
from storage.crud import Roles
from storage.dates import last_day
from storage.models import Measure, MeasurePlan, Person, Theme


def state_reply(
    session: Session,
    measure: Measure,
    ctx: Context,
    *,
    intro: str | None = None,
    full: bool = False,
    at: datetime | None = None,
    roles: Roles | None = None,
) -> Reply:
    """A measure's current state; `full` adds what the programme says about it. With `at`,
    the state as of then: `measure` and `roles` are then as the plan stood (as_of.py)."""
    t, lang = ctx.t, ctx.language
    if at is None:
        current, author_name = crud.current_with_author(session, measure_id=measure.id)
        today = local_today(ctx)
    else:
        current = crud.current_updates(session, measure_ids=[measure.id], at=at).get(measure.id)
        author_name, today = None, at.astimezone(ctx.timezone).date()
    status = status_of(current)
    pairs: list[tuple[str, str]] = [
        (t("field.status"), f"{status.mark} {t(f'status.{status.code}')}"),
        (t("field.progress"), fmt.progress(lang, current.progress if current else None)),
    ]
    if current:
        when = fmt.moment(lang, current.created_at, ctx.timezone)
        author = author_name or update_author(session, current)
        pairs.append((t("field.updated"), t("show.updated_by", time=when, author=author)))
        if current.note:
            pairs.append((t("field.note"), current.note))
    else:
        pairs.append((t("field.updated"), t("show.no_updates")))
    if full:
        who, schedule = _programme_fields(session, measure, roles, ctx)
        pairs = who + pairs + schedule
    blocks: list[Block] = [Paragraph(intro)] if intro else []
    blocks.append(Heading(f"{status.mark} {measure.code} {measure.title}"))
    if full and measure.description:
        blocks.append(Paragraph(measure.description))
    blocks.append(Fields(tuple(pairs)))
    if measure.retired_at is not None:  # it left the programme: neither late nor stale
        blocks.append(Paragraph(t("flag.retired", retired=retired_text(session, measure, ctx))))
        return Reply(tuple(blocks))
    if is_overdue(measure, status, today):
        blocks.append(Paragraph(t("flag.overdue", due=fmt.when(lang, measure.due))))
    if full and current is None:
        blocks.append(Paragraph(t("flag.never_updated")))
    if full and (flag := over_flag(money_state(session, measure, ctx), ctx)):
        blocks.append(Paragraph(flag))
    return Reply(tuple(blocks))


def recorded_reply(session: Session, stored: Stored, ctx: Context) -> Reply:
    """The answer to a stored update: the measure's state now, and how to undo; or, for a
    repeated delivery, that it was saved already."""
    t, measure = ctx.t, session.get_one(Measure, stored.update.measure_id)
    if stored.repeated:
        return state_reply(
            session, measure, ctx, intro=t("status.already_recorded", id=measure.code)
        )
    reply = state_reply(session, measure, ctx, intro=t("status.recorded", id=measure.code))
    return Reply((*reply.blocks, Hint(t("status.undo_hint", p=ctx.prefix, id=measure.code))))


def _programme_fields(
    session: Session, measure: Measure, roles: Roles | None, ctx: Context
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """What the programme says: who answers for the measure, and its plan (the original due
    date beside a moved one)."""
    t, lang = ctx.t, ctx.language
    theme = session.get_one(Theme, measure.theme_id)
    roles = roles or crud.roles_of(session, measure_ids=[measure.id])[measure.id]
    here = presence(session, ctx, (roles.owner, *roles.deputies))

    def label(person: Person | None) -> str:
        note = here.note(person, ctx)
        return f"{person_label(person)} — {note}" if note else person_label(person)

    head = [
        (t("field.theme"), f"{theme.code} {theme.name}"),
        (t("field.owner"), label(roles.owner)),
        (t("field.deputies"), ", ".join(label(d) for d in roles.deputies)),
        (t("field.unit"), measure.unit or ""),
    ]
    schedule = fmt.schedule(lang, measure.start, measure.due)
    original = plan.original_due(session, measure_id=measure.id)
    if original and measure.due and original != measure.due:
        schedule = t("show.due_moved", schedule=schedule, original=fmt.when(lang, original))
    tail = [(t("field.schedule"), schedule)]
    if measure.indicator:
        text = t(
            "show.indicator",
            indicator=measure.indicator,
            baseline=measure.baseline or "—",
            target=measure.target or "—",
        )
        tail.append((t("field.indicator"), text))
    if measure.budget_eur is not None:
        tail.append((t("field.budget"), fmt.euros(lang, measure.budget_eur)))
    tail += money_fields(money_state(session, measure, ctx), ctx)
    return [pair for pair in head if pair[1]], tail


def is_overdue(measure: Measure | MeasurePlan, status: Status, today: date) -> bool:
    if not measure.due or status.code in ("done", "postponed"):
        return False
    return last_day(measure.due) < today


def local_today(ctx: Context) -> date:
    return ctx.now().astimezone(ctx.timezone).date()
