"""What a command is: one declaration holds its name, its words in every language, its
help, who may run it and the function that runs it. Help, the parser, the Slack manifest's
usage hint and the Teams command menu all read these declarations."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum

from sqlmodel import Session

from handlers.context import Actor, Context
from handlers.effects import Result
from handlers.replies import Reply
from storage.models import Measure


class Who(Enum):
    """Who may run a command."""

    ANYONE = "anyone"
    MEMBER = "member"
    """The owner, a deputy or a coordinator of the measure the command names (`Command.measure`):
    checked by `handle()` with `auth.may_act` once the measure is found (a missing measure is
    reported first)."""
    COORDINATOR = "coordinator"
    """Checked by `handle()` after the command's form, before it runs."""


@dataclass(frozen=True)
class Request:
    """One command being answered, in the transaction `handle()` owns."""

    args: str
    """The text after the command's word."""
    actor: Actor
    ctx: Context
    session: Session
    key: str | None
    """The platform's delivery id: a repeated delivery is answered, not done twice."""
    offered: tuple[Command, ...]
    """The commands this platform offers, in help's order."""
    measure: Measure | None = None
    """The measure the arguments name, found by `handle()` (see `Command.measure`)."""


@dataclass(frozen=True, eq=False)
class Command:
    name: str
    words: Mapping[str, tuple[str, ...]]
    """The words that call it, by language; any language's word works everywhere."""
    help: str
    """Message key of its line in help."""
    example: str
    """Message key of its example, shown when it is given wrongly."""
    menu: str | None
    """Message key of its title in the Teams command menu; `<menu>.help` describes it. None:
    not in the menu (Teams shows at most 10 commands; the rare coordinators' ones stay out)."""
    run: Callable[[Request], Result]
    who: Who = Who.ANYONE
    refused: str | None = None
    """For coordinators' commands: message key of the refusal."""
    refused_hint: str | None = None
    check: Callable[[Request], Reply | None] | None = None
    """The form of its arguments, checked before who may run it."""
    measure: Callable[[Request], str | None] | None = None
    """The id of the measure its (well-formed) arguments name, if they name one: `handle()`
    finds it, reports it missing with the closest ids, and for `Who.MEMBER` authorizes."""
    finds_measure: bool = True
    """False where the command finds the measure itself (the form opens without one)."""
    needs_forms: bool = False
    """Only where the platform has forms (Slack, Teams; not the console)."""
    hint: str | None = None
    """Message key of its sample in Slack's usage hint, if it has one there."""


def first_word(request: Request) -> str | None:
    """The measure id of commands whose first argument is one (`show 1.1`, `undo [1.1]`)."""
    words = request.args.split(None, 1)
    return words[0] if words else None
