"""Replies as plain text, for the console: user text is printed inert (see neutralise)."""

from __future__ import annotations

from handlers.replies import Chart, Entry, Fields, Heading, Hint, Items, Paragraph, Reply, Table
from storage.text import neutralise


def render_text(reply: Reply) -> str:
    lines: list[str] = []
    for block in reply.blocks:
        match block:
            case Heading(text, level):
                lines.append(text if level == 1 else f"\n{text}")
            case Paragraph(text) | Hint(text):
                lines.append(text)
            case Fields(pairs):
                width = max(len(label) for label, _ in pairs) if pairs else 0
                lines.extend(f"  {label + ':':<{width + 1}} {value}" for label, value in pairs)
            case Items(item_lines) | Table(lines=item_lines):
                lines.extend(f"  {line}" for line in item_lines)
            case Chart():
                pass
            case Entry(text):
                lines.append(f"  {text}")
    return neutralise("\n".join(lines))
