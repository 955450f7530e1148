"""`summary preview | post [--force]`: the leadership summary, previewed privately or
posted into the platform's channel (for coordinators)."""

from __future__ import annotations

from dataclasses import replace

from handlers.commands.registry import Command, Request, Who
from handlers.effects import PostSummary, Result
from handlers.replies import Reply, error
from handlers.summary.post import preview
from handlers.vocabulary import fold

ACTIONS = {
    fold(word): action
    for action, words in (
        ("preview", ("preview", "esikatselu", "förhandsvisa")),
        ("post", ("post", "julkaise", "publicera")),
    )
    for word in words
}
FORCE_WORDS = frozenset({"--force", "force", "uudelleen", "igen"})


def parse_summary_args(args: str) -> tuple[str, bool] | None:
    """`preview` or `post [--force]` (in any language); None otherwise."""
    words = [fold(w) for w in args.split()]
    action = ACTIONS.get(words[0]) if words else None
    rest = set(words[1:])
    if action is None or not rest <= FORCE_WORDS or (rest and action != "post"):
        return None
    return action, bool(rest)


def check(request: Request) -> Reply | None:
    return _usage(request) if parse_summary_args(request.args) is None else None


def _usage(request: Request) -> Reply:
    t = request.ctx.t
    return error(t("summary.usage"), t("summary.example", p=request.ctx.prefix))


def run(request: Request) -> Result:
    parsed = parse_summary_args(request.args)
    if parsed is None:  # check() refused it already
        return _usage(request)
    action, force = parsed
    if action == "post":
        return PostSummary(force=force)  # the platform posts: it knows the channel
    # A preview of what the channel will read: in the channel's language, whoever asks.
    channel = replace(request.ctx, language=request.ctx.city_language)
    _, parts = preview(request.session, channel)
    return Reply(tuple(block for part in parts for block in part.blocks))


COMMAND = Command(
    name="summary",
    words={"en": ("summary",), "fi": ("yhteenveto", "katsaus"), "sv": ("översikt", "sammandrag")},
    help="help.summary",
    example="summary.example",
    menu=None,  # in `help`; the Teams menu holds at most 12
    who=Who.COORDINATOR,
    refused="summary.refused",
    check=check,
    run=run,
)
