"""The report's maturity and spending charts, as PNG. Readable in black and white: each
series is its own marker shape or hatching, not a colour alone. The same data gives the
same bytes; the alt texts (handlers/summary/board.py) carry every number drawn."""

from __future__ import annotations

from handlers import formatting as fmt
from handlers.context import Context
from handlers.summary import board
from handlers.summary.build import Summary, ThemeSection
from handlers.summary.chart import headless, png

INK, GREY = "#1b1b1b", "#7a7a7a"


def board_charts(summary: Summary, ctx: Context, *, dpi: int = 110) -> dict[str, bytes]:
    """The charts the details' maturity and money section names, by name."""
    charts = {}
    if board.maturity_themes(summary):
        charts["maturity"] = headless(lambda: _maturity(summary, ctx, dpi=dpi))
    if board.spending_themes(summary):
        charts["spending"] = headless(lambda: _spending(summary, ctx, dpi=dpi))
    return charts


def _label(section: ThemeSection) -> str:
    name = section.name if len(section.name) < 32 else f"{section.name[:30]}…"
    return f"{section.code} {name}"


def _maturity(summary: Summary, ctx: Context, *, dpi: int) -> bytes:
    """A row a theme on the 1–5 scale: the baseline (open circle), the assessments in the
    order made (small squares joined by a line, the current one a large filled square) and
    the target (open diamond)."""
    from matplotlib import pyplot as plt

    t = ctx.t
    themes = board.maturity_themes(summary)
    figure, axes = plt.subplots(figsize=(9, max(3.0, 0.5 * len(themes) + 2.0)), dpi=dpi)
    seen: set[str] = set()

    def once(key: str) -> str:
        """A legend entry for the first of each kind only."""
        if key in seen:
            return "_" + t(key)  # matplotlib leaves out a label starting with "_"
        seen.add(key)
        return t(key)

    for y, section in enumerate(themes):
        levels = [a.level for a in section.assessed]
        path = ([section.baseline] if section.baseline is not None else []) + levels
        if len(path) > 1:
            axes.plot(path, [y] * len(path), color=GREY, linewidth=1.2, zorder=1)
        if levels[:-1]:
            axes.plot(levels[:-1], [y] * (len(levels) - 1), "s", color=GREY, markersize=6,
                      label=once("summary.legend.earlier"), zorder=2)  # fmt: skip
        if section.baseline is not None:
            axes.plot([section.baseline], [y], "o", markerfacecolor="white", color=INK,
                      markersize=9, label=once("summary.col.baseline"), zorder=3)  # fmt: skip
        if levels:
            axes.plot([levels[-1]], [y], "s", color=INK, markersize=10,
                      label=once("summary.col.now"), zorder=4)  # fmt: skip
            axes.annotate(fmt.level(ctx.language, levels[-1]), (levels[-1], y),
                          xytext=(0, 9), textcoords="offset points", ha="center",
                          fontsize=8)  # fmt: skip
        if section.target is not None:
            axes.plot([section.target], [y], "D", markerfacecolor="white", color=INK,
                      markersize=9, markeredgewidth=1.6, label=once("summary.col.target"),
                      zorder=3)  # fmt: skip
    axes.set_yticks(range(len(themes)), [_label(s) for s in themes])
    axes.set_ylim(len(themes) - 0.5, -0.7)
    axes.set_xlim(0.8, 5.2)
    axes.set_xticks([1, 2, 3, 4, 5])
    axes.grid(axis="x", color="#dddddd", linewidth=0.8)
    axes.set_axisbelow(True)
    axes.set_xlabel(t("summary.axis.level"))
    axes.set_title(t("summary.maturity_chart"))
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.28), ncol=4, frameon=False)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    return png(figure)


def _spending(summary: Summary, ctx: Context, *, dpi: int) -> bytes:
    """Two bars a theme: planned (white, hatched) and spent (solid), each labelled."""
    from matplotlib import pyplot as plt
    from matplotlib.ticker import FuncFormatter

    t, lang = ctx.t, ctx.language
    themes = board.spending_themes(summary)
    figure, axes = plt.subplots(figsize=(9, max(2.5, 0.6 * len(themes) + 1.8)), dpi=dpi)
    height = 0.38
    planned = [(s.planned_cents or 0) / 100 for s in themes]
    spent = [s.spent_cents / 100 for s in themes]
    ys = list(range(len(themes)))
    bars = axes.barh([y - height / 2 for y in ys], planned, height, color="white",
                     edgecolor=INK, hatch="///", label=t("summary.col.planned"))  # fmt: skip
    axes.bar_label(bars, [board.euros(ctx, s.planned_cents) for s in themes], padding=3,
                   fontsize=8)  # fmt: skip
    bars = axes.barh([y + height / 2 for y in ys], spent, height, color=INK, edgecolor=INK,
                     label=t("summary.col.spent"))  # fmt: skip
    axes.bar_label(
        bars,
        [f"{board.euros(ctx, s.spent_cents)} ({board.share(ctx, s.spent_cents, s.planned_cents)})"
         for s in themes],
        padding=3, fontsize=8,
    )  # fmt: skip
    axes.set_yticks(ys, [_label(s) for s in themes])
    axes.invert_yaxis()
    axes.set_xlim(0, max([*planned, *spent, 1]) * 1.3)  # room for the labels
    axes.xaxis.set_major_formatter(FuncFormatter(lambda x, _: fmt.euros(lang, int(x))))
    axes.set_title(t("summary.spending_chart"))
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=2, frameon=False)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    return png(figure)
