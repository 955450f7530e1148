"""The one authorize step: who is a coordinator, who may act on a measure, and the
refusal that names the owner. Every command, the form and the buttons ask here."""

from __future__ import annotations

from sqlmodel import Session

from handlers.context import Actor, Context
from handlers.replies import Reply, error
from handlers.state.labels import person_label
from storage import crud
from storage.models import Measure


def may_act(session: Session, measure: Measure, actor: Actor, ctx: Context) -> bool:
    roles = crud.roles_of(session, measure_ids=[measure.id])[measure.id]
    return roles.held_by(actor.refs) or is_coordinator(session, actor, ctx)


def actable_ids(session: Session, actor: Actor, ctx: Context) -> list[int] | None:
    """The ids of the measures the user may act on; None for all (a coordinator)."""
    if is_coordinator(session, actor, ctx):
        return None
    return crud.measure_ids_of(session, refs=actor.refs)


def refusal(session: Session, measure: Measure, ctx: Context) -> Reply:
    return error(refusal_text(session, measure, ctx), ctx.t("permission.coordinator_hint"))


def refusal_text(session: Session, measure: Measure, ctx: Context) -> str:
    """Who may update the measure instead: the form shows it beside the measure field."""
    owner = crud.roles_of(session, measure_ids=[measure.id])[measure.id].owner
    return ctx.t("permission.refused", id=measure.code, owner=person_label(owner))


def is_coordinator(session: Session, actor: Actor, ctx: Context) -> bool:
    configured = {crud.normalize_ref(ref) for ref in ctx.coordinators}
    return bool(actor.refs & configured) or crud.is_granted_coordinator(session, refs=actor.refs)
