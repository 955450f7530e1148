"""`deputy <id> add|remove <person>` (`varahenkilö lisää|poista`): a coordinator adds or
removes a measure's deputy, recorded in the plan history like any handover."""

from __future__ import annotations

from handlers import handover, people
from handlers.commands.registry import Command, Request, Who, first_word
from handlers.effects import Result
from handlers.replies import Paragraph, Reply, error
from handlers.state.store import author_ref
from handlers.vocabulary import fold
from storage import crud

_WORDS = {"add": ("add", "lisää", "lägg-till"), "remove": ("remove", "poista", "ta-bort")}
ACTIONS = {fold(w): action for action, words in _WORDS.items() for w in words}


def _parsed(request: Request) -> tuple[str, str] | None:
    words = request.args.split(None, 2)
    if len(words) != 3 or (action := ACTIONS.get(fold(words[1]))) is None:
        return None
    ref = people.named_ref(words[2])
    return (action, ref) if ref else None


def check(request: Request) -> Reply | None:
    if _parsed(request) is None:
        t, p = request.ctx.t, request.ctx.prefix
        return error(t("handover.deputy_usage"), t("example.deputy", p=p))
    return None


def run(request: Request) -> Result:
    t, session, ctx, measure = request.ctx.t, request.session, request.ctx, request.measure
    assert measure is not None  # handle() found it
    parsed = _parsed(request)
    assert parsed is not None  # check() refused it otherwise
    action, ref = parsed
    if measure.retired_at is not None:
        return error(t("handover.retired", id=measure.code))
    person = people.find_named(session, ref, ctx)
    if person is None:
        return error(t("handover.unknown", who=ref), t("handover.unknown_hint"))
    roles = crud.roles_of(session, measure_ids=[measure.id])[measure.id]
    deputies = [d.id for d in roles.deputies]
    name = people.name_of(person)
    if action == "add":
        if person.id in deputies or (roles.owner and roles.owner.id == person.id):
            return Reply((Paragraph(t("handover.already_member", id=measure.code, who=name)),))
        deputies.append(person.id)
    else:
        if person.id not in deputies:
            return error(t("handover.not_deputy", id=measure.code, who=name))
        deputies.remove(person.id)
    wanted = [(roles.owner.id, "owner")] if roles.owner else []
    wanted += [(d, "deputy") for d in deputies]
    handover.reassign(session, measure, wanted, by=author_ref(session, request.actor), at=ctx.now())
    done = t("handover.deputy_added" if action == "add" else "handover.deputy_removed",
             id=measure.code, who=name)  # fmt: skip
    return Reply((Paragraph(done),))


COMMAND = Command(
    name="deputy",
    words={"en": ("deputy",), "fi": ("varahenkilö",), "sv": ("ersättare",)},
    help="help.deputy",
    example="example.deputy",
    menu=None,
    who=Who.COORDINATOR,
    refused="handover.refused",
    check=check,
    measure=first_word,
    run=run,
)
