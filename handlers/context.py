"""Who is asking, and the settings a command needs: what an adapter hands to a handler."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from handlers.directory import Directory
from handlers.messages import LANGUAGES, Language, Messages
from handlers.schedule import Calendar
from storage.crud import normalize_ref
from storage.models import utcnow


@dataclass(frozen=True)
class Actor:
    """A chat user: the platform's user id and, where the profile gives one, an e-mail."""

    user_id: str | None = None
    email: str | None = None
    other_ids: tuple[str, ...] = ()
    """More ids of the same person on the platform (Teams: the 29: id beside the Entra id)."""
    locale: str | None = None
    """The language the platform says the person uses (Slack `sv-SE`, Teams `sv-FI`), if any."""
    name: str | None = None
    """The name of the platform's profile, shown where the programme gives none."""
    platform_ids: tuple[tuple[str, str], ...] = ()
    """Which of the person's id columns each id is (`("slack_id", "U123")`): the adapter
    knows, so that the person is linked to them (storage.models.PERSON_IDS)."""

    @property
    def refs(self) -> frozenset[str]:
        return frozenset(normalize_ref(r) for r in (self.user_id, self.email, *self.other_ids) if r)

    @property
    def author(self) -> str:
        """What an update records as its author."""
        return normalize_ref(self.user_id or self.email or "unknown")

    @classmethod
    def from_ref(cls, ref: str) -> Actor:
        """`--as` takes a user id or an e-mail."""
        return cls(email=ref) if "@" in ref else cls(user_id=ref)


@dataclass(frozen=True)
class Context:
    engine: Engine
    language: Language = "fi"
    """The language of the replies: the city's (DIGIBOT_LANGUAGE), or once the person asking
    is known (handlers/language.py), theirs."""
    languages: tuple[Language, ...] = LANGUAGES
    """The languages the city allows (DIGIBOT_LANGUAGES): a person is answered in one of them."""
    city_default: Language | None = None
    """DIGIBOT_LANGUAGE, kept once `language` is the person's; None: `language` is the city's."""
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/Helsinki"))
    coordinators: frozenset[str] = frozenset()
    """Coordinators from DIGIBOT_COORDINATORS; those added in the database count too."""
    source: str = "console"
    prefix: str = "/digi "
    """How the user types a command, for examples in replies."""
    now: Callable[[], datetime] = utcnow
    claim_timeout: timedelta = timedelta(minutes=5)
    """A summary run not renewed for this long was left by a process that died."""
    schedule: Calendar = field(default_factory=Calendar)
    """The configured summary dates: which summary a hand post is."""
    forms: bool = False
    """The platform has forms (Slack, Teams): it offers the `update` command."""
    directory: Directory | None = None
    """The platform's people, to find someone a coordinator names (None: the console, where
    only people the programme knows can be named)."""

    @property
    def t(self) -> Messages:
        return Messages(self.language)

    @property
    def city_language(self) -> Language:
        """The language of what the channel reads (the summary), whoever asks."""
        return self.city_default or self.language
