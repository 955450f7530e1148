"""The summary's content, in the user's language, as platform-neutral replies: the main
message first (one phone screen: the headline, the counts, what changed, what needs
attention), then the details, then one part a theme. Chat shows the parts as a message and
its thread; the Markdown and HTML documents show them one after another, the main message
as their one-page opening."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from handlers import formatting as fmt
from handlers.context import Context
from handlers.presence import owner_away
from handlers.replies import Block, Chart, Heading, Hint, Items, Paragraph, Reply, Table
from handlers.summary import attention, board
from handlers.summary.build import Change, Row, Summary, ThemeSection
from handlers.summary.revised import revised_mention, revised_part
from handlers.vocabulary import STATUSES, Status


def period_label(period: str, ctx: Context) -> str:
    year, half = period.split("-")
    return ctx.t(f"summary.{half.lower()}", year=year)


def title(summary: Summary, ctx: Context) -> str:
    return ctx.t(
        "summary.title", programme=summary.programme, period=period_label(summary.period, ctx)
    )


TOP = 5
"""Attention items named in the main message; the rest are counted ("and N more")."""
TOP_LINE = 120
"""Characters of one attention item in the main message: three lines on a phone."""
LIST_LIMIT = 20
"""A list in the details longer than this is grouped by theme, with counts; each theme's
section then lists its own measures."""

Section = Callable[[Summary, Context], list[Block]]


def summary_parts(summary: Summary, ctx: Context) -> list[Reply]:
    """The main message (one phone screen), then the details, what the programme's
    revisions changed, then one part a theme."""
    main = [block for section in EXECUTIVE for block in section(summary, ctx)]
    details = [block for section in DETAILS for block in section(summary, ctx)]
    listings = _listings(summary, ctx)
    return [
        Reply((*main, Hint(ctx.t("summary.thread_hint")))),
        Reply(tuple(details)),
        *revised_part(summary.revised, ctx),
        *(_theme(section, ctx, listings) for section in summary.themes),
    ]


# --- the main message: what the board reads first ---


def _headline(summary: Summary, ctx: Context) -> list[Block]:
    lang = ctx.language
    overview = ctx.t(
        "summary.overview_short",
        date=fmt.day(lang, summary.today),
        count=len(summary.rows),
        done=fmt.progress(lang, summary.share_done),
        average=fmt.progress(lang, summary.average_progress),
    )
    return [Heading(title(summary, ctx)), Paragraph(overview)]


def _status_counts(summary: Summary, ctx: Context) -> list[Block]:
    counts = summary.counts
    return [
        Paragraph(
            " · ".join(f"{s.mark} {ctx.t(f'status.{s.code}')} {counts[s.code]}" for s in STATUSES)
        )
    ]


def _changed(summary: Summary, ctx: Context) -> list[Block]:
    """What changed, in one line: newly done, newly delayed, and the rest."""
    t = ctx.t
    if not summary.changes:
        return [Paragraph(t("summary.no_changes"))]
    done, delayed = len(summary.newly_done), len(summary.newly_delayed)
    other = len(summary.changes) - done - delayed
    pieces = [
        t(key, count=count)
        for key, count in (
            ("summary.changed_done", done),
            ("summary.changed_delayed", delayed),
            ("summary.changed_other_one" if other == 1 else "summary.changed_other", other),
        )
        if count
    ]
    heading = t("summary.changes_first" if summary.first else "summary.changes")
    return [Paragraph(t("summary.changed_line", heading=heading, changes=", ".join(pieces)))]


def _top_attention(summary: Summary, ctx: Context) -> list[Block]:
    t = ctx.t
    found = attention.items(summary)
    if not found:
        return [Heading(t("summary.attention"), 2), Paragraph(t("summary.nothing_to_note"))]
    blocks: list[Block] = [
        Heading(t("summary.attention_count", count=len(found)), 2),
        Items(tuple(attention.line(item, ctx, limit=TOP_LINE) for item in found[:TOP])),
    ]
    if len(found) > TOP:
        blocks.append(Paragraph(t("summary.more", count=len(found) - TOP)))
    return blocks


def _revised(summary: Summary, ctx: Context) -> list[Block]:
    return revised_mention(summary.revised, ctx)


def _board(summary: Summary, ctx: Context) -> list[Block]:
    """The board's two questions in a line each: the money, and maturity on average."""
    return [Paragraph(line) for line in (board.money_short(summary, ctx),
                                         board.maturity_short(summary, ctx)) if line]  # fmt: skip


EXECUTIVE: list[Section] = [
    _headline, _status_counts, _board, _changed, _revised, _top_attention
]  # fmt: skip
"""The main message's sections, in order; a new kind of news is one more section here."""


# --- the details: the first reply in the thread, and the document after its first page ---


def _by_status(summary: Summary, ctx: Context) -> list[Block]:
    t, lang = ctx.t, ctx.language
    counts = summary.counts
    return [
        Heading(t("summary.by_status"), 2),
        Paragraph(
            t(
                "summary.overview",
                date=fmt.day(lang, summary.today),
                count=len(summary.rows),
                done=fmt.progress(lang, summary.share_done),
                average=fmt.progress(lang, summary.average_progress),
            )
        ),
        Table(
            (t("summary.col.status"), t("summary.col.count")),
            tuple((f"{s.mark} {t(f'status.{s.code}')}", str(counts[s.code])) for s in STATUSES),
            tuple(f"{s.mark} {t(f'status.{s.code}')}: {counts[s.code]}" for s in STATUSES),
        ),
        Chart(_chart_alt(summary, ctx)),
    ]


def _chart_alt(summary: Summary, ctx: Context) -> str:
    """The chart in words, with its numbers: the measures per status in each theme."""
    themes = []
    for section in (s for s in summary.themes if s.rows):  # the themes the chart draws
        counts = [
            f"{ctx.t(f'status.{status.code}')} {n}"
            for status in STATUSES
            if (n := sum(1 for row in section.rows if row.status == status))
        ]
        themes.append(f"{section.code} {section.name}: {', '.join(counts)}")
    return ctx.t("summary.chart_alt_numbers", title=ctx.t("summary.chart_alt"),
                 themes="; ".join(themes))  # fmt: skip


@dataclass(frozen=True)
class Listing:
    """A list of measures in the details: its heading's catalogue key (with `count`) and
    each measure's line. A long one is grouped by theme and listed theme by theme."""

    key: str
    lines: tuple[tuple[Row, str], ...]

    @property
    def grouped(self) -> bool:
        return len(self.lines) > LIST_LIMIT


def _listings(summary: Summary, ctx: Context) -> list[Listing]:
    return [_change_listing(summary, ctx), *_attention_listings(summary, ctx)]


def _status(status: Status, ctx: Context) -> str:
    return f"{status.mark} {ctx.t(f'status.{status.code}')}"


def _change_listing(summary: Summary, ctx: Context) -> Listing:
    def line(change: Change) -> str:
        before, after = _status(change.before, ctx), _status(change.row.status, ctx)
        row = change.row
        return ctx.t("summary.change", id=row.code, title=row.title, before=before, after=after)

    return Listing("summary.theme_changes", tuple((c.row, line(c)) for c in summary.changes))


def _changes(summary: Summary, ctx: Context) -> list[Block]:
    t = ctx.t
    heading = Heading(t("summary.changes_first" if summary.first else "summary.changes"), 2)
    if not summary.changes:
        return [heading, Paragraph(t("summary.no_changes"))]
    counts = t(
        "summary.changes_count",
        count=len(summary.changes),
        done=len(summary.newly_done),
        delayed=len(summary.newly_delayed),
    )
    listing = _change_listing(summary, ctx)
    if not listing.grouped:
        return [heading, Paragraph(counts), Items(tuple(line for _, line in listing.lines))]
    return [heading, Paragraph(counts), _transitions(summary, ctx), Paragraph(t("summary.grouped"))]


def _transitions(summary: Summary, ctx: Context) -> Table:
    """The changes counted by theme and by transition ("🟢 On track → ✅ Done: 12"), the
    most frequent first in each theme."""
    order = {status.code: n for n, status in enumerate(STATUSES)}
    rows: list[tuple[str, str, str]] = []
    for section in summary.themes:
        counted = Counter(
            (c.before, c.row.status) for c in summary.changes if c.row.theme == section.code
        )
        for (before, after), n in sorted(
            counted.items(),
            key=lambda kv: (-kv[1], order[kv[0][0].code], order[kv[0][1].code]),
        ):
            change = f"{_status(before, ctx)} → {_status(after, ctx)}"
            rows.append((f"{section.code} {section.name}", change, str(n)))
    t = ctx.t
    return Table(
        (t("summary.col.theme"), t("summary.col.change"), t("summary.col.count")),
        tuple(rows),
        tuple(f"{theme}: {change}: {n}" for theme, change, n in rows),
    )


def _attention_listings(summary: Summary, ctx: Context) -> list[Listing]:
    """The details' attention groups (every kind), then the measures not updated."""
    listings = []
    for key, kinds, rows in attention.groups(summary):
        lines = [(row, next(k for k in kinds if k.applies(row)).detail(row, ctx)) for row in rows]
        listings.append(Listing(key, tuple(lines)))
    stale = [(r, _stale_line(r, ctx)) for r in summary.rows if r.stale]
    listings.append(Listing("summary.stale_first" if summary.first else "summary.stale",
                            tuple(stale)))  # fmt: skip
    return listings


def _stale_line(row: Row, ctx: Context) -> str:
    """A measure not updated: an owner away or gone is noted, not blamed."""
    if row.owner_left:
        return f"{attention.name(row)} ({row.owner}, {ctx.t('presence.owner_left')})"
    if row.owner_away_until:
        note = owner_away(row.owner_away_until, ctx)
        return f"{attention.name(row)} ({row.owner}, {note})"
    return f"{attention.name(row)} ({row.owner})"


def _attention(summary: Summary, ctx: Context) -> list[Block]:
    t = ctx.t
    blocks: list[Block] = [Heading(t("summary.attention"), 2)]
    themes = {section.code: section.name for section in summary.themes}
    for listing in _attention_listings(summary, ctx):
        if not listing.lines:
            continue
        blocks.append(Heading(t(listing.key, count=len(listing.lines)), 3))
        if not listing.grouped:
            blocks.append(Items(tuple(line for _, line in listing.lines)))
            continue
        per_theme = Counter(row.theme for row, _ in listing.lines)
        blocks.append(Items(tuple(f"{code} {themes[code]}: {n}" for code, n in per_theme.items())))
        blocks.append(Paragraph(t("summary.grouped")))
    if len(blocks) == 1:
        blocks.append(Paragraph(t("summary.nothing_to_note")))
    return blocks


DETAILS: list[Section] = [_by_status, board.section, _changes, _attention]
"""The details' sections, in order."""


def _theme(section: ThemeSection, ctx: Context, listings: list[Listing]) -> Reply:
    t, lang = ctx.t, ctx.language
    blocks: list[Block] = [Heading(f"{section.code} {section.name}", 2)]
    blocks += [Paragraph(line) for line in board.theme_lines(section, ctx)]
    columns = tuple(
        t(f"summary.col.{c}") for c in ("mark", "id", "title", "owner", "progress", "updated")
    )
    rows = tuple(
        (
            r.status.mark,
            r.code,
            r.title,
            r.owner,
            fmt.progress(lang, r.progress),
            fmt.day(lang, r.updated_at.astimezone(ctx.timezone).date()) if r.updated_at else "—",
        )
        for r in section.rows
    )
    lines = tuple(_line(r, ctx) for r in section.rows)
    blocks.append(Table(columns, rows, lines) if rows else Paragraph(t("list.empty")))
    for listing in (listing for listing in listings if listing.grouped):
        own = tuple(line for row, line in listing.lines if row.theme == section.code)
        if own:
            blocks += [Heading(t(listing.key, count=len(own)), 3), Items(own)]
    return Reply(tuple(blocks))


def _line(row: Row, ctx: Context) -> str:
    """A measure in chat: mark, id, title, owner, progress and when it was last updated."""
    t, lang = ctx.t, ctx.language
    parts = [attention.name(row), row.owner]
    if row.progress is not None:
        parts.append(fmt.progress(lang, row.progress))
    if row.updated_at:
        when = fmt.day(lang, row.updated_at.astimezone(ctx.timezone).date())
        parts.append(t("home.updated", time=when))
    else:
        parts.append(t("show.no_updates"))
    return " — ".join(parts)
