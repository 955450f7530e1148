"""The update form as a Slack modal, and the App Home view."""

from __future__ import annotations

from typing import Any

from bot.slack.blocks import plain, render_view_blocks
from handlers.form import Form, Option
from handlers.messages import Messages
from handlers.replies import Reply
from handlers.state.values import NOTE_LIMIT

FORM_CALLBACK = "digi_update_form"
TITLE = 24  # modal title, submit and close labels
OPTION_TEXT = 75
GROUP_OPTIONS = 100
FIELDS = ("measure", "status", "progress", "note", "spent", "spent_confirm")
AMOUNT_TEXT = 40


def _option(option: Option) -> dict:
    return {"text": plain(option.label, OPTION_TEXT), "value": option.value}


def _clip_label(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _measure_select(form: Form) -> dict:
    element: dict[str, Any] = {"type": "static_select", "action_id": "value"}
    groups = []
    for group in form.groups:
        parts = [
            group.options[i : i + GROUP_OPTIONS]
            for i in range(0, len(group.options), GROUP_OPTIONS)
        ]
        for n, options in enumerate(parts, 1):
            suffix = "" if len(parts) == 1 else f" ({n}/{len(parts)})"
            label = _clip_label(group.label, OPTION_TEXT - len(suffix)) + suffix
            groups.append(
                {"label": plain(label, OPTION_TEXT), "options": [_option(o) for o in options]}
            )
            for option in options:
                if option.value == form.measure:
                    element["initial_option"] = _option(option)
    if len(groups) == 1:
        element["options"] = groups[0]["options"]
    else:
        element["option_groups"] = groups
    return element


def form_view(form: Form, t: Messages) -> dict:
    status: dict[str, Any] = {
        "type": "static_select",
        "action_id": "value",
        "options": [_option(o) for o in form.statuses],
    }
    for option in form.statuses:
        if option.value == form.status:
            status["initial_option"] = _option(option)
    progress: dict[str, Any] = {
        "type": "number_input",
        "action_id": "value",
        "is_decimal_allowed": False,
        "min_value": "0",
        "max_value": "100",
    }
    if form.progress is not None:
        progress["initial_value"] = str(form.progress)
    return {
        "type": "modal",
        "callback_id": FORM_CALLBACK,
        "title": plain(t("form.title"), TITLE),
        "submit": plain(t("form.submit"), TITLE),
        "close": plain(t("form.close"), TITLE),
        "blocks": [
            _input("measure", t("form.measure"), _measure_select(form)),
            _input("status", t("form.status"), status),
            _input("progress", t("form.progress"), progress, optional=True),
            _input(
                "note",
                t("form.note"),
                {
                    "type": "plain_text_input",
                    "action_id": "value",
                    "multiline": True,
                    "max_length": NOTE_LIMIT,
                },
                optional=True,
                hint=t("form.note_hint"),
            ),
            _input(
                "spent",
                t("form.spent"),
                {"type": "plain_text_input", "action_id": "value", "max_length": AMOUNT_TEXT},
                optional=True,
                hint=t("form.spent_hint"),
            ),
            _input(
                "spent_confirm",
                t("form.spent_confirm"),
                {
                    "type": "checkboxes",
                    "action_id": "value",
                    "options": [{"text": plain(t("spent.confirm"), 75), "value": "yes"}],
                },
                optional=True,
            ),
        ],
    }


def _input(
    block_id: str, label: str, element: dict, *, optional: bool = False, hint: str | None = None
) -> dict:
    block = {
        "type": "input",
        "block_id": block_id,
        "label": plain(label, 2000),
        "element": element,
        "optional": optional,
    }
    if hint:
        block["hint"] = plain(hint, 2000)
    return block


def submitted_values(view: dict) -> dict[str, str | None]:
    """The form's values from a view_submission payload."""
    values = view.get("state", {}).get("values", {})
    out: dict[str, str | None] = {}
    for name in FIELDS:
        element = values.get(name, {}).get("value", {})
        selected = element.get("selected_option")
        ticked = element.get("selected_options")  # checkboxes
        if ticked is not None:
            out[name] = "yes" if any(o.get("value") == "yes" for o in ticked) else None
        else:
            out[name] = selected.get("value") if selected else element.get("value")
    return out


def result_view(reply: Reply, t: Messages, *, title: str) -> dict:
    """The modal after a submission: the stored state, or what went wrong."""
    return {
        "type": "modal",
        "callback_id": "digi_update_done",
        "title": plain(t(title), TITLE),
        "close": plain(t("form.close"), TITLE),
        "blocks": render_view_blocks(reply, t("slack.view_more")),
    }


def home_view(reply: Reply, t: Messages) -> dict:
    return {"type": "home", "blocks": render_view_blocks(reply, t("slack.view_more"))}
