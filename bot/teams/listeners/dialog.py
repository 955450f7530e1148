"""The update dialog: `task/fetch` opens it with the user's measures, `task/submit` stores
the update or shows the dialog again with what to correct."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from microsoft_agents.hosting.core import AgentApplication, TurnContext, TurnState

from bot.teams import cards
from handlers.form import Form, open_form, submit_form
from handlers.messages import Messages
from handlers.render_text import render_text
from handlers.replies import Paragraph, Reply
from handlers.state.values import Problem

if TYPE_CHECKING:
    from bot.teams.adapter import TeamsBot


def register(app: AgentApplication, bot: TeamsBot) -> None:
    @app.invoke("task/fetch")
    async def fetch(context: TurnContext, state: TurnState) -> None:
        data = _data(context)
        actor = await bot.actor(context)
        ctx = await bot.ctx_for(actor)
        form = await asyncio.to_thread(open_form, actor, ctx, measure_code=data.get("measure"))
        if isinstance(form, Reply):
            await bot.invoke_response(context, _task_message(form))
            return
        await bot.invoke_response(context, _dialog(ctx.t, form, form_id=uuid.uuid4().hex))

    @app.invoke("task/submit")
    async def submitted(context: TurnContext, state: TurnState) -> None:
        data = _data(context)
        actor = await bot.actor(context)
        ctx = await bot.ctx_for(actor)
        names = ("measure", "status", "progress", "note", "spent", "spent_confirm")
        values = {k: _text(data.get(k)) for k in names}
        a = context.activity
        key = f"teams:form:{data.get('form') or f'{a.conversation.id}:{a.id}'}"
        result = await asyncio.to_thread(
            submit_form, actor, ctx, measure_code=values["measure"],
            status_code=values["status"], progress=values["progress"],
            note=values["note"] or "", key=key, spent=values["spent"],
            spent_confirmed=values["spent_confirm"] == "yes",
        )  # fmt: skip
        if isinstance(result, list):
            form = await asyncio.to_thread(open_form, actor, ctx)
            if isinstance(form, Reply):
                await bot.invoke_response(context, _task_message(form))
                return
            body = _dialog(
                ctx.t,
                form,
                form_id=data.get("form") or uuid.uuid4().hex,
                problems=result,
                values=values,
            )
            await bot.invoke_response(context, body)
            return
        await bot.invoke_response(context, _task_message(result))


def _data(context: TurnContext) -> dict[str, Any]:
    """What the card sent: the `data` object of the invoke's value (empty if malformed)."""
    value = context.activity.value
    data = value.get("data") if isinstance(value, dict) else None
    return data if isinstance(data, dict) else {}


def _dialog(
    t: Messages,
    form: Form,
    *,
    form_id: str,
    problems: Sequence[Problem] = (),
    values: dict[str, str | None] | None = None,
) -> dict:
    content = cards.form_card(form, t, form_id=form_id, problems=problems, values=values)
    attachment = {"contentType": cards.CARD_CONTENT, "content": content}
    return {
        "task": {
            "type": "continue",
            "value": {"title": t("form.title"), "card": attachment},
        }
    }


def _task_message(reply: Reply) -> dict:
    """A dialog that closes with a short message."""
    first = next((b.text for b in reply.blocks if isinstance(b, Paragraph)), render_text(reply))
    return {"task": {"type": "message", "value": first[:500]}}


def _text(value: object) -> str | None:
    if value is None:
        return None
    return str(value).strip() or None
