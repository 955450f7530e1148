"""Who can act today: people away until a date and people the platform says have left.
Reminders skip them (their deputies, else the coordinators, are reminded instead), and
`show`, the Home tab, `stale` and the summary say why an owner is silent."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from handlers import formatting as fmt
from handlers.context import Context
from storage import absences, conversations, crud
from storage.db import session_scope
from storage.models import Person

log = logging.getLogger(__name__)


def today(ctx: Context) -> date:
    """The local day by the context's clock (tests move it)."""
    return ctx.now().astimezone(ctx.timezone).date()


@dataclass(frozen=True)
class Presence:
    away: dict[int, date]
    """Person id → the last day of their absence."""
    left: frozenset[int]

    def absent(self, person: Person | None) -> bool:
        return person is not None and (person.id in self.away or person.id in self.left)

    def note(self, person: Person | None, ctx: Context) -> str | None:
        """Why the person is silent ("poissa 10.1.2027 asti", "lähtenyt"); None if at work."""
        if person is None:
            return None
        if person.id in self.left:
            return ctx.t("presence.left")
        if person.id in self.away:
            return ctx.t("presence.away", until=fmt.day(ctx.language, self.away[person.id]))
        return None

    def owner_note(self, person: Person | None, ctx: Context) -> str | None:
        """The same of a measure's owner, in a list of measures."""
        if person is None:
            return None
        if person.id in self.left:
            return ctx.t("presence.owner_left")
        if person.id in self.away:
            return owner_away(self.away[person.id], ctx)
        return None


def owner_away(until: date, ctx: Context) -> str:
    """The owner away, short for a line in a list: "omistaja poissa 10.1. asti"."""
    short = f"{until.day}.{until.month}." if ctx.language == "fi" else None
    return ctx.t("presence.owner_away", until=short or fmt.day(ctx.language, until))


def presence(
    session: Session, ctx: Context, people: Iterable[Person | None] = (), *, on: date | None = None
) -> Presence:
    """The absences and departures of these people, as of the day `on` (the context's today)."""
    ids = {p.id for p in people if p is not None}
    return Presence(
        away=absences.away_until(session, today=on or today(ctx), person_ids=ids),
        left=frozenset(absences.left_ids(session, person_ids=ids)),
    )


def platform_says(ctx: Context, refs: Iterable[str | None], *, gone: bool, source: str) -> bool:
    """A platform says the user with these ids is deactivated or gone (`gone`), or active
    again: record it for the person the programme names by them. True if that changed
    anything; a user the programme does not name is nobody's concern here."""
    ids = [r for r in refs if r]
    with session_scope(ctx.engine) as session:
        emails = (conversations.email_of(session, user_ref=r) for r in ids if "@" not in r)
        person = crud.person_among(session, refs=[*ids, *(e for e in emails if e)])
        if person is None:
            return False
        record = absences.record_left if gone else absences.record_returned
        changed = record(session, person_id=person.id, source=source, at=ctx.now())
    if changed:
        log.info("person %d %s (%s)", person.id, "has left" if gone else "is back", source)
    return changed
