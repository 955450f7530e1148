"""The board's two questions in the summary: how far the themes have come on the maturity
scale, and what has been spent against what was set aside.

Planned money is each measure's as `show` reads it: its budget, else its appropriations
summed over all budget years; spent is the spending to date over all budget years (each
year's latest report). A measure is over budget when its spending in the summary's year
exceeds that year's appropriation, or its spending in all exceeds its planned total."""

from __future__ import annotations

from handlers import formatting as fmt
from handlers.context import Context
from handlers.replies import Block, Chart, Heading, Paragraph, Table
from handlers.summary.build import Summary, ThemeSection


def has_money(summary: Summary) -> bool:
    return summary.planned_cents is not None or summary.spent_cents > 0


def has_maturity(section: ThemeSection) -> bool:
    return bool(section.assessed) or section.baseline is not None or section.target is not None


def euros(ctx: Context, cents: int | None) -> str:
    return "—" if cents is None else fmt.euros(ctx.language, cents, in_cents=True)


def share(ctx: Context, spent: int, planned: int | None) -> str:
    """Spent as a share of planned: `37 %`; `—` with nothing planned."""
    return fmt.progress(ctx.language, round(100 * spent / planned)) if planned else "—"


def _money(ctx: Context, planned: int | None, spent: int) -> dict[str, str]:
    return {
        "planned": euros(ctx, planned),
        "spent": euros(ctx, spent),
        "share": share(ctx, spent, planned),
    }


def money_short(summary: Summary, ctx: Context) -> str | None:
    if not has_money(summary):
        return None
    return ctx.t("summary.money_short", **_money(ctx, summary.planned_cents, summary.spent_cents))


def _average(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return round(sum(known) / len(known), 1) if known else None


def maturity_short(summary: Summary, ctx: Context) -> str | None:
    """The themes' average path, over the themes assessed (so like is compared with like)."""
    assessed = [s for s in summary.themes if s.current is not None]
    if not assessed:
        return None
    lang = ctx.language
    return ctx.t(
        "summary.maturity_short",
        count=len(assessed),
        baseline=fmt.level(lang, _average([s.baseline for s in assessed])),
        current=fmt.level(lang, _average([s.current for s in assessed])),
        target=fmt.level(lang, _average([s.target for s in assessed])),
    )


def theme_lines(section: ThemeSection, ctx: Context) -> list[str]:
    """A theme's maturity path (baseline → previous assessment → now → target) and money."""
    t, lang = ctx.t, ctx.language
    lines = []
    if has_maturity(section):
        key = "summary.maturity" if section.previous is None else "summary.maturity_path"
        lines.append(
            t(
                key,
                baseline=fmt.level(lang, section.baseline),
                previous=fmt.level(lang, section.previous),
                current=fmt.level(lang, section.current),
                target=fmt.level(lang, section.target),
            )
        )
    if section.planned_cents is not None or section.spent_cents:
        lines.append(
            t("summary.theme_money", **_money(ctx, section.planned_cents, section.spent_cents))
        )
    return lines


def section(summary: Summary, ctx: Context) -> list[Block]:
    """The details' maturity and money: the totals, a row a theme, and the two charts."""
    themes = [s for s in summary.themes if has_maturity(s) or s.rows]
    money, maturity = has_money(summary), any(has_maturity(s) for s in themes)
    if not (money or maturity):
        return []
    t, lang = ctx.t, ctx.language
    blocks: list[Block] = [Heading(t("summary.board"), 2)]
    if money:
        totals = _money(ctx, summary.planned_cents, summary.spent_cents)
        blocks.append(Paragraph(t("summary.money", year=summary.today.year, **totals)))
    columns = tuple(
        t(f"summary.col.{c}")
        for c in ("theme", "baseline", "previous", "now", "target", "planned", "spent", "share")
    )
    rows = tuple(
        (
            f"{s.code} {s.name}",
            fmt.level(lang, s.baseline),
            fmt.level(lang, s.previous),
            fmt.level(lang, s.current),
            fmt.level(lang, s.target),
            euros(ctx, s.planned_cents),
            euros(ctx, s.spent_cents),
            share(ctx, s.spent_cents, s.planned_cents),
        )
        for s in themes
    )
    lines = tuple(
        t("summary.board_line", theme=f"{s.code} {s.name}", baseline=row[1], previous=row[2],
          current=row[3], target=row[4], planned=row[5], spent=row[6], share=row[7])
        for s, row in zip(themes, rows, strict=True)
    )  # fmt: skip
    blocks.append(Table(columns, rows, lines))
    if maturity:
        blocks.append(Chart(maturity_alt(summary, ctx), "maturity"))
    if money:
        blocks.append(Chart(spending_alt(summary, ctx), "spending"))
    return blocks


def maturity_themes(summary: Summary) -> list[ThemeSection]:
    """The themes the maturity chart draws."""
    return [s for s in summary.themes if has_maturity(s)]


def spending_themes(summary: Summary) -> list[ThemeSection]:
    """The themes the spending chart draws."""
    return [s for s in summary.themes if s.planned_cents is not None or s.spent_cents]


def maturity_alt(summary: Summary, ctx: Context) -> str:
    """The maturity chart in words, with every level it draws."""
    t, lang = ctx.t, ctx.language
    themes = [
        t(
            "summary.maturity_alt_theme",
            theme=f"{s.code} {s.name}",
            baseline=fmt.level(lang, s.baseline),
            assessed=", ".join(
                f"{fmt.level(lang, a.level)} ({fmt.when(lang, a.assessed_on)})" for a in s.assessed
            )
            or "—",
            target=fmt.level(lang, s.target),
        )
        for s in maturity_themes(summary)
    ]
    return t("summary.chart_alt_of", title=t("summary.maturity_chart"), themes="; ".join(themes))


def spending_alt(summary: Summary, ctx: Context) -> str:
    """The spending chart in words, with every amount it draws."""
    t = ctx.t
    themes = [
        t(
            "summary.spending_alt_theme",
            theme=f"{s.code} {s.name}",
            **_money(ctx, s.planned_cents, s.spent_cents),
        )
        for s in spending_themes(summary)
    ]
    return t("summary.chart_alt_of", title=t("summary.spending_chart"), themes="; ".join(themes))
