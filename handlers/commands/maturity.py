"""`maturity [<theme> [<level> [<source>] [<date>]]]`: a theme's digital maturity on
Kuntaliitto's 1–5 scale. With a level, a coordinator records an assessment (append-only);
without, anyone sees the path: baseline → each assessment → target."""

from __future__ import annotations

import difflib
import re

from sqlmodel import Session

from handlers import auth
from handlers import formatting as fmt
from handlers.commands.registry import Command, Request
from handlers.context import Context
from handlers.formatting import clip
from handlers.replies import Heading, Hint, Items, Paragraph, Reply, error
from handlers.state.labels import author_label
from handlers.state.reply import local_today
from handlers.state.store import author_ref
from storage import crud, maturity
from storage.models import MaturityAssessment, Theme

DATE_LIKE = re.compile(r"^\d{1,4}[./-]\d{1,4}(?:[./-]\d{1,4})?$")
"""A last word meant as the date (`10/2026`, `2026-10-15`…), right or wrong; anything else
belongs to the source."""


def level_text(ctx: Context, hundredths: int | None) -> str:
    return fmt.level(ctx.language, hundredths / 100 if hundredths is not None else None)


def current_levels(session: Session, themes: list[Theme]) -> dict[int, int]:
    """Each theme's current level in hundredths (its latest assessment), for what shows it."""
    found = maturity.current_levels(session, theme_ids=[t.id for t in themes])
    return {i: row.level_hundredths for i, row in found.items()}


def run(request: Request) -> Reply:
    ctx, session = request.ctx, request.session
    words = request.args.split()
    if not words:
        return _overview(session, ctx)
    theme = crud.find_theme(session, code=words[0])
    if theme is None:
        return _not_found(session, words[0], ctx)
    if len(words) == 1:
        return _path(session, theme, ctx)
    return _record(request, theme, words[1], words[2:])


def _record(request: Request, theme: Theme, level_word: str, rest: list[str]) -> Reply:
    t, ctx, session = request.ctx.t, request.ctx, request.session
    example = t("example.maturity", p=ctx.prefix)
    if not auth.is_coordinator(session, request.actor, ctx):
        return error(t("maturity.refused"), t("maturity.refused_hint", p=ctx.prefix, id=theme.code))
    level = maturity.parse_level(level_word)
    if level is None:
        return error(t("maturity.bad_level", value=clip(level_word)), example)
    assessed_on = local_today(ctx).strftime("%Y-%m-%d")
    if rest and DATE_LIKE.match(rest[-1]):
        given = rest.pop()
        if (found := maturity.parse_assessed_on(given)) is None:
            return error(t("maturity.bad_date", value=clip(given)), example)
        if maturity.is_future(found, local_today(ctx)):
            return error(t("maturity.future_date", when=fmt.when(ctx.language, found)), example)
        assessed_on = found
    source = " ".join(rest)
    if len(source) > maturity.SOURCE_LIMIT:
        return error(
            t("maturity.source_too_long", length=len(source), limit=maturity.SOURCE_LIMIT), example
        )
    if request.key and not crud.claim_delivery(session, key=request.key):
        return Reply((Paragraph(t("maturity.repeat")),))  # a platform delivered it twice
    maturity.append_assessment(
        session,
        theme_id=theme.id,
        level_hundredths=level,
        assessed_on=assessed_on,
        author=author_ref(session, request.actor),
        origin="chat",
        source=source,
        created_at=ctx.now(),
    )
    about = ", ".join(part for part in (source, fmt.when(ctx.language, assessed_on)) if part)
    text = t(
        "maturity.recorded",
        theme=f"{theme.code} {theme.name}",
        level=level_text(ctx, level),
        about=about,
        baseline=fmt.level(ctx.language, theme.baseline),
        target=fmt.level(ctx.language, theme.target),
    )
    return Reply((Paragraph(text), Hint(t("maturity.path_hint", p=ctx.prefix, id=theme.code))))


def _path(session: Session, theme: Theme, ctx: Context) -> Reply:
    """Baseline → each assessment (level, source, date, who) → target."""
    t, lang = ctx.t, ctx.language
    rows = maturity.assessments(session, theme_ids=[theme.id]).get(theme.id, [])
    lines = [t("maturity.baseline", level=fmt.level(lang, theme.baseline))]
    lines += [_assessment_line(session, row, ctx) for row in rows]
    lines.append(t("maturity.target", level=fmt.level(lang, theme.target)))
    blocks: list[Heading | Paragraph | Items] = [
        Heading(t("maturity.title", theme=f"{theme.code} {theme.name}")),
        Items(tuple(lines)),
    ]
    if not rows:
        blocks.append(Paragraph(t("maturity.none")))
    return Reply(tuple(blocks))


def _assessment_line(session: Session, row: MaturityAssessment, ctx: Context) -> str:
    t = ctx.t
    return t(
        "maturity.assessment",
        level=level_text(ctx, row.level_hundredths),
        when=fmt.when(ctx.language, row.assessed_on),
        source=row.source or t(f"maturity.origin.{row.origin}"),
        author=author_label(session, row.author),
    )


def _overview(session: Session, ctx: Context) -> Reply:
    t, lang = ctx.t, ctx.language
    themes = sorted(crud.themes(session), key=lambda th: crud.natural_key(th.code))
    if not themes:
        return Reply((Paragraph(t("maturity.no_themes")),))
    levels = current_levels(session, themes)
    lines = tuple(
        t(
            "maturity.line",
            theme=f"{th.code} {th.name}",
            baseline=fmt.level(lang, th.baseline),
            current=level_text(ctx, levels.get(th.id)),
            target=fmt.level(lang, th.target),
        )
        for th in themes
    )
    return Reply(
        (
            Heading(t("maturity.overview")),
            Items(lines),
            Hint(t("maturity.path_hint", p=ctx.prefix, id=themes[0].code)),
        )
    )


def _not_found(session: Session, code: str, ctx: Context) -> Reply:
    by_key = {th.code.lower(): th.code for th in crud.themes(session)}
    close = difflib.get_close_matches(code.lower(), list(by_key), n=3, cutoff=0.5)
    if close:
        text = ctx.t("theme.not_found", id=clip(code), ids=", ".join(by_key[c] for c in close))
    else:
        text = ctx.t("theme.not_found_none", id=clip(code))
    known = sorted(by_key.values(), key=crud.natural_key)
    return error(text, ctx.t("theme.known", ids=", ".join(known) or "—"))


COMMAND = Command(
    name="maturity",
    words={"en": ("maturity",), "fi": ("kypsyys",), "sv": ("mognad",)},
    help="help.maturity",
    example="example.maturity",
    menu="teams.command.maturity",
    run=run,
)
