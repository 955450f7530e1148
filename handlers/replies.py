"""Platform-neutral replies. Every string in a reply is plain text: a renderer escapes it
for its platform and chooses how each kind of block looks."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1
    """1 is a message's or document's title; 2 and 3 are sections within it."""


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class Fields:
    """Label–value pairs, such as a measure's owner and due date."""

    pairs: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Items:
    """A list, one line an item (a measure, an update)."""

    lines: tuple[str, ...]


@dataclass(frozen=True)
class Hint:
    """Small print: an example of the right form, where to go next."""

    text: str


@dataclass(frozen=True)
class Action:
    """A button. `name` says what it does; the platform decides how (Slack opens a modal)."""

    label: str
    name: str
    value: str = ""


@dataclass(frozen=True)
class Entry:
    """One line with a button beside it, such as a measure with "Update"."""

    text: str
    action: Action | None = None


@dataclass(frozen=True)
class Table:
    """Rows for a document; in chat, each row is read as its line in `lines`."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Chart:
    """Where a document shows one of the summary's charts, by its `name` (chat gets the
    status chart as an upload)."""

    alt: str
    name: str = "status"


Block = Heading | Paragraph | Fields | Items | Hint | Entry | Table | Chart


@dataclass(frozen=True)
class Reply:
    blocks: tuple[Block, ...]
    ok: bool = True
    """False when the command was refused or invalid: nothing was changed."""
    fault: bool = False
    """The bot or its database failed, not the request (for the metrics); `ok` is False."""


def error(text: str, hint: str | None = None, *, fault: bool = False) -> Reply:
    blocks: tuple[Block, ...] = (Paragraph(text),) + ((Hint(hint),) if hint else ())
    return Reply(blocks, ok=False, fault=fault)
