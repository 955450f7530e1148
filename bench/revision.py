"""How long a revision of a large programme takes to apply (issue 11: ≤ 2 s for 1,000
measures with 100 changes).

Imports bench/load.py's 1,000-measure programme into a fresh database, then times
importing a revised file, as `digibot import` does it: reading and checking the file,
applying it, retiring, recording the plan history, rendering the change list, committing.
The revision moves 40 due dates, changes 20 owners and 20 titles, drops 10 measures and
adds 10. Each repeat starts from a fresh database. The CPU time of this process is printed beside
the wall time: on a shared machine it tells the work from the wait.
Usage: python bench/revision.py [--measures 1000] [--repeat 3] [--database URL]
(a PostgreSQL URL is emptied first: give one of your own).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load import programme_file  # noqa: E402
from handlers.messages import Messages  # noqa: E402
from handlers.revision_text import change_lines, names_for  # noqa: E402
from storage.db import make_engine, migrate, session_scope  # noqa: E402
from storage.programme_io import import_file  # noqa: E402


def revised(path: Path) -> Path:
    """The programme with 100 changes: 40 dues, 20 owners, 20 titles, 10 out, 10 new."""
    document = yaml.safe_load(path.read_text())
    rows = document["measures"]
    for n, row in enumerate(rows[:40]):
        row["due"] = f"2027-{n % 12 + 1:02d}"
    for row in rows[40:60]:
        row["owner"] = "new.owner@example.org"
    for row in rows[60:80]:
        row["title"] += " (revised)"
    del rows[80:90]
    rows.extend(
        {"id": f"99.{n}", "theme": "T1", "title": f"New measure {n}", "owner": "a@example.org"}
        for n in range(10)
    )
    document["programme"]["revision"] = "TA 2027"
    out = path.with_name("revised.yaml")
    out.write_text(yaml.safe_dump(document))
    return out


def fresh(url: str) -> None:
    if url.startswith("postgresql"):
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--measures", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database", help="default: a SQLite file in a temporary folder")
    args = parser.parse_args()
    t = Messages("fi")
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        original = programme_file(folder, args.measures)
        revision = revised(original)
        first, applied, used, lines = [], [], [], []
        for n in range(args.repeat):
            url = args.database or f"sqlite:///{folder / f'bench{n}.db'}"
            fresh(url)
            engine = make_engine(url)
            migrate(engine)
            started = time.perf_counter()
            with session_scope(engine) as session:
                import_file(session, original)
            first.append(time.perf_counter() - started)
            started, cpu = time.perf_counter(), time.process_time()
            with session_scope(engine) as session:
                result = import_file(session, revision, allow_mass_retire=False)
                lines = change_lines(t, result.changes, names_for(session, result.changes))
            applied.append(time.perf_counter() - started)
            used.append(time.process_time() - cpu)
            engine.dispose()
    kinds = {k: sum(c.kind == k for c in result.changes) for k in ("added", "retired", "changed")}
    print(f"database: {engine.dialect.name}; {args.measures} measures; {args.repeat} repeats")
    print(f"first import: median {statistics.median(first):.2f} s")
    print(
        f"revision ({sum(kinds.values())} measures changed: {kinds}, {len(lines)} lines "
        f"listed): median {statistics.median(applied):.2f} s, slowest {max(applied):.2f} s; "
        f"this process's CPU {statistics.median(used):.2f} s (the machine may be shared)"
    )


if __name__ == "__main__":
    main()
