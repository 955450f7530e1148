"""A revision's change list as people read it: counts first, then measures and themes
added, retired, reinstated and changed, each changed field old → new. The import prints it;
the summary and chat may show the same lines. People are named as the programme names them
(else by their ref), budgets in euros, dates at the precision they were written."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from handlers import formatting as fmt
from handlers.messages import Messages
from storage.models import MeasurePlan, Person, Theme, ThemePlan
from storage.plan import FieldChange, PlanChange, deputy_ids

KINDS = ("added", "retired", "reinstated", "changed")
MARKS = {"added": "+", "retired": "-", "reinstated": "↺", "changed": "~"}
DESCRIPTION_SHOWN = 80  # a description's change is shown clipped to one line


@dataclass(frozen=True)
class Names:
    """Who and which theme the plan's ids stand for."""

    people: Mapping[int, Person]
    themes: Mapping[int, Theme]


def names_for(session: Session, changes: Iterable[PlanChange]) -> Names:
    """The people and themes a change list mentions, in two queries."""
    people: set[int] = set()
    themes: set[int] = set()
    for change in changes:
        for plan in (change.previous, change.plan):
            if isinstance(plan, MeasurePlan):
                themes.add(plan.theme_id)
                people.update(deputy_ids(plan.deputy_ids))
                if plan.owner_id is not None:
                    people.add(plan.owner_id)
    found_people = session.exec(select(Person).where(col(Person.id).in_(people)))
    found_themes = session.exec(select(Theme).where(col(Theme.id).in_(themes)))
    return Names({p.id: p for p in found_people}, {t.id: t for t in found_themes})


def change_lines(t: Messages, changes: Sequence[PlanChange], names: Names) -> list[str]:
    """The whole list, one line a row (field changes indented under their measure)."""
    if not changes:
        return [t("revision.none")]
    measures = [c for c in changes if isinstance(c.plan, MeasurePlan)]
    themes = [c for c in changes if not isinstance(c.plan, MeasurePlan)]
    counts = {kind: sum(c.kind == kind for c in measures) for kind in KINDS}
    counts |= {f"themes_{kind}": sum(c.kind == kind for c in themes) for kind in KINDS}
    lines = [t("revision.counts", **counts)]
    for group, found in (("measures", measures), ("themes", themes)):
        for kind in KINDS:
            these = [c for c in found if c.kind == kind]
            if these:
                lines.append(t(f"revision.{group}_{kind}"))
                for change in these:
                    lines.extend(_change(t, change, names))
    return lines


def _change(t: Messages, change: PlanChange, names: Names) -> list[str]:
    item = t("revision.item", code=change.code, title=change.title)
    fields = [] if change.kind == "added" else change.changes
    return [f"  {MARKS[change.kind]} {item}"] + [
        "      " + field_change(t, field, names, plan=change.plan) for field in fields
    ]


def field_change(
    t: Messages,
    change: FieldChange,
    names: Names,
    *,
    plan: MeasurePlan | ThemePlan,
    key: str = "revision.field_change",
) -> str:
    """One field's change, `due: Jun 2026 → Dec 2026` (with `key`, as that template has it),
    of `plan`'s measure or theme (a theme's levels read as numbers, a measure's baseline and
    target as text)."""
    levels = isinstance(plan, ThemePlan)
    return t(
        key,
        field=t(f"revision.field.{change.field}"),
        old=value(t, change.field, change.old, names, level=levels),
        new=value(t, change.field, change.new, names, level=levels),
    )


def value(t: Messages, field: str, raw: Any, names: Names, *, level: bool = False) -> str:
    """A plan field's value as people read it; — for none."""
    language = t.language
    if raw is None or raw == "":
        return "—"
    if field == "theme_id":
        theme = names.themes.get(raw)
        return theme.code if theme else str(raw)
    if field == "owner_id":
        return _person(names, raw)
    if field == "deputy_ids":
        return ", ".join(_person(names, i) for i in deputy_ids(raw))
    if field in ("start", "due"):
        return fmt.when(language, raw)
    if field == "budget_eur":
        return fmt.euros(language, raw)
    if level and field in ("baseline", "current", "target"):
        return fmt.level(language, raw)
    if field == "description":
        return fmt.clip(str(raw), DESCRIPTION_SHOWN)
    return str(raw)


def _person(names: Names, person_id: int) -> str:
    person = names.people.get(person_id)
    if person is None:
        return str(person_id)
    return person.name or person.ref
