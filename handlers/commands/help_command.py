"""`help`: the commands this platform offers, each with an example."""

from __future__ import annotations

from handlers.commands.registry import Command, Request
from handlers.replies import Heading, Hint, Items, Paragraph, Reply
from handlers.vocabulary import status_words


def run(request: Request) -> Reply:
    t, p = request.ctx.t, request.ctx.prefix
    return Reply(
        (
            Heading(t("help.title")),
            Items(tuple(t(command.help, p=p) for command in request.offered)),
            Paragraph(t("help.statuses", words=", ".join(status_words()))),
            Hint(t("help.languages")),
        )
    )


COMMAND = Command(
    name="help",
    words={"en": ("help", "?"), "fi": ("ohje",), "sv": ("hjälp",)},
    help="help.help",
    example="help.help",
    menu="teams.command.help",
    hint="hint.help",
    run=run,
)
