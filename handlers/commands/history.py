"""`history <id>`: a measure's updates, newest first, withdrawn ones marked."""

from __future__ import annotations

from sqlmodel import Session

from handlers import formatting as fmt
from handlers import handover
from handlers.commands.registry import Command, Request, first_word
from handlers.context import Context
from handlers.replies import Block, Heading, Hint, Items, Paragraph, Reply
from handlers.state.labels import update_author
from handlers.state.lookup import one_id
from handlers.vocabulary import BY_CODE
from storage import crud
from storage.models import StatusUpdate

HISTORY_SHOWN = 20


def check(request: Request) -> Reply | None:
    return one_id(request.args, request.ctx, "example.history")


def run(request: Request) -> Reply:
    t, session, ctx, measure = request.ctx.t, request.session, request.ctx, request.measure
    assert measure is not None  # handle() found it
    rows, total = crud.history(session, measure_id=measure.id, limit=HISTORY_SHOWN)
    entries = [(u.created_at, _line(session, u, ctx)) for u in rows]
    handovers = handover.history_entries(session, measure.id, ctx)
    entries.extend(handovers)
    if not entries:
        return Reply((Paragraph(t("history.empty", id=measure.code)),))
    entries.sort(key=lambda entry: entry[0], reverse=True)  # stable: updates stay in id order
    shown = entries[:HISTORY_SHOWN]
    blocks: list[Block] = [
        Heading(t("history.title", id=measure.code, title=measure.title)),
        Items(tuple(line for _, line in shown)),
    ]
    if (more := total + len(handovers) - len(shown)) > 0:
        blocks.append(Hint(t("history.more", count=more)))
    return Reply(tuple(blocks))


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
