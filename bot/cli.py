"""`digibot`: the command line. Each subcommand is a small function; the schema is
migrated before any of them touches the database."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

import storage
from bot import console
from bot.settings import Settings
from handlers.context import Actor, Context
from handlers.messages import Messages
from storage import crud
from storage.db import make_engine, migrate, session_scope
from storage.export import RestoreRefused, export_csv, export_json, restore
from storage.programme_io import ImportFailed, import_file

EXAMPLE = Path(storage.__file__).parent / "example_programme.yaml"
DEMO_DATABASE = "sqlite:///digibot-demo.db"
DEMO_COORDINATOR = "digikoordinaattori@example.org"
CONSOLE_USER = "console"


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = _parser().parse_args(argv)
    settings = Settings()
    t = Messages(settings.digibot_language)
    command: Callable[[argparse.Namespace, Settings, Messages], int] = args.run
    try:
        return command(args, settings, t)
    except OperationalError as bad:
        url = make_url(args.database if getattr(args, "database", None) else settings.database_url)
        reason = str(bad.orig or bad).splitlines()[0]
        print(
            t("cli.db_unavailable", url=url.render_as_string(hide_password=True), reason=reason),
            file=sys.stderr,
        )
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="digibot",
        description="A chat bot that keeps a city's digital programme moving. "
        "With no command: the bot if Slack credentials are set, else the demo "
        "(the example programme in the local console).",
    )
    parser.set_defaults(run=_default, as_user=None, database=None)
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    p = sub.add_parser(
        "serve", help="the bot: Slack over HTTP, or Socket Mode with SLACK_APP_TOKEN"
    )
    p.set_defaults(run=_serve)

    p = sub.add_parser("console", help="type chat commands in the terminal, or pipe them in")
    p.add_argument("--as", dest="as_user", metavar="USER", help="act as this user id or e-mail")
    p.set_defaults(run=_console)

    p = sub.add_parser("demo", help="load the bundled example programme and open the console")
    p.add_argument("--as", dest="as_user", metavar="USER", default=DEMO_COORDINATOR)
    p.add_argument("--database", default=DEMO_DATABASE, help=f"default {DEMO_DATABASE}")
    p.set_defaults(run=_demo)

    p = sub.add_parser("import", help="load or update the programme from YAML or CSV")
    p.add_argument("file", type=Path)
    p.set_defaults(run=_import)

    p = sub.add_parser("export", help="measures (and with --history every update) to stdout")
    p.add_argument("--format", choices=("json", "csv"), default="json")
    p.add_argument("--history", action="store_true", help="include every status update")
    p.add_argument("--output", type=Path, help="write to this file instead of stdout")
    p.set_defaults(run=_export)

    p = sub.add_parser("restore", help="load a JSON export with history into an empty database")
    p.add_argument("file", type=Path)
    p.set_defaults(run=_restore)

    p = sub.add_parser("coordinator", help="grant or revoke the coordinator role")
    p.add_argument("action", choices=("add", "remove", "list"))
    p.add_argument("user", nargs="?", help="user id or e-mail")
    p.set_defaults(run=_coordinator)
    return parser


def _engine(settings: Settings, url: str | None = None) -> Engine:
    engine = make_engine(url or settings.database_url)
    migrate(engine)
    return engine


def _context(
    engine: Engine, settings: Settings, *, coordinators: set[str] = frozenset()
) -> Context:
    return Context(
        engine=engine,
        language=settings.digibot_language,
        timezone=settings.timezone,
        coordinators=frozenset(settings.digibot_coordinators) | coordinators,
        source="console",
    )


def _default(args: argparse.Namespace, settings: Settings, t: Messages) -> int:
    """With chat credentials the bot; without, the demo."""
    if settings.slack_configured:
        return _serve(args, settings, t)
    return _demo(args, settings, t)


def _serve(args: argparse.Namespace, settings: Settings, t: Messages) -> int:
    from bot.serve import serve  # Slack's libraries load only for the bot itself

    return serve(settings, _engine(settings))


def _console(args: argparse.Namespace, settings: Settings, t: Messages) -> int:
    engine = _engine(settings, args.database)
    if args.as_user:
        return console.run(Actor.from_ref(args.as_user), _context(engine, settings))
    # Whoever runs the console holds the database already: the local operator coordinates.
    ctx = _context(engine, settings, coordinators={CONSOLE_USER})
    return console.run(Actor(user_id=CONSOLE_USER), ctx)


def _demo(args: argparse.Namespace, settings: Settings, t: Messages) -> int:
    url = args.database or DEMO_DATABASE
    engine = _engine(settings, url)
    with session_scope(engine) as session:
        import_file(session, EXAMPLE)
        crud.add_coordinator(session, ref=DEMO_COORDINATOR, added_by="demo")
    print(t("demo.loaded", path=make_url(url).database or url))
    print(t("demo.try"))
    return console.run(Actor.from_ref(args.as_user or DEMO_COORDINATOR), _context(engine, settings))


def _import(args: argparse.Namespace, settings: Settings, t: Messages) -> int:
    path: Path = args.file
    if not path.is_file():
        print(t("cli.file_unreadable", path=path, reason="not found"), file=sys.stderr)
        return 1
    engine = _engine(settings)
    try:
        with session_scope(engine) as session:
            result = import_file(session, path)
    except ImportFailed as failed:
        print(t("cli.import_failed", count=len(failed.problems), path=path), file=sys.stderr)
        for problem in failed.problems:
            message = t(problem.key, **problem.params)
            print(
                "  "
                + t(
                    "cli.import_error_line", line=problem.line, field=problem.field, message=message
                ),
                file=sys.stderr,
            )
        return 1
    counts = vars(result)
    print(t("cli.import_ok", path=path, **counts))
    return 0


def _export(args: argparse.Namespace, settings: Settings, t: Messages) -> int:
    engine = _engine(settings)
    with session_scope(engine) as session:
        write = export_json if args.format == "json" else export_csv
        text = write(session, history=args.history)
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def _restore(args: argparse.Namespace, settings: Settings, t: Messages) -> int:
    path: Path = args.file
    try:
        raw = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as bad:
        print(t("cli.file_unreadable", path=path, reason=bad), file=sys.stderr)
        return 1
    engine = _engine(settings)
    try:
        with session_scope(engine) as session:
            measures, updates = restore(session, raw)
    except RestoreRefused as refused:
        if refused.reason == "not_empty":
            print(t("cli.restore_not_empty", **refused.params), file=sys.stderr)
        else:
            print(
                t("cli.restore_invalid", path=path, reason=refused.params["detail"]),
                file=sys.stderr,
            )
        return 1
    print(t("cli.restore_ok", path=path, measures=measures, updates=updates))
    return 0


def _coordinator(args: argparse.Namespace, settings: Settings, t: Messages) -> int:
    engine = _engine(settings)
    if args.action == "list":
        with session_scope(engine) as session:
            stored = crud.coordinator_refs(session)
        lines = [t("cli.coordinator_from_env", ref=ref) for ref in settings.digibot_coordinators]
        lines += stored
        print("\n".join(lines) if lines else t("cli.coordinator_none"))
        return 0
    ref = (args.user or "").strip()
    if not crud.is_valid_ref(ref):
        print(t("cli.bad_ref", ref=ref), file=sys.stderr)
        return 1
    ref = crud.normalize_ref(ref)
    with session_scope(engine) as session:
        if args.action == "add":
            added = crud.add_coordinator(session, ref=ref, added_by="cli")
            print(t("cli.coordinator_added" if added else "cli.coordinator_exists", ref=ref))
            return 0
        removed = crud.remove_coordinator(session, ref=ref)
    print(t("cli.coordinator_removed" if removed else "cli.coordinator_missing", ref=ref))
    return 0 if removed else 1


if __name__ == "__main__":
    sys.exit(main())
