"""What a command may ask the platform to do besides replying. `handle()` returns one of
these; each adapter (Slack, Teams, the console) carries it out in its own way."""

from __future__ import annotations

from dataclasses import dataclass

from handlers.replies import Reply


@dataclass(frozen=True)
class OpenForm:
    """Open the update form, for this measure if one is named."""

    measure: str | None = None


@dataclass(frozen=True)
class PostSummary:
    """Post the leadership summary into the platform's channel now (the user may: a
    coordinator). `force` posts again a period already posted."""

    force: bool = False


@dataclass(frozen=True)
class Direct:
    """A direct message to a person, named as the programme names them (user id or e-mail)."""

    person_ref: str
    reply: Reply


@dataclass(frozen=True)
class Tell:
    """Reply, and send direct messages through the platform's messenger (a handover tells
    the new owner what they now own)."""

    reply: Reply
    direct: tuple[Direct, ...] = ()


Effect = OpenForm | PostSummary | Tell
Result = Reply | Effect
