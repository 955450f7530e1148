"""The text backend: the same commands as in chat, typed in a terminal or piped in."""

from __future__ import annotations

import sys
from typing import TextIO

from handlers.commands import handle
from handlers.context import Actor, Context
from handlers.effects import OpenForm, PostSummary, Tell
from handlers.render_text import render_text
from handlers.replies import Reply, error
from handlers.vocabulary import strip_prefix

QUIT_WORDS = {"exit", "quit", "lopeta"}


def respond(text: str, actor: Actor, ctx: Context, *, key: str | None = None) -> Reply:
    """The command's reply; what only a chat platform can do is explained instead."""
    match handle(text, actor, ctx, idempotency_key=key):
        case PostSummary():
            return error(ctx.t("summary.post_elsewhere", p=ctx.prefix))
        case OpenForm():  # handle() refuses the form where there are none: for the types
            return error(ctx.t("form.chat_only", p=ctx.prefix))
        case Tell(reply=reply):  # no direct messages from the console
            return reply
        case reply:
            return reply


def answer(line: str, actor: Actor, ctx: Context) -> str:
    return render_text(respond(strip_prefix(line), actor, ctx))


def run(
    actor: Actor, ctx: Context, *, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout
) -> int:
    """Answer each line until the input ends. A refused command is an answer, not a failure."""
    interactive = stdin.isatty()
    if interactive:
        import readline  # noqa: F401  (line editing and history at the prompt)

        stdout.write(ctx.t("console.welcome", actor=actor.author) + "\n")
    while True:
        if interactive:
            stdout.write("digi> ")
            stdout.flush()
        line = stdin.readline()
        if not line:
            if interactive:
                stdout.write("\n")
            break
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line.strip().lower() in QUIT_WORDS:
            break
        stdout.write(answer(line, actor, ctx) + "\n\n")
        stdout.flush()
    return 0
