"""Posting the summary exactly once: claim the period's run in the database, post its
messages in order recording each one, and resume where a crash left off.

A platform provides a `Publisher`; this module knows nothing of Slack or Teams."""

from __future__ import annotations

import logging
import os
import socket
from contextlib import suppress
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal, Protocol

from sqlmodel import Session

from handlers import formatting as fmt
from handlers.auth import is_coordinator
from handlers.chart import status_chart
from handlers.context import Actor, Context
from handlers.replies import Paragraph, Reply, error
from handlers.schedule import period_of
from handlers.state.reply import local_today
from handlers.summary import Summary, build_summary
from handlers.summary_report import summary_parts, title
from storage import summary_runs
from storage.db import session_scope
from storage.models import SummaryRun

log = logging.getLogger(__name__)
PROCESS = f"{socket.gethostname()}:{os.getpid()}"


class ChannelUnknown(LookupError):
    """The platform cannot speak in the channel yet (Teams: the bot has not seen it): what
    to do is the whole message, no traceback needed."""

    def __init__(self, channel: str) -> None:
        super().__init__(channel)
        self.channel = channel


class Publisher(Protocol):
    """Where summaries go: one channel of one platform."""

    channel: str
    chart_dpi: int
    """The chart's resolution: what the platform carries well."""

    def render(self, part: Reply) -> list[Any]:
        """The part as one or more messages of this platform (deterministic)."""

    def post(self, message: Any, *, thread: str | None, key: str) -> str:
        """Post one message (in the main message's thread if given), marked with `key`; its id."""

    def find(self, key: str, *, thread: str | None) -> str | None:
        """A message posted with `key` that we did not live to record (a crash between the
        platform's answer and our database); None if there is none, or no way to tell."""

    def upload_chart(self, png: bytes, *, title: str, thread: str) -> str:
        """Put the chart in the thread; its id."""


@dataclass(frozen=True)
class Outcome:
    state: Literal["posted", "already", "busy", "failed"]
    run: SummaryRun
    messages: int = 0
    reason: str = ""


def preview(ctx: Context, *, period: str | None = None) -> tuple[Summary, list[Reply]]:
    """The coming summary: the state now, compared with the last summary before it."""
    period = period or period_of(local_today(ctx))
    with session_scope(ctx.engine) as session:
        baseline = summary_runs.last_posted(session, before_period=period)
        summary = build_summary(
            session, ctx, period=period, cutoff=summary_runs.max_update_id(session),
            baseline=baseline.cutoff_update_id if baseline else None,
            baseline_at=baseline.cutoff_at if baseline else None,
        )  # fmt: skip
    return summary, summary_parts(summary, ctx)


def post(
    ctx: Context,
    publisher: Publisher,
    *,
    period: str | None = None,
    force: bool = False,
    trigger: str,
    requested_by: str,
) -> Outcome:
    today = local_today(ctx)
    period = period or period_of(today)
    with Session(ctx.engine, expire_on_commit=False) as session:
        claim = summary_runs.claim_run(
            session, period=period, channel=publisher.channel, force=force, trigger=trigger,
            requested_by=requested_by, claimed_by=PROCESS, as_of=today.isoformat(),
            stale_after=ctx.claim_timeout,
        )  # fmt: skip
        run = claim.run
        if claim.state != "claimed":
            return Outcome("already" if claim.state == "posted" else "busy", run)
        try:
            count = _post_run(session, ctx, publisher, run, resumed=claim.resumed)
            summary_runs.finish_run(session, run=run)
        except summary_runs.LostClaim:  # another process resumed it: it finishes the run
            log.warning("summary %s: another process took the run over", period)
            return Outcome("busy", run)
        except Exception as failed:  # the platform gave up after its retries
            if isinstance(failed, ChannelUnknown):
                reason = ctx.t("summary.channel_unseen", channel=failed.channel)
                log.warning("posting the summary %s failed: %s", period, reason)
            else:
                reason = str(failed).splitlines()[0][:200]
                log.exception("posting the summary %s failed", period)
            session.rollback()
            with suppress(summary_runs.LostClaim):
                summary_runs.release_run(session, run=run)
            return Outcome("failed", run, reason=reason)
        return Outcome("posted", run, messages=count)


def _post_run(
    session: Session, ctx: Context, publisher: Publisher, run: SummaryRun, *, resumed: bool
) -> int:
    summary = build_summary(
        session, ctx, period=run.period, cutoff=run.cutoff_update_id,
        baseline=run.baseline_update_id, as_of=date.fromisoformat(run.as_of),
        cutoff_at=run.cutoff_at, baseline_at=run.baseline_at,
    )  # fmt: skip
    messages = [m for part in summary_parts(summary, ctx) for m in publisher.render(part)]
    done = summary_runs.posted_parts(session, run_id=run.id)
    main = done.get(0)
    resuming = resumed
    for seq, message in enumerate(messages):
        if seq in done:
            continue
        key = f"{run.id}:{seq}"
        found = publisher.find(key, thread=main) if resuming else None
        message_id = found or publisher.post(message, thread=main, key=key)
        summary_runs.record_part(session, run=run, seq=seq, message_id=message_id)
        main = main or message_id
        resuming = False  # only the first missing message can have been in flight
    chart_seq = len(messages)
    if chart_seq not in done:
        png = status_chart(summary, ctx, dpi=publisher.chart_dpi)
        file_id = publisher.upload_chart(png, title=title(summary, ctx), thread=main)
        summary_runs.record_part(session, run=run, seq=chart_seq, message_id=file_id)
    return len(messages)


def outcome_reply(outcome: Outcome, ctx: Context) -> Reply:
    t, run = ctx.t, outcome.run
    when = fmt.moment(ctx.language, run.posted_at or run.claimed_at, ctx.timezone)
    match outcome.state:
        case "posted":
            text = t(
                "summary.posted", period=run.period, channel=run.channel, count=outcome.messages
            )
            return Reply((Paragraph(text),))
        case "already":
            return Reply(
                (
                    Paragraph(
                        t("summary.already", period=run.period, channel=run.channel, time=when)
                    ),
                )
            )
        case "busy":
            return Reply((Paragraph(t("summary.busy", period=run.period, time=when)),))
    return error(t("summary.failed", period=run.period, reason=outcome.reason))


def post_refusal(actor: Actor, ctx: Context, publisher: Publisher | None) -> Reply | None:
    """Why this user cannot post the summary from chat, if they cannot."""
    with session_scope(ctx.engine) as session:
        if not is_coordinator(session, actor, ctx):
            return error(ctx.t("summary.refused"))
    return None if publisher else error(ctx.t("summary.no_channel"))


def post_command(actor: Actor, ctx: Context, publisher: Publisher, *, force: bool) -> Reply:
    """`summary post` from chat, once `post_refusal` has said yes."""
    outcome = post(ctx, publisher, force=force, trigger="chat", requested_by=actor.author)
    return outcome_reply(outcome, ctx)
