"""`stale`: measures with no update since the last summary (for coordinators)."""

from __future__ import annotations

from handlers.commands.registry import Command, Request, Who
from handlers.formatting import clip
from handlers.replies import Reply, error
from handlers.state.stale import stale_reply


def check(request: Request) -> Reply | None:
    if request.args.strip():
        t = request.ctx.t
        return error(
            t("usage.extra", text=clip(request.args)), t("help.stale", p=request.ctx.prefix)
        )
    return None


def run(request: Request) -> Reply:
    return stale_reply(request.session, request.ctx)


COMMAND = Command(
    name="stale",
    words={"en": ("stale",), "fi": ("päivittämättä",), "sv": ("ouppdaterade",)},
    help="help.stale",
    example="help.stale",
    menu=None,  # in `help`; the Teams menu holds at most 12
    who=Who.COORDINATOR,
    refused="stale.refused",
    refused_hint="help.list",
    check=check,
    run=run,
)
