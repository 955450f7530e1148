"""Platform-neutral replies as Adaptive Cards (schema 1.5, what Teams renders), each well
under Teams' message size limit; and the update form as a dialog card.

User text is escaped for the cards' Markdown, and a card can mention nobody: Teams mentions
need `msteams.entities`, which these cards never carry."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Sequence
from typing import Any

from handlers.form import Form
from handlers.messages import Messages
from handlers.render_text import render_text
from handlers.replies import (
    Action,
    Block,
    Chart,
    Entry,
    Fields,
    Heading,
    Hint,
    Items,
    Paragraph,
    Reply,
    Table,
)
from handlers.state.values import NOTE_LIMIT, Problem

SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"
CARD_BYTES = 24_000
"""Teams takes messages up to about 100 KB (older documentation: 40 KB): stay well under."""
CARD_CONTENT = "application/vnd.microsoft.card.adaptive"
_MARKDOWN = re.compile(r"([\\`*_\[\]()#~>|])")
_NUMBER = re.compile(r"[+-]?\d{1,9}(\.\d{1,6})?")


def escape(text: str) -> str:
    """Text that Markdown leaves as it is: no emphasis, links or lists from user text."""
    escaped = _MARKDOWN.sub(r"\\\1", text)
    return re.sub(r"(?m)^(\s*)([-+]|\d+\.)(\s)", r"\1\\\2\3", escaped)


def _text(text: str, **style: Any) -> dict:
    return {"type": "TextBlock", "text": escape(text), "wrap": True, **style}


def elements(block: Block) -> list[dict]:
    match block:
        case Heading(text, level):
            size = {1: "Large", 2: "Medium"}.get(level, "Default")
            return [_text(text, size=size, weight="Bolder", spacing="Medium")]
        case Paragraph(text):
            return [_text(text)]
        case Hint(text):
            return [_text(text, isSubtle=True, size="Small")]
        case Fields(pairs):
            facts = [{"title": escape(label), "value": escape(value)} for label, value in pairs]
            return [{"type": "FactSet", "facts": facts}]
        case Items(lines) | Table(lines=lines):
            return [_text(line, spacing="None") for line in lines]
        case Entry(text, action):
            columns: list[dict] = [{"type": "Column", "width": "stretch", "items": [_text(text)]}]
            if action:
                columns.append(
                    {"type": "Column", "width": "auto", "verticalContentAlignment": "Center",
                     "items": [{"type": "ActionSet", "actions": [submit_action(action)]}]}
                )  # fmt: skip
            return [{"type": "ColumnSet", "columns": columns}]
        case Chart():
            return []  # the chart goes as a card of its own
    raise TypeError(f"no Adaptive Card for {block!r}")


def submit_action(action: Action) -> dict:
    """Buttons open the update dialog (a task/fetch invoke)."""
    return {
        "type": "Action.Submit",
        "title": action.label,
        "data": {"msteams": {"type": "task/fetch"}, "digi": action.name, "measure": action.value},
    }


def card(body: list[dict], *, fallback: str = "", actions: list[dict] | None = None) -> dict:
    content: dict[str, Any] = {
        "type": "AdaptiveCard",
        "$schema": SCHEMA,
        "version": VERSION,
        "body": body,
    }
    if actions:
        content["actions"] = actions
    if fallback:
        content["fallbackText"] = fallback[:1000]
    return content


def render_cards(reply: Reply) -> list[dict]:
    """One or more cards, each under CARD_BYTES: nothing is dropped."""
    fallback = render_text(reply)
    cards: list[list[dict]] = [[]]
    size = 0
    for element in (e for block in reply.blocks for e in elements(block)):
        grown = len(json.dumps(element, ensure_ascii=False).encode())
        if cards[-1] and size + grown > CARD_BYTES - 2_000:
            cards.append([])
            size = 0
        cards[-1].append(element)
        size += grown
    return [card(body, fallback=fallback if n == 0 else "") for n, body in enumerate(cards)]


def activity(content: dict) -> dict:
    """A message activity carrying one card."""
    return {
        "type": "message",
        "attachments": [{"contentType": CARD_CONTENT, "content": content}],
    }


def chart_card(png: bytes, title: str) -> dict:
    data = base64.b64encode(png).decode("ascii")
    return card(
        [
            _text(title, weight="Bolder"),
            {"type": "Image", "url": f"data:image/png;base64,{data}", "altText": title},
        ]
    )


def _number(value: object) -> int | float | None:
    """A number for `Input.Number` (the schema wants a JSON number: Teams drops a string, and
    the value with it); None for what is not a plain number."""
    if value is None or not _NUMBER.fullmatch(text := str(value).strip()):
        return None
    number = float(text)
    return int(number) if number.is_integer() else number


def form_card(
    form: Form,
    t: Messages,
    *,
    form_id: str,
    problems: Sequence[Problem] = (),
    values: dict[str, str | None] | None = None,
) -> dict:
    """The update dialog; after a refused submission, the errors under their fields and the
    values as they were typed."""
    values = values or {}
    errors: dict[str, list[str]] = {}
    for problem in problems:
        errors.setdefault(problem.field, []).append(problem.message)
    choices = [
        {"title": option.label, "value": option.value}
        for group in form.groups
        for option in group.options
    ]
    body: list[dict] = [
        {"type": "Input.ChoiceSet", "id": "measure", "label": t("form.measure"), "choices": choices,
         "value": values.get("measure") or form.measure or "", "style": "compact"},
        {"type": "Input.ChoiceSet", "id": "status", "label": t("form.status"),
         "choices": [{"title": o.label, "value": o.value} for o in form.statuses],
         "value": values.get("status") or form.status or "", "style": "compact"},
        {"type": "Input.Number", "id": "progress", "label": t("form.progress"),
         "min": 0, "max": 100},
        {"type": "Input.Text", "id": "note", "label": t("form.note"), "isMultiline": True,
         "maxLength": NOTE_LIMIT, "placeholder": t("form.note_hint"),
         "value": values.get("note") or ""},
        {"type": "Input.Text", "id": "spent", "label": t("form.spent"), "maxLength": 40,
         "placeholder": t("form.spent_hint"), "value": values.get("spent") or ""},
        {"type": "Input.Toggle", "id": "spent_confirm", "title": t("spent.confirm"),
         "label": t("form.spent_confirm"), "valueOn": "yes", "valueOff": "no",
         "value": "yes" if values.get("spent_confirm") == "yes" else "no"},
    ]  # fmt: skip
    progress = _number(values.get("progress") if "progress" in values else form.progress)
    if progress is not None:
        body[2]["value"] = progress
    laid_out: list[dict] = []
    for element in body:
        laid_out.append(element)
        laid_out.extend(
            _text(message, color="Attention", spacing="None")
            for message in errors.get(element["id"], [])
        )
    actions = [
        {
            "type": "Action.Submit",
            "title": t("form.submit"),
            "data": {"digi": "submit_form", "form": form_id},
        }
    ]
    return card(laid_out, actions=actions)
