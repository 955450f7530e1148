"""`status <id> <status> [<n>%] [note]`: record a status update."""

from __future__ import annotations

import re
from dataclasses import dataclass

from handlers.commands.registry import Command, Request, Who, first_word
from handlers.formatting import clip
from handlers.replies import Reply, error
from handlers.state.reply import recorded_reply
from handlers.state.store import earlier_delivery, store
from handlers.state.values import check_values
from handlers.vocabulary import parse_status, status_words

_PROGRESS = re.compile(r"^([+-]?\d+(?:[.,]\d+)?)\s*%(?=\s|$)|^([+-]?\d+)(?=\s|$)")
_QUOTES = {'"': '"', "'": "'", "“": "”", "”": "”", "«": "»", "„": "“"}


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


def check(request: Request) -> Reply | None:
    if parse_status_args(request.args) is None:
        t = request.ctx.t
        return error(t("usage.status"), t("example.status", p=request.ctx.prefix))
    return None


def run(request: Request) -> Reply:
    """In PRODUCT.md's order, after handle() has checked the command's form, that the measure
    exists and that the user may act on it: the values. Nothing is stored unless all pass."""
    t, p, session, ctx = request.ctx.t, request.ctx.prefix, request.session, request.ctx
    args, measure = parse_status_args(request.args), request.measure
    assert args is not None and measure is not None  # check() and handle() saw to them
    if earlier := earlier_delivery(session, request.key):
        return recorded_reply(session, earlier, ctx)
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
    stored = store(
        session, measure, request.actor, ctx,
        status=status, progress=progress, note=args.note, key=request.key,
    )  # fmt: skip
    return recorded_reply(session, stored, ctx)


COMMAND = Command(
    name="status",
    words={"en": ("status",), "fi": ("tila",), "sv": ("status", "läge")},
    help="help.status",
    example="example.status",
    menu="teams.command.status",
    hint="hint.status",
    who=Who.MEMBER,
    check=check,
    writes=True,
    measure=first_word,
    run=run,
)
