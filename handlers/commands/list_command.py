"""`list [mine | <theme> | <status>]`: measures with their status marks."""

from __future__ import annotations

from handlers.commands.registry import Command, Request
from handlers.formatting import clip
from handlers.replies import Heading, Items, Paragraph, Reply, error
from handlers.state.labels import measure_line, status_of
from handlers.vocabulary import LIST_MINE_WORDS, Status, fold, parse_status, status_words
from storage import crud


def run(request: Request) -> Reply:
    t, session, ctx = request.ctx.t, request.session, request.ctx
    words = request.args.split()
    if len(words) > 1:
        return error(t("usage.extra", text=clip(request.args)), t("help.list", p=ctx.prefix))
    themes = sorted(crud.themes(session), key=lambda th: crud.natural_key(th.code))
    wanted_status: Status | None = None
    title_args: dict[str, str] = {}
    if not words:
        measures, title, empty = crud.measures(session), "list.title.all", "list.empty_programme"
    elif fold(words[0]) in LIST_MINE_WORDS:
        ids = crud.measure_ids_of(session, refs=request.actor.refs)
        measures, title, empty = (
            crud.measures(session, ids=ids),
            "list.title.mine",
            "list.empty_mine",
        )
    elif status := parse_status(words[0]):
        measures, title, empty = crud.measures(session), "list.title.status", "list.empty"
        wanted_status = status
        title_args = {"status": f"{status.mark} {t(f'status.{status.code}')}"}
    elif theme := crud.find_theme(session, code=words[0]):
        measures = crud.measures(session, theme_id=theme.id)
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
    current = crud.current_updates(session, measure_ids=[m.id for m in measures])
    if wanted_status:
        measures = [m for m in measures if status_of(current.get(m.id)) == wanted_status]
    roles = crud.roles_of(session, measure_ids=[m.id for m in measures])
    if not measures:
        return Reply((Paragraph(t(empty)),))
    measures.sort(key=lambda m: crud.natural_key(m.code))
    lines = tuple(measure_line(m, current.get(m.id), roles[m.id].owner, ctx) for m in measures)
    return Reply((Heading(t(title, count=len(measures), **title_args)), Items(lines)))


COMMAND = Command(
    name="list",
    words={"en": ("list",), "fi": ("lista",), "sv": ("lista",)},
    help="help.list",
    example="help.list",
    menu="teams.command.list",
    hint="hint.list",
    run=run,
)
