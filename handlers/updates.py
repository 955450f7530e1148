"""Recording a status update, shared by the typed command and the form: who may, which
values are valid, and the measure's state as a reply."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from handlers import formatting as fmt
from handlers.context import Actor, Context
from handlers.replies import Fields, Heading, Hint, Items, Paragraph, Reply, error
from handlers.vocabulary import BY_CODE, NOT_STARTED, Status
from storage import conversations, crud, summary_runs
from storage.dates import last_day
from storage.models import Measure, Person, StatusUpdate, Theme

NOTE_LIMIT = 3000


@dataclass(frozen=True)
class Problem:
    """A value the user must correct: which field, what is wrong, an example."""

    field: str
    message: str
    hint: str | None = None


def check_values(
    measure: Measure, status: Status, progress_text: str | None, note: str, ctx: Context
) -> tuple[int | None, list[Problem]]:
    """The progress as a number, and every problem with the values."""
    t, p = ctx.t, ctx.prefix
    problems = []
    progress = parse_progress(progress_text)
    if progress_text is not None and progress is None:
        problems.append(
            Problem(
                "progress",
                t("progress.range", value=clip(progress_text)),
                t("progress.example", p=p, id=measure.code),
            )
        )
    if status.needs_reason and not note.strip():
        word = status.words[1] if ctx.language == "fi" else status.words[0]
        problems.append(
            Problem(
                "note",
                t("reason.required", status=t(f"status.{status.code}")),
                t("reason.example", p=p, id=measure.code, word=word),
            )
        )
    if len(note) > NOTE_LIMIT:
        length, limit = fmt.number(ctx.language, len(note)), fmt.number(ctx.language, NOTE_LIMIT)
        problems.append(
            Problem("note", t("note.too_long", length=length, limit=limit), t("note.too_long_hint"))
        )
    return progress, problems


def parse_progress(text: str | None) -> int | None:
    if text is None or not re.fullmatch(r"\s*[+-]?\d+\s*", text):
        return None
    text = text.strip()
    digits = text.lstrip("+-").lstrip("0") or "0"
    if len(digits) > 3:  # past 100 whatever follows; and int() refuses 4,300 digits or more
        return None
    value = -int(digits) if text.startswith("-") else int(digits)
    return value if 0 <= value <= 100 else None


def store(
    session: Session,
    measure: Measure,
    actor: Actor,
    ctx: Context,
    *,
    status: Status,
    progress: int | None,
    note: str,
    key: str | None,
) -> Reply:
    """Append the update and answer with the new state; a repeated delivery is stored once."""
    t = ctx.t
    try:
        crud.append_update(
            session,
            measure_id=measure.id,
            author=author_ref(session, actor),
            status=status.code,
            progress=progress,
            note=note,
            source=ctx.source,
            idempotency_key=key,
            created_at=ctx.now(),
        )
    except IntegrityError:
        session.rollback()  # the same delivery raced us to it: stored once, by the other
        return state_reply(
            session, measure, ctx, intro=t("status.already_recorded", id=measure.code)
        )
    reply = state_reply(session, measure, ctx, intro=t("status.recorded", id=measure.code))
    return Reply(reply.blocks + (Hint(t("status.undo_hint", p=ctx.prefix, id=measure.code)),))


def earlier_delivery(session: Session, key: str | None, ctx: Context) -> Reply | None:
    """The answer to a delivery already stored (a platform retry, a double click)."""
    earlier = crud.update_by_key(session, idempotency_key=key) if key else None
    if earlier is None:
        return None
    measure = session.get(Measure, earlier.measure_id)
    return state_reply(
        session, measure, ctx, intro=ctx.t("status.already_recorded", id=measure.code)
    )


def may_update(session: Session, measure: Measure, actor: Actor, ctx: Context) -> bool:
    roles = crud.roles_of(session, measure_ids=[measure.id])[measure.id]
    return bool(actor.refs & roles.refs()) or is_coordinator(session, actor, ctx)


def refusal(session: Session, measure: Measure, ctx: Context) -> Reply:
    owner = crud.roles_of(session, measure_ids=[measure.id])[measure.id].owner
    return error(
        ctx.t("permission.refused", id=measure.code, owner=person_label(owner)),
        ctx.t("permission.coordinator_hint"),
    )


def is_coordinator(session: Session, actor: Actor, ctx: Context) -> bool:
    configured = {crud.normalize_ref(ref) for ref in ctx.coordinators}
    return bool(actor.refs & (configured | set(crud.coordinator_refs(session))))


def not_found(session: Session, code: str, ctx: Context) -> Reply:
    by_key = {c.lower(): c for c in crud.measure_codes(session)}
    close = difflib.get_close_matches(code.lower(), list(by_key), n=3, cutoff=0.5)
    if close:
        text = ctx.t("measure.not_found", id=clip(code), ids=", ".join(by_key[c] for c in close))
    else:
        text = ctx.t("measure.not_found_none", id=clip(code))
    return error(text, ctx.t("measure.list_hint", p=ctx.prefix))


def clip(text: str, limit: int = 60) -> str:
    """User text echoed in an error: short, on one line."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def status_of(update: StatusUpdate | None) -> Status:
    return BY_CODE[update.status] if update else NOT_STARTED


def state_reply(
    session: Session,
    measure: Measure,
    ctx: Context,
    *,
    intro: str | None = None,
    full: bool = False,
) -> Reply:
    """A measure's current state; `full` adds what the programme says about it."""
    t, lang = ctx.t, ctx.language
    current, author_name = crud.current_with_author(session, measure_id=measure.id)
    status = status_of(current)
    pairs: list[tuple[str, str]] = [
        (t("field.status"), f"{status.mark} {t(f'status.{status.code}')}"),
        (t("field.progress"), fmt.progress(lang, current.progress if current else None)),
    ]
    if current:
        when = fmt.moment(lang, current.created_at, ctx.timezone)
        author = author_name or author_label(session, current.author)
        pairs.append((t("field.updated"), t("show.updated_by", time=when, author=author)))
        if current.note:
            pairs.append((t("field.note"), current.note))
    else:
        pairs.append((t("field.updated"), t("show.no_updates")))
    if full:
        who, plan = _programme_fields(session, measure, ctx)
        pairs = who + pairs + plan
    blocks: list = [Paragraph(intro)] if intro else []
    blocks.append(Heading(f"{status.mark} {measure.code} {measure.title}"))
    if full and measure.description:
        blocks.append(Paragraph(measure.description))
    blocks.append(Fields(tuple(pairs)))
    if is_overdue(measure, status, local_today(ctx)):
        blocks.append(Paragraph(t("flag.overdue", due=fmt.when(lang, measure.due))))
    if full and current is None:
        blocks.append(Paragraph(t("flag.never_updated")))
    return Reply(tuple(blocks))


def _programme_fields(
    session: Session, measure: Measure, ctx: Context
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """What the programme says: who answers for the measure, and its plan."""
    t, lang = ctx.t, ctx.language
    theme = session.get(Theme, measure.theme_id)
    roles = crud.roles_of(session, measure_ids=[measure.id])[measure.id]
    head = [
        (t("field.theme"), f"{theme.code} {theme.name}"),
        (t("field.owner"), person_label(roles.owner)),
        (t("field.deputies"), ", ".join(person_label(d) for d in roles.deputies)),
        (t("field.unit"), measure.unit or ""),
    ]
    tail = [(t("field.schedule"), fmt.schedule(lang, measure.start, measure.due))]
    if measure.indicator:
        text = t(
            "show.indicator",
            indicator=measure.indicator,
            baseline=measure.baseline or "—",
            target=measure.target or "—",
        )
        tail.append((t("field.indicator"), text))
    if measure.budget_eur is not None:
        tail.append((t("field.budget"), fmt.euros(lang, measure.budget_eur)))
    return [pair for pair in head if pair[1]], tail


def is_overdue(measure: Measure, status: Status, today: date) -> bool:
    if not measure.due or status.code in ("done", "postponed"):
        return False
    return last_day(measure.due) < today


def local_today(ctx: Context) -> date:
    return ctx.now().astimezone(ctx.timezone).date()


def person_label(person: Person | None) -> str:
    if person is None:
        return "—"
    return f"{person.name} ({person.ref})" if person.name else person.ref


def author_ref(session: Session, actor: Actor) -> str:
    """What an update records as its author: the person as the programme names them, else
    their e-mail, else the platform's user id; so that the export matches the programme."""
    person = crud.person_among(session, refs=actor.refs)
    if person:
        return person.ref
    return crud.normalize_ref(actor.email) if actor.email else actor.author


def author_label(session: Session, ref: str) -> str:
    """Who wrote an update, as people know them: the programme's name, else the e-mail
    (authors recorded by a platform id, such as an Entra object id, are looked up too)."""
    person = crud.find_person(session, ref=ref)
    if person and person.name:
        return person.name
    email = ref if "@" in ref else conversations.email_of(session, user_ref=ref)
    if email and email != ref:
        return author_label(session, email)
    return ref


def measure_line(
    measure: Measure,
    update: StatusUpdate | None,
    owner: Person | None,
    ctx: Context,
    *,
    show_owner: bool = True,
) -> str:
    """One measure on one line: mark, id, title, owner, progress."""
    line = f"{status_of(update).mark} {measure.code} {measure.title}"
    if show_owner:
        line += f" — {owner.name or owner.ref if owner else '—'}"
    if update and update.progress is not None:
        line += f" — {fmt.progress(ctx.language, update.progress)}"
    return line


def stale_measures(session: Session) -> list[tuple[Measure, StatusUpdate | None]]:
    """Measures with no update since the last summary (before any summary, with none at
    all), each with its current state."""
    measures = crud.measures(session)
    current = crud.current_updates(session, measure_ids=[m.id for m in measures])
    cutoff = summary_runs.reporting_cutoff(session) or 0
    stale = [
        (m, current.get(m.id))
        for m in measures
        if m.id not in current or current[m.id].id <= cutoff
    ]
    return sorted(stale, key=lambda pair: crud.natural_key(pair[0].code))


def stale_lines(session: Session, ctx: Context) -> tuple[str, ...]:
    stale = stale_measures(session)
    roles = crud.roles_of(session, measure_ids=[m.id for m, _ in stale])
    return tuple(measure_line(m, update, roles[m.id].owner, ctx) for m, update in stale)


def stale_reply(session: Session, ctx: Context) -> Reply:
    lines = stale_lines(session, ctx)
    if not lines:
        return Reply((Paragraph(ctx.t("stale.none")),))
    return Reply((Heading(ctx.t("stale.title", count=len(lines))), Items(lines)))
