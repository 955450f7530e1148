"""Reminders before a summary: one direct message a person listing their measures with no
update since the last summary, each with a button that opens the form. At most one a
person a day, claimed in the database; nothing to those who are up to date. An owner who is
away or has left is not reminded: their deputies are, or the coordinators where there is
none (handlers/presence.py)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from sqlmodel import Session

from handlers import formatting as fmt
from handlers import log_context
from handlers.context import Context
from handlers.form import OPEN_FORM
from handlers.language import chosen, from_locale, in_language
from handlers.presence import platform_says, presence
from handlers.replies import Action, Block, Entry, Heading, Hint, Paragraph, Reply
from handlers.schedule import SummarySlot, scheduled_key
from handlers.state.stale import stale_measures
from storage import crud, summary_runs
from storage.db import session_scope
from storage.models import Measure, Person

log = logging.getLogger(__name__)


class Gone(Exception):
    """The platform says the person is deactivated or no longer there (`source` says how)."""

    def __init__(self, source: str) -> None:
        super().__init__(source)
        self.source = source


class Messenger(Protocol):
    def send_direct(self, person_ref: str, reply: Reply) -> bool:
        """Send to the person named in the programme (user id or e-mail); False if
        unreachable; raises `Gone` if the platform says the person has left."""

    def locale(self, person_ref: str) -> str | None:
        """The locale the platform tells for the person, if it tells one."""


class FirstReachable:
    """Several platforms: a reminder goes by the first one that reaches the person; gone
    only if one platform says so and none reaches them."""

    def __init__(self, messengers: list[Messenger]) -> None:
        self.messengers = messengers

    def send_direct(self, person_ref: str, reply: Reply) -> bool:
        gone: Gone | None = None
        for messenger in self.messengers:
            try:
                if messenger.send_direct(person_ref, reply):
                    return True
            except Gone as said:
                gone = said
        if gone is not None:
            raise gone
        return False

    def locale(self, person_ref: str) -> str | None:
        return next(filter(None, (m.locale(person_ref) for m in self.messengers)), None)


@dataclass
class ReminderOutcome:
    sent: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    unreachable: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)
    """People the platform said have left: recorded, and their measures sent on."""


def due_people(ctx: Context) -> dict[str, list[Measure]]:
    """Owners and deputies with measures not updated since the last summary. Nobody away or
    gone is reminded; a measure whose owner is has its deputies reminded, or where none can
    be, the coordinators."""
    with session_scope(ctx.engine) as session:
        stale = [measure for measure, _ in stale_measures(session)]
        roles = crud.roles_of(session, measure_ids=[m.id for m in stale])
        coordinators = _coordinators(session, ctx)
        named = [p for r in roles.values() for p in (r.owner, *r.deputies)]
        here = presence(session, ctx, [*named, *(p for _, p in coordinators)])
    instead = [ref for ref, p in coordinators if not here.absent(p)]
    people: dict[str, list[Measure]] = {}
    for measure in stale:
        role = roles[measure.id]
        refs = {p.ref for p in (role.owner, *role.deputies) if p and not here.absent(p)}
        if here.absent(role.owner) and not refs:
            refs = set(instead)
        for ref in sorted(refs):
            people.setdefault(ref, []).append(measure)
    return people


def _coordinators(session: Session, ctx: Context) -> list[tuple[str, Person | None]]:
    """Every coordinator (configured or granted) with their person, where the programme has one."""
    refs = {crud.normalize_ref(r) for r in ctx.coordinators} | set(crud.coordinator_refs(session))
    return [(ref, crud.find_person(session, ref=ref)) for ref in sorted(refs)]


def send_reminders(
    ctx: Context, messenger: Messenger, *, slot: SummarySlot, day: date
) -> ReminderOutcome:
    with log_context.about(command="remind"):
        outcome = _send_reminders(ctx, messenger, slot=slot, day=day)
        if outcome.sent or outcome.unreachable:
            log.info("reminders sent: %d for %s, %d unreachable", len(outcome.sent), day,
                     len(outcome.unreachable))  # fmt: skip
    return outcome


def _send_reminders(
    ctx: Context,
    messenger: Messenger,
    *,
    slot: SummarySlot,
    day: date,
    outcome: ReminderOutcome | None = None,
) -> ReminderOutcome:
    outcome = outcome or ReminderOutcome()
    left_before = len(outcome.left)
    with session_scope(ctx.engine) as session:
        name = scheduled_key(slot, ctx.schedule, ctx.timezone).name
        if summary_runs.posted_for(session, period=name):
            return outcome  # posted early by hand: nothing left to remind of
        done = summary_runs.reminded(session, day=day.isoformat())
    handled = {*outcome.sent, *outcome.already, *outcome.unreachable, *outcome.left}
    for ref, measures in sorted(due_people(ctx).items()):
        if ref in handled:
            continue
        if ref in done:
            outcome.already.append(ref)
            continue
        codes = [m.code for m in measures]
        # Each step is its own unit of work: the claim is committed before the message goes,
        # so another process (or the next tick) never reminds the same person that day.
        with session_scope(ctx.engine) as session:
            claimed = summary_runs.claim_reminder(
                session, person_ref=ref, day=day.isoformat(), period=slot.period, measures=codes
            )
        if not claimed:
            outcome.already.append(ref)
            continue
        try:
            reply = reminder_reply(measures, slot, person_ctx(ctx, messenger, ref))
            reached = messenger.send_direct(ref, reply)
        except Gone as gone:  # the claim stays: they are not reminded again
            platform_says(ctx, [ref], gone=True, source=gone.source)
            outcome.left.append(ref)
            continue
        except Exception:  # the platform failed: give the claim back, the next tick retries
            log.exception("reminder to %s failed", ref)
            with session_scope(ctx.engine) as session:
                summary_runs.settle_reminder(
                    session, person_ref=ref, day=day.isoformat(), sent=False
                )
            outcome.unreachable.append(ref)
            continue
        if reached:
            with session_scope(ctx.engine) as session:
                summary_runs.settle_reminder(
                    session, person_ref=ref, day=day.isoformat(), sent=True
                )
            outcome.sent.append(ref)
        else:  # no such chat user: the claim stays, so the day is not retried every minute
            outcome.unreachable.append(ref)
    if newly_left := len(outcome.left) - left_before:
        log.info("%d reminded people have left: their measures go to others", newly_left)
        # Once more: their measures go to their deputies or the coordinators (those
        # reminded already today keep today's one reminder).
        return _send_reminders(ctx, messenger, slot=slot, day=day, outcome=outcome)
    return outcome


def person_ctx(ctx: Context, messenger: Messenger, ref: str) -> Context:
    """A reminder is a direct message: in the language the person chose, else the one their
    platform tells, else the city's."""
    refs = frozenset({ref})
    return in_language(ctx, chosen(ctx, refs) or from_locale(messenger.locale(ref), ctx.languages))


def reminder_reply(measures: list[Measure], slot: SummarySlot, ctx: Context) -> Reply:
    t = ctx.t
    blocks: list[Block] = [
        Heading(t("reminder.title")),
        Paragraph(t("reminder.intro", date=fmt.day(ctx.language, slot.day), count=len(measures))),
    ]
    blocks += [
        Entry(f"{m.code} {m.title}", Action(t("home.update"), OPEN_FORM, m.code)) for m in measures
    ]
    blocks.append(Hint(t("reminder.hint", p=ctx.prefix, id=measures[0].code)))
    return Reply(tuple(blocks))


def outcome_reply(outcome: ReminderOutcome, ctx: Context) -> Reply:
    text = ctx.t(
        "reminder.outcome",
        sent=len(outcome.sent),
        already=len(outcome.already),
        unreachable=len(outcome.unreachable),
    )
    blocks: list[Block] = [Paragraph(text)]
    if outcome.unreachable:
        blocks.append(Hint(ctx.t("reminder.unreachable", people=", ".join(outcome.unreachable))))
    return Reply(tuple(blocks))
