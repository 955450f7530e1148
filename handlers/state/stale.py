"""The stale query: measures with no update since the last summary."""

from __future__ import annotations

from sqlmodel import Session

from handlers.context import Context
from handlers.replies import Heading, Items, Paragraph, Reply
from handlers.state.labels import measure_line
from storage import crud, summary_runs
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
    stale = stale_measures(session)
    roles = crud.roles_of(session, measure_ids=[m.id for m, _ in stale])
    return tuple(measure_line(m, update, roles[m.id].owner, ctx) for m, update in stale)


def stale_reply(session: Session, ctx: Context) -> Reply:
    lines = stale_lines(session, ctx)
    if not lines:
        return Reply((Paragraph(ctx.t("stale.none")),))
    return Reply((Heading(ctx.t("stale.title", count=len(lines))), Items(lines)))
