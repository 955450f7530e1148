"""Options after a command's words (`--as-of 2026-05-20`, `--period=2024-2026`), in any
language's word (handlers/vocabulary.OPTION_WORDS)."""

from __future__ import annotations

from dataclasses import dataclass, field

from handlers.context import Context
from handlers.formatting import clip
from handlers.replies import Reply, error
from handlers.vocabulary import OPTION_WORDS, fold

_BY_WORD = {fold(word): name for name, words in OPTION_WORDS.items() for word in words}


@dataclass(frozen=True)
class Parsed:
    words: tuple[str, ...]
    """The arguments that are not options, in order."""
    values: dict[str, str] = field(default_factory=dict)
    """Each option given, by name (`as_of`, `period`)."""


def parse(args: str, allowed: tuple[str, ...], ctx: Context, example: str) -> Parsed | Reply:
    """The options and the other words; a reply saying what is wrong if an option is unknown
    here, given twice or without its value."""
    t = ctx.t
    words: list[str] = []
    values: dict[str, str] = {}
    pieces = args.split()
    index = 0
    while index < len(pieces):
        piece = pieces[index]
        index += 1
        if not piece.startswith("--"):
            words.append(piece)
            continue
        word, has_value, value = piece.partition("=")
        name = _BY_WORD.get(fold(word))
        if name is None or name not in allowed:
            known = ", ".join(OPTION_WORDS[n][0] for n in allowed) or "—"
            return error(
                t("option.unknown", word=clip(word), options=known), t(example, p=ctx.prefix)
            )
        if not has_value:
            if index == len(pieces):
                return error(t("option.needs_value", word=word), t(example, p=ctx.prefix))
            value, index = pieces[index], index + 1
        if name in values or not value:
            return error(t("option.needs_value", word=word), t(example, p=ctx.prefix))
        values[name] = value
    return Parsed(tuple(words), values)


def positional(args: str) -> tuple[str, ...]:
    """The words that are not options or their values (for finding the measure an
    argument names before the arguments' form is checked)."""
    words: list[str] = []
    pieces = args.split()
    skip = False
    for piece in pieces:
        if skip:
            skip = False
        elif piece.startswith("--"):
            skip = "=" not in piece
        else:
            words.append(piece)
    return tuple(words)
