"""Finding the measure a command names: its form (one id), and when there is none, the
closest ids."""

from __future__ import annotations

import difflib

from sqlmodel import Session

from handlers.context import Context
from handlers.formatting import clip
from handlers.replies import Reply, error
from storage import crud


def not_found(session: Session, code: str, ctx: Context) -> Reply:
    by_key = {c.lower(): c for c in crud.measure_codes(session)}
    close = difflib.get_close_matches(code.lower(), list(by_key), n=3, cutoff=0.5)
    if close:
        text = ctx.t("measure.not_found", id=clip(code), ids=", ".join(by_key[c] for c in close))
    else:
        text = ctx.t("measure.not_found_none", id=clip(code))
    return error(text, ctx.t("measure.list_hint", p=ctx.prefix))


def one_id(args: str, ctx: Context, example: str) -> Reply | None:
    """Unless the arguments are exactly one measure id, the reply saying how to give it."""
    words = args.split()
    if len(words) == 1:
        return None
    intro = ctx.t("usage.show") if not words else ctx.t("usage.extra", text=clip(args))
    return error(intro, ctx.t(example, p=ctx.prefix))
