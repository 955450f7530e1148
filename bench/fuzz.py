"""The campaign that tried to break the bot, as a long run: N generated inputs (the suite's
own generators in tests/test_properties.py) as an owner, a coordinator and a stranger, and
every fault the bot logged at ERROR, grouped by its first line.

Usage: python bench/fuzz.py [--inputs 10000] [--database URL]   (default: a new SQLite file)
Exit status 1 if any input made a fault.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hypothesis import HealthCheck, given, settings  # noqa: E402

from handlers.commands import handle  # noqa: E402
from handlers.context import Actor, Context  # noqa: E402
from storage.db import make_engine, migrate, session_scope  # noqa: E402
from storage.programme_io import import_file  # noqa: E402
from tests.conftest import COORDINATOR, EXAMPLE, OWNER, STRANGER  # noqa: E402
from tests.test_properties import Faults, anything  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=10_000)
    parser.add_argument("--database", help="a database to use (it is filled and written to)")
    args = parser.parse_args()
    url = args.database or f"sqlite:///{tempfile.mkdtemp()}/fuzz.db"
    engine = make_engine(url)
    migrate(engine)
    with session_scope(engine) as session:
        import_file(session, EXAMPLE)
    ctx = Context(engine=engine, language="en", coordinators=frozenset({COORDINATOR}))
    faults = Faults()
    logging.getLogger().addHandler(faults)
    seen: Counter[str] = Counter()
    examples: dict[str, str] = {}
    actors = [Actor.from_ref(ref) for ref in (OWNER, COORDINATOR, STRANGER)]

    @settings(
        max_examples=args.inputs, deadline=None, database=None,
        suppress_health_check=list(HealthCheck),
    )  # fmt: skip
    @given(text=anything)
    def campaign(text: str) -> None:
        for actor in actors:
            handle(text, actor, ctx)
            for fault in faults.take():
                first = fault.splitlines()[0][:160]
                seen[first] += 1
                examples.setdefault(first, repr(text)[:200])

    campaign()
    engine.dispose()
    print(f"{args.inputs} inputs × {len(actors)} users: {sum(seen.values())} faults")
    for first, count in seen.most_common():
        print(f"  {count:6d}  {first}\n          e.g. {examples[first]}")
    return 1 if seen else 0


if __name__ == "__main__":
    sys.exit(main())
