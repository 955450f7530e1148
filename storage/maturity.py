"""Maturity: each theme's assessments on Kuntaliitto's 1–5 scale, append-only. Baseline and
target are planned (theme fields); "current" is the latest assessment. Levels are exact:
hundredths (3.2 is 320)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

from sqlmodel import Session, col, select

from storage.models import MaturityAssessment

LOWEST, HIGHEST = 100, 500


def parse_level(text: str) -> int | None:
    """`3`, `3.2`, `3,25` → hundredths; None unless it is on the 1–5 scale."""
    match = re.fullmatch(r"(\d)(?:[.,](\d{1,2}))?", text.strip())
    if not match:
        return None
    value = int(match[1]) * 100 + int((match[2] or "0").ljust(2, "0"))
    return value if LOWEST <= value <= HIGHEST else None


def level_of(value: float) -> int:
    """A level given as a number (the programme file's) in hundredths."""
    return round(value * 100)


def append_assessment(
    session: Session,
    *,
    theme_id: int,
    level_hundredths: int,
    assessed_on: str,
    author: str,
    origin: str,
    source: str = "",
    created_at: datetime | None = None,
) -> MaturityAssessment:
    row = MaturityAssessment(
        theme_id=theme_id,
        level_hundredths=level_hundredths,
        assessed_on=assessed_on,
        author=author,
        origin=origin,
        source=source,
    )
    if created_at is not None:
        row.created_at = created_at
    session.add(row)
    session.flush()
    return row


def assessments(
    session: Session, *, theme_ids: Iterable[int] | None = None, at: datetime | None = None
) -> dict[int, list[MaturityAssessment]]:
    """Each theme's assessments recorded by `at` (all if None), in the order they were made:
    by the date assessed, then by when recorded. The last is the current level."""
    query = select(MaturityAssessment)
    if theme_ids is not None:
        query = query.where(col(MaturityAssessment.theme_id).in_(list(theme_ids)))
    if at is not None:
        query = query.where(col(MaturityAssessment.created_at) <= at)
    found: dict[int, list[MaturityAssessment]] = {}
    for row in session.exec(query):
        found.setdefault(row.theme_id, []).append(row)
    for rows in found.values():
        rows.sort(key=lambda r: (r.assessed_on, r.created_at, r.id))
    return found
