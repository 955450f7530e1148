"""The summary's content, in the user's language, as platform-neutral replies: the main
message first, then one part a theme. Chat shows the parts as a message and its thread;
the Markdown and HTML documents show them one after another."""

from __future__ import annotations

from collections.abc import Callable

from handlers import formatting as fmt
from handlers.context import Context
from handlers.replies import Block, Chart, Heading, Hint, Items, Paragraph, Reply, Table
from handlers.summary.build import Row, Summary, ThemeSection
from handlers.summary.revised import revised_mention, revised_part
from handlers.vocabulary import STATUSES


def period_label(period: str, ctx: Context) -> str:
    year, half = period.split("-")
    return ctx.t(f"summary.{half.lower()}", year=year)


def title(summary: Summary, ctx: Context) -> str:
    return ctx.t(
        "summary.title", programme=summary.programme, period=period_label(summary.period, ctx)
    )


def summary_parts(summary: Summary, ctx: Context) -> list[Reply]:
    return (
        [_main(summary, ctx)]
        + revised_part(summary.revised, ctx)
        + [_theme(section, ctx) for section in summary.themes]
    )


def _main(summary: Summary, ctx: Context) -> Reply:
    t, lang = ctx.t, ctx.language
    counts = summary.counts
    blocks: list[Block] = [
        Heading(title(summary, ctx)),
        Paragraph(
            t(
                "summary.overview",
                date=fmt.day(lang, summary.today),
                count=len(summary.rows),
                done=fmt.progress(lang, summary.share_done),
                average=fmt.progress(lang, summary.average_progress),
            )
        ),
        Heading(t("summary.by_status"), 2),
        Table(
            (t("summary.col.status"), t("summary.col.count")),
            tuple((f"{s.mark} {t(f'status.{s.code}')}", str(counts[s.code])) for s in STATUSES),
            tuple(f"{s.mark} {t(f'status.{s.code}')}: {counts[s.code]}" for s in STATUSES),
        ),
        Chart(_chart_alt(summary, ctx)),
    ]
    blocks += revised_mention(summary.revised, ctx)
    blocks += _changes(summary, ctx)
    blocks += _attention(summary, ctx)
    blocks.append(Hint(t("summary.thread_hint")))
    return Reply(tuple(blocks))


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
    lines = tuple(
        t(
            "summary.change",
            id=c.row.code,
            title=c.row.title,
            before=f"{c.before.mark} {t(f'status.{c.before.code}')}",
            after=f"{c.row.status.mark} {t(f'status.{c.row.status.code}')}",
        )
        for c in summary.changes
    )
    return [heading, Paragraph(counts), Items(lines)]


def _attention(summary: Summary, ctx: Context) -> list[Block]:
    t, lang = ctx.t, ctx.language
    blocks: list[Block] = [Heading(t("summary.attention"), 2)]
    troubled = summary.where(lambda r: r.status.code in ("delayed", "at_risk"))
    groups: list[tuple[str, tuple[Row, ...], Callable[[Row], str]]] = [
        ("summary.troubled", troubled, lambda r: f"{_name(r)} ({r.owner}): {r.note or '—'}"),
        ("summary.overdue", summary.where(lambda r: r.overdue), lambda r: t(
            "summary.overdue_line", name=_name(r), due=fmt.when(lang, r.due), owner=r.owner)),
        ("summary.behind", summary.where(lambda r: r.behind), lambda r: t(
            "summary.behind_line", name=_name(r), progress=fmt.progress(lang, r.progress),
            owner=r.owner)),
        ("summary.stale_first" if summary.first else "summary.stale",
         summary.where(lambda r: r.stale), lambda r: f"{_name(r)} ({r.owner})"),
    ]  # fmt: skip
    for key, rows, line in groups:
        if rows:
            blocks.append(Heading(t(key, count=len(rows)), 3))
            blocks.append(Items(tuple(line(r) for r in rows)))
    if len(blocks) == 1:
        blocks.append(Paragraph(t("summary.nothing_to_note")))
    return blocks


def _name(row: Row) -> str:
    return f"{row.status.mark} {row.code} {row.title}"


def _theme(section: ThemeSection, ctx: Context) -> Reply:
    t, lang = ctx.t, ctx.language
    blocks: list[Block] = [Heading(f"{section.code} {section.name}", 2)]
    if section.baseline is not None or section.target is not None:
        blocks.append(
            Paragraph(
                t(
                    "summary.maturity",
                    baseline=fmt.level(lang, section.baseline),
                    current=fmt.level(lang, section.current),
                    target=fmt.level(lang, section.target),
                )
            )
        )
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
    return Reply(tuple(blocks))


def _line(row: Row, ctx: Context) -> str:
    """A measure in chat: mark, id, title, owner, progress and when it was last updated."""
    t, lang = ctx.t, ctx.language
    parts = [_name(row), row.owner]
    if row.progress is not None:
        parts.append(fmt.progress(lang, row.progress))
    if row.updated_at:
        when = fmt.day(lang, row.updated_at.astimezone(ctx.timezone).date())
        parts.append(t("home.updated", time=when))
    else:
        parts.append(t("show.no_updates"))
    return " — ".join(parts)
