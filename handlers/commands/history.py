"""`history <id>`: a measure's updates, newest first, withdrawn ones marked."""

from __future__ import annotations

from sqlmodel import Session

from handlers import formatting as fmt
from handlers.commands.registry import Command, Request, first_word
from handlers.context import Context
from handlers.replies import Block, Heading, Hint, Items, Paragraph, Reply
from handlers.state.labels import author_label
from handlers.state.lookup import one_id
from handlers.vocabulary import BY_CODE
from storage import crud, money
from storage.models import Spending, StatusUpdate

HISTORY_SHOWN = 20


def check(request: Request) -> Reply | None:
    return one_id(request.args, request.ctx, "example.history")


def run(request: Request) -> Reply:
    t, session, ctx, measure = request.ctx.t, request.session, request.ctx, request.measure
    assert measure is not None  # handle() found it
    rows, total = crud.history(session, measure_id=measure.id, limit=HISTORY_SHOWN)
    spent = money.spending_history(session, measure_id=measure.id)[::-1][:HISTORY_SHOWN]
    if not rows and not spent:
        return Reply((Paragraph(t("history.empty", id=measure.code)),))
    lines = tuple(_line(session, u, ctx) for u in rows)
    blocks: list[Block] = [Heading(t("history.title", id=measure.code, title=measure.title))]
    if lines:
        blocks.append(Items(lines))
    if total > len(rows):
        blocks.append(Hint(t("history.more", count=total - len(rows))))
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
    line = " ".join(parts) + f" — {author_label(session, update.author)}"
    if update.note:
        line += f": {update.note}"
    if update.withdrawn_at:
        line += f" {t('history.withdrawn')}"
    return line


COMMAND = Command(
    name="history",
    words={"en": ("history",), "fi": ("historia",)},
    help="help.history",
    example="example.history",
    menu="teams.command.history",
    check=check,
    measure=first_word,
    run=run,
)
