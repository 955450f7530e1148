"""`update [<id>]`: open the update form (where the platform has one)."""

from __future__ import annotations

from handlers.commands.registry import Command, Request, first_word
from handlers.effects import OpenForm, Result
from handlers.formatting import clip
from handlers.replies import error


def run(request: Request) -> Result:
    words = request.args.split()
    if len(words) > 1:
        t = request.ctx.t
        return error(
            t("usage.extra", text=clip(request.args)), t("help.update", p=request.ctx.prefix)
        )
    return OpenForm(measure=words[0] if words else None)


COMMAND = Command(
    name="update",
    words={"en": ("update",), "fi": ("päivitä",), "sv": ("uppdatera",)},
    help="help.update",
    example="help.update",
    menu="teams.command.update",
    needs_forms=True,
    measure=first_word,
    finds_measure=False,  # the form opens without an unknown id, and lists only the user's
    run=run,
)
