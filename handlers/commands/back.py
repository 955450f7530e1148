"""`back [@someone]`: the absence ends today (`away` sets one)."""

from __future__ import annotations

from handlers.commands.away import mentioned, whose
from handlers.commands.registry import Command, Request
from handlers.formatting import clip
from handlers.presence import today
from handlers.replies import Paragraph, Reply, error
from handlers.state.labels import person_label
from storage import absences


def check_back(request: Request) -> Reply | None:
    words = request.args.split()
    if len(words) > 1 or (words and mentioned(words[0]) is None):
        t = request.ctx.t
        return error(
            t("usage.extra", text=clip(request.args)), t("example.back", p=request.ctx.prefix)
        )
    return None


def run_back(request: Request) -> Reply:
    ctx, t = request.ctx, request.ctx.t
    words = request.args.split()
    person = whose(request, mentioned(words[0]) if words else None)
    if isinstance(person, Reply):
        return person
    ended = absences.end_absence(
        request.session, person_id=person.id, today=today(ctx), by=request.actor.author,
        at=ctx.now(),
    )  # fmt: skip
    key = "back.recorded" if ended else "back.not_away"
    return Reply((Paragraph(t(key, who=person_label(person))),))


COMMAND = Command(
    name="back",
    words={"en": ("back",), "fi": ("paikalla",), "sv": ("tillbaka",)},
    help="help.back",
    example="example.back",
    menu=None,  # in `help`; the Teams menu holds at most 12
    check=check_back,
    run=run_back,
)
