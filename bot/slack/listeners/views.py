"""The form's submission: inline errors in the modal, or the stored state in its place."""

from __future__ import annotations

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.slack.deps import SlackDeps
from bot.slack.listeners.common import publish_home
from bot.slack.views import FORM_CALLBACK, result_view, submitted_values
from handlers.form import submit_form


def register(app: App, deps: SlackDeps) -> None:
    @app.view(FORM_CALLBACK)
    def submitted(ack: Ack, body: dict, view: dict, client: WebClient) -> None:
        user_id = body["user"]["id"]
        values = submitted_values(view)
        actor = deps.directory.actor(user_id)
        ctx = deps.ctx_for(actor)
        result = submit_form(
            actor,
            ctx,
            measure_code=values["measure"],
            status_code=values["status"],
            progress=values["progress"],
            note=values["note"] or "",
            key=f"slack:view:{view['id']}",
            spent=values["spent"],
            spent_confirmed=values["spent_confirm"] == "yes",
        )
        if isinstance(result, list):
            errors: dict[str, str] = {}
            for problem in result:
                errors.setdefault(problem.field, problem.message)
            ack(response_action="errors", errors=errors)
            return
        title = "form.saved_title" if result.ok else "form.title"
        ack(response_action="update", view=result_view(result, ctx.t, title=title))
        deps.background(publish_home, client, deps, user_id)
