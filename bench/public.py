"""The public page's benchmark: the overview, a measure page and measures.csv over real HTTP,
uncached (every request renders: `PublicConfig(cache_bytes=0)`) and cached (the page as
served: one change-token query, then memory), at N measures and M status updates built by
bench/load.py's builder. Prints one table; history.csv (streamed, never cached) is timed once.

    python bench/public.py                         # 1,000 measures, 1,000,000 updates, SQLite
    python bench/public.py --updates 100000 --databases sqlite postgresql
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load import fill, fresh_database, percentiles, programme_file  # noqa: E402
from bot.public import PublicConfig  # noqa: E402
from bot.web import create_web_app  # noqa: E402
from handlers.messages import Messages  # noqa: E402
from storage.db import make_engine, migrate, session_scope  # noqa: E402
from storage.programme_io import import_file  # noqa: E402
from tests.test_slack import start_server  # noqa: E402

TARGETS = {"uncached": 50.0, "cached": 5.0, "csv": 200.0}


def timed(client: httpx.Client, path: str, n: int) -> list[float]:
    for _ in range(5):  # warm up (and, cached, fill the cache)
        assert client.get(path).status_code == 200
    times = []
    for _ in range(n):
        started = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.text[:200]
    return times


def measure(kind: str, args: argparse.Namespace) -> list[tuple[str, float, float, float]]:
    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        url = fresh_database(kind, folder)
        engine = make_engine(url)
        migrate(engine)
        with session_scope(engine) as session:
            import_file(session, programme_file(folder, args.measures))
        started = time.perf_counter()
        fill(url, args.measures, args.updates)
        print(f"{kind}: {args.updates:,} updates written in {time.perf_counter() - started:.0f} s")
        rows = []
        for name, config in (
            ("uncached", PublicConfig(cache_bytes=0)),
            ("cached", PublicConfig()),
        ):
            app = create_web_app(engine, slack=None, messages=Messages("fi"), public=config)
            server, thread, base = start_server(app)
            try:
                with httpx.Client(base_url=base, timeout=60) as client:
                    for label, path in (("overview", "/"), ("measure 1.1", "/measure/1.1")):
                        rows.append((f"{label}, {name}", *percentiles(timed(client, path, args.n)),
                                     TARGETS[name]))  # fmt: skip
                    if name == "cached":  # the floor: HTTP and the thread pool, no database
                        rows.append(("floor: /public.css", *percentiles(
                            timed(client, "/public.css", args.n)), 0.0))  # fmt: skip
                    if name == "uncached":
                        csv_times = timed(client, "/data/measures.csv", max(args.n // 4, 20))
                        rows.append(("measures.csv, uncached", *percentiles(csv_times),
                                     TARGETS["csv"]))  # fmt: skip
                        started = time.perf_counter()
                        size = len(client.get("/data/history.csv").content)
                        took = (time.perf_counter() - started) * 1000
                        rows.append((f"history.csv once ({size / 1e6:.0f} MB)", took, took, 0.0))
                    page = client.get("/measure/1.1").content
                    rows.append((f"(measure 1.1 page: {len(page) / 1e3:.0f} kB)", 0, 0, 0.0))
            finally:
                server.should_exit = True
                thread.join(timeout=10)
        engine.dispose()
        return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--measures", type=int, default=1000)
    parser.add_argument("--updates", type=int, default=1_000_000)
    parser.add_argument("--n", type=int, default=200, help="requests per case")
    parser.add_argument("--databases", nargs="+", default=["sqlite"])
    args = parser.parse_args()
    for kind in args.databases:
        rows = measure(kind, args)
        print(f"\n{kind}, {args.measures:,} measures, {args.updates:,} updates, n={args.n}")
        print(f"{'case':40} {'p50 ms':>8} {'p99 ms':>8} {'target':>8}")
        for case, p50, p99, target in rows:
            print(f"{case:40} {p50:8.1f} {p99:8.1f} {(f'≤ {target:g}' if target else ''):>8}")


if __name__ == "__main__":
    main()
