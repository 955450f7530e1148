"""The stale query: measures with no update since the last summary."""

from __future__ import annotations

from sqlmodel import Session

from handlers.context import Context
from handlers.presence import presence
from handlers.replies import Block, Heading, Items, Paragraph, Reply
from handlers.state.labels import measure_line
from storage import absences, crud, summary_runs
from storage.models import Measure, StatusUpdate


def stale_measures(session: Session) -> list[tuple[Measure, StatusUpdate | None]]:
    """Measures with no update since the last summary (before any summary, with none at
    all), each with its current state."""
    measures = crud.measures(session)
    current = crud.current_updates(session, measure_ids=[m.id for m in measures])
    cutoff = summary_runs.reporting_cutoff(session) or 0
    stale = [
        (m, current.get(m.id))
        for m in measures
        if m.id not in current or current[m.id].id <= cutoff
    ]
    return sorted(stale, key=lambda pair: crud.natural_key(pair[0].code))


def stale_lines(session: Session, ctx: Context) -> tuple[str, ...]:
    """The stale measures, each noting an owner who is away or has left: no blame then."""
    stale = stale_measures(session)
    roles = crud.roles_of(session, measure_ids=[m.id for m, _ in stale])
    here = presence(session, ctx, (roles[m.id].owner for m, _ in stale))
    lines = []
    for m, update in stale:
        owner = roles[m.id].owner
        line = measure_line(m, update, owner, ctx)
        note = here.owner_note(owner, ctx)
        lines.append(f"{line} — {note}" if note else line)
    return tuple(lines)


def owner_left_lines(session: Session, ctx: Context) -> tuple[str, ...]:
    """Measures in force whose owner has left, until a coordinator hands them over."""
    left = absences.left_ids(session)
    if not left:
        return ()
    measures = crud.measures(session)
    roles = crud.roles_of(session, measure_ids=[m.id for m in measures])
    gone = sorted(
        (m for m in measures if (owner := roles[m.id].owner) and owner.id in left),
        key=lambda m: crud.natural_key(m.code),
    )
    current = crud.current_updates(session, measure_ids=[m.id for m in gone])
    return tuple(measure_line(m, current.get(m.id), roles[m.id].owner, ctx) for m in gone)


def owner_left_blocks(session: Session, ctx: Context) -> list[Block]:
    lines = owner_left_lines(session, ctx)
    return [Heading(ctx.t("stale.owner_left", count=len(lines))), Items(lines)] if lines else []


def stale_reply(session: Session, ctx: Context) -> Reply:
    lines = stale_lines(session, ctx)
    left = owner_left_blocks(session, ctx)
    if not lines:
        return Reply((Paragraph(ctx.t("stale.none")), *left))
    return Reply((Heading(ctx.t("stale.title", count=len(lines))), Items(lines), *left))
