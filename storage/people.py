"""What a person chose for themselves: the language of the bot's replies."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlmodel import Session, col, select

from storage.crud import normalize_ref
from storage.models import PersonLanguage


def language_of(session: Session, *, refs: Iterable[str]) -> str | None:
    """The language last chosen under any of these refs (one person's ids and e-mail)."""
    keys = {normalize_ref(r) for r in refs if r}
    if not keys:
        return None
    row = session.exec(
        select(PersonLanguage)
        .where(col(PersonLanguage.ref).in_(keys))
        .order_by(col(PersonLanguage.set_at).desc())
    ).first()
    return row.language if row else None


def choose_language(
    session: Session, *, refs: Iterable[str], language: str, set_by: str, now: datetime
) -> None:
    """Record the choice under each ref of the person, replacing an earlier choice."""
    for ref in sorted({normalize_ref(r) for r in refs if r}):
        row = session.get(PersonLanguage, ref)
        if row is None:
            row = PersonLanguage(ref=ref, language=language, set_by=set_by, set_at=now)
        row.language, row.set_by, row.set_at = language, set_by, now
        session.add(row)
    session.flush()
