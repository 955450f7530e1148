"""Block Kit as Slack defines it: every block the bot sends is parsed by slack_sdk's model
classes and checked against their limits (Slack publishes no JSON schema for Block Kit).

The Slack stand-in runs `problems()` on every payload it receives, so the whole suite checks
what the bot really sends."""

from __future__ import annotations

import json
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
MESSAGE_TEXT = 40_000
_METHODS_WITH_BLOCKS = {"chat.postMessage", "chat.postEphemeral", "chat.update"}
_METHODS_WITH_VIEWS = {"views.open", "views.publish", "views.update", "views.push"}


def _decoded(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def block_problems(blocks: list[dict[str, Any]], *, limit: int, where: str) -> list[str]:
    """What is wrong with `blocks` by slack_sdk's models and Slack's per-message limits."""
    if len(blocks) > limit:
        return [f"{where}: {len(blocks)} blocks, at most {limit}"]
    found = []
    for n, raw in enumerate(blocks):
        block = Block.parse(raw)
        if block is None:
            found.append(f"{where}[{n}]: unknown block type {raw.get('type')!r}")
            continue
        try:
            block.validate_json()
        except SlackObjectFormationError as problem:
            found.append(f"{where}[{n}] ({raw.get('type')}): {problem}")
    return found


def view_problems(view: dict[str, Any], *, where: str) -> list[str]:
    found = []
    try:
        View(**view).validate_json()
    except (SlackObjectFormationError, TypeError) as problem:
        found.append(f"{where}: {problem}")
    blocks = view.get("blocks") or []
    return found + block_problems(blocks, limit=VIEW_BLOCKS, where=f"{where}.blocks")


def problems(method: str, payload: dict[str, Any]) -> list[str]:
    """What is wrong with one Web API call or `response_url` post (method `response_url`)."""
    found: list[str] = []
    if method in _METHODS_WITH_BLOCKS or method == "response_url":
        blocks = _decoded(payload.get("blocks")) or []
        found += block_problems(blocks, limit=MESSAGE_BLOCKS, where=f"{method}.blocks")
        text = payload.get("text") or ""
        if len(text) > MESSAGE_TEXT:
            found.append(f"{method}.text: {len(text)} characters, at most {MESSAGE_TEXT}")
        if not text and not blocks and not payload.get("delete_original"):
            found.append(f"{method}: neither text nor blocks")
    if method in _METHODS_WITH_VIEWS:
        found += view_problems(_decoded(payload.get("view")) or {}, where=f"{method}.view")
    return found
