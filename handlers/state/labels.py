"""How people and measures are named in replies: by the programme's names, on one line."""

from __future__ import annotations

from sqlmodel import Session

from handlers import formatting as fmt
from handlers.context import Context
from handlers.vocabulary import BY_CODE, NOT_STARTED, Status
from storage import conversations, crud
from storage.models import Measure, Person, StatusUpdate


def status_of(update: StatusUpdate | None) -> Status:
    return BY_CODE[update.status] if update else NOT_STARTED


def person_label(person: Person | None) -> str:
    if person is None:
        return "—"
    if person.forgotten_at is not None:  # the pseudonym alone: the ref is its token
        return person.name or "—"
    return f"{person.name} ({person.ref})" if person.name else person.ref


def update_author(session: Session, update: StatusUpdate) -> str:
    """Who wrote an update, by the person it is recorded under (name, or pseudonym once
    forgotten), else as `author_label` finds them by the text recorded."""
    person = session.get(Person, update.author_person_id) if update.author_person_id else None
    if person and person.name:
        return person.name
    return author_label(session, person.ref if person else update.author)


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
