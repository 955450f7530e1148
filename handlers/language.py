"""Each person's language: the one they chose (`language sv`), else the one their platform
tells (Slack's user locale, Teams' activity locale), among the languages the city allows,
else the city's (DIGIBOT_LANGUAGE). What the channel reads stays in the city's language."""

from __future__ import annotations

import logging
from dataclasses import replace

from sqlalchemy.exc import OperationalError

from handlers.context import Actor, Context
from handlers.messages import LANGUAGES, Language
from storage import people
from storage.db import session_scope

log = logging.getLogger(__name__)


def from_locale(locale: str | None, allowed: tuple[Language, ...] = LANGUAGES) -> Language | None:
    """`sv-SE`, `sv_FI`, `SV` → `sv`, if the city allows it."""
    code = (locale or "").replace("_", "-").split("-")[0].strip().lower()
    return next((language for language in allowed if language == code), None)


def in_language(ctx: Context, language: Language | None) -> Context:
    """The context answering in `language` (if allowed), the channel's language kept."""
    if language is None or language not in ctx.languages:
        language = ctx.city_language
    return replace(ctx, language=language, city_default=ctx.city_language)


def chosen(ctx: Context, refs: frozenset[str]) -> Language | None:
    """The language the person chose, if any and still allowed; None if the database is away
    (the engine logs an outage once: the person is answered by the locale meanwhile)."""
    try:
        with session_scope(ctx.engine) as session:
            language = people.language_of(session, refs=refs)
    except OperationalError:
        return None
    return from_locale(language, ctx.languages)


def personal(ctx: Context, actor: Actor) -> Context:
    """The context answering this person in their language (a context already answering a
    person is kept: an adapter that resolved it hands it on to `handle()`)."""
    if ctx.city_default is not None:
        return ctx
    return in_language(ctx, chosen(ctx, actor.refs) or from_locale(actor.locale, ctx.languages))
