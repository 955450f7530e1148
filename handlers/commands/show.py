"""`show <id>`: a measure's current state and what the programme says about it."""

from __future__ import annotations

from handlers.commands.registry import Command, Request
from handlers.formatting import clip
from handlers.replies import Reply, error
from handlers.state.lookup import not_found
from handlers.state.reply import state_reply
from storage import crud


def one_id(request: Request, example: str) -> str | Reply:
    """The one measure id a command takes, or the reply saying how to give it."""
    ctx, words = request.ctx, request.args.split()
    if len(words) != 1:
        intro = ctx.t("usage.show") if not words else ctx.t("usage.extra", text=clip(request.args))
        return error(intro, ctx.t(example, p=ctx.prefix))
    return words[0]


def run(request: Request) -> Reply:
    code = one_id(request, "example.show")
    if isinstance(code, Reply):
        return code
    measure = crud.find_measure(request.session, code=code)
    if measure is None:
        return not_found(request.session, code, request.ctx)
    return state_reply(request.session, measure, request.ctx, full=True)


COMMAND = Command(
    name="show",
    words={"en": ("show",), "fi": ("näytä",)},
    help="help.show",
    example="example.show",
    menu="teams.command.show",
    hint="hint.show",
    run=run,
)
