"""The command engine: one text in, one reply out, for any platform.

Checks run in PRODUCT.md's order: the command's form, the measure exists, the user may act
on it, then the values. Nothing is stored unless every check passes."""

from __future__ import annotations

import difflib
import logging
import re
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session

from handlers import formatting as fmt
from handlers.context import Actor, Context
from handlers.replies import Fields, Heading, Hint, Items, Paragraph, Reply, error
from handlers.vocabulary import (
    BY_CODE,
    LIST_MINE_WORDS,
    NOT_STARTED,
    STATUSES,
    Status,
    fold,
    parse_command,
    parse_status,
    status_words,
)
from storage import crud
from storage.dates import last_day
from storage.db import session_scope
from storage.models import Measure, StatusUpdate, Theme

log = logging.getLogger(__name__)

NOTE_LIMIT = 3000
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
            return _undo(rest, actor, ctx)
        case "update":
            return error(ctx.t("form.chat_only", p=ctx.prefix))
        case "help":
            return help_reply(ctx)
    return error(ctx.t("help.short", text=_clip(text), p=ctx.prefix))


def help_reply(ctx: Context) -> Reply:
    t, p = ctx.t, ctx.prefix
    commands = ("status", "show", "history", "list", "undo", "help")
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
        if key and (earlier := crud.update_by_key(session, idempotency_key=key)):
            measure = session.get(Measure, earlier.measure_id)
            return _state_reply(
                session, measure, ctx, intro=t("status.already_recorded", id=measure.code)
            )
        measure = crud.find_measure(session, code=args.code)
        if measure is None:
            return _not_found(session, args.code, ctx)
        if refusal := _refusal(session, measure, actor, ctx):
            return refusal
        status = parse_status(args.status_word)
        if status is None:
            return error(
                t("status.unknown", word=_clip(args.status_word), words=", ".join(status_words())),
                t("example.status", p=p),
            )
        progress = _progress(args.progress_text)
        if args.progress_text is not None and progress is None:
            return error(
                t("progress.range", value=_clip(args.progress_text)),
                t("progress.example", p=p, id=measure.code),
            )
        if status.needs_reason and not args.note:
            return error(
                t("reason.required", status=t(f"status.{status.code}")),
                t("reason.example", p=p, id=measure.code, word=_localized_word(status, ctx)),
            )
        if len(args.note) > NOTE_LIMIT:
            return error(
                t(
                    "note.too_long",
                    length=fmt.number(ctx.language, len(args.note)),
                    limit=fmt.number(ctx.language, NOTE_LIMIT),
                ),
                t("note.too_long_hint"),
            )
        try:
            crud.append_update(
                session,
                measure_id=measure.id,
                author=actor.author,
                status=status.code,
                progress=progress,
                note=args.note,
                source=ctx.source,
                idempotency_key=key,
                created_at=ctx.now(),
            )
        except IntegrityError:
            # The same delivery raced us to it: it is stored once, by the other one.
            session.rollback()
            return _state_reply(
                session, measure, ctx, intro=t("status.already_recorded", id=measure.code)
            )
        reply = _state_reply(session, measure, ctx, intro=t("status.recorded", id=measure.code))
    return Reply(reply.blocks + (Hint(t("status.undo_hint", p=p, id=measure.code)),))


def _progress(text: str | None) -> int | None:
    if text is None or not re.fullmatch(r"[+-]?\d+", text):
        return None
    value = int(text)
    return value if 0 <= value <= 100 else None


def _localized_word(status: Status, ctx: Context) -> str:
    """The status word in the user's language, for examples (English first, then Finnish)."""
    return status.words[1] if ctx.language == "fi" else status.words[0]


def _refusal(session: Session, measure: Measure, actor: Actor, ctx: Context) -> Reply | None:
    roles = crud.roles_of(session, measure_ids=[measure.id])[measure.id]
    if actor.refs & roles.refs() or is_coordinator(session, actor, ctx):
        return None
    return error(
        ctx.t("permission.refused", id=measure.code, owner=_person_label(roles.owner)),
        ctx.t("permission.coordinator_hint"),
    )


def is_coordinator(session: Session, actor: Actor, ctx: Context) -> bool:
    configured = {crud.normalize_ref(ref) for ref in ctx.coordinators}
    return bool(actor.refs & (configured | set(crud.coordinator_refs(session))))


def _not_found(session: Session, code: str, ctx: Context) -> Reply:
    codes = crud.measure_codes(session)
    by_key = {c.lower(): c for c in codes}
    close = difflib.get_close_matches(code.lower(), list(by_key), n=3, cutoff=0.5)
    shown = _clip(code)
    if close:
        text = ctx.t("measure.not_found", id=shown, ids=", ".join(by_key[c] for c in close))
    else:
        text = ctx.t("measure.not_found_none", id=shown)
    return error(text, ctx.t("measure.list_hint", p=ctx.prefix))


def _clip(text: str, limit: int = 60) -> str:
    """User text echoed in an error: short, on one line."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- show ---


def _lookup(rest: str, ctx: Context, example: str) -> tuple[str | None, Reply | None]:
    words = rest.split()
    if len(words) != 1:
        intro = ctx.t("usage.show") if not words else ctx.t("usage.extra", text=_clip(rest))
        return None, error(intro, ctx.t(example, p=ctx.prefix))
    return words[0], None


def _show(rest: str, ctx: Context) -> Reply:
    code, problem = _lookup(rest, ctx, "example.show")
    if problem:
        return problem
    with session_scope(ctx.engine) as session:
        measure = crud.find_measure(session, code=code)
        if measure is None:
            return _not_found(session, code, ctx)
        return _state_reply(session, measure, ctx, full=True)


def _state_reply(
    session: Session,
    measure: Measure,
    ctx: Context,
    *,
    intro: str | None = None,
    full: bool = False,
) -> Reply:
    """A measure's current state; `full` adds the programme's details about it."""
    t, lang = ctx.t, ctx.language
    theme = session.get(Theme, measure.theme_id)
    roles = crud.roles_of(session, measure_ids=[measure.id])[measure.id]
    current = crud.current_update(session, measure_id=measure.id)
    status = BY_CODE[current.status] if current else NOT_STARTED
    pairs: list[tuple[str, str]] = [
        (t("field.status"), f"{status.mark} {t(f'status.{status.code}')}"),
        (t("field.progress"), fmt.progress(lang, current.progress if current else None)),
    ]
    if current:
        author = _author_label(session, current.author)
        pairs.append(
            (
                t("field.updated"),
                t(
                    "show.updated_by",
                    time=fmt.moment(lang, current.created_at, ctx.timezone),
                    author=author,
                ),
            )
        )
        if current.note:
            pairs.append((t("field.note"), current.note))
    else:
        pairs.append((t("field.updated"), t("show.no_updates")))
    if full:
        pairs = [
            (t("field.theme"), f"{theme.code} {theme.name}"),
            (t("field.owner"), _person_label(roles.owner)),
            *(
                [(t("field.deputies"), ", ".join(_person_label(d) for d in roles.deputies))]
                if roles.deputies
                else []
            ),
            *([(t("field.unit"), measure.unit)] if measure.unit else []),
            *pairs,
            (t("field.schedule"), fmt.schedule(lang, measure.start, measure.due)),
        ]
        if measure.indicator:
            pairs.append(
                (
                    t("field.indicator"),
                    t(
                        "show.indicator",
                        indicator=measure.indicator,
                        baseline=measure.baseline or "—",
                        target=measure.target or "—",
                    ),
                )
            )
        if measure.budget_eur is not None:
            pairs.append((t("field.budget"), fmt.euros(lang, measure.budget_eur)))
    blocks: list = []
    if intro:
        blocks.append(Paragraph(intro))
    blocks.append(Heading(f"{status.mark} {measure.code} {measure.title}"))
    if full and measure.description:
        blocks.append(Paragraph(measure.description))
    blocks.append(Fields(tuple(pairs)))
    if _is_overdue(measure, status, ctx):
        blocks.append(Paragraph(t("flag.overdue", due=fmt.when(lang, measure.due))))
    if full and current is None:
        blocks.append(Paragraph(t("flag.never_updated")))
    return Reply(tuple(blocks))


def _is_overdue(measure: Measure, status: Status, ctx: Context) -> bool:
    if not measure.due or status.code in ("done", "postponed"):
        return False
    return last_day(measure.due) < ctx.now().astimezone(ctx.timezone).date()


def _person_label(person) -> str:
    if person is None:
        return "—"
    return f"{person.name} ({person.ref})" if person.name else person.ref


def _author_label(session: Session, ref: str) -> str:
    person = crud.find_person(session, ref=ref)
    return person.name if person and person.name else ref


# --- history ---


def _history(rest: str, ctx: Context) -> Reply:
    code, problem = _lookup(rest, ctx, "example.history")
    if problem:
        return problem
    t = ctx.t
    with session_scope(ctx.engine) as session:
        measure = crud.find_measure(session, code=code)
        if measure is None:
            return _not_found(session, code, ctx)
        updates, total = crud.history(session, measure_id=measure.id, limit=HISTORY_SHOWN)
        if not updates:
            return Reply((Paragraph(t("history.empty", id=measure.code)),))
        lines = tuple(_history_line(session, u, ctx) for u in updates)
    blocks: list = [Heading(t("history.title", id=measure.code, title=measure.title)), Items(lines)]
    if total > len(updates):
        blocks.append(Hint(t("history.more", count=total - len(updates))))
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
    line = " ".join(parts) + f" — {_author_label(session, update.author)}"
    if update.note:
        line += f": {update.note}"
    if update.withdrawn_at:
        line += f" {t('history.withdrawn')}"
    return line


# --- list ---


def _list(rest: str, actor: Actor, ctx: Context) -> Reply:
    t, lang = ctx.t, ctx.language
    words = rest.split()
    if len(words) > 1:
        return error(t("usage.extra", text=_clip(rest)), t("help.list", p=ctx.prefix))
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
                    word=_clip(words[0]),
                    themes=", ".join(th.code for th in themes) or "—",
                    words=", ".join(status_words()),
                ),
                t("help.list", p=ctx.prefix),
            )
        current = crud.current_updates(session, measure_ids=[m.id for m in measures])
        if wanted_status:
            measures = [m for m in measures if _status_of(current.get(m.id)) is wanted_status]
        roles = crud.roles_of(session, measure_ids=[m.id for m in measures])
    if not measures:
        return Reply((Paragraph(t(empty)),))
    measures.sort(key=lambda m: crud.natural_key(m.code))
    lines = []
    for m in measures:
        update = current.get(m.id)
        status = _status_of(update)
        owner = roles[m.id].owner
        line = f"{status.mark} {m.code} {m.title} — {owner.name or owner.ref if owner else '—'}"
        if update and update.progress is not None:
            line += f" — {fmt.progress(lang, update.progress)}"
        lines.append(line)
    return Reply((Heading(t(title, count=len(measures), **title_args)), Items(tuple(lines))))


def _status_of(update: StatusUpdate | None) -> Status:
    return BY_CODE[update.status] if update else NOT_STARTED


# --- undo ---


def _undo(rest: str, actor: Actor, ctx: Context) -> Reply:
    t = ctx.t
    words = rest.split()
    if len(words) > 1:
        return error(t("usage.extra", text=_clip(rest)), t("example.undo", p=ctx.prefix))
    with session_scope(ctx.engine) as session:
        measure = None
        if words:
            measure = crud.find_measure(session, code=words[0])
            if measure is None:
                return _not_found(session, words[0], ctx)
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
        crud.withdraw(session, update=update, by=actor.author, at=now)
        measure = session.get(Measure, update.measure_id)
        done = t(
            "undo.done",
            time=fmt.moment(ctx.language, update.created_at, ctx.timezone),
            id=measure.code,
            status=t(f"status.{update.status}"),
        )
        state = _state_reply(session, measure, ctx, intro=t("undo.now"))
    return Reply((Paragraph(done),) + state.blocks)


__all__ = ["STATUSES", "handle", "help_reply", "is_coordinator", "parse_status_args", "wants_form"]
