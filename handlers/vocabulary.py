"""The status vocabulary and the keyword matching that commands share."""

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
    Status("not_started", "⚪", ("not-started", "ei-aloitettu")),
    Status("on_track", "🟢", ("on-track", "aikataulussa", "käynnissä", "in-progress")),
    Status("at_risk", "🟡", ("at-risk", "riski"), needs_reason=True),
    Status("delayed", "🔴", ("delayed", "viivästynyt"), needs_reason=True),
    Status("done", "✅", ("done", "valmis")),
    Status("postponed", "⏸️", ("postponed", "siirretty", "keskeytetty")),
)
BY_CODE = {status.code: status for status in STATUSES}
_BY_WORD = {fold(word): status for status in STATUSES for word in status.words}
NOT_STARTED = BY_CODE["not_started"]


def parse_status(word: str) -> Status | None:
    return _BY_WORD.get(fold(word))


def status_words() -> list[str]:
    """Every accepted word, in the table's order, for "the valid words" replies."""
    return [word for status in STATUSES for word in status.words]


@dataclass(frozen=True)
class Command:
    name: str
    words: tuple[str, ...]


COMMANDS: tuple[Command, ...] = (
    Command("update", ("update", "päivitä")),
    Command("status", ("status", "tila")),
    Command("show", ("show", "näytä")),
    Command("history", ("history", "historia")),
    Command("list", ("list", "lista")),
    Command("undo", ("undo", "peru")),
    Command("stale", ("stale", "päivittämättä")),
    Command("summary", ("summary", "yhteenveto", "katsaus")),
    Command("help", ("help", "ohje", "?")),
)
_COMMAND_BY_WORD = {fold(word): command.name for command in COMMANDS for word in command.words}

LIST_MINE_WORDS = frozenset({"mine", "omat", "my", "own"})


def parse_command(word: str) -> str | None:
    return _COMMAND_BY_WORD.get(fold(word))


SUMMARY_ACTIONS = {
    fold(word): action
    for action, words in (("preview", ("preview", "esikatselu")), ("post", ("post", "julkaise")))
    for word in words
}
FORCE_WORDS = frozenset({"--force", "force", "uudelleen"})


def parse_summary(text: str) -> tuple[str, bool] | None:
    """`summary preview` or `summary post [--force]` (in either language); None otherwise."""
    words = [fold(w) for w in text.split()]
    if len(words) < 2 or parse_command(words[0]) != "summary":
        return None
    action = SUMMARY_ACTIONS.get(words[1])
    rest = set(words[2:])
    if action is None or not rest <= FORCE_WORDS or (rest and action != "post"):
        return None
    return action, bool(rest)
