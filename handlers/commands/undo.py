"""`undo [<id>]`: withdraw your own latest update (within 24 hours); it stays in history."""

from __future__ import annotations

from datetime import timedelta

from handlers import formatting as fmt
from handlers.commands.registry import Command, Request, first_word
from handlers.formatting import clip
from handlers.replies import Paragraph, Reply, error
from handlers.state.reply import state_reply
from handlers.state.retired import retired_refusal
from handlers.state.store import author_ref
from storage import crud
from storage.models import Measure

UNDO_WINDOW = timedelta(hours=24)


def check(request: Request) -> Reply | None:
    """At most one measure id."""
    t, p = request.ctx.t, request.ctx.prefix
    if len(request.args.split()) > 1:
        return error(t("usage.extra", text=clip(request.args)), t("example.undo", p=p))
    return None


def run(request: Request) -> Reply:
    t, session, ctx, actor = request.ctx.t, request.session, request.ctx, request.actor
    example = t("example.undo", p=ctx.prefix)
    if request.key and not crud.claim_delivery(session, key=request.key):
        return Reply((Paragraph(t("undo.repeat")),))  # a platform delivered it twice
    measure = request.measure  # found by handle() if the user named one
    now = ctx.now()
    update = crud.latest_own_update(
        session,
        authors=actor.refs | {actor.author, author_ref(session, actor)},
        since=now - UNDO_WINDOW,
        measure_id=measure.id if measure else None,
    )
    if update is None:
        if measure:
            return error(t("undo.nothing_measure", id=measure.code), example)
        return error(t("undo.nothing"), example)
    measure = session.get_one(Measure, update.measure_id)
    if measure.retired_at is not None:  # `undo` alone, whose latest update was to a retired one
        return retired_refusal(session, measure, ctx)
    crud.withdraw(session, update=update, by=author_ref(session, actor), at=now)
    done = t(
        "undo.done",
        time=fmt.moment(ctx.language, update.created_at, ctx.timezone),
        id=measure.code,
        status=t(f"status.{update.status}"),
    )
    state = state_reply(session, measure, ctx, intro=t("undo.now"))
    return Reply((Paragraph(done), *state.blocks))


COMMAND = Command(
    name="undo",
    words={"en": ("undo",), "fi": ("peru",), "sv": ("ångra",)},
    help="help.undo",
    example="example.undo",
    menu="teams.command.undo",
    check=check,
    writes=True,
    measure=first_word,
    run=run,
)
