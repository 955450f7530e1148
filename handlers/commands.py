"""The command engine: one text in, one reply out, for any platform.

Checks run in PRODUCT.md's order: the command's form, the measure exists, the user may act
on it, then the values. Nothing is stored unless every check passes."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from handlers import auth
from handlers import formatting as fmt
from handlers.context import Actor, Context
from handlers.formatting import clip
from handlers.replies import Heading, Hint, Items, Paragraph, Reply, error
from handlers.state.labels import author_label, measure_line, status_of
from handlers.state.lookup import not_found
from handlers.state.reply import state_reply
from handlers.state.stale import stale_reply
from handlers.state.store import author_ref, earlier_delivery, store
from handlers.state.values import check_values
from handlers.summary_post import preview
from handlers.vocabulary import (
    BY_CODE,
    LIST_MINE_WORDS,
    Status,
    fold,
    parse_command,
    parse_status,
    parse_summary,
    status_words,
)
from storage import crud
from storage.db import session_scope
from storage.models import Measure, StatusUpdate
from storage.text import control_character

log = logging.getLogger(__name__)

UNDO_WINDOW = timedelta(hours=24)
HISTORY_SHOWN = 20
_PROGRESS = re.compile(r"^([+-]?\d+(?:[.,]\d+)?)\s*%(?=\s|$)|^([+-]?\d+)(?=\s|$)")
_QUOTES = {'"': '"', "'": "'", "“": "”", "”": "”", "«": "»", "„": "“"}


def handle(text: str, actor: Actor, ctx: Context, *, idempotency_key: str | None = None) -> Reply:
    """Answer one command. Never raises: a fault becomes a reply that says nothing was saved."""
    try:
        return _dispatch(text, actor, ctx, idempotency_key)
    except OperationalError:
        log.exception("database unavailable")
        return error(ctx.t("db.unavailable"))
    except Exception:
        log.exception("command failed: %r", text)
        return error(ctx.t("internal.error"))


def wants_form(text: str) -> bool:
    """Empty text or `update` opens the form where the platform has one."""
    words = text.split()
    return not words or (len(words) == 1 and parse_command(words[0]) == "update")


def _dispatch(text: str, actor: Actor, ctx: Context, key: str | None) -> Reply:
    if char := control_character(text):  # refused on every database alike (PostgreSQL: NUL)
        return error(ctx.t("text.control", char=char))
    text = text.strip()
    head, _, rest = text.partition(" ")
    name = parse_command(head) if head else "help"
    rest = rest.strip()
    match name:
        case "status":
            return _status(rest, actor, ctx, key)
        case "show":
            return _show(rest, ctx)
        case "history":
            return _history(rest, ctx)
        case "list":
            return _list(rest, actor, ctx)
        case "undo":
            if key and not _first_delivery(ctx, key):
                return Reply((Paragraph(ctx.t("undo.repeat")),))
            return _undo(rest, actor, ctx)
        case "stale":
            return _stale(rest, actor, ctx)
        case "summary":
            return _summary(text, actor, ctx)
        case "update":
            return error(ctx.t("form.chat_only", p=ctx.prefix))
        case "help":
            return help_reply(ctx)
    return error(ctx.t("help.short", text=clip(text), p=ctx.prefix))


def _first_delivery(ctx: Context, key: str) -> bool:
    """A platform may deliver a message twice: an undo must withdraw only once."""
    with session_scope(ctx.engine) as session:
        return crud.claim_delivery(session, key=key)


def help_reply(ctx: Context) -> Reply:
    t, p = ctx.t, ctx.prefix
    commands = ctx.commands
    return Reply(
        (
            Heading(t("help.title")),
            Items(tuple(t(f"help.{name}", p=p) for name in commands)),
            Paragraph(t("help.statuses", words=", ".join(status_words()))),
            Hint(t("help.languages")),
        )
    )


# --- status ---


@dataclass(frozen=True)
class StatusArgs:
    code: str
    status_word: str
    progress_text: str | None
    note: str


def parse_status_args(rest: str) -> StatusArgs | None:
    """`<id> <status> [<n>%|<n> %|<n>] [note…]`; None if the id or status is missing."""
    pieces = rest.split(None, 2)
    if len(pieces) < 2:
        return None
    code, status_word = pieces[0], pieces[1]
    tail = pieces[2] if len(pieces) > 2 else ""
    progress_text = None
    if match := _PROGRESS.match(tail):
        progress_text = match.group(1) or match.group(2)
        tail = tail[match.end() :]
    elif tail.split(None, 1) and tail.split(None, 1)[0].endswith("%"):  # "1e3%", "%": refused
        progress_text, _, tail = tail.partition(" ")
    return StatusArgs(code, status_word, progress_text, _unquote(tail.strip()))


def _unquote(note: str) -> str:
    if len(note) >= 2 and _QUOTES.get(note[0]) == note[-1]:
        return note[1:-1].strip()
    return note


def _status(rest: str, actor: Actor, ctx: Context, key: str | None) -> Reply:
    t, p = ctx.t, ctx.prefix
    args = parse_status_args(rest)
    if args is None:
        return error(t("usage.status"), t("example.status", p=p))
    with session_scope(ctx.engine) as session:
        if earlier := earlier_delivery(session, key, ctx):
            return earlier
        measure = crud.find_measure(session, code=args.code)
        if measure is None:
            return not_found(session, args.code, ctx)
        if not auth.may_act(session, measure, actor, ctx):
            return auth.refusal(session, measure, ctx)
        status = parse_status(args.status_word)
        if status is None:
            words = ", ".join(status_words())
            return error(
                t("status.unknown", word=clip(args.status_word), words=words),
                t("example.status", p=p),
            )
        progress, problems = check_values(measure, status, args.progress_text, args.note, ctx)
        if problems:
            return error(problems[0].message, problems[0].hint)
        return store(
            session, measure, actor, ctx, status=status, progress=progress, note=args.note, key=key
        )


# --- show ---


def _lookup(rest: str, ctx: Context, example: str) -> tuple[str | None, Reply | None]:
    words = rest.split()
    if len(words) != 1:
        intro = ctx.t("usage.show") if not words else ctx.t("usage.extra", text=clip(rest))
        return None, error(intro, ctx.t(example, p=ctx.prefix))
    return words[0], None


def _show(rest: str, ctx: Context) -> Reply:
    code, problem = _lookup(rest, ctx, "example.show")
    if problem:
        return problem
    with session_scope(ctx.engine) as session:
        measure = crud.find_measure(session, code=code)
        if measure is None:
            return not_found(session, code, ctx)
        return state_reply(session, measure, ctx, full=True)


# --- history ---


def _history(rest: str, ctx: Context) -> Reply:
    code, problem = _lookup(rest, ctx, "example.history")
    if problem:
        return problem
    t = ctx.t
    with session_scope(ctx.engine) as session:
        measure = crud.find_measure(session, code=code)
        if measure is None:
            return not_found(session, code, ctx)
        rows, total = crud.history(session, measure_id=measure.id, limit=HISTORY_SHOWN)
        if not rows:
            return Reply((Paragraph(t("history.empty", id=measure.code)),))
        lines = tuple(_history_line(session, u, ctx) for u in rows)
    blocks: list = [Heading(t("history.title", id=measure.code, title=measure.title)), Items(lines)]
    if total > len(rows):
        blocks.append(Hint(t("history.more", count=total - len(rows))))
    return Reply(tuple(blocks))


def _history_line(session: Session, update: StatusUpdate, ctx: Context) -> str:
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


# --- list ---


def _list(rest: str, actor: Actor, ctx: Context) -> Reply:
    t = ctx.t
    words = rest.split()
    if len(words) > 1:
        return error(t("usage.extra", text=clip(rest)), t("help.list", p=ctx.prefix))
    with session_scope(ctx.engine) as session:
        themes = sorted(crud.themes(session), key=lambda th: crud.natural_key(th.code))
        wanted_status: Status | None = None
        if not words:
            measures, title, empty = (
                crud.measures(session),
                "list.title.all",
                "list.empty_programme",
            )
            title_args: dict = {}
        elif fold(words[0]) in LIST_MINE_WORDS:
            ids = crud.measure_ids_of(session, refs=actor.refs)
            measures, title, empty, title_args = (
                crud.measures(session, ids=ids),
                "list.title.mine",
                "list.empty_mine",
                {},
            )
        elif status := parse_status(words[0]):
            measures, title, empty = crud.measures(session), "list.title.status", "list.empty"
            wanted_status, title_args = (
                status,
                {"status": f"{status.mark} {t(f'status.{status.code}')}"},
            )
        elif theme := crud.find_theme(session, code=words[0]):
            measures, title, empty = (
                crud.measures(session, theme_id=theme.id),
                "list.title.theme",
                "list.empty",
            )
            title_args = {"theme": f"{theme.code} {theme.name}"}
        else:
            return error(
                t(
                    "list.unknown_filter",
                    word=clip(words[0]),
                    themes=", ".join(th.code for th in themes) or "—",
                    words=", ".join(status_words()),
                ),
                t("help.list", p=ctx.prefix),
            )
        current = crud.current_updates(session, measure_ids=[m.id for m in measures])
        if wanted_status:
            measures = [m for m in measures if status_of(current.get(m.id)) == wanted_status]
        roles = crud.roles_of(session, measure_ids=[m.id for m in measures])
    if not measures:
        return Reply((Paragraph(t(empty)),))
    measures.sort(key=lambda m: crud.natural_key(m.code))
    lines = tuple(measure_line(m, current.get(m.id), roles[m.id].owner, ctx) for m in measures)
    return Reply((Heading(t(title, count=len(measures), **title_args)), Items(lines)))


# --- stale ---


def _stale(rest: str, actor: Actor, ctx: Context) -> Reply:
    t = ctx.t
    if rest.strip():
        return error(t("usage.extra", text=clip(rest)), t("help.stale", p=ctx.prefix))
    with session_scope(ctx.engine) as session:
        if not auth.is_coordinator(session, actor, ctx):
            return error(t("stale.refused"), t("help.list", p=ctx.prefix))
        return stale_reply(session, ctx)


# --- summary ---


def _summary(text: str, actor: Actor, ctx: Context) -> Reply:
    """The preview answers here; posting needs a platform (see summary_post.post_command)."""
    t, p = ctx.t, ctx.prefix
    parsed = parse_summary(text)
    if parsed is None:
        return error(t("summary.usage"), t("summary.example", p=p))
    with session_scope(ctx.engine) as session:
        if not auth.is_coordinator(session, actor, ctx):
            return error(t("summary.refused"))
    if parsed[0] == "post":
        return error(t("summary.post_elsewhere", p=p))
    _, parts = preview(ctx)
    return Reply(tuple(block for part in parts for block in part.blocks))


# --- undo ---


def _undo(rest: str, actor: Actor, ctx: Context) -> Reply:
    t = ctx.t
    words = rest.split()
    if len(words) > 1:
        return error(t("usage.extra", text=clip(rest)), t("example.undo", p=ctx.prefix))
    with session_scope(ctx.engine) as session:
        measure = None
        if words:
            measure = crud.find_measure(session, code=words[0])
            if measure is None:
                return not_found(session, words[0], ctx)
        now = ctx.now()
        update = crud.latest_own_update(
            session,
            authors=actor.refs | {actor.author},
            since=now - UNDO_WINDOW,
            measure_id=measure.id if measure else None,
        )
        if update is None:
            if measure:
                return error(
                    t("undo.nothing_measure", id=measure.code), t("example.undo", p=ctx.prefix)
                )
            return error(t("undo.nothing"), t("example.undo", p=ctx.prefix))
        crud.withdraw(session, update=update, by=author_ref(session, actor), at=now)
        measure = session.get(Measure, update.measure_id)
        done = t(
            "undo.done",
            time=fmt.moment(ctx.language, update.created_at, ctx.timezone),
            id=measure.code,
            status=t(f"status.{update.status}"),
        )
        state = state_reply(session, measure, ctx, intro=t("undo.now"))
    return Reply((Paragraph(done),) + state.blocks)
