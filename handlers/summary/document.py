"""Replies as documents for the city board's agenda: Markdown, and print-ready HTML.
User text is escaped for each format."""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Mapping

from handlers.messages import Messages
from handlers.replies import (
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
from handlers.summary.status_style import STYLES
from handlers.vocabulary import STATUSES

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~])")


def md(text: str) -> str:
    """Markdown-escaped text on one line: user text formats nothing and links nowhere."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def render_markdown(parts: list[Reply]) -> str:
    """The parts one after another, the first (the summary's one-page opening) ruled off."""
    opening, rest = _markdown(parts[:1]), _markdown(parts[1:])
    return f"{opening}\n---\n\n{rest}" if rest else opening


def _markdown(parts: list[Reply]) -> str:
    out: list[str] = []
    for block in (block for part in parts for block in part.blocks):
        match block:
            case Heading(text, level):
                out.append(f"{'#' * level} {md(text)}")
            case Paragraph(text):
                out.append(md(text))
            case Hint():
                pass  # chat guidance ("the details are in the thread"), not for a document
            case Items(lines):
                out.append("\n".join(f"- {md(line)}" for line in lines))
            case Entry(text):
                out.append(f"- {md(text)}")
            case Fields(pairs):
                out.append("\n".join(f"- **{md(label)}:** {md(value)}" for label, value in pairs))
            case Table(columns, rows):
                table = [
                    "| " + " | ".join(md(c) for c in columns) + " |",
                    "|" + "---|" * len(columns),
                    *("| " + " | ".join(md(cell) for cell in row) + " |" for row in rows),
                ]
                out.append("\n".join(table))
            case Chart():
                pass  # the Markdown document is text; the chart goes with the HTML one
    return "\n\n".join(out) + "\n" if out else ""


STYLE = """
@page { size: A4; margin: 18mm 16mm; }
body { font-family: "Segoe UI", Arial, sans-serif; color: #1b1b1b; max-width: 60rem;
       margin: 2rem auto; padding: 0 1rem; line-height: 1.45; font-size: 11pt; }
h1 { font-size: 1.6rem; border-bottom: 3px solid #1f4e79; padding-bottom: .3rem; }
h2 { font-size: 1.25rem; color: #1f4e79; margin-top: 1.8rem; }
h3 { font-size: 1.05rem; margin-bottom: .3rem; }
h1, h2, h3 { break-after: avoid; page-break-after: avoid; break-inside: avoid; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
th, td { border: 1px solid #c8ccd0; padding: .3rem .45rem; text-align: left;
         vertical-align: top; }
th { background: #eef2f6; }
tr { break-inside: avoid; }
td.num { text-align: right; white-space: nowrap; }
ul { padding-left: 1.2rem; }
.mark { font-weight: bold; }
figure { margin: 1rem 0; }
figure img { max-width: 100%; }
section.opening { break-after: page; page-break-after: always; }
""" + "".join(f".mark.{code} {{ color: {style.colour}; }}\n" for code, style in STYLES.items())


def render_html(
    parts: list[Reply],
    *,
    title: str,
    language: str,
    chart_png: bytes | None,
    charts: Mapping[str, bytes] | None = None,
) -> str:
    """A section a part; the first (the summary's one-page opening) ends its page. The
    status chart is `chart_png`; the others are `charts`, by name."""
    t = Messages(language)  # type: ignore[arg-type]
    drawn = {**(charts or {}), **({"status": chart_png} if chart_png else {})}
    body: list[str] = []
    for n, part in enumerate(parts):
        body.append('<section class="opening">' if n == 0 else "<section>")
        body.extend(_html_blocks(part, t, drawn))
        body.append("</section>")
    return (
        f'<!DOCTYPE html>\n<html lang="{language}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        "<main>\n" + "\n".join(body) + "\n</main>\n</body>\n</html>\n"
    )


def _html_blocks(part: Reply, t: Messages, charts: Mapping[str, bytes]) -> list[str]:
    body: list[str] = []
    for block in part.blocks:
        match block:
            case Heading(text, level):
                body.append(f"<h{level}>{_text(text, t)}</h{level}>")
            case Paragraph(text):
                body.append(f"<p>{_text(text, t)}</p>")
            case Items(lines):
                body.append(_list(lines, t))
            case Entry(text):
                body.append(_list((text,), t))
            case Fields(pairs):
                rows = "".join(
                    f"<tr><th>{_text(k, t)}</th><td>{_text(v, t)}</td></tr>" for k, v in pairs
                )
                body.append(f"<table>{rows}</table>")
            case Table(columns, rows):
                body.append(_table(columns, rows, t))
            case Chart(alt, name) if name in charts:
                data = base64.b64encode(charts[name]).decode("ascii")
                image = f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt)}">'
                body.append(f"<figure>{image}</figure>")
            case Hint():
                pass  # chat guidance, not for a document
    return body


def _list(lines: tuple[str, ...], t: Messages) -> str:
    return "<ul>" + "".join(f"<li>{_text(line, t)}</li>" for line in lines) + "</ul>"


# Status marks drawn with plain glyphs, each status its own shape as well as its colour: a
# printed agenda must not depend on an emoji font, on colour print or on colour vision.
_CODES = {status.mark: status.code for status in STATUSES}
_MARK = re.compile("|".join(re.escape(mark) for mark in sorted(_CODES, key=len, reverse=True)))


def _text(text: str, t: Messages) -> str:
    """Escaped text, its status marks drawn for print and named for screen readers (unless
    the status word follows the mark already). The bot puts a mark at the start of a line or
    cell, or before the status word; any other emoji is user text and stays as typed."""

    def mark(match: re.Match[str]) -> str:
        code = _CODES[match.group(0)]
        word = html.escape(t(f"status.{code}"))
        shape = STYLES[code].shape
        if match.string.startswith(f" {word}", match.end()):
            return f'<span class="mark {code}" aria-hidden="true">{shape}</span>'
        if match.start() > 0:  # an emoji in someone's note or title: theirs, not a status
            return match.group(0)
        return f'<span class="mark {code}" role="img" aria-label="{word}">{shape}</span>'

    return _MARK.sub(mark, html.escape(text))


def _table(columns: tuple[str, ...], rows: tuple[tuple[str, ...], ...], t: Messages) -> str:
    head = "".join(f"<th>{_text(c, t)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(_cell(cell, t) for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cell(cell: str, t: Messages) -> str:
    numeric = bool(re.fullmatch(r"\d+|\d+ ?%|—", cell))
    return f'<td class="num">{_text(cell, t)}</td>' if numeric else f"<td>{_text(cell, t)}</td>"
