"""`show <id> [--as-of <day>]`: a measure's state and what the programme says about it, now
or as it stood at the end of a day."""

from __future__ import annotations

from handlers.commands import options
from handlers.commands.registry import Command, Request
from handlers.replies import Paragraph, Reply
from handlers.state import as_of
from handlers.state.lookup import one_id
from handlers.state.reply import state_reply
from storage import plan


def check(request: Request) -> Reply | None:
    parsed = options.parse(request.args, ("as_of",), request.ctx, "example.show")
    if isinstance(parsed, Reply):
        return parsed
    return one_id(" ".join(parsed.words), request.ctx, "example.show")


def measure(request: Request) -> str | None:
    words = options.positional(request.args)
    return words[0] if words else None


def run(request: Request) -> Reply:
    session, ctx, measure = request.session, request.ctx, request.measure
    assert measure is not None  # handle() found it
    parsed = options.parse(request.args, ("as_of",), ctx, "example.show")
    assert not isinstance(parsed, Reply)  # check() saw to it
    if "as_of" not in parsed.values:
        return state_reply(session, measure, ctx, full=True)
    moment = as_of.moment(session, parsed.values["as_of"], ctx, "example.show")
    if isinstance(moment, Reply):
        return moment
    row = plan.latest_measure_plans(session, at=moment.at, ids=[measure.id]).get(measure.id)
    if row is None:
        return Reply((Paragraph(ctx.t("asof.not_yet", id=measure.code, date=moment.text(ctx))),))
    return state_reply(
        session,
        plan.as_measure(row),
        ctx,
        intro=ctx.t("asof.intro", date=moment.text(ctx)),
        full=True,
        at=moment.at,
        roles=as_of.roles_then(session, row),
    )


COMMAND = Command(
    name="show",
    words={"en": ("show",), "fi": ("näytä",), "sv": ("visa",)},
    help="help.show",
    example="example.show",
    menu="teams.command.show",
    hint="hint.show",
    check=check,
    measure=measure,
    run=run,
)
