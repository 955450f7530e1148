"""Platform-neutral replies as Slack Block Kit, within Slack's documented limits.

Text is data: where Block Kit allows, it goes out as plain_text, which Slack never parses;
where our own markup (a bold label or heading) needs mrkdwn, every string from a reply is
escaped, so user text such as `<!channel>`, `<@U…>` or `*bold*` is shown, never acted on.
Nothing is cut silently: long text is split across blocks, and blocks across messages."""

from __future__ import annotations

import re

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

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
SECTION_TEXT = 3000
FIELD_TEXT = 2000
FIELDS_PER_SECTION = 10
HEADER_TEXT = 150
BUTTON_TEXT = 75
FALLBACK_TEXT = 3000
ACTION_IDS = {"open_form": "digi_open_form"}


ZWSP = "\u200b"
_MARKS = re.compile(r"[*_~`]")


def escape(text: str) -> str:
    """Text for mrkdwn. Slack has no escape for its formatting marks, so each gets a
    zero-width space on both sides: whether Slack reads that space as a word boundary or as a
    letter, no mark can open or close bold, italic, strike or code."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKS.sub(lambda mark: f"{ZWSP}{mark.group()}{ZWSP}", text)


def plain(text: str, limit: int) -> dict:
    """A plain_text object; Slack never parses mentions in plain text."""
    return {"type": "plain_text", "text": _clip(text, limit), "emoji": True}


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def chunks(text: str, limit: int = SECTION_TEXT) -> list[str]:
    """Split escaped text at line ends (a very long line anywhere but inside an entity)."""
    pieces: list[str] = []
    current = ""
    for whole in text.split("\n"):
        line = whole
        while len(line) > limit:
            cut = limit
            amp = line.rfind("&", cut - 5, cut)
            if amp != -1 and ";" not in line[amp:cut]:
                cut = amp
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:cut])
            line = line[cut:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            pieces.append(current)
            candidate = line
        current = candidate
    if current or not pieces:
        pieces.append(current)
    return pieces


def _sections(mrkdwn: str) -> list[dict]:
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": piece}}
        for piece in chunks(mrkdwn)
        if piece
    ]


def _plain_sections(text: str) -> list[dict]:
    return [{"type": "section", "text": _plain(piece)} for piece in chunks(text) if piece]


def _plain(text: str) -> dict:
    return {"type": "plain_text", "text": text, "emoji": True}


def blocks_of(block: Block) -> list[dict]:
    match block:
        case Heading(text, 1) if len(text) <= HEADER_TEXT:
            return [{"type": "header", "text": plain(text, HEADER_TEXT)}]
        case Heading(text):
            return _sections(f"*{escape(text)}*")
        case Paragraph(text):
            return _plain_sections(text)
        case Items(lines) | Table(lines=lines):
            return _plain_sections("\n".join(lines))
        case Chart():
            return []  # uploaded as a file in the summary's thread
        case Hint(text):
            return [{"type": "context", "elements": [_plain(piece)]} for piece in chunks(text)]
        case Fields(pairs):
            return _fields(pairs)
        case Entry(text, action):
            blocks = _plain_sections(text)
            if action and blocks:
                blocks[-1]["accessory"] = button(action)
            return blocks
    raise TypeError(f"no Block Kit for {block!r}")


def _fields(pairs: tuple[tuple[str, str], ...]) -> list[dict]:
    blocks: list[dict] = []
    fields: list[dict] = []
    for label, value in pairs:
        text = f"*{escape(label)}*\n{escape(value)}"
        if len(text) > FIELD_TEXT:  # a long note gets sections of its own
            if fields:
                blocks.append({"type": "section", "fields": fields})
                fields = []
            blocks.extend(_sections(text))
            continue
        fields.append({"type": "mrkdwn", "text": text})
        if len(fields) == FIELDS_PER_SECTION:
            blocks.append({"type": "section", "fields": fields})
            fields = []
    if fields:
        blocks.append({"type": "section", "fields": fields})
    return blocks


def button(action: Action) -> dict:
    return {
        "type": "button",
        "text": plain(action.label, BUTTON_TEXT),
        "action_id": ACTION_IDS[action.name],
        "value": action.value,
    }


def fallback_text(reply: Reply) -> str:
    """The notification text: the first heading or paragraph."""
    for block in reply.blocks:
        if isinstance(block, Heading | Paragraph):
            return escape(_clip(block.text, FALLBACK_TEXT // 5))
    return ""


def render_messages(reply: Reply, *, limit: int = MESSAGE_BLOCKS) -> list[dict]:
    """One or more messages of at most `limit` blocks each: nothing is dropped."""
    blocks = [b for block in reply.blocks for b in blocks_of(block)]
    text = fallback_text(reply)
    groups = [blocks[i : i + limit] for i in range(0, len(blocks), limit)] or [[]]
    return [{"text": text, "blocks": group} for group in groups]


def render_view_blocks(reply: Reply, more: str, *, limit: int = VIEW_BLOCKS) -> list[dict]:
    """Blocks for a modal or the Home tab; past the limit, a visible note says what is left."""
    blocks = [b for block in reply.blocks for b in blocks_of(block)]
    if len(blocks) <= limit:
        return blocks
    return [
        *blocks[: limit - 1],
        {"type": "context", "elements": [{"type": "mrkdwn", "text": escape(more)}]},
    ]
