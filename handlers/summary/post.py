"""Posting the summary exactly once: claim the period's run in the database, post its
messages in order recording each one, and resume where a crash left off.

A platform provides a `Publisher`; this module knows nothing of Slack or Teams."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import wraps
from typing import Any, Literal, Protocol

from sqlmodel import Session

from handlers import formatting as fmt
from handlers import log_context
from handlers.context import Actor, Context
from handlers.language import personal
from handlers.replies import Hint, Paragraph, Reply, error
from handlers.schedule import SummaryKey, half_year, hand_post_key, next_summary
from handlers.state import as_of
from handlers.state.reply import local_today
from handlers.summary.build import Summary, build_summary
from handlers.summary.chart import status_chart
from handlers.summary.report import summary_parts, title
from storage import plan, summary_runs
from storage.models import SummaryRun

log = logging.getLogger(__name__)
PROCESS = f"{socket.gethostname()}:{os.getpid()}"


class ChannelUnknown(LookupError):
    """The platform cannot speak in the channel yet (Teams: the bot has not seen it): what
    to do is the whole message, no traceback needed."""

    def __init__(self, channel: str) -> None:
        super().__init__(channel)
        self.channel = channel


class Undeliverable(Exception):
    """The platform refused a message for good, or kept failing past its retries: the
    message says what happened (an operator's log line, no traceback needed)."""


class Publisher(Protocol):
    """Where summaries go: one channel of one platform."""

    channel: str
    platform: str
    """"slack" or "teams": for the log."""
    chart_dpi: int
    """The chart's resolution: what the platform carries well."""

    def render(self, part: Reply) -> list[Any]:
        """The part as one or more messages of this platform (deterministic)."""

    def post(self, message: Any, *, thread: str | None, key: str) -> str:
        """Post one message (in the main message's thread if given), marked with `key`; its id."""

    def find(self, key: str, *, thread: str | None) -> str | None:
        """A message posted with `key` that we did not live to record (a crash between the
        platform's answer and our database); None if there is none, or no way to tell."""

    def upload_chart(self, png: bytes, *, title: str, thread: str | None, key: str) -> str:
        """Put the chart in the thread, marked with `key` so that `find` finds it; its id."""


@dataclass(frozen=True)
class Outcome:
    state: Literal["posted", "already", "busy", "failed"]
    run: SummaryRun
    messages: int = 0
    reason: str = ""


def hand_key(ctx: Context) -> SummaryKey:
    """Which summary a coordinator's post now is (see `schedule.hand_post_key`)."""
    return hand_post_key(ctx.now(), ctx.schedule, ctx.timezone)


def preview(session: Session, ctx: Context) -> tuple[Summary, list[Reply]]:
    """The summary a post now would be: the state now, compared with the last summary
    before it; read in the caller's transaction (the command's, or the CLI's own)."""
    key = hand_key(ctx)
    baseline = summary_runs.last_posted(session, excluding=key.name)
    summary = build_summary(
        session, ctx, period=key.half_year, cutoff=summary_runs.max_update_id(session),
        baseline=baseline.cutoff_update_id if baseline else None,
        baseline_at=baseline.cutoff_at if baseline else None,
    )  # fmt: skip
    return summary, summary_parts(summary, ctx)


def posted_summary(session: Session, ctx: Context, run: SummaryRun) -> tuple[Summary, list[Reply]]:
    """A run's summary as it was posted, however much has happened since: its stored
    cutoff, baseline and day, and the plan as it stood at its cutoff. Only the wording and
    the language are today's."""
    summary = build_summary(
        session, ctx, period=half_year(run.period), cutoff=run.cutoff_update_id,
        baseline=run.baseline_update_id, as_of=date.fromisoformat(run.as_of),
        cutoff_at=run.cutoff_at, baseline_at=run.baseline_at,
        plan_at=_plan_at(session, run.cutoff_at),
    )  # fmt: skip
    return summary, summary_parts(summary, ctx)


def _plan_at(session: Session, moment: datetime) -> datetime | None:
    """The plan as it stood at `moment`; the plan in force when no revision was recorded
    by then (a database restored without plan history)."""
    return moment if plan.revision_as_of(session, at=moment) is not None else None


def preview_as_of(session: Session, ctx: Context, day: date) -> tuple[Summary, list[Reply]]:
    """The summary as the data stood at the end of the local `day`: the plan and the
    statuses then, compared with the last summary posted before then (or the import);
    `as_of.Refused` for a day in the future or before the programme."""
    moment = as_of.moment_of(session, day, ctx)  # as_of.Refused if it cannot be told
    key = hand_post_key(moment, ctx.schedule, ctx.timezone)
    baseline = summary_runs.last_posted(session, excluding=key.name, until=moment)
    summary = build_summary(
        session, ctx, period=key.half_year, cutoff=None, as_of=day, at=moment, plan_at=moment,
        baseline=baseline.cutoff_update_id if baseline else None,
        baseline_at=baseline.cutoff_at if baseline else None,
    )  # fmt: skip
    return summary, summary_parts(summary, ctx)


def _logged(post: Callable[..., Outcome]) -> Callable[..., Outcome]:
    """Every log line of a post says what it is about (handlers/log_context.py)."""

    @wraps(post)
    def logged(ctx: Context, publisher: Publisher, **args: Any) -> Outcome:
        user = args["requested_by"] if args["trigger"] == "chat" else None
        with log_context.about(command="summary post", platform=publisher.platform, user=user):
            return post(ctx, publisher, **args)

    return logged


@_logged
def post(
    ctx: Context,
    publisher: Publisher,
    *,
    key: SummaryKey | None = None,
    force: bool = False,
    trigger: str,
    requested_by: str,
) -> Outcome:
    """Post the summary `key` (by default, what a hand post now is) once to the channel.

    This job owns its transaction and commits each step before the next: the claim before
    anything is posted, each message as soon as it is posted, the chart's upload intent before
    the upload. So a process that dies anywhere leaves what another needs to resume."""
    today = local_today(ctx)
    key = key or hand_key(ctx)
    period = key.name
    with Session(ctx.engine, expire_on_commit=False) as session:
        claim = summary_runs.claim_run(
            session, period=period, channel=publisher.channel, force=force, kind=key.kind,
            trigger=trigger, requested_by=requested_by, claimed_by=PROCESS,
            as_of=today.isoformat(), stale_after=ctx.claim_timeout, now=ctx.now(),
        )  # fmt: skip
        session.commit()  # the run is ours before anything is posted
        run = claim.run
        if claim.state != "claimed":
            return Outcome("already" if claim.state == "posted" else "busy", run)
        try:
            count = _post_run(session, ctx, publisher, run, resumed=claim.resumed)
            summary_runs.finish_run(session, run=run, now=ctx.now())
            session.commit()
        except summary_runs.LostClaim:  # another process resumed it: it finishes the run
            session.rollback()
            log.warning("summary %s: another process took the run over", period)
            return Outcome("busy", run)
        except Exception as failed:  # the platform gave up after its retries
            if isinstance(failed, ChannelUnknown):
                reason = ctx.t("summary.channel_unseen", channel=failed.channel)
                log.warning("posting the summary %s failed: %s", period, reason)
            elif isinstance(failed, Undeliverable):
                reason = str(failed)
                log.error("posting the summary %s failed: %s", period, reason)
            else:
                reason = str(failed).splitlines()[0][:200]
                log.exception("posting the summary %s failed", period)
            session.rollback()
            with suppress(summary_runs.LostClaim):
                summary_runs.release_run(session, run=run)
                session.commit()
            return Outcome("failed", run, reason=reason)
        log.info("summary posted: %s to %s, %d messages", period, publisher.channel, count)
        return Outcome("posted", run, messages=count)


def _post_run(
    session: Session, ctx: Context, publisher: Publisher, run: SummaryRun, *, resumed: bool
) -> int:
    summary, parts = posted_summary(session, ctx, run)
    messages = [m for part in parts for m in publisher.render(part)]
    done = summary_runs.posted_parts(session, run_id=run.id)  # "" where only begun
    main = done.get(0)
    resuming = resumed
    for seq, message in enumerate(messages):
        if seq in done:
            continue
        key = f"{run.id}:{seq}"
        found = publisher.find(key, thread=main) if resuming else None
        message_id = found or publisher.post(message, thread=main, key=key)
        summary_runs.record_part(session, run=run, seq=seq, message_id=message_id, now=ctx.now())
        session.commit()  # at once: a resumed run never posts it again
        main = main or message_id
        resuming = False  # only the first missing message can have been in flight
    chart_seq = len(messages)
    if done.get(chart_seq):
        return len(messages)
    key = f"{run.id}:{chart_seq}"
    # An upload begun before (its intent recorded) may have reached the thread unrecorded.
    found = publisher.find(key, thread=main) if chart_seq in done else None
    if not found:
        summary_runs.record_intent(session, run=run, seq=chart_seq, now=ctx.now())
        session.commit()  # before the upload: a resumed run looks for it first
        png = status_chart(summary, ctx, dpi=publisher.chart_dpi)
        found = publisher.upload_chart(png, title=title(summary, ctx), thread=main, key=key)
    summary_runs.record_part(session, run=run, seq=chart_seq, message_id=found, now=ctx.now())
    session.commit()
    return len(messages)


def run_name(run: SummaryRun, ctx: Context) -> str:
    """How a run is named to a coordinator: `2025-H1`, `2025-05-20`, or an extra's day."""
    if run.kind != "extra":
        return run.period
    day = date.fromisoformat(run.period[:10])
    return ctx.t("summary.extra_name", day=fmt.day(ctx.language, day))


def outcome_reply(outcome: Outcome, ctx: Context) -> Reply:
    t, run = ctx.t, outcome.run
    when = fmt.moment(ctx.language, run.posted_at or run.claimed_at, ctx.timezone)
    name = run_name(run, ctx)
    match outcome.state:
        case "posted":
            text = t("summary.posted", period=name, channel=run.channel, count=outcome.messages)
            return Reply((Paragraph(text), *_notes(run, ctx)))
        case "already":
            text = t("summary.already", period=name, channel=run.channel, time=when)
            return Reply((Paragraph(text), *_notes(run, ctx)))
        case "busy":
            return Reply((Paragraph(t("summary.busy", period=name, time=when)),))
    return error(t("summary.failed", period=name, reason=outcome.reason))


def _notes(run: SummaryRun, ctx: Context) -> tuple[Hint, ...]:
    """A repost says so; an extra says that the scheduled summary still comes."""
    notes = []
    if run.attempt:
        notes.append(Hint(ctx.t("summary.repost", count=run.attempt)))
    if run.kind == "extra":
        cal = ctx.schedule
        coming = next_summary(ctx.now(), list(cal.month_days), cal.at, ctx.timezone)
        notes.append(Hint(ctx.t("summary.extra_hint", date=fmt.day(ctx.language, coming.day))))
    return tuple(notes)


def post_command(actor: Actor, ctx: Context, publisher: Publisher, *, force: bool) -> Reply:
    """`summary post` from chat: the command has checked the coordinator and the channel.
    The channel reads the summary in the city's language; the coordinator is answered in theirs."""
    channel = replace(ctx, language=ctx.city_language)
    outcome = post(channel, publisher, force=force, trigger="chat", requested_by=actor.author)
    return outcome_reply(outcome, personal(ctx, actor))
