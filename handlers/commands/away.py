"""`away [@someone] until 10.1.2027 [note]` and `back [@someone]`: an absence, during which
the person's reminders go to their deputies (handlers/reminders.py). Anyone sets their own;
a coordinator sets anyone's. Stored append-only (storage/absences.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from handlers import auth
from handlers import formatting as fmt
from handlers.commands.registry import Command, Request
from handlers.formatting import clip
from handlers.presence import today
from handlers.replies import Hint, Paragraph, Reply, error
from handlers.state.as_of import parse_day
from handlers.state.labels import person_label
from handlers.vocabulary import fold
from storage import absences, crud
from storage.models import Person

UNTIL = frozenset({"until", "till", "to", "asti", "saakka"})
LONGEST = timedelta(days=365)
NOTE_LIMIT = 500
_SLACK_MENTION = re.compile(r"^<@([A-Za-z0-9]+)(?:\|[^>]*)?>$")


def mentioned(word: str) -> str | None:
    """The person a word names: a Slack mention `<@U123|name>`, `@ref` or an e-mail."""
    if found := _SLACK_MENTION.match(word):
        return found.group(1)
    if word.startswith("@") and len(word) > 1:
        return word[1:]
    return word if crud.EMAIL.match(word) else None


@dataclass(frozen=True)
class Parsed:
    target: str | None
    day: str | None
    note: str


def _take(text: str) -> tuple[str, str]:
    first, _, rest = text.strip().partition(" ")
    return first, rest.strip()


def parse(args: str) -> Parsed:
    """`[@x] [until] DAY [asti] [note]`, in English or Finnish word order."""
    word, rest = _take(args)
    target = mentioned(word) if word else None
    if target:
        word, rest = _take(rest)
    if fold(word) in UNTIL:
        word, rest = _take(rest)
    day = word or None
    following, after = _take(rest)
    if following and fold(following) in UNTIL:
        rest = after
    return Parsed(target, day, rest)


def check_away(request: Request) -> Reply | None:
    t, p = request.ctx.t, request.ctx.prefix
    parsed = parse(request.args)
    if parsed.day is None:
        return error(t("away.no_day"), t("example.away", p=p))
    if parse_day(parsed.day) is None:
        return error(t("away.bad_day", text=clip(parsed.day)), t("example.away", p=p))
    if len(parsed.note) > NOTE_LIMIT:
        length, limit = fmt.number(t.language, len(parsed.note)), fmt.number(t.language, NOTE_LIMIT)
        return error(t("note.too_long", length=length, limit=limit), t("example.away", p=p))
    return None


def whose(request: Request, target: str | None) -> Person | Reply:
    """The person the command is about: the user, or (for a coordinator) the one named."""
    session, actor, ctx = request.session, request.actor, request.ctx
    own = target is None or crud.normalize_ref(target) in actor.refs
    if not own and not auth.is_coordinator(session, actor, ctx):
        return error(ctx.t("away.refused"), ctx.t("example.away", p=ctx.prefix))
    if target is not None and not own:
        person = crud.person_among(session, refs=[target])
        return person or error(ctx.t("away.unknown_person", who=clip(target)))
    found = crud.person_among(session, refs=actor.refs)
    return found or crud.ensure_person(session, ref=actor.author)


def run_away(request: Request) -> Reply:
    ctx, t = request.ctx, request.ctx.t
    parsed = parse(request.args)
    until = parse_day(parsed.day or "")
    assert until is not None  # check_away saw to it
    now = today(ctx)
    if until < now:
        return error(
            t("away.past", day=fmt.day(ctx.language, until)), t("example.away", p=ctx.prefix)
        )
    if until > now + LONGEST:
        last = fmt.day(ctx.language, now + LONGEST)
        return error(t("away.too_far", last=last), t("example.away", p=ctx.prefix))
    person = whose(request, parsed.target)
    if isinstance(person, Reply):
        return person
    absences.set_absence(
        request.session, person_id=person.id, starts_on=now, until=until, note=parsed.note,
        set_by=request.actor.author, at=ctx.now(),
    )  # fmt: skip
    day = fmt.day(ctx.language, until)
    return Reply(
        (
            Paragraph(t("away.recorded", who=person_label(person), until=day)),
            Hint(t("away.back_hint", p=ctx.prefix)),
        )
    )


COMMAND = Command(
    name="away",
    words={"en": ("away",), "fi": ("poissa",), "sv": ("borta",)},
    help="help.away",
    example="example.away",
    menu="teams.command.away",
    check=check_away,
    run=run_away,
)
