"""`show <id>`: a measure's current state and what the programme says about it."""

from __future__ import annotations

from handlers.commands.registry import Command, Request, first_word
from handlers.replies import Reply
from handlers.state.lookup import one_id
from handlers.state.reply import state_reply


def check(request: Request) -> Reply | None:
    return one_id(request.args, request.ctx, "example.show")


def run(request: Request) -> Reply:
    assert request.measure is not None  # handle() found it
    return state_reply(request.session, request.measure, request.ctx, full=True)


COMMAND = Command(
    name="show",
    words={"en": ("show",), "fi": ("näytä",), "sv": ("visa",)},
    help="help.show",
    example="example.show",
    menu="teams.command.show",
    hint="hint.show",
    check=check,
    measure=first_word,
    run=run,
)
