"""Which values an update may carry: the progress as a number, a reason where the status
needs one, a note that fits. Shared by the typed command and the form."""

from __future__ import annotations

import re
from dataclasses import dataclass

from handlers import formatting as fmt
from handlers.context import Context
from handlers.formatting import clip
from handlers.vocabulary import Status, example_word
from storage.models import Measure

NOTE_LIMIT = 3000


@dataclass(frozen=True)
class Problem:
    """A value the user must correct: which field, what is wrong, an example."""

    field: str
    message: str
    hint: str | None = None


def check_values(
    measure: Measure, status: Status, progress_text: str | None, note: str, ctx: Context
) -> tuple[int | None, list[Problem]]:
    """The progress as a number, and every problem with the values."""
    t, p = ctx.t, ctx.prefix
    problems = []
    progress = parse_progress(progress_text)
    if progress_text is not None and progress is None:
        problems.append(
            Problem(
                "progress",
                t("progress.range", value=clip(progress_text)),
                t("progress.example", p=p, id=measure.code),
            )
        )
    if status.needs_reason and not note.strip():
        word = example_word(status, ctx.language)
        problems.append(
            Problem(
                "note",
                t("reason.required", status=t(f"status.{status.code}")),
                t("reason.example", p=p, id=measure.code, word=word),
            )
        )
    if len(note) > NOTE_LIMIT:
        length, limit = fmt.number(ctx.language, len(note)), fmt.number(ctx.language, NOTE_LIMIT)
        problems.append(
            Problem("note", t("note.too_long", length=length, limit=limit), t("note.too_long_hint"))
        )
    return progress, problems


def parse_progress(text: str | None) -> int | None:
    if text is None or not re.fullmatch(r"\s*[+-]?\d+\s*", text):
        return None
    text = text.strip()
    digits = text.lstrip("+-").lstrip("0") or "0"
    if len(digits) > 3:  # past 100 whatever follows; and int() refuses 4,300 digits or more
        return None
    value = -int(digits) if text.startswith("-") else int(digits)
    return value if 0 <= value <= 100 else None
