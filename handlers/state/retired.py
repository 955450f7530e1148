"""How a retired measure is told: when and by which revision it left the programme, or
the period it closed with; and the refusal of an update to it."""

from __future__ import annotations

from sqlmodel import Session

from handlers import formatting as fmt
from handlers.context import Context
from handlers.replies import Reply, error
from storage import plan
from storage.models import Measure, Revision


def retired_text(session: Session, measure: Measure, ctx: Context) -> str:
    """When and how it left: "Retired … by revision TA 2027", "Closed with period …"."""
    t = ctx.t
    when = measure.retired_at
    day = fmt.day(ctx.language, when.astimezone(ctx.timezone).date()) if when else "—"
    revision = (
        session.get(Revision, measure.retired_revision_id) if measure.retired_revision_id else None
    )
    if revision is None:
        return t("retired.at", date=day)
    if revision.kind == "new-period" and (closed := closed_period(session, revision)):
        return t("retired.with_period", period=closed, date=day)
    return t("retired.by_revision", revision=revision.label, date=day)


def closed_period(session: Session, revision: Revision) -> str | None:
    """The name of the period a new-period revision closed (the one before its own)."""
    before = [p for p in plan.periods(session) if p.id < revision.period_id]
    return before[-1].name if before else None


def retired_refusal(session: Session, measure: Measure, ctx: Context) -> Reply:
    """An update, an undo or a form on a retired measure: refused, nothing stored."""
    return error(
        ctx.t("retired.refused", id=measure.code, retired=retired_text(session, measure, ctx)),
        ctx.t("measure.list_hint", p=ctx.prefix),
    )
