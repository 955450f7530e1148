"""What needs the board's attention, most serious first.

Each kind is one entry in `KINDS`: what it applies to, the group it is listed under in the
details, and how it reads. Later kinds ("owner left", "over budget") are more entries here;
the summary's main message and its details pick them up as they are."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from handlers import formatting as fmt
from handlers.context import Context
from handlers.state.money import overspent
from handlers.summary.build import Row, Summary


def name(row: Row) -> str:
    return f"{row.status.mark} {row.code} {row.title}"


def clip(text: str, limit: int) -> str:
    """Text on one line, at most `limit` characters; cut at a word where one is near."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", limit * 2 // 3, limit)
    return text[: cut if cut > 0 else limit - 1].rstrip(" ,;:") + "…"


def _note(row: Row, ctx: Context) -> str:
    return clip(row.note, 60) if row.note else ctx.t(f"status.{row.status.code}")


def _over(row: Row, ctx: Context) -> dict[str, str]:
    return overspent(row.money, ctx) or {} if row.money else {}


@dataclass(frozen=True)
class Kind:
    code: str
    applies: Callable[[Row], bool]
    group: str
    """The catalogue key of the details' group it is listed under (kinds may share one)."""
    reason: Callable[[Row, Context], str]
    """Why it needs attention, in a few words: for the main message."""
    detail: Callable[[Row, Context], str]
    """The measure's whole line in the details."""


KINDS: tuple[Kind, ...] = (
    Kind("delayed", lambda r: r.status.code == "delayed", "summary.troubled", _note,
         lambda r, ctx: f"{name(r)} ({r.owner}): {r.note or '—'}"),
    Kind("overdue", lambda r: r.overdue, "summary.overdue",
         lambda r, ctx: ctx.t("summary.reason.overdue", due=fmt.when(ctx.language, r.due)),
         lambda r, ctx: ctx.t("summary.overdue_line", name=name(r),
                              due=fmt.when(ctx.language, r.due), owner=r.owner)),
    Kind("at_risk", lambda r: r.status.code == "at_risk", "summary.troubled", _note,
         lambda r, ctx: f"{name(r)} ({r.owner}): {r.note or '—'}"),
    Kind("over_budget", lambda r: r.over, "summary.over_budget",
         lambda r, ctx: ctx.t("summary.reason.over_budget", **_over(r, ctx)),
         lambda r, ctx: ctx.t("summary.over_budget_line", name=name(r), owner=r.owner,
                              **_over(r, ctx))),
    Kind("behind", lambda r: r.behind, "summary.behind",
         lambda r, ctx: ctx.t("summary.reason.behind",
                              progress=fmt.progress(ctx.language, r.progress)),
         lambda r, ctx: ctx.t("summary.behind_line", name=name(r),
                              progress=fmt.progress(ctx.language, r.progress), owner=r.owner)),
    Kind("owner_left", lambda r: r.owner_left, "summary.owner_left",
         lambda r, ctx: ctx.t("summary.reason.owner_left"),
         lambda r, ctx: f"{name(r)} ({r.owner})"),
)  # fmt: skip
"""Most serious first."""


@dataclass(frozen=True)
class Item:
    row: Row
    kinds: tuple[Kind, ...]
    """The kinds that apply, most serious first."""


def items(summary: Summary) -> tuple[Item, ...]:
    """Every measure that needs attention, once, most serious first: by its most serious
    kind, then by how many kinds apply, then in the programme's order."""
    found = [
        Item(row, kinds)
        for row in summary.rows
        if (kinds := tuple(kind for kind in KINDS if kind.applies(row)))
    ]
    rank = {kind.code: n for n, kind in enumerate(KINDS)}
    return tuple(sorted(found, key=lambda item: (rank[item.kinds[0].code], -len(item.kinds))))


def groups(summary: Summary) -> list[tuple[str, tuple[Kind, ...], tuple[Row, ...]]]:
    """The details' groups in order of their most serious kind: each group's catalogue key,
    its kinds, and its measures in the programme's order."""
    out = []
    for key in dict.fromkeys(kind.group for kind in KINDS):
        kinds = tuple(kind for kind in KINDS if kind.group == key)
        rows = tuple(row for row in summary.rows if any(kind.applies(row) for kind in kinds))
        out.append((key, kinds, rows))
    return out


def line(item: Item, ctx: Context, *, limit: int) -> str:
    """The item on one line of at most `limit` characters: mark, id, title, and why, each
    reason given its share of the room left."""
    row = item.row
    head = f"{row.status.mark} {row.code} {clip(row.title, 40)} — "
    share = max(16, (limit - len(head)) // len(item.kinds) - 2)
    reasons = "; ".join(clip(kind.reason(row, ctx), share) for kind in item.kinds)
    return clip(head + reasons, limit)
