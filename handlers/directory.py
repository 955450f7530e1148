"""A platform's people, as a handler may ask for them: someone a coordinator names by
mention, user id or e-mail, found (or not) by the platform."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Found:
    """A user the platform knows."""

    user_id: str
    email: str | None = None
    name: str | None = None
    platform_ids: tuple[tuple[str, str], ...] = ()
    """As `Actor.platform_ids`: which of the person's id columns each id is."""


class Directory(Protocol):
    def find(self, ref: str) -> Found | None:
        """The user named by a user id or e-mail; None if the platform knows no such user.
        A passing fault of the platform raises."""
