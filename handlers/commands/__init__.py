"""The commands: one text in, one result out, for any platform.

`handle()` finds the command by its word in the registry (`COMMANDS`), checks the form of
its arguments, authorizes (handlers/auth.py) and runs it in one transaction that it owns.
The result is a `Reply`, or an `Effect` (handlers/effects.py) that the platform carries out.
Adding a command: a module here declaring `COMMAND`, listed below, and its messages."""

from __future__ import annotations

import logging
from dataclasses import replace

from sqlalchemy.exc import OperationalError

from handlers import auth, log_context, people

# help and list are modules named *_command: a submodule becomes a name in this package, and
# `help` or `list` here would shadow the builtins.
from handlers.commands import (
    away,
    back,
    deputy,
    help_command,
    history,
    language,
    list_command,
    maturity,
    owner,
    show,
    spent,
    stale,
    status,
    summary,
    undo,
    update,
)
from handlers.commands.registry import Command, Request, Who
from handlers.context import Actor, Context
from handlers.effects import Result
from handlers.formatting import clip
from handlers.language import personal
from handlers.messages import Language, Messages
from handlers.replies import Reply, error
from handlers.state.lookup import not_found
from handlers.state.retired import retired_refusal
from handlers.vocabulary import fold
from storage import crud
from storage.db import session_scope
from storage.text import control_character

log = logging.getLogger(__name__)

COMMANDS: tuple[Command, ...] = tuple(
    module.COMMAND
    for module in (
        update,
        status,
        spent,
        show,
        history,
        list_command,
        maturity,
        undo,
        stale,
        summary,
        owner,
        deputy,
        away,
        back,
        language,
        help_command,
    )
)
"""Every command, in the order help lists them."""
_BY_WORD = {fold(w): c for c in COMMANDS for words in c.words.values() for w in words}


def find(word: str) -> Command | None:
    """The command a word calls, in any language."""
    return _BY_WORD.get(fold(word))


def offered(ctx: Context) -> tuple[Command, ...]:
    """The commands this platform offers (the form only where there are forms)."""
    return tuple(c for c in COMMANDS if ctx.forms or not c.needs_forms)


def handle(text: str, actor: Actor, ctx: Context, *, idempotency_key: str | None = None) -> Result:
    """Answer one command. Never raises: a fault becomes a reply that says nothing was saved."""
    with log_context.about(platform=ctx.source, user=actor.author):
        ctx = personal(ctx, actor)
        try:
            result = _dispatch(text, actor, ctx, idempotency_key)
        except OperationalError:  # the engine logs the outage once, not a traceback a command
            return error(ctx.t("db.unavailable"), fault=True)
        except Exception:
            log.exception("command failed: %r", text)
            return error(ctx.t("internal.error"), fault=True)
        log.info(
            "command refused" if isinstance(result, Reply) and not result.ok else "command answered"
        )
        return result


def _dispatch(text: str, actor: Actor, ctx: Context, key: str | None) -> Result:
    if char := control_character(text):  # refused on every database alike (PostgreSQL: NUL)
        return error(ctx.t("text.control", char=char))
    head, _, args = text.strip().partition(" ")
    command = find(head) if head else (update.COMMAND if ctx.forms else help_command.COMMAND)
    if command is None:
        return error(ctx.t("help.short", text=clip(text), p=ctx.prefix))
    log_context.note(command=command.name)
    if command.needs_forms and not ctx.forms:
        return error(ctx.t("form.chat_only", p=ctx.prefix))
    with session_scope(ctx.engine) as session:
        if not command.needs_forms:  # the form opens without the database (and links on submit)
            people.recognise(session, actor)  # the ids the platform gave, linked to the person
        request = Request(args.strip(), actor, ctx, session, key, offered(ctx))
        code = command.measure(request) if command.measure else None
        log_context.note(measure=code)
        if command.check and (problem := command.check(request)):
            return problem
        if command.who is Who.COORDINATOR and not auth.is_coordinator(session, actor, ctx):
            hint = ctx.t(command.refused_hint, p=ctx.prefix) if command.refused_hint else None
            return error(ctx.t(command.refused or "permission.coordinator_hint"), hint)
        if code is None or not command.finds_measure:
            return command.run(request)
        # PRODUCT.md's order: the command's form (above), the measure exists, the user may
        # act on it; the command then checks the values.
        measure = crud.find_measure(session, code=code)
        if measure is None:
            return not_found(session, code, ctx)
        if command.writes and measure.retired_at is not None:
            return retired_refusal(session, measure, ctx)
        if command.who is Who.MEMBER and not auth.may_act(session, measure, actor, ctx):
            return auth.refusal(session, measure, ctx)
        return command.run(replace(request, measure=measure))


def usage_hint(language: Language) -> str:
    """Slack's usage hint for `/digi`: a sample of the commands, in the app's language."""
    t = Messages(language)
    return " · ".join(t(c.hint) for c in COMMANDS if c.hint)
