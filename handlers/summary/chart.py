"""The summary's chart: measures per status in each theme, as a PNG. Headless (Agg), and
the same data gives the same picture. Its text is plain text: a theme named `Tulot $5^$`
is not mathtext to matplotlib."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import TYPE_CHECKING

from handlers.context import Context
from handlers.summary.build import Summary
from handlers.summary.status_style import STYLES
from handlers.vocabulary import STATUSES

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def status_chart(summary: Summary, ctx: Context, *, dpi: int = 110) -> bytes:
    return headless(lambda: _draw(summary, ctx, dpi=dpi))


def headless(draw: Callable[[], bytes]) -> bytes:
    """A chart drawn without a display, its text plain text."""
    import matplotlib

    matplotlib.use("Agg")
    with matplotlib.rc_context({"text.parse_math": False}):
        return draw()


def png(figure: Figure) -> bytes:
    """The figure as PNG, closed; no software version in it, so the bytes stay the same."""
    from matplotlib import pyplot as plt

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    plt.close(figure)
    return buffer.getvalue()


def _draw(summary: Summary, ctx: Context, *, dpi: int) -> bytes:
    from matplotlib import pyplot as plt
    from matplotlib.ticker import AutoLocator

    themes = [section for section in summary.themes if section.rows]
    labels = [
        f"{s.code} {s.name}" if len(s.name) < 32 else f"{s.code} {s.name[:30]}…" for s in themes
    ]
    height = max(2.5, 0.45 * len(themes) + 1.6)
    figure, axes = plt.subplots(figsize=(9, height), dpi=dpi)
    left = [0] * len(themes)
    for status in STATUSES:
        counts = [sum(1 for r in s.rows if r.status == status) for s in themes]
        style = STYLES[status.code]  # a pattern as well as a colour: readable in black and white
        axes.barh(labels, counts, left=left, label=ctx.t(f"status.{status.code}"),
                  color=style.colour if style.filled else "white", hatch=style.hatch,
                  edgecolor="white" if style.filled else style.colour, linewidth=1)  # fmt: skip
        left = [a + b for a, b in zip(left, counts, strict=True)]
    axes.invert_yaxis()
    axes.set_xlabel(ctx.t("summary.col.count"))
    axes.set_title(ctx.t("summary.chart_alt"))
    locator = AutoLocator()  # matplotlib's default, with whole numbers only: they are counts
    locator.set_params(integer=True)
    axes.xaxis.set_major_locator(locator)
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=3, frameon=False)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    return png(figure)
