"""`language [fi | sv | en]`: the language the bot answers this person in, chosen by them
and kept in the database; without a language, the current one and how to change it."""

from __future__ import annotations

from handlers.commands.registry import Command, Request
from handlers.formatting import clip
from handlers.language import from_locale
from handlers.messages import Language, Messages
from handlers.replies import Paragraph, Reply, error
from handlers.vocabulary import fold
from storage import people

_NAMED: tuple[tuple[Language, tuple[str, ...]], ...] = (
    ("fi", ("suomi", "suomeksi", "finska", "finnish")),
    ("sv", ("svenska", "ruotsi", "ruotsiksi", "swedish")),
    ("en", ("english", "englanti", "englanniksi", "engelska")),
)
NAMES: dict[str, Language] = {fold(word): language for language, words in _NAMED for word in words}
"""Besides the codes (`sv`, `sv-FI`): the languages' names, as people may type them."""


def parse_language(word: str, allowed: tuple[Language, ...]) -> Language | None:
    language = NAMES.get(fold(word)) or from_locale(word, allowed)
    return language if language in allowed else None


def allowed_list(t: Messages, allowed: tuple[Language, ...]) -> str:
    return ", ".join(f"{code} ({t(f'language.name.{code}')})" for code in allowed)


def run(request: Request) -> Reply:
    ctx, words = request.ctx, request.args.split()
    t, p = ctx.t, ctx.prefix
    choices = allowed_list(t, ctx.languages)
    if not words:
        return Reply((Paragraph(t("language.current", p=p, languages=choices)),))
    if len(words) > 1:
        return error(t("usage.extra", text=clip(request.args)), t("language.example", p=p))
    language = parse_language(words[0], ctx.languages)
    if language is None:
        return error(
            t("language.unknown", word=clip(words[0]), languages=choices),
            t("language.example", p=p),
        )
    people.choose_language(
        request.session, refs=request.actor.refs, language=language,
        set_by=request.actor.author, now=ctx.now(),
    )  # fmt: skip
    return Reply((Paragraph(Messages(language)("language.set", p=p)),))


COMMAND = Command(
    name="language",
    words={"en": ("language",), "fi": ("kieli",), "sv": ("språk",)},
    help="help.language",
    example="language.example",
    menu="teams.command.language",
    run=run,
)
