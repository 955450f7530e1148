"""`list [mine | <theme> | <status>] [--period <period> | --as-of <day>]`: measures with
their status marks; the current period's now, or as they stood when a past period closed
or at the end of a day."""

from __future__ import annotations

from datetime import datetime, timedelta

from handlers import formatting as fmt
from handlers.commands import options
from handlers.commands.registry import Command, Request
from handlers.formatting import clip
from handlers.replies import Block, Heading, Items, Paragraph, Reply, error
from handlers.state import as_of
from handlers.state.labels import measure_line, status_of
from handlers.vocabulary import LIST_MINE_WORDS, Status, fold, parse_status, status_words
from storage import crud, plan


def run(request: Request) -> Reply:
    t, session, ctx = request.ctx.t, request.session, request.ctx
    parsed = options.parse(request.args, ("period", "as_of"), ctx, "help.list")
    if isinstance(parsed, Reply):
        return parsed
    words = parsed.words
    if len(words) > 1:
        return error(t("usage.extra", text=clip(request.args)), t("help.list", p=ctx.prefix))
    when = _when(request, parsed.values)
    if isinstance(when, Reply):
        return when
    at, intro = when
    if at is None:
        measures = crud.measures(session)
        all_roles = crud.roles_of(session, measure_ids=[m.id for m in measures])
        rows = [(m, all_roles[m.id]) for m in measures]
    else:
        rows = as_of.in_force(session, at)
    themes = sorted(crud.themes(session), key=lambda th: crud.natural_key(th.code))
    wanted_status: Status | None = None
    title_args: dict[str, str] = {}
    if not words:
        title, empty = "list.title.all", "list.empty_programme" if at is None else "list.empty"
    elif fold(words[0]) in LIST_MINE_WORDS:
        rows = [(m, roles) for m, roles in rows if request.actor.refs & roles.refs()]
        title, empty = "list.title.mine", "list.empty_mine"
    elif status := parse_status(words[0]):
        title, empty = "list.title.status", "list.empty"
        wanted_status = status
        title_args = {"status": f"{status.mark} {t(f'status.{status.code}')}"}
    elif theme := crud.find_theme(session, code=words[0]):
        rows = [(m, roles) for m, roles in rows if m.theme_id == theme.id]
        title, empty = "list.title.theme", "list.empty"
        title_args = {"theme": f"{theme.code} {theme.name}"}
    else:
        return error(
            t(
                "list.unknown_filter",
                word=clip(words[0]),
                themes=", ".join(th.code for th in themes) or "—",
                words=", ".join(status_words()),
            ),
            t("help.list", p=ctx.prefix),
        )
    current = crud.current_updates(session, measure_ids=[m.id for m, _ in rows], at=at)
    if wanted_status:
        rows = [(m, r) for m, r in rows if status_of(current.get(m.id)) == wanted_status]
    head: list[Block] = [Paragraph(intro)] if intro else []
    if not rows:
        return Reply((*head, Paragraph(t(empty))))
    rows.sort(key=lambda row: crud.natural_key(row[0].code))
    lines = tuple(measure_line(m, current.get(m.id), roles.owner, ctx) for m, roles in rows)
    return Reply((*head, Heading(t(title, count=len(rows), **title_args)), Items(lines)))


def _when(request: Request, values: dict[str, str]) -> tuple[datetime | None, str | None] | Reply:
    """The moment to list as of (None: now) and the line that says so."""
    t, session, ctx = request.ctx.t, request.session, request.ctx
    if "period" in values and "as_of" in values:
        return error(t("list.period_and_as_of"), t("help.list", p=ctx.prefix))
    if "as_of" in values:
        moment = as_of.moment(session, values["as_of"], ctx, "help.list")
        if isinstance(moment, Reply):
            return moment
        return moment.at, t("asof.intro", date=moment.text(ctx))
    if "period" not in values:
        return None, None
    period = plan.find_period(session, name=values["period"])
    if period is None:
        known = ", ".join(p.name for p in plan.periods(session)) or "—"
        return error(
            t("list.unknown_period", period=clip(values["period"]), periods=known),
            t("help.list", p=ctx.prefix),
        )
    if period.closed_at is None:
        return None, None  # the period in force: the list as it stands
    # Just before the close: the new period's revision, at the same moment, is not yet in it.
    at = period.closed_at - timedelta(microseconds=1)
    day = fmt.day(ctx.language, at.astimezone(ctx.timezone).date())
    return at, t("list.as_of_period", period=period.name, date=day)


COMMAND = Command(
    name="list",
    words={"en": ("list",), "fi": ("lista",), "sv": ("lista",)},
    help="help.list",
    example="help.list",
    menu="teams.command.list",
    hint="hint.list",
    run=run,
)
