"""The summary's "programme revised" section: what the revisions that landed since the last
summary did, net, to the measures. Read from plan rows (the latest plan before the window
against the latest in it), so several revisions in one window collapse to their net effect
per measure: a due date moved twice is one move, a measure added and retired is nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import Session, col, select

from handlers import formatting as fmt
from handlers.context import Context
from handlers.replies import Block, Heading, Items, Paragraph, Reply
from handlers.state.labels import person_label
from storage import crud, plan
from storage.models import MeasurePlan, Person, Revision

_END_OF_TIME = datetime(9999, 12, 31, tzinfo=UTC)


@dataclass(frozen=True)
class Measured:
    """A measure the revisions added or retired."""

    code: str
    title: str


@dataclass(frozen=True)
class Moved:
    code: str
    title: str
    before: str | None
    after: str | None


@dataclass(frozen=True)
class OwnerChanged:
    code: str
    title: str
    before: Person | None
    after: Person | None


@dataclass(frozen=True)
class Revised:
    labels: tuple[str, ...]
    added: tuple[Measured, ...]
    retired: tuple[Measured, ...]
    moved: tuple[Moved, ...]
    owners: tuple[OwnerChanged, ...]


def revised_since(
    session: Session,
    *,
    after: datetime | None,
    until: datetime | None,
    then: dict[int, MeasurePlan] | None = None,
) -> Revised | None:
    """The net change of the revisions in (after, until] (`after` None: since the import;
    `until` None: up to now); None if no revision landed then. The import that made the
    programme is never a revision of it: the first summary compares with the state at import.
    `then`: the plans at `until`, if the caller has read them already."""
    first = session.exec(
        select(Revision).order_by(col(Revision.created_at), col(Revision.id)).limit(1)
    ).first()
    if first is None:
        return None
    start = first.created_at if after is None else max(after, first.created_at)
    landed = plan.revisions_between(session, after=start, until=until or _END_OF_TIME)
    if not landed:
        return None
    before = plan.latest_measure_plans(session, at=start)
    if then is None:
        then = plan.latest_measure_plans(session, at=until)
    added: list[Measured] = []
    retired: list[Measured] = []
    moved: list[Moved] = []
    owners: list[tuple[str, str, int | None, int | None]] = []
    for measure_id in before.keys() | then.keys():
        old, new = _active(before.get(measure_id)), _active(then.get(measure_id))
        if new is not None and old is None:
            added.append(Measured(new.code, new.title))
        elif old is not None and new is None:
            retired.append(Measured(old.code, old.title))
        elif old is not None and new is not None:
            if old.due != new.due:
                moved.append(Moved(new.code, new.title, old.due, new.due))
            if old.owner_id != new.owner_id:
                owners.append((new.code, new.title, old.owner_id, new.owner_id))
    people = crud.people_by_id(session, ids=[i for o in owners for i in o[2:]])
    key = crud.natural_key
    return Revised(
        labels=tuple(r.label for r in landed),
        added=tuple(sorted(added, key=lambda m: key(m.code))),
        retired=tuple(sorted(retired, key=lambda m: key(m.code))),
        moved=tuple(sorted(moved, key=lambda m: key(m.code))),
        owners=tuple(
            OwnerChanged(code, title, _person(people, old), _person(people, new))
            for code, title, old, new in sorted(owners, key=lambda o: key(o[0]))
        ),
    )


def _active(row: MeasurePlan | None) -> MeasurePlan | None:
    return row if row is not None and not row.retired else None


def _person(people: dict[int, Person], person_id: int | None) -> Person | None:
    return people.get(person_id) if person_id is not None else None


def _name(person: Person | None) -> str:
    return person.name or person.ref if person else person_label(None)


# --- the section, in chat and in the documents ---


def revised_mention(revised: Revised | None, ctx: Context) -> list[Block]:
    """One line for the main message: the revisions and their counts."""
    if revised is None:
        return []
    return [
        Paragraph(
            ctx.t(
                "summary.revised_mention",
                labels=", ".join(revised.labels),
                added=len(revised.added),
                retired=len(revised.retired),
                moved=len(revised.moved),
                owners=len(revised.owners),
            )
        )
    ]


def revised_part(revised: Revised | None, ctx: Context) -> list[Reply]:
    """The section as a part of its own (in chat, a reply in the thread)."""
    if revised is None:
        return []
    t, lang = ctx.t, ctx.language
    blocks: list[Block] = [
        Heading(t("summary.revised", labels=", ".join(revised.labels)), 2),
    ]
    groups: list[tuple[str, tuple[str, ...]]] = [
        ("summary.revised_added", tuple(f"{m.code} {m.title}" for m in revised.added)),
        ("summary.revised_retired", tuple(f"{m.code} {m.title}" for m in revised.retired)),
        (
            "summary.revised_moved",
            tuple(
                f"{m.code} {m.title}: {fmt.when(lang, m.before)} → {fmt.when(lang, m.after)}"
                for m in revised.moved
            ),
        ),
        (
            "summary.revised_owners",
            tuple(
                f"{o.code} {o.title}: {_name(o.before)} → {_name(o.after)}" for o in revised.owners
            ),
        ),
    ]
    for key, lines in groups:
        if lines:
            blocks += [Heading(t(key, count=len(lines)), 3), Items(lines)]
    if len(blocks) == 1:
        blocks.append(Paragraph(t("summary.revised_none")))
    return [Reply(tuple(blocks))]


def revised_cells(revised: Revised | None) -> dict[str, str]:
    """The CSV's `revised` column by measure code, in the file's own words (like its status
    codes, not translated): `added`, `retired`, `due 2026-06 → 2026-12`, `owner a → b`."""
    if revised is None:
        return {}
    cells: dict[str, list[str]] = {}
    for m in revised.added:
        cells.setdefault(m.code, []).append("added")
    for m in revised.retired:
        cells.setdefault(m.code, []).append("retired")
    for moved in revised.moved:
        cells.setdefault(moved.code, []).append(f"due {moved.before or ''} → {moved.after or ''}")
    for o in revised.owners:
        before, after = (p.ref if p else "" for p in (o.before, o.after))
        cells.setdefault(o.code, []).append(f"owner {before} → {after}")
    return {code: "; ".join(parts) for code, parts in cells.items()}
