"""How long the leadership summary takes to build and render for a large programme.

Builds a SQLite database with N measures over 10 themes and M status updates, then times
building the summary and each rendering (Block Kit, text, Markdown, HTML, the chart).
Usage: python bench/summary.py [--measures 1000] [--updates 100000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load import fill, programme_file  # noqa: E402
from bot.slack.blocks import render_messages  # noqa: E402
from handlers.context import Context  # noqa: E402
from handlers.render_text import render_text  # noqa: E402
from handlers.summary.build import build_summary  # noqa: E402
from handlers.summary.chart import status_chart  # noqa: E402
from handlers.summary.document import render_html, render_markdown  # noqa: E402
from handlers.summary.report import summary_parts, title  # noqa: E402
from storage import summary_runs  # noqa: E402
from storage.db import make_engine, migrate, session_scope  # noqa: E402
from storage.programme_io import import_file  # noqa: E402

STATUSES = ["not_started", "on_track", "on_track", "at_risk", "delayed", "done", "postponed"]


def build(folder: Path, measures: int, updates: int):
    """The same programme and history as bench/load.py, on SQLite."""
    url = f"sqlite:///{folder / 'bench.db'}"
    engine = make_engine(url)
    migrate(engine)
    with session_scope(engine) as session:
        import_file(session, programme_file(folder, measures))
    fill(url, measures, updates)
    return engine


def timed(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--measures", type=int, default=1000)
    parser.add_argument("--updates", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        engine = build(Path(folder), args.measures, args.updates)
        ctx = Context(
            engine=engine, language="fi", now=lambda: datetime(2026, 5, 20, 6, tzinfo=UTC)
        )

        def summary():
            with session_scope(engine) as session:
                return build_summary(
                    session,
                    ctx,
                    period="2026-H1",
                    cutoff=summary_runs.max_update_id(session),
                    baseline=None,
                )

        build_ms, built = timed(summary, args.repeat)
        parts_ms, parts = timed(lambda: summary_parts(built, ctx), args.repeat)
        blocks_ms, messages = timed(
            lambda: [m for p in parts for m in render_messages(p)], args.repeat
        )
        text_ms, _ = timed(lambda: [render_text(p) for p in parts], args.repeat)
        md_ms, _ = timed(lambda: render_markdown(parts), args.repeat)
        chart_ms, png = timed(lambda: status_chart(built, ctx), args.repeat)
        html_ms, _ = timed(
            lambda: render_html(parts, title=title(built, ctx), language="fi", chart_png=png),
            args.repeat,
        )
    sizes = f"{args.measures} measures with {args.updates} updates"
    print(f"summary of {sizes} (SQLite, median of {args.repeat})")
    print(f"{'step':<34}{'ms':>10}")
    for name, value in [
        ("build (queries)", build_ms),
        ("content (parts)", parts_ms),
        (f"Block Kit ({len(messages)} messages)", blocks_ms),
        ("plain text", text_ms),
        ("Markdown", md_ms),
        ("HTML (chart embedded)", html_ms),
        ("chart PNG (matplotlib)", chart_ms),
        ("build + parts + Block Kit", build_ms + parts_ms + blocks_ms),
    ]:
        print(f"{name:<34}{value:>10.1f}")


if __name__ == "__main__":
    main()
