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


def moment(session: Session, text: str, ctx: Context, example: str) -> Moment | Reply:
    """The moment `text` names, or a reply saying why there is nothing to show then."""
    t = ctx.t
    day = parse_day(text)
    if day is None:
        return error(t("asof.bad_date", text=fmt.clip(text)), t(example, p=ctx.prefix))
    today = local_today(ctx)
    if day > today:
        return error(t("asof.future", date=fmt.day(ctx.language, day), today=today.isoformat()))
    end = datetime.combine(day + timedelta(days=1), time(), tzinfo=ctx.timezone)
    at = min(end.astimezone(UTC) - timedelta(microseconds=1), ctx.now())
    if plan.revision_as_of(session, at=at) is None:
        return error(t("asof.before", date=fmt.day(ctx.language, day)))
    return Moment(at, day)


def roles_then(session: Session, row: MeasurePlan) -> Roles:
    """Who answered for the measure under this plan."""
    owner = session.get(Person, row.owner_id) if row.owner_id is not None else None
    deputies = (session.get(Person, i) for i in plan.deputy_ids(row.deputy_ids))
    return Roles(owner=owner, deputies=tuple(p for p in deputies if p is not None))


def in_force(session: Session, at: datetime) -> list[tuple[Measure, Roles]]:
    """The measures in force at `at`, as they stood then, with who answered for them."""
    rows = plan.latest_measure_plans(session, at=at).values()
    return [(plan.as_measure(row), roles_then(session, row)) for row in rows if not row.retired]
