"""The load benchmark: a multi-city deployment after a few years, over real HTTP.

For each database (SQLite, PostgreSQL): builds a programme of N measures with M status
updates, times the import, starts `digibot serve` against a local Slack Web API stand-in,
and measures signed `/digi show`, `status` and `list` round trips; starts a minimal Bolt app
that only acknowledges `/digi` as the floor; times building and rendering the summary; reads
the server's peak memory. Prints one table.

    python bench/load.py                       # 1,000 measures, 1,000,000 updates, both
    python bench/load.py --updates 100000 --databases sqlite
    python bench/load.py --sqlite-sync 300     # only: a commit's price, synchronous NORMAL/FULL
PostgreSQL: DIGIBOT_BENCH_POSTGRES_URL, default postgresql+psycopg://digibot:digibot@127.0.0.1/digibot_bench
(the database is created if the role may, and emptied).
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import yaml
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.slack.blocks import render_messages  # noqa: E402
from handlers.commands import handle  # noqa: E402
from handlers.context import Actor, Context  # noqa: E402
from handlers.summary.build import build_summary  # noqa: E402
from handlers.summary.report import summary_parts  # noqa: E402
from storage import summary_runs  # noqa: E402
from storage.db import Timeouts, make_engine, migrate, session_scope  # noqa: E402
from storage.programme_io import import_file  # noqa: E402
from tests.slack_standin import SECRET, SlackClient, SlackStandIn  # noqa: E402

POSTGRES = os.environ.get(
    "DIGIBOT_BENCH_POSTGRES_URL", "postgresql+psycopg://digibot:digibot@127.0.0.1/digibot_bench"
)
OWNER = "U0OWNER"  # owner0@example.org owns 1.1
STATUSES = ["on_track", "on_track", "at_risk", "delayed", "done", "not_started", "postponed"]


def programme_file(folder: Path, measures: int) -> Path:
    themes = [
        {"id": f"T{n}", "name": f"Theme {n}", "baseline": 2.0, "target": 4.0} for n in range(1, 11)
    ]
    rows = [
        {
            "id": f"{n % 10 + 1}.{n // 10 + 1}",
            "theme": f"T{n % 10 + 1}",
            "title": f"Measure {n} of a large programme",
            "owner": f"owner{n % 50}@example.org",
            "deputies": [f"deputy{n % 7}@example.org"],
            "start": "2024-09",
            "due": "2026-12",
            "budget_eur": 1000 * n,
            "indicator": "Share of digital transactions",
            "baseline": "10 %",
            "target": "90 %",
        }
        for n in range(measures)
    ]
    path = folder / "programme.yaml"
    path.write_text(
        yaml.safe_dump({"programme": {"name": "Bench"}, "themes": themes, "measures": rows})
    )
    return path


def fresh_database(kind: str, folder: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{folder / 'bench.db'}"
    url = make_url(POSTGRES)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        if not connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": url.database}
        ).first():
            connection.execute(text(f'CREATE DATABASE "{url.database}"'))
    admin.dispose()
    engine = create_engine(POSTGRES)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return POSTGRES


def fill(url: str, measures: int, updates: int) -> None:
    """M status updates over two years, in bulk (COPY on PostgreSQL)."""
    rng = random.Random(7)
    start = datetime(2024, 9, 1, tzinfo=UTC)
    step = timedelta(days=730) / max(updates, 1)
    rows = (
        (rng.randint(1, measures), f"owner{rng.randint(0, 49)}@example.org", rng.choice(STATUSES),
         rng.randint(0, 100), "Progress as planned; the next step is under way.", "slack",
         start + step * n)
        for n in range(updates)
    )  # fmt: skip
    engine = make_engine(url, Timeouts(statement=3600))  # a million rows in one COPY
    columns = "measure_id, author, status, progress, note, source, created_at"
    with engine.begin() as connection:
        raw = connection.connection.driver_connection
        if engine.dialect.name == "postgresql":
            with (
                raw.cursor() as cursor,
                cursor.copy(f"COPY status_update ({columns}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
        else:
            raw.executemany(
                f"INSERT INTO status_update ({columns}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    (m, a, s, p, n, src, t.replace(tzinfo=None).isoformat(" "))
                    for m, a, s, p, n, src, t in rows
                ),
            )
    with engine.begin() as connection:
        connection.execute(text("ANALYZE"))
    engine.dispose()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_healthy(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(
                f"the server exited: {process.stdout.read() if process.stdout else ''}"
            )
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise SystemExit("the server did not start")


def round_trips(client: SlackClient, text_: str, n: int) -> list[float]:
    for _ in range(20):  # warm up
        client.command(text_, user=OWNER)
    times = []
    for _ in range(n):
        started = time.perf_counter()
        response = client.command(text_, user=OWNER)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.text
    return times


def percentiles(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure(
    kind: str, args: argparse.Namespace, standin: SlackStandIn, floor: tuple[float, float]
) -> dict:
    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        url = fresh_database(kind, folder)
        engine = make_engine(url)
        migrate(engine)
        path = programme_file(folder, args.measures)
        started = time.perf_counter()
        with session_scope(engine) as session:
            import_file(session, path)
        import_s = time.perf_counter() - started
        fill(url, args.measures, args.updates)

        ctx = Context(
            engine=engine, language="fi", now=lambda: datetime(2026, 9, 21, 6, tzinfo=UTC)
        )
        summary_ms = []
        for _ in range(3):
            started = time.perf_counter()
            with session_scope(engine) as session:
                built = build_summary(
                    session,
                    ctx,
                    period="2026-H2",
                    cutoff=summary_runs.max_update_id(session),
                    baseline=None,
                )
            messages = [m for part in summary_parts(built, ctx) for m in render_messages(part)]
            summary_ms.append((time.perf_counter() - started) * 1000)
        engine.dispose()

        port = free_port()
        env = {
            **os.environ, "DATABASE_URL": url, "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": f"{standin.url}/api/",
            "DIGIBOT_PORT": str(port), "DIGIBOT_LANGUAGE": "fi",
            "PYTHONPATH": str(ROOT),  # this checkout's code, not whichever is installed
        }  # fmt: skip
        env.pop("SLACK_APP_TOKEN", None)
        server = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve"], env=env, cwd=folder,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            wait_healthy(port, server)
            client = SlackClient(f"http://127.0.0.1:{port}", standin)
            show = percentiles(round_trips(client, "näytä 1.1", args.commands))
            status = percentiles(
                round_trips(client, "tila 1.1 aikataulussa 55 % Etenee", args.commands)
            )
            listing = percentiles(round_trips(client, "lista", max(20, args.commands // 5)))
            memory = peak_mb(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=30)
    return {
        "database": kind, "show": show, "status": status, "list": listing, "floor": floor,
        "summary_ms": statistics.median(summary_ms), "summary_messages": len(messages),
        "import_s": import_s, "peak_mb": memory,
    }  # fmt: skip


def floor_round_trips(args: argparse.Namespace, standin: SlackStandIn) -> tuple[float, float]:
    port = free_port()
    env = {**os.environ, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": f"{standin.url}/api/"}
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "minimal_bolt.py"), str(port)], env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_healthy(port, server)
        return percentiles(
            round_trips(
                SlackClient(f"http://127.0.0.1:{port}", standin), "näytä 1.1", args.commands
            )
        )
    finally:
        server.terminate()
        server.wait(timeout=30)


def sqlite_sync_cost(commands: int) -> dict[str, tuple[float, float]]:
    """What durability costs on SQLite: `status` commands through the command engine, each
    one commit, with synchronous=NORMAL and with FULL (what the bot uses), a file each; the
    two take turns, so that the machine's other load falls on both alike."""
    times: dict[str, list[float]] = {"NORMAL": [], "FULL": []}
    owner = Actor.from_ref("owner0@example.org")  # owns 1.1
    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        contexts = {}
        for mode in times:
            engine = make_engine(f"sqlite:///{folder / f'{mode}.db'}")

            @event.listens_for(engine, "connect")
            def _mode(dbapi_connection, _record, mode=mode) -> None:  # after the bot's own
                dbapi_connection.execute(f"PRAGMA synchronous={mode}")

            migrate(engine)
            with session_scope(engine) as session:
                import_file(session, programme_file(folder, 100))
            with engine.connect() as connection:
                shown = connection.exec_driver_sql("PRAGMA synchronous").scalar()
                assert shown == {"NORMAL": 1, "FULL": 2}[mode], shown
            contexts[mode] = Context(engine=engine, language="fi")
        for n in range(commands):
            for mode, ctx in contexts.items():
                started = time.perf_counter()
                reply = handle(f"tila 1.1 aikataulussa {n % 101} % Etenee", owner, ctx)
                times[mode].append((time.perf_counter() - started) * 1000)
                assert reply.ok, reply
        for ctx in contexts.values():
            ctx.engine.dispose()
    return {mode: percentiles(values) for mode, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--measures", type=int, default=1000)
    parser.add_argument("--updates", type=int, default=1_000_000)
    parser.add_argument("--commands", type=int, default=300, help="round trips a command")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--sqlite-sync", type=int, metavar="N", help="only: N commits a mode")
    args = parser.parse_args()
    if args.sqlite_sync:
        print(f"\n`status` through the command engine, {args.sqlite_sync} commits a mode")
        print("| SQLite synchronous | p50 | p99 |\n|---|---|---|")
        for mode, (p50, p99) in sqlite_sync_cost(args.sqlite_sync).items():
            print(f"| {mode} | {p50:.2f} ms | {p99:.2f} ms |")
        return
    with SlackStandIn({OWNER: "owner0@example.org"}) as standin:
        floor = floor_round_trips(args, standin)
        results = [measure(kind, args, standin, floor) for kind in args.databases.split(",")]
    sizes = f"{args.measures} measures, {args.updates:,} status updates"
    print(f"\n{sizes}, {args.commands} round trips a command; {os.cpu_count()} cores")
    header = ("database", "show p50/p99", "status p50/p99", "list p50/p99", "floor p50/p99",
              "show÷floor p50", "summary ms", "import s", "peak MB")  # fmt: skip
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for r in results:
        cells = [
            r["database"],
            *(f"{r[k][0]:.1f} / {r[k][1]:.1f} ms" for k in ("show", "status", "list", "floor")),
            f"{r['show'][0] / r['floor'][0]:.2f}",
            f"{r['summary_ms']:.0f} ({r['summary_messages']} messages)",
            f"{r['import_s']:.2f}",
            f"{r['peak_mb']:.0f}",
        ]
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
