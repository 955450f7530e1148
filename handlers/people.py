"""One person, many ids: the person a chat user is (linked to the ids and e-mail the
platform gives as they talk to the bot), and the person a coordinator names."""

from __future__ import annotations

import re

from sqlmodel import Session

from handlers.context import Actor, Context
from storage import crud
from storage.models import Person

SLACK_MENTION = re.compile(r"^<@([A-Za-z0-9]+)(?:\|[^>]*)?>$")
"""`<@U123>` or `<@U123|name>`, as Slack sends a mention in a command's text."""


def recognise(session: Session, actor: Actor) -> Person | None:
    """The person the user is, their platform ids and e-mail linked to them; None if
    nobody knows them yet."""
    person = crud.person_among(session, refs=actor.refs)
    if person is not None:
        crud.link_person(
            session, person, ids=_ids(actor.email, actor.platform_ids), name=actor.name
        )
    return person


def author(session: Session, actor: Actor) -> Person | None:
    """The person an update is recorded under: one is made for an author the programme
    does not name (under their e-mail, else their user id)."""
    person = recognise(session, actor)
    if person is None and actor.refs:
        ref = actor.email or actor.user_id or next(iter(sorted(actor.refs)))
        ids = _ids(actor.email, actor.platform_ids)
        person = crud.new_person(session, ref=ref, ids=ids, name=actor.name)
    return person


def _ids(email: str | None, platform_ids: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
    return ([("email", email)] if email else []) + list(platform_ids)


def named_ref(text: str) -> str | None:
    """The user id or e-mail a coordinator gave: a Slack mention, an id or an e-mail."""
    text = text.strip()
    if match := SLACK_MENTION.match(text):
        return match.group(1)
    text = text.removeprefix("@") if "@" not in text[1:] else text
    return crud.normalize_ref(text) if crud.is_valid_ref(text) else None


def find_named(session: Session, ref: str, ctx: Context) -> Person | None:
    """The person a coordinator names, as the platform knows them (linked, or made, here);
    without a platform (the console), only someone the programme knows. None: unknown."""
    if ctx.directory is None:
        person = crud.find_person(session, ref=ref)
        return person if person and person.forgotten_at is None else None
    found = ctx.directory.find(ref)
    if found is None:
        return None
    ids = _ids(found.email, found.platform_ids)
    refs = [found.user_id, found.email or "", *(v for _, v in found.platform_ids)]
    person = crud.person_among(session, refs=refs)
    if person is None:
        return crud.new_person(session, ref=found.email or found.user_id, ids=ids, name=found.name)
    if person.forgotten_at is not None:
        return None
    crud.link_person(session, person, ids=ids, name=found.name)
    return person


def name_of(person: Person) -> str:
    """A person as people know them: the name, else the ref (an e-mail, mostly)."""
    return person.name or person.ref
