"""Maturity: each theme's assessments on Kuntaliitto's 1–5 scale, append-only. Baseline and
target are planned (theme fields); "current" is the latest assessment. Levels are exact:
hundredths (3.2 is 320)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime

from sqlmodel import Session, col, select

from storage.dates import first_day, normalize_when
from storage.models import MaturityAssessment, Theme

LOWEST, HIGHEST = 100, 500
ORIGINS = ("chat", "maturity-import", "programme")
SOURCE_LIMIT = 200


def parse_level(text: str) -> int | None:
    """`3`, `3.2`, `3,25` → hundredths; None unless it is on the 1–5 scale."""
    match = re.fullmatch(r"(\d)(?:[.,](\d{1,2}))?", text.strip())
    if not match:
        return None
    value = int(match[1]) * 100 + int((match[2] or "0").ljust(2, "0"))
    return value if LOWEST <= value <= HIGHEST else None


def parse_assessed_on(value: object) -> str | None:
    """`10/2026`, `2026-10`, `15.10.2026`, `2026-10-15` (or a date from YAML) → `2026-10` or
    `2026-10-15`; None otherwise (a year alone is no assessment's date)."""
    found = normalize_when(value)
    return found if found is not None and "-" in found else None


def is_future(assessed_on: str, today: date) -> bool:
    """Assessed after `today`: a month is in the future only once it has not begun."""
    return first_day(assessed_on) > today


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


def current_levels(
    session: Session, *, theme_ids: Iterable[int] | None = None, at: datetime | None = None
) -> dict[int, MaturityAssessment]:
    """Each theme's current assessment (its latest by the date assessed) as of `at`; a theme
    with none is absent."""
    return {i: rows[-1] for i, rows in assessments(session, theme_ids=theme_ids, at=at).items()}


def current_level(
    session: Session, theme_id: int, at: datetime | None = None
) -> MaturityAssessment | None:
    return current_levels(session, theme_ids=[theme_id], at=at).get(theme_id)


def is_recorded(
    rows: Iterable[MaturityAssessment], *, level_hundredths: int, assessed_on: str, source: str
) -> bool:
    """Whether the same assessment (level, date and source) is among `rows` already."""
    return any(
        (r.level_hundredths, r.assessed_on, r.source) == (level_hundredths, assessed_on, source)
        for r in rows
    )


def record_file_levels(
    session: Session, levels: dict[str, float], *, source: str, by: str, at: datetime
) -> list[MaturityAssessment]:
    """A programme file's `current` level per theme (by folded id) as an assessment dated
    `at`'s day (origin "programme"), where it says something new: it differs from the theme's
    current assessment and from the level the file gave last time. So re-importing an
    unchanged file never puts an older level back over a newer assessment from chat or CSV."""
    themes = {t.code_key: t.id for t in session.exec(select(Theme))}
    ids = {themes[key]: level_of(value) for key, value in levels.items() if key in themes}
    known = assessments(session, theme_ids=list(ids))
    added = []
    for theme_id, level in ids.items():
        rows = known.get(theme_id, [])
        said = [r.level_hundredths for r in rows if r.origin == "programme"]
        if rows and level in (rows[-1].level_hundredths, *said[-1:]):
            continue
        row = append_assessment(
            session, theme_id=theme_id, level_hundredths=level,
            assessed_on=at.date().isoformat(), author=by, origin="programme",
            source=source, created_at=at,
        )  # fmt: skip
        added.append(row)
    return added
