"""How fast `digibot serve` acknowledges `/digi` over real HTTP with signed requests.

Builds a database with the example programme, starts `digibot serve` against a local Slack
Web API stand-in, sends N signed slash commands (show, status, list, list mine, history)
and prints the round-trip times. Usage: python bench/slack_ack.py [--commands 400]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.slack_standin import SECRET, SlackClient, SlackStandIn  # noqa: E402

COMMANDS = [
    ("show 1.1", "U0OWNER"),
    ("status 1.1 on-track 40% Pilot running", "U0OWNER"),
    ("list", "U0OTHER"),
    ("list mine", "U0OWNER"),
    ("history 1.1", "U0OTHER"),
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--commands", type=int, default=400)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as folder,
        SlackStandIn({"U0OWNER": "kehitysjohtaja@example.org"}) as standin,
    ):
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{Path(folder) / 'bench.db'}",
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": f"{standin.url}/api/",
            "DIGIBOT_LANGUAGE": "en",
        }
        env.pop("SLACK_APP_TOKEN", None)
        digibot = [sys.executable, "-m", "bot.cli"]
        subprocess.run(
            [*digibot, "import", str(ROOT / "storage" / "example_programme.yaml")],
            env=env,
            cwd=folder,
            check=True,
            capture_output=True,
        )
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        server = subprocess.Popen(
            [*digibot, "serve"],
            env={**env, "DIGIBOT_PORT": str(port)},
            cwd=folder,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            _wait(f"http://127.0.0.1:{port}/health")
            client = SlackClient(f"http://127.0.0.1:{port}", standin)
            for text, user in COMMANDS:  # warm up
                client.command(text, user=user)
            times: dict[str, list[float]] = {text.split()[0]: [] for text, _ in COMMANDS}
            for n in range(args.commands):
                text, user = COMMANDS[n % len(COMMANDS)]
                started = time.perf_counter()
                response = client.command(text, user=user)
                elapsed = (time.perf_counter() - started) * 1000
                assert response.status_code == 200, response.text
                times[text.split()[0]].append(elapsed)
        finally:
            server.terminate()
            server.wait(timeout=20)
    every = [t for values in times.values() for t in values]
    print(f"{len(every)} signed /digi commands over HTTP to digibot serve (SQLite)")
    print(f"{'command':<10}{'n':>6}{'p50 ms':>10}{'p99 ms':>10}{'max ms':>10}")
    for name, measured in [*times.items(), ("all", every)]:
        values = sorted(measured)
        p99 = values[min(len(values) - 1, int(len(values) * 0.99))]
        print(
            f"{name:<10}{len(values):>6}{statistics.median(values):>10.1f}{p99:>10.1f}{values[-1]:>10.1f}"
        )


def _wait(url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise SystemExit("digibot serve did not start")


if __name__ == "__main__":
    main()
