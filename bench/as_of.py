"""How long `digibot summary preview --as-of DAY` takes at 1,000,000 status updates, and the
query plans that make it an index seek a measure (`ix_status_update_time`), not a scan.

For each database: the 1,000-measure programme of bench/load.py imported before its two
years of updates, a revision in the middle (100 due dates moved), a spring summary posted
before it; then the summary as of a day after the revision is built and rendered (Block Kit,
Markdown, CSV), median of `--repeat`; and `digibot summary preview --as-of` end to end once.

    python bench/as_of.py                      # 1,000 measures, 1,000,000 updates, both
    python bench/as_of.py --updates 100000 --databases sqlite
PostgreSQL: DIGIBOT_BENCH_POSTGRES_URL, as bench/load.py (the database is emptied).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

import yaml
from sqlalchemy import event, func
from sqlmodel import col, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load import fill, fresh_database, programme_file  # noqa: E402
from bot.slack.blocks import render_messages  # noqa: E402
from handlers.context import Context  # noqa: E402
from handlers.summary.document import render_markdown  # noqa: E402
from handlers.summary.measures_csv import render_csv  # noqa: E402
from handlers.summary.post import end_of_day, preview_as_of  # noqa: E402
from storage import crud  # noqa: E402
from storage.db import make_engine, migrate, session_scope  # noqa: E402
from storage.models import StatusUpdate, SummaryRun  # noqa: E402
from storage.programme_io import import_file  # noqa: E402

IMPORTED = datetime(2024, 8, 1, tzinfo=UTC)  # the updates run from 2024-09-01 for two years
SPRING = datetime(2025, 5, 20, 6, tzinfo=UTC)
REVISED = datetime(2025, 6, 10, tzinfo=UTC)
DAY = date(2025, 9, 19)


def prepare(kind: str, folder: Path, measures: int, updates: int) -> str:
    url = fresh_database(kind, folder)
    engine = make_engine(url)
    migrate(engine)
    path = programme_file(folder, measures)
    with session_scope(engine) as session:
        import_file(session, path, label="1", at=IMPORTED)
    fill(url, measures, updates)
    data = yaml.safe_load(path.read_text())
    for row in data["measures"][:100]:
        row["due"] = "2027-06"
    revised = folder / "revised.yaml"
    revised.write_text(yaml.safe_dump(data))
    with session_scope(engine) as session:
        import_file(session, revised, label="TA 2026", at=REVISED)
        cutoff = session.exec(
            select(func.max(StatusUpdate.id)).where(col(StatusUpdate.created_at) <= SPRING)
        ).one()
        session.add(
            SummaryRun(
                period="2025-H1", channel="C0BENCH", trigger="bench", requested_by="bench",
                as_of="2025-05-20", cutoff_update_id=cutoff, cutoff_at=SPRING,
                claimed_by="bench", claimed_at=SPRING, posted_at=SPRING,
            )
        )  # fmt: skip
    engine.dispose()
    return url


def timed_preview(url: str, repeat: int) -> tuple[float, float, int]:
    """Median ms of building, and of building and rendering (Block Kit, Markdown, CSV)."""
    engine = make_engine(url)
    ctx = Context(engine=engine, language="fi", now=lambda: datetime(2026, 11, 1, tzinfo=UTC))
    built, rendered = [], []
    for _ in range(repeat):
        started = time.perf_counter()
        with session_scope(engine) as session:
            summary, parts = preview_as_of(session, ctx, DAY)
        built.append((time.perf_counter() - started) * 1000)
        messages = [m for part in parts for m in render_messages(part)]
        render_markdown(parts)
        render_csv(summary)
        rendered.append((time.perf_counter() - started) * 1000)
    assert summary.revised is not None and len(summary.revised.moved) == 100
    engine.dispose()
    return statistics.median(built), statistics.median(rendered), len(messages)


def query_plan(url: str) -> str:
    """The plan of the as-of state's query (crud.current_updates with `at`), as the
    database reports it."""
    engine = make_engine(url)
    seen: list[tuple[str, object]] = []

    def keep(_conn, _cursor, statement, parameters, _context, _many) -> None:
        if "status_update" in statement and not seen:
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep)
    with session_scope(engine) as session:
        ids = [m.id for m in crud.measures(session)]
        moment = end_of_day(DAY, Context(engine=engine, language="fi"))
        crud.current_updates(session, measure_ids=ids, at=moment)
    event.remove(engine, "before_cursor_execute", keep)
    statement, parameters = seen[0]
    explain = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
    with engine.connect() as connection:
        rows = connection.exec_driver_sql(explain + statement, parameters).all()
    engine.dispose()
    lines = [str(row[-1] if engine.dialect.name == "sqlite" else row[0]) for row in rows]
    return "\n".join("  " + re.sub(r"'\{[\d,]+\}'", "'{…the ids…}'", line) for line in lines)


def end_to_end(url: str, folder: Path) -> float:
    env = {**os.environ, "DATABASE_URL": url, "DIGIBOT_LANGUAGE": "fi", "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "summary", "preview", "--as-of", DAY.isoformat()],
        env=env, cwd=folder, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert "Ohjelmaa tarkistettu (TA 2026)" in done.stdout, done.stderr
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--measures", type=int, default=1000)
    parser.add_argument("--updates", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args()
    rows = []
    for kind in args.databases.split(","):
        with tempfile.TemporaryDirectory() as name:
            folder = Path(name)
            url = prepare(kind, folder, args.measures, args.updates)
            built, rendered, messages = timed_preview(url, args.repeat)
            plan = query_plan(url)
            whole = end_to_end(url, folder)
        print(f"\n{kind}: the as-of state's query plan\n{plan}")
        rows.append((kind, built, rendered, messages, whole))
    print(
        f"\n{args.measures} measures, {args.updates:,} status updates; summary as of {DAY}, "
        f"median of {args.repeat}; {os.cpu_count()} cores"
    )
    print("| database | build ms | build + render ms | CLI end to end s |\n|---|---|---|---|")
    for kind, built, rendered, messages, whole in rows:
        print(f"| {kind} | {built:.0f} | {rendered:.0f} ({messages} messages) | {whole:.2f} |")


if __name__ == "__main__":
    main()
