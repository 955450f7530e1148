"""The status vocabulary and the keyword matching that commands share (the commands' own
words are declared with each command: handlers/commands/)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass


def fold(word: str) -> str:
    """Case- and accent-insensitive form of a keyword; `_` and `-` alike."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.replace("_", "-").strip()


@dataclass(frozen=True)
class Status:
    code: str
    mark: str
    words: tuple[str, ...]
    needs_reason: bool = False


STATUSES: tuple[Status, ...] = (
    Status("not_started", "⚪", ("not-started", "ei-aloitettu", "ej-påbörjad")),
    Status(
        "on_track",
        "🟢",
        ("on-track", "aikataulussa", "enligt-plan", "käynnissä", "in-progress", "pågår"),
    ),
    Status("at_risk", "🟡", ("at-risk", "riski", "risk"), needs_reason=True),
    Status("delayed", "🔴", ("delayed", "viivästynyt", "försenad"), needs_reason=True),
    Status("done", "✅", ("done", "valmis", "klar")),
    Status("postponed", "⏸️", ("postponed", "siirretty", "uppskjuten", "keskeytetty", "pausad")),
)
"""Each status's words: English, Finnish and Swedish first (what examples show), then more."""
BY_CODE = {status.code: status for status in STATUSES}
_BY_WORD = {fold(word): status for status in STATUSES for word in status.words}
NOT_STARTED = BY_CODE["not_started"]


def parse_status(word: str) -> Status | None:
    return _BY_WORD.get(fold(word))


_EXAMPLE_WORD = {"en": 0, "fi": 1, "sv": 2}


def example_word(status: Status, language: str) -> str:
    """The status's word in a language, for examples."""
    return status.words[_EXAMPLE_WORD.get(language, 0)]


def status_words() -> list[str]:
    """Every accepted word, in the table's order, for "the valid words" replies."""
    return [word for status in STATUSES for word in status.words]


LIST_MINE_WORDS = frozenset({"mine", "omat", "my", "own", "mina", "egna"})


PREFIXES = ("/digi", "digi")


def strip_prefix(text: str) -> str:
    """The command without `/digi` or `digi` before it (optional in the console and Teams,
    where the bot is addressed by name); the user's own spacing inside it is kept."""
    text = text.strip()
    parts = text.split(None, 1)
    if parts and parts[0].lower() in PREFIXES:
        return parts[1] if len(parts) > 1 else ""
    return text


OPTION_WORDS: dict[str, tuple[str, ...]] = {
    "as_of": ("--as-of", "--ajankohta", "--per"),
    "period": ("--period", "--kausi"),
}
"""Options of `show` and `list`, by name: any language's word works everywhere."""
