"""`history <id>`: a measure's updates and the changes of its plan, newest first by time,
withdrawn updates marked."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session

from handlers import formatting as fmt
from handlers import handover, revision_text
from handlers.commands.registry import Command, Request, first_word
from handlers.context import Context
from handlers.replies import Block, Heading, Hint, Items, Paragraph, Reply
from handlers.state.labels import author_label, update_author
from handlers.state.lookup import one_id
from handlers.state.retired import closed_period
from handlers.vocabulary import BY_CODE
from storage import crud, money, plan
from storage.models import Revision, Spending, StatusUpdate

HISTORY_SHOWN = 20
_UNSHOWN = ("code",)
"""Plan fields a line does not name (a measure keeps its id)."""
_VALUELESS = ("description",)
"""Plan fields named as changed without their texts (too long for a line)."""


def check(request: Request) -> Reply | None:
    return one_id(request.args, request.ctx, "example.history")


def run(request: Request) -> Reply:
    t, session, ctx, measure = request.ctx.t, request.session, request.ctx, request.measure
    assert measure is not None  # handle() found it
    rows, total = crud.history(session, measure_id=measure.id, limit=HISTORY_SHOWN)
    entries = [(u.created_at, _line(session, u, ctx)) for u in rows]
    changes = _plan_entries(session, measure.id, ctx)
    handovers = handover.history_entries(session, measure.id, ctx)
    entries.extend(changes + handovers)
    spent = money.spending_history(session, measure_id=measure.id)[::-1][:HISTORY_SHOWN]
    if not entries and not spent:
        return Reply((Paragraph(t("history.empty", id=measure.code)),))
    entries.sort(key=lambda entry: entry[0], reverse=True)  # stable: updates stay in id order
    shown = entries[:HISTORY_SHOWN]
    blocks: list[Block] = [Heading(t("history.title", id=measure.code, title=measure.title))]
    if shown:
        blocks.append(Items(tuple(line for _, line in shown)))
    if (more := total + len(changes) + len(handovers) - len(shown)) > 0:
        blocks.append(Hint(t("history.more", count=more)))
    if spent:  # money reported, beside the updates: who said how much, and when
        blocks.append(Heading(t("history.spending"), level=2))
        blocks.append(Items(tuple(_spent_line(session, s, ctx) for s in spent)))
    return Reply(tuple(blocks))


def _spent_line(session: Session, spent: Spending, ctx: Context) -> str:
    line = ctx.t(
        "history.spending_line",
        time=fmt.moment(ctx.language, spent.created_at, ctx.timezone),
        year=spent.year,
        amount=fmt.euros(ctx.language, spent.spent_cents, in_cents=True),
        author=author_label(session, spent.author),
    )
    return f"{line}: {spent.note}" if spent.note else line


def _line(session: Session, update: StatusUpdate, ctx: Context) -> str:
    t, lang = ctx.t, ctx.language
    status = BY_CODE[update.status]
    parts = [
        fmt.moment(lang, update.created_at, ctx.timezone),
        status.mark,
        t(f"status.{status.code}"),
    ]
    if update.progress is not None:
        parts.append(fmt.progress(lang, update.progress))
    line = " ".join(parts) + f" — {update_author(session, update)}"
    if update.note:
        line += f": {update.note}"
    if update.withdrawn_at:
        line += f" {t('history.withdrawn')}"
    return line


def _plan_entries(session: Session, measure_id: int, ctx: Context) -> list[tuple[datetime, str]]:
    """Each revision's change to the measure's plan, as a history line. Its first plan is
    shown only when a later revision added it (not when it came with the programme)."""
    t, lang = ctx.t, ctx.language
    first_revision = min((r.id for r in plan.revisions(session)), default=None)
    entries = []
    changes = plan.plan_history(session, measure_id=measure_id)
    names = revision_text.names_for(session, changes)
    for change in changes:
        revision = session.get_one(Revision, change.plan.revision_id)
        if revision.kind == "handover":  # told by handover.history_entries, with who
            continue
        args = {"revision": revision.label, "date": fmt.day(lang, _local_day(revision, ctx))}
        listed = "; ".join(
            _field(c, names, change.plan, ctx) for c in change.changes if c.field not in _UNSHOWN
        )
        if change.kind == "added":
            if revision.id == first_revision:
                continue
            text = t("history.added", **args)
        elif change.kind == "retired":
            closed = closed_period(session, revision) if revision.kind == "new-period" else None
            text = (
                t("history.closed", period=closed, date=args["date"])
                if closed
                else t("history.retired", **args)
            )
        elif change.kind == "reinstated":
            text = t("history.reinstated", **args)
        else:
            text = t("history.plan", changes=listed, **args)
            listed = ""
        if listed:
            text += f": {listed}"
        entries.append(
            (revision.created_at, f"{fmt.moment(lang, revision.created_at, ctx.timezone)} {text}")
        )
    return entries


def _local_day(revision: Revision, ctx: Context) -> date:
    return revision.created_at.astimezone(ctx.timezone).date()


def _field(
    change: plan.FieldChange, names: revision_text.Names, row: plan.PlanRow, ctx: Context
) -> str:
    """One field's change: "määräaika 6/2026 → 12/2026"."""
    if change.field in _VALUELESS:
        return ctx.t("plan.changed", field=ctx.t(f"revision.field.{change.field}"))
    return revision_text.field_change(ctx.t, change, names, plan=row, key="plan.change")


COMMAND = Command(
    name="history",
    words={"en": ("history",), "fi": ("historia",), "sv": ("historik",)},
    help="help.history",
    example="example.history",
    menu="teams.command.history",
    check=check,
    measure=first_word,
    run=run,
)
