"""`digibot`: the command line. Each subcommand is a small function; the schema is
migrated before any of them touches the database."""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path

from dotenv import load_dotenv
from pydantic import ValidationError
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError
from sqlmodel import Session

import storage
from bot import console, logs, platforms
from bot.settings import Settings
from handlers import formatting as fmt
from handlers.context import Actor, Context
from handlers.handover import handover_messages
from handlers.messages import Messages
from handlers.render_text import render_text
from handlers.replies import Reply
from handlers.revision_text import change_lines, names_for
from handlers.summary.build import Summary
from storage import crud, person_data, plan, summary_runs
from storage.db import make_engine, migrate, session_scope
from storage.export import export_csv, export_json
from storage.maturity_import import import_maturity
from storage.plan import PlanChange
from storage.programme_io import ImportFailed, ImportRefused, add_example_updates, import_file
from storage.restore import RestoreRefused, restore
from storage.text import neutralise

log = logging.getLogger(__name__)
EXAMPLE = Path(storage.__file__).parent / "example_programme.yaml"
EXAMPLE_UPDATES = Path(storage.__file__).parent / "example_updates.yaml"
DEMO_DATABASE = "sqlite:///digibot-demo.db"
DEMO_COORDINATOR = "digikoordinaattori@example.org"
CONSOLE_USER = "console"


def main(argv: list[str] | None = None) -> int:
    load_dotenv(".env", override=False)  # the Teams SDK reads its settings from the environment
    args = _parser().parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as bad:
        for problem in bad.errors():
            print(
                f"{'.'.join(map(str, problem['loc'])).upper()}: {problem['msg']}", file=sys.stderr
            )
        return 2
    logs.configure(settings.digibot_log_level or "WARNING", settings.digibot_log_format)
    t = Messages(settings.digibot_language)
    command: Callable[[argparse.Namespace, Settings, Messages], int] = args.run
    try:
        return command(args, settings, t)
    except ArgumentError as bad:
        print(t("cli.bad_database_url", reason=bad), file=sys.stderr)
        return 2
    except OSError as bad:
        print(
            t("cli.file_unreadable", path=bad.filename or "", reason=bad.strerror or bad),
            file=sys.stderr,
        )
        return 1
    except DBAPIError as bad:
        if not isinstance(bad, OperationalError):
            print(t("cli.db_refused", reason=str(bad.orig or bad).splitlines()[0]), file=sys.stderr)
            return 1
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

    p = sub.add_parser(
        "import",
        help="load or revise the programme from YAML or CSV",
        description="Load or revise the programme: each import is a revision (label, time, "
        "who). Measures and themes the file leaves out are retired, never deleted; those it "
        "brings back are reinstated with their history. The changes are printed, measure by "
        "measure and field by field. All or nothing.",
    )
    p.add_argument("file", type=Path)
    p.add_argument(
        "--revision", metavar="LABEL",
        help="the revision's label, e.g. \"TA 2027\" (default: the file's programme.revision, "
        "else today's date)",
    )  # fmt: skip
    p.add_argument(
        "--dry-run", action="store_true",
        help="print what the import would change, and change nothing",
    )  # fmt: skip
    p.add_argument(
        "--allow-mass-retire", action="store_true",
        help="allow a revision that retires more than half of the measures in force "
        "(refused otherwise: a truncated file must not wipe the programme)",
    )  # fmt: skip
    p.add_argument(
        "--new-period", action="store_true",
        help="open the period named in the file's programme.period and close the current "
        "one: measures carried over by id keep their history, the others are retired with "
        "the old period (no mass-retire limit); an id whose title changes beyond recognition "
        "is refused as reused",
    )  # fmt: skip
    p.add_argument("--by", metavar="NAME", help="who makes the revision (default: the OS user)")
    p.set_defaults(run=_import)

    p = sub.add_parser(
        "import-maturity", help="record maturity assessments from CSV: theme, level, date, source"
    )
    p.add_argument("file", type=Path)
    p.add_argument("--by", help="recorded as their author (default: your user name)")
    p.set_defaults(run=_import_maturity)

    p = sub.add_parser(
        "import-actuals", help="record spending from the finance system's actuals (CSV)"
    )
    p.add_argument("file", type=Path)
    p.add_argument("--by", help="who reports them (default: the operating system's user)")
    p.set_defaults(run=_import_actuals)

    p = sub.add_parser("export", help="measures (and with --history every update) to stdout")
    p.add_argument("--format", choices=("json", "csv"), default="json")
    p.add_argument("--history", action="store_true", help="include every status update")
    p.add_argument("--output", type=Path, help="write to this file instead of stdout")
    p.add_argument("--excel", action="store_true", help="CSV with ; and a BOM, for Excel")
    p.add_argument(
        "--as-of", metavar="DAY", help="as the data stood at the end of that day (YYYY-MM-DD)"
    )
    p.set_defaults(run=_export)

    p = sub.add_parser("restore", help="load a JSON export with history into an empty database")
    p.add_argument("file", type=Path)
    p.set_defaults(run=_restore)

    p = sub.add_parser(
        "summary", help="the leadership summary: preview it, post it, or show a posted one"
    )
    p.add_argument("action", choices=("preview", "post", "show"))
    p.add_argument("name", nargs="?", help="show: the posted summary, e.g. 2026-H1")
    p.add_argument(
        "--as-of", metavar="YYYY-MM-DD", help="preview: as the data stood at the end of that day"
    )
    p.add_argument(
        "--format", choices=("text", "markdown", "html", "csv"), default="text",
        help="preview's format (html: the print-ready document for the city board)",
    )  # fmt: skip
    p.add_argument("--output", type=Path, help="write the preview to this file")
    p.add_argument(
        "--force", action="store_true", help="post again this period, recorded as a repost"
    )
    p.set_defaults(run=_summary)

    p = sub.add_parser("remind", help="send the reminders now (once a person a day)")
    p.set_defaults(run=_remind)

    p = sub.add_parser("teams-package", help="build the Teams app package (zip) to upload")
    p.add_argument("--bot-id", help="the bot's Entra app id (default: from the environment)")
    p.add_argument("--host", required=True, help="the public host name of digibot serve")
    p.add_argument("--output", type=Path, default=Path("digibot-teams.zip"))
    p.set_defaults(run=_teams_package)

    p = sub.add_parser("coordinator", help="grant or revoke the coordinator role")
    p.add_argument("action", choices=("add", "remove", "list"))
    p.add_argument("user", nargs="?", help="user id or e-mail")
    p.set_defaults(run=_coordinator)

    p = sub.add_parser("person", help="a person's data: export it (right of access) or forget")
    p.add_argument("action", choices=("export", "forget"))
    p.add_argument("id", help="the person's row id, user id or e-mail")
    p.add_argument("--output", type=Path, help="the export's file (default: stdout)")
    p.set_defaults(run=_person)
    return parser


def _engine(settings: Settings, url: str | None = None) -> Engine:
    engine = make_engine(url or settings.database_url, settings.db_timeouts)
    migrate(engine)
    return engine


def _context(
    engine: Engine, settings: Settings, *, coordinators: frozenset[str] = frozenset()
) -> Context:
    return platforms.context(settings, engine, source="console", coordinators=coordinators)


def _default(args: argparse.Namespace, settings: Settings, t: Messages) -> int:
    """With chat credentials the bot; without any, the demo; with some, what is missing."""
    if settings.slack_configured or settings.teams_configured or settings.webhook_url:
        return _serve(args, settings, t)
    if settings.slack_bot_token or settings.slack_signing_secret or settings.slack_app_token:
        print(t("slack.missing_credentials"), file=sys.stderr)
        return 1
    return _demo(args, settings, t)


def _serve(args: argparse.Namespace, settings: Settings, t: Messages) -> int:
    from bot.serve import serve  # Slack's libraries load only for the bot itself

    logs.configure(settings.digibot_log_level or "INFO", settings.digibot_log_format)
    return serve(settings, _engine(settings))


def _console(args: argparse.Namespace, settings: Settings, t: Messages) -> int:
    engine = _engine(settings, args.database)
    if args.as_user:
        if (actor := _as(args.as_user, t)) is None:
            return 1
        return console.run(actor, _context(engine, settings))
    # Whoever runs the console holds the database already: the local operator coordinates.
    ctx = _context(engine, settings, coordinators=frozenset({CONSOLE_USER}))
    return console.run(Actor(user_id=CONSOLE_USER), ctx)


def _as(ref: str, t: Messages) -> Actor | None:
    """`--as`: a user id or an e-mail address, as the programme names people."""
    if not crud.is_valid_ref(ref.strip()):
        print(t("cli.bad_ref", ref=neutralise(ref)), file=sys.stderr)
        return None
    return Actor.from_ref(ref.strip())


def _demo(args: argparse.Namespace, settings: Settings, t: Messages) -> int:
    if (actor := _as(args.as_user or DEMO_COORDINATOR, t)) is None:
        return 1
    url = args.database or DEMO_DATABASE
    engine = _engine(settings, url)
    with session_scope(engine) as session:
        import_file(session, EXAMPLE)
        crud.add_coordinator(session, ref=DEMO_COORDINATOR, added_by="demo")
        if summary_runs.max_update_id(session) == 0:
            add_example_updates(session, EXAMPLE_UPDATES)
    print(t("demo.loaded", path=make_url(url).database or url))
    print(t("demo.try"))
    return console.run(actor, _context(engine, settings))


def _import(args: argparse.Namespace, settings: Settings, t: Messages) -> int:
    path: Path = args.file
    if not path.is_file():
        print(t("cli.file_unreadable", path=path, reason="not found"), file=sys.stderr)
        return 1
    engine = _engine(settings)
    try:
        with session_scope(engine) as session:
            previous = plan.current_period(session)
            result = import_file(
                session,
                path,
                label=args.revision,
                by=args.by or _os_user(),
                new_period=args.new_period,
                allow_mass_retire=args.allow_mass_retire,
            )
            lines = change_lines(t, result.changes, names_for(session, result.changes))
            period = plan.current_period(session)
            said = {"period": period.name if period else "", "path": path}
            if previous is not None and args.new_period:
                said["previous"] = previous.name
            if result.revision is not None:
                said |= {"label": result.revision.label, "by": result.revision.created_by}
            if args.dry_run:
                session.rollback()  # the whole import ran; none of it stays
    except ImportFailed as failed:
        _import_problems(failed, path, t)
        return 1
    except ImportRefused as refused:
        print(t("import.refused", path=path), file=sys.stderr)
        for key, params in refused.reasons:
            print("  " + neutralise(t(key, **params)), file=sys.stderr)
        return 1
    if args.dry_run:
        if "label" not in said:
            print(t("import.dry_run_nothing", **said))
            return 0
        print(neutralise(t("import.dry_run", **said)))
    else:
        print(t("cli.import_ok", path=path, **vars(result)))
        if "label" not in said:
            print(t("import.nothing_changed"))
            return 0
        if "previous" in said:
            print(neutralise(t("import.new_period_opened", **said)))
        print(neutralise(t("import.revision_recorded", **said)))
    for line in lines:
        print(neutralise(line))
    if not args.dry_run:
        _tell_new_owners(engine, settings, result.changes)
    return 0


def _tell_new_owners(engine: Engine, settings: Settings, changes: Iterable[PlanChange]) -> None:
    """An import that changed owners tells each new owner what they now own, as a handover
    does, where a chat platform is configured."""
    if not (settings.slack_bot_token or settings.teams_configured):
        return
    ctx = platforms.context(settings, engine, source="console")
    with session_scope(engine) as session:
        messages = handover_messages(session, changes, ctx)
    if not messages:
        return
    messenger = platforms.build(settings, engine).messenger
    sent = sum(messenger.send_direct(m.person_ref, m.reply) for m in messages)
    print(ctx.t("cli.handover_sent", sent=sent, unreachable=len(messages) - sent))


def _person(args: argparse.Namespace, settings: Settings, t: Messages) -> int:
    engine = _engine(settings)
    with session_scope(engine) as session:
        person = person_data.find(session, args.id)
        if person is None:
            print(t("cli.person_unknown", ref=neutralise(args.id)), file=sys.stderr)
            return 1
        if args.action == "export":
            text = person_data.export(session, person)
            log.warning("access request: person %d's data exported", person.id)
        else:
            pseudonym = t("person.former", number=person.id)
            forgotten = person_data.forget(session, person, pseudonym=pseudonym)
            key = "cli.person_forgotten" if forgotten else "cli.person_already_forgotten"
            log.warning("person %d %s", person.id, "forgotten" if forgotten else "forgotten before")
            print(t(key, id=person.id, pseudonym=person.name))
            return 0
    if args.output:
        args.output.write_text(text, encoding="utf-8")
        print(t("cli.person_exported", id=person.id, path=args.output))
    else:
        sys.stdout.write(text)
    return 0


def _os_user() -> str:
    """Who runs the import, as the operating system knows them."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no such user in a container's passwd, no LOGNAME
        return "cli"


def _import_maturity(args: argparse.Namespace, settings: Settings, t: Messages) -> int:
    path: Path = args.file
    if not path.is_file():
        print(t("cli.file_unreadable", path=path, reason="not found"), file=sys.stderr)
        return 1
    engine = _engine(settings)
    today = datetime.now(settings.timezone).date()
    try:
        with session_scope(engine) as session:
            result = import_maturity(session, path, by=args.by or _os_user(), today=today)
    except ImportFailed as failed:
        _import_problems(failed, path, t)
        return 1
    print(t("cli.maturity_ok", path=path, count=len(result.recorded), already=len(result.already)))
    for row in result.recorded:
        about = ", ".join(p for p in (row.source, fmt.when(t.language, row.assessed_on)) if p)
        level = fmt.level(t.language, row.level_hundredths / 100)
        line = t("cli.maturity_line", theme=row.theme.code, level=level, about=about, line=row.line)
        print("  " + neutralise(line))
    return 0


def _import_actuals(args: argparse.Namespace, settings: Settings, t: Messages) -> int:
    """Actuals: all rows or none, each problem at its line; prints what it recorded."""
    from storage.actuals import read_actuals, record_actuals

    path: Path = args.file
    if not path.is_file():
        print(t("cli.file_unreadable", path=path, reason="not found"), file=sys.stderr)
        return 1
    engine = _engine(settings)
    ctx = _context(engine, settings)
    now = ctx.now()
    try:
        rows = read_actuals(path, today=now.astimezone(ctx.timezone).date())
        with session_scope(engine) as session:
            recorded = record_actuals(session, rows, by=args.by or _os_user(), at=now)
            lines = [
                t("cli.actuals_line", id=m.code, year=s.year, day=s.reported_on,
                  amount=fmt.euros(t.language, s.spent_cents, in_cents=True))
                for m, s in recorded
            ]  # fmt: skip
    except ImportFailed as failed:
        _import_problems(failed, path, t)
        return 1
    print(t("cli.actuals_ok", path=path, count=len(lines)))
    for line in lines:
        print("  " + neutralise(line))
    return 0


def _import_problems(failed: ImportFailed, path: Path, t: Messages) -> None:
    print(t("cli.import_failed", count=len(failed.problems), path=path), file=sys.stderr)
    for problem in failed.problems:
        message = t(problem.key, **problem.params)
        line = t("cli.import_error_line", line=problem.line, field=problem.field, message=message)
        print("  " + neutralise(line), file=sys.stderr)  # the file's text, shown inert


def _export(args: argparse.Namespace, settings: Settings, t: Messages) -> int:
    from handlers.state import as_of

    engine = _engine(settings)
    with session_scope(engine) as session:
        at = None
        if args.as_of is not None:
            day = as_of.parse_day(args.as_of)
            if day is None:
                print(t("summary.as_of_bad", value=args.as_of), file=sys.stderr)
                return 1
            try:
                at = as_of.moment_of(session, day, _context(engine, settings))
            except as_of.Refused as refused:
                print(t(refused.key, **refused.values), file=sys.stderr)
                return 1
        if args.format == "json":
            text = export_json(session, history=args.history, at=at)
        else:
            text = export_csv(session, history=args.history, excel=args.excel, at=at)
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
            count = len(refused.problems)
            print(t("cli.restore_invalid", path=path, count=count), file=sys.stderr)
            for problem in refused.problems:
                message = t(problem.key, **problem.params)
                if problem.path != "-":  # "-": the file as a whole
                    message = t("cli.restore_problem", place=problem.path, message=message)
                print("  " + neutralise(message), file=sys.stderr)  # the file's text, inert
            print(t("cli.restore_how"), file=sys.stderr)
        return 1
    print(t("cli.restore_ok", path=path, measures=measures, updates=updates))
    return 0


def _summary(args: argparse.Namespace, settings: Settings, t: Messages) -> int:
    from handlers.summary import post as summary_post

    if (args.as_of and args.action != "preview") or (args.name and args.action != "show"):
        print(t("summary.cli_usage"), file=sys.stderr)
        return 2
    engine = _engine(settings)
    ctx = _context(engine, settings)
    if args.action == "post":
        publishers = platforms.build(settings, engine).publishers
        if not publishers:
            print(t("summary.no_channel"), file=sys.stderr)
            return 1
        failed = False
        for publisher in publishers:
            outcome = summary_post.post(
                ctx, publisher, force=args.force, trigger="cli", requested_by="cli"
            )
            print(render_text(summary_post.outcome_reply(outcome, ctx)))
            failed = failed or outcome.state == "failed"
        return 1 if failed else 0
    with session_scope(engine) as session:
        shown = _past_summary(args, session, ctx)
        if isinstance(shown, str):
            print(shown, file=sys.stderr)
            return 1
        summary, parts = shown or summary_post.preview(session, ctx)
    text = neutralise(_summary_document(args.format, summary, parts, ctx))  # notes inert
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def _past_summary(
    args: argparse.Namespace, session: Session, ctx: Context
) -> tuple[Summary, list[Reply]] | str | None:
    """`show NAME` or `preview --as-of DAY`: the summary then, or why not; None for now."""
    from handlers.state import as_of
    from handlers.summary.post import posted_summary, preview_as_of, run_name

    if args.action == "show":
        runs = summary_runs.posted_runs(session)
        posted = dict.fromkeys(run_name(r, ctx) for r in runs)
        names = ", ".join(posted) or ctx.t("summary.show_none")
        if not args.name:
            return ctx.t("summary.show_period", periods=names)
        found = [r for r in runs if r.period.lower() == args.name.strip().lower()]
        if not found:
            return ctx.t("summary.show_unknown", period=args.name, periods=names)
        return posted_summary(session, ctx, max(found, key=lambda r: (r.attempt, -r.id)))
    if args.as_of is None:
        return None
    day = as_of.parse_day(args.as_of)
    if day is None:
        return ctx.t("summary.as_of_bad", value=args.as_of)
    try:
        return preview_as_of(session, ctx, day)
    except as_of.Refused as refused:
        return ctx.t(refused.key, **refused.values)


def _summary_document(fmt: str, summary: Summary, parts: list[Reply], ctx: Context) -> str:
    from handlers.summary.chart import status_chart
    from handlers.summary.document import render_html, render_markdown
    from handlers.summary.report import title

    if fmt == "markdown":
        return render_markdown(parts)
    if fmt == "html":
        from handlers.summary.board_charts import board_charts

        png, charts = status_chart(summary, ctx), board_charts(summary, ctx)
        return render_html(
            parts, title=title(summary, ctx), language=ctx.language, chart_png=png, charts=charts
        )
    if fmt == "csv":
        from handlers.summary.measures_csv import render_csv

        return render_csv(summary)
    return "\n\n".join(render_text(part) for part in parts) + "\n"


def _remind(args: argparse.Namespace, settings: Settings, t: Messages) -> int:
    from handlers.reminders import outcome_reply, send_reminders
    from handlers.schedule import next_summary, parse_month_days, parse_time

    if not (settings.slack_bot_token or settings.teams_configured):
        print(t("slack.missing_credentials"), file=sys.stderr)
        return 1
    engine = _engine(settings)
    ctx = _context(engine, settings)
    messenger = platforms.build(settings, engine).messenger
    now = ctx.now()
    slot = next_summary(
        now, parse_month_days(settings.digibot_summary_dates),
        parse_time(settings.digibot_summary_time), settings.timezone,
    )  # fmt: skip
    today = now.astimezone(settings.timezone).date()
    outcome = send_reminders(ctx, messenger, slot=slot, day=today)
    print(render_text(outcome_reply(outcome, ctx)))
    return 0


def _teams_package(args: argparse.Namespace, settings: Settings, t: Messages) -> int:
    from bot.teams.package import build_package, valid_bot_id, valid_host

    bot_id = args.bot_id or settings.teams_client_id
    if not bot_id:
        print(t("cli.teams_bot_id"), file=sys.stderr)
        return 1
    problems = [] if valid_bot_id(bot_id) else [t("cli.teams_bad_bot_id", bot_id=bot_id)]
    if not valid_host(args.host):
        problems.append(t("cli.teams_bad_host", host=args.host))
    if problems:  # refused before upload, where the manifest would fail
        print("\n".join(problems), file=sys.stderr)
        return 1
    args.output.write_bytes(build_package(bot_id=bot_id, host=args.host, t=t))
    print(t("cli.teams_package", path=args.output))
    return 0


def _coordinator(args: argparse.Namespace, settings: Settings, t: Messages) -> int:
    engine = _engine(settings)
    if args.action == "list":
        with session_scope(engine) as session:
            stored = crud.coordinator_refs(session)
        lines = [t("cli.coordinator_from_env", ref=ref) for ref in settings.digibot_coordinators]
        lines += stored
        print(neutralise("\n".join(lines)) if lines else t("cli.coordinator_none"))
        return 0
    ref = (args.user or "").strip()
    if not crud.is_valid_ref(ref):
        print(t("cli.bad_ref", ref=neutralise(ref)), file=sys.stderr)
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
