"""`spent <id> <amount> [--year <year>] [note]`: what has been spent on a measure in a
budget year to date (the current year unless named). Append-only: a later report for the
same year supersedes an earlier one."""

from __future__ import annotations

import re
from dataclasses import dataclass

from handlers.commands.registry import Command, Request, Who, first_word
from handlers.formatting import clip
from handlers.replies import Block, Fields, Heading, Paragraph, Reply, error
from handlers.state import money as spending
from handlers.state.money import money_fields, money_state, over_flag
from storage import money
from storage.models import Measure

_YEAR = re.compile(r"(?:^|\s)--(?:year|vuosi|år)(?:=|\s+)(\S*)", re.IGNORECASE)
_AMOUNT_WORD = re.compile(r"^[\d€.,]+$|^(?:€|eur|euroa?)$", re.IGNORECASE)


@dataclass(frozen=True)
class SpentArgs:
    code: str
    amount_text: str
    year_text: str | None
    note: str


def parse_spent_args(rest: str) -> SpentArgs | None:
    """The id, the amount (as people write it: `12 400,50 €`), the year and a note; None if
    the id or the amount is missing. The amount is the longest run of words that reads as
    one, so `12 400 laitteet` is 12 400 € with the note `laitteet`."""
    year_text = None
    if match := _YEAR.search(rest):
        year_text = match[1]
        rest = rest[: match.start()] + " " + rest[match.end() :]
    words = rest.split()
    if len(words) < 2:
        return None
    code, tail = words[0], words[1:]
    run = 1
    while run < len(tail) and _AMOUNT_WORD.match(tail[run]):
        run += 1
    for size in range(run, 0, -1):
        if money.parse_cents(" ".join(tail[:size])) is not None:
            return SpentArgs(code, " ".join(tail[:size]), year_text, " ".join(tail[size:]))
    return SpentArgs(code, tail[0], year_text, " ".join(tail[1:]))


def check(request: Request) -> Reply | None:
    if parse_spent_args(request.args) is None:
        t = request.ctx.t
        return error(t("usage.spent"), t("example.spent", p=request.ctx.prefix))
    return None


def run(request: Request) -> Reply:
    t, session, ctx = request.ctx.t, request.session, request.ctx
    args, measure = parse_spent_args(request.args), request.measure
    assert args is not None and measure is not None  # check() and handle() saw to them
    if request.key and money.spending_by_key(session, idempotency_key=request.key):
        return spent_reply(request, measure, t("spent.already_recorded", id=measure.code))
    if measure.retired_at is not None:
        return error(t("spent.retired", id=measure.code))
    year = spending.this_year(ctx)
    if args.year_text is not None:
        if not re.fullmatch(r"\d{4}", args.year_text) or not 1900 <= int(args.year_text) <= 2200:
            return error(
                t("spent.bad_year", value=clip(args.year_text)),
                t("spent.example", p=ctx.prefix, id=measure.code),
            )
        year = int(args.year_text)
    cents, problems = spending.check_spending(measure, args.amount_text, year, args.note, ctx)
    if problems:
        return error(problems[0].message, problems[0].hint)
    assert cents is not None
    _, repeated = spending.store_spending(
        session,
        measure,
        request.actor,
        ctx,
        cents=cents,
        year=year,
        note=args.note,
        key=request.key,
    )
    intro = "spent.already_recorded" if repeated else "spent.recorded"
    return spent_reply(request, measure, t(intro, id=measure.code))


def spent_reply(request: Request, measure: Measure, intro: str) -> Reply:
    """The measure's money now: planned, spent and the share; over budget flagged."""
    state = money_state(request.session, measure, request.ctx)
    blocks: list[Block] = [
        Paragraph(intro),
        Heading(f"{measure.code} {measure.title}"),
        Fields(tuple(money_fields(state, request.ctx))),
    ]
    if flag := over_flag(state, request.ctx):
        blocks.append(Paragraph(flag))
    return Reply(tuple(blocks))


COMMAND = Command(
    name="spent",
    words={"en": ("spent",), "fi": ("käytetty",), "sv": ("använt",)},
    help="help.spent",
    example="example.spent",
    menu="teams.command.spent",
    who=Who.MEMBER,
    check=check,
    measure=first_word,
    run=run,
)
