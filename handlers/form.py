"""The update form and the home view, free of any platform: what they list, and what a
submission does. Slack draws them as a modal and an App Home; Teams as a dialog and cards."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.exc import OperationalError

from handlers import auth, log_context
from handlers import formatting as fmt
from handlers.context import Actor, Context
from handlers.presence import presence
from handlers.replies import (
    Action,
    Block,
    Entry,
    Fields,
    Heading,
    Hint,
    Items,
    Paragraph,
    Reply,
    error,
)
from handlers.state.labels import measure_line
from handlers.state.money import check_spending, money_fields, money_state, store_spending
from handlers.state.money import this_year as budget_year
from handlers.state.reply import recorded_reply
from handlers.state.retired import retired_refusal, retired_text
from handlers.state.stale import owner_left_blocks, stale_lines
from handlers.state.store import earlier_delivery, store
from handlers.state.values import Problem, check_values
from handlers.vocabulary import BY_CODE, STATUSES
from storage import crud
from storage.db import session_scope
from storage.models import Measure, Theme
from storage.text import control_character

log = logging.getLogger(__name__)
OPEN_FORM = "open_form"


@dataclass(frozen=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True)
class OptionGroup:
    label: str
    options: tuple[Option, ...]


@dataclass(frozen=True)
class Form:
    """What the form offers: the user's measures by theme, the statuses, initial values."""

    groups: tuple[OptionGroup, ...]
    statuses: tuple[Option, ...]
    measure: str | None = None
    status: str | None = None
    progress: int | None = None


def open_form(actor: Actor, ctx: Context, *, measure_code: str | None = None) -> Form | Reply:
    """The form for this user, or a reply saying why there is none (never raises)."""
    try:
        return _open(actor, ctx, measure_code)
    except OperationalError:  # the engine logs an outage once
        return error(ctx.t("db.unavailable"))
    except Exception:
        log.exception("opening the form failed")
        return error(ctx.t("db.unavailable"))


def _open(actor: Actor, ctx: Context, measure_code: str | None) -> Form | Reply:
    with session_scope(ctx.engine) as session:
        chosen = crud.find_measure(session, code=measure_code) if measure_code else None
        if chosen is not None and chosen.retired_at is not None:
            return retired_refusal(session, chosen, ctx)
        ids = auth.actable_ids(session, actor, ctx)
        measures = crud.measures(session, ids=ids) if ids is None or ids else []
        if not measures:
            return Reply((Paragraph(ctx.t("list.empty_mine")), Hint(ctx.t("form.ask_coordinator"))))
        themes = {t.id: t for t in crud.themes(session)}
        if chosen is None and len(measures) == 1:
            chosen = measures[0]
        if chosen is not None and chosen.id not in {m.id for m in measures}:
            chosen = None
        current = crud.current_update(session, measure_id=chosen.id) if chosen else None
    return Form(
        groups=_groups(measures, themes),
        statuses=tuple(Option(s.code, f"{s.mark} {ctx.t(f'status.{s.code}')}") for s in STATUSES),
        measure=chosen.code if chosen else None,
        status=current.status if current else None,
        progress=current.progress if current else None,
    )


def _groups(measures: list[Measure], themes: dict[int, Theme]) -> tuple[OptionGroup, ...]:
    by_theme: dict[int, list[Measure]] = {}
    for measure in measures:
        by_theme.setdefault(measure.theme_id, []).append(measure)
    ordered = sorted(by_theme, key=lambda tid: crud.natural_key(themes[tid].code))
    return tuple(
        OptionGroup(
            f"{themes[tid].code} {themes[tid].name}",
            tuple(
                Option(m.code, f"{m.code} {m.title}")
                for m in sorted(by_theme[tid], key=lambda m: crud.natural_key(m.code))
            ),
        )
        for tid in ordered
    )


def submit_form(
    actor: Actor,
    ctx: Context,
    *,
    measure_code: str | None,
    status_code: str | None,
    progress: str | None,
    note: str,
    key: str | None,
    spent: str | None = None,
    spent_confirmed: bool = False,
) -> Reply | list[Problem]:
    """Store the update (and what was spent this year, if given), or say which fields to
    correct (nothing is stored then). An amount over 100 × the appropriation is refused
    until the user ticks its confirmation. Never raises: a fault is a problem shown in the
    form, and nothing is saved."""
    with log_context.about(
        command="update", platform=ctx.source, user=actor.author, measure=measure_code
    ):
        try:
            result = _submit(
                actor,
                ctx,
                measure_code=measure_code,
                status_code=status_code,
                progress=progress,
                note=note,
                key=key,
                spent=spent,
                spent_confirmed=spent_confirmed,
            )
        except OperationalError:  # the engine logs an outage once
            return [Problem("note", ctx.t("db.unavailable"))]
        except Exception:
            log.exception("form submission failed")
            return [Problem("note", ctx.t("db.unavailable"))]
        log.info("form answered" if isinstance(result, Reply) and result.ok else "form refused")
        return result


def _submit(
    actor: Actor,
    ctx: Context,
    *,
    measure_code: str | None,
    status_code: str | None,
    progress: str | None,
    note: str,
    key: str | None,
    spent: str | None,
    spent_confirmed: bool,
) -> Reply | list[Problem]:
    t = ctx.t
    fields = {"measure": measure_code, "status": status_code, "progress": progress, "note": note}
    fields["spent"] = spent
    refused = [
        Problem(name, t("text.control", char=char))
        for name, value in fields.items()
        if value and (char := control_character(value))
    ]
    if refused:
        return refused
    with session_scope(ctx.engine) as session:
        if earlier := earlier_delivery(session, key):
            return recorded_reply(session, earlier, ctx)
        measure = crud.find_measure(session, code=measure_code) if measure_code else None
        if measure is None:
            return [Problem("measure", t("form.pick_measure"))]
        if measure.retired_at is not None:
            retired = retired_text(session, measure, ctx)
            return [Problem("measure", t("retired.refused", id=measure.code, retired=retired))]
        if not auth.may_act(session, measure, actor, ctx):
            return [Problem("measure", auth.refusal_text(session, measure, ctx))]
        status = BY_CODE.get(status_code or "")
        if status is None:
            return [Problem("status", t("form.pick_status"))]
        text = progress if progress and progress.strip() else None
        value, problems = check_values(measure, status, text, note, ctx)
        cents = None
        if spent and spent.strip():
            cents, refused = check_spending(
                measure, spent, budget_year(ctx), "", ctx, confirmed=spent_confirmed
            )
            problems += [_spent_problem(p, ctx) for p in refused]
        if problems:
            return problems
        stored = store(
            session, measure, actor, ctx, status=status, progress=value, note=note, key=key
        )
        reply = recorded_reply(session, stored, ctx)
        if cents is None or stored.repeated:
            return reply
        store_spending(
            session, measure, actor, ctx, cents=cents, year=budget_year(ctx), note="",
            key=f"{key}:spent" if key else None,
        )  # fmt: skip
        money = Fields(tuple(money_fields(money_state(session, measure, ctx), ctx)))
        return Reply((*reply.blocks, money), ok=reply.ok)


def _spent_problem(problem: Problem, ctx: Context) -> Problem:
    """A problem of the amount, shown at the form's field; an unusually large one asks for
    the confirmation beside it."""
    if problem.field == "absurd":
        return Problem("spent", f"{problem.message} {ctx.t('form.spent_confirm_hint')}")
    return Problem("spent", problem.message, problem.hint)


def home(actor: Actor, ctx: Context) -> Reply:
    """The user's own measures, each with an Update button; for coordinators, the stale ones."""
    t = ctx.t
    with session_scope(ctx.engine) as session:
        ids = crud.measure_ids_of(session, refs=actor.refs)
        measures = sorted(crud.measures(session, ids=ids), key=lambda m: crud.natural_key(m.code))
        current = crud.current_updates(session, measure_ids=ids)
        roles = crud.roles_of(session, measure_ids=ids)
        me = crud.person_among(session, refs=actor.refs)
        here = presence(session, ctx, (me, *(roles[m.id].owner for m in measures)))
        blocks: list[Block] = [Heading(t("home.title"))]
        if me is not None and me.id in here.away:
            until = fmt.day(ctx.language, here.away[me.id])
            blocks.append(Paragraph(t("presence.you_away", until=until)))
        for m in measures:
            update = current.get(m.id)
            line = measure_line(m, update, None, ctx).rsplit(" — ", 1)[0]
            if update:
                line += " — " + t(
                    "home.updated", time=fmt.moment(ctx.language, update.created_at, ctx.timezone)
                )
            else:
                line += " — " + t("show.no_updates")
            owner = roles[m.id].owner
            if owner is not None and owner is not me and (note := here.owner_note(owner, ctx)):
                line += f" — {note}"
            blocks.append(Entry(line, Action(t("home.update"), OPEN_FORM, m.code)))
        if not measures:
            blocks.append(Paragraph(t("list.empty_mine")))
        if auth.is_coordinator(session, actor, ctx):
            lines = stale_lines(session, ctx)
            blocks.append(Heading(t("stale.title", count=len(lines))))
            blocks.append(Items(lines) if lines else Paragraph(t("stale.none")))
            blocks += owner_left_blocks(session, ctx)
        blocks.append(Hint(t("home.hint", p=ctx.prefix)))
    return Reply(tuple(blocks))
