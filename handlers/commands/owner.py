"""`owner <id> <person>` (`vastuu`): a coordinator hands a measure to a new owner, named
by mention, user id or e-mail; the new owner is told by direct message."""

from __future__ import annotations

from handlers import handover, people
from handlers.commands.registry import Command, Request, Who, first_word
from handlers.effects import Result, Tell
from handlers.replies import Paragraph, Reply, error
from handlers.state.store import author_ref
from storage import crud


def _target(request: Request) -> str | None:
    words = request.args.split(None, 1)
    return people.named_ref(words[1]) if len(words) == 2 else None


def check(request: Request) -> Reply | None:
    if _target(request) is None:
        t, p = request.ctx.t, request.ctx.prefix
        return error(t("handover.owner_usage"), t("example.owner", p=p))
    return None


def run(request: Request) -> Result:
    t, session, ctx, measure = request.ctx.t, request.session, request.ctx, request.measure
    assert measure is not None  # handle() found it
    ref = _target(request)
    assert ref is not None  # check() refused it otherwise
    if measure.retired_at is not None:
        return error(t("handover.retired", id=measure.code))
    person = people.find_named(session, ref, ctx)
    if person is None:
        return error(t("handover.unknown", who=ref), t("handover.unknown_hint"))
    roles = crud.roles_of(session, measure_ids=[measure.id])[measure.id]
    if roles.owner is not None and roles.owner.id == person.id:
        return Reply(
            (Paragraph(t("handover.already_owner", id=measure.code, who=people.name_of(person))),)
        )
    old = people.name_of(roles.owner) if roles.owner else "—"
    wanted = [(person.id, "owner")]
    wanted += [(d.id, "deputy") for d in roles.deputies if d.id != person.id]
    by = author_ref(session, request.actor)
    handover.reassign(session, measure, wanted, by=by, at=ctx.now())
    done = t("handover.owner_done", id=measure.code, old=old, new=people.name_of(person))
    tell = handover.new_owner_message(session, person, [measure], ctx, by=by)
    return Tell(Reply((Paragraph(done),)), (tell,))


COMMAND = Command(
    name="owner",
    words={"en": ("owner",), "fi": ("vastuu",), "sv": ("ansvarig",)},
    help="help.owner",
    example="example.owner",
    menu=None,
    who=Who.COORDINATOR,
    refused="handover.refused",
    check=check,
    measure=first_word,
    run=run,
)
