"""The programme as it stood at a moment: each measure's plan from its plan history and
who answered for it then; and the moment a user names (`--as-of 2026-05-20` or
`20.5.2026`: the end of that local day)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session

from handlers import formatting as fmt
from handlers.context import Context
from handlers.replies import Reply, error
from handlers.state.reply import local_today
from storage import plan
from storage.crud import Roles
from storage.models import Measure, MeasurePlan, Person

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_FINNISH = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")


@dataclass(frozen=True)
class Moment:
    at: datetime
    """The end of the local day (or now, for today), in UTC."""
    day: date

    def text(self, ctx: Context) -> str:
        """The day as people read it, and in ISO: "20.5.2026 (2026-05-20)"."""
        return f"{fmt.day(ctx.language, self.day)} ({self.day.isoformat()})"


def parse_day(text: str) -> date | None:
    if match := _ISO.match(text.strip()):
        year, month, day = (int(g) for g in match.groups())
    elif match := _FINNISH.match(text.strip()):
        day, month, year = (int(g) for g in match.groups())
    else:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


class Refused(ValueError):
    """A day the data cannot answer for: the message key and its values."""

    def __init__(self, key: str, **values: str) -> None:
        super().__init__(key)
        self.key, self.values = key, values


def end_of_day(day: date, ctx: Context) -> datetime:
    """The last moment of a local day, in UTC (now, for today)."""
    midnight = datetime.combine(day + timedelta(days=1), time(), tzinfo=ctx.timezone)
    return min(midnight.astimezone(UTC) - timedelta(microseconds=1), ctx.now())


def moment_of(session: Session, day: date, ctx: Context) -> datetime:
    """The end of `day`, if the programme existed then and it is not in the future;
    Refused otherwise."""
    lang = ctx.language
    today = local_today(ctx)
    if day > today:
        raise Refused("asof.future", date=fmt.day(lang, day), today=today.isoformat())
    at = end_of_day(day, ctx)
    if plan.revision_as_of(session, at=at) is None:
        revisions = plan.revisions(session)
        if not revisions:
            raise Refused("asof.none")
        first = min(r.created_at for r in revisions).astimezone(ctx.timezone).date()
        raise Refused("asof.before", date=fmt.day(lang, day), first=fmt.day(lang, first))
    return at


def moment(session: Session, text: str, ctx: Context, example: str) -> Moment | Reply:
    """The moment `text` names, or a reply saying why there is nothing to show then."""
    t = ctx.t
    day = parse_day(text)
    if day is None:
        return error(t("asof.bad_date", text=fmt.clip(text)), t(example, p=ctx.prefix))
    try:
        return Moment(moment_of(session, day, ctx), day)
    except Refused as refused:
        return error(t(refused.key, **refused.values))


def roles_then(session: Session, row: MeasurePlan) -> Roles:
    """Who answered for the measure under this plan."""
    owner = session.get(Person, row.owner_id) if row.owner_id is not None else None
    deputies = (session.get(Person, i) for i in plan.deputy_ids(row.deputy_ids))
    return Roles(owner=owner, deputies=tuple(p for p in deputies if p is not None))


def in_force(session: Session, at: datetime) -> list[tuple[Measure, Roles]]:
    """The measures in force at `at`, as they stood then, with who answered for them."""
    rows = plan.latest_measure_plans(session, at=at).values()
    return [(plan.as_measure(row), roles_then(session, row)) for row in rows if not row.retired]
