"""Money: each measure's appropriation per budget year (a plan field) and what has been
spent, reported append-only. Always exact: integer cents, never float."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

from sqlmodel import Session, col, select

from storage.models import Spending

MAX_CENTS = 10**13
"""A hundred billion euros: beyond any city's budget, within the database's integers."""

_GROUPED = re.compile(r"^\d{1,3}(?:[ .,]\d{3})+$")
_PLAIN = re.compile(r"^\d+$")


def parse_cents(text: str) -> int | None:
    """An amount as people write it: `12 400`, `12 400 €`, `€12,400`, `12400,50`, `1.234,56`,
    `1,234.56`, `12 400 eur`. A `,` or `.` followed by one or two digits at the end is the
    decimal mark; groups of three digits may be set apart by spaces, `.` or `,`. None if it
    is not an amount (or negative)."""
    text = text.strip().replace("\u00a0", " ").replace("\u202f", " ")
    text = re.sub(r"(?i)^€\s*|\s*(€|eur|euroa?)$", "", text).strip()
    if not text or text.startswith("-"):
        return None
    whole, cents = text, "0"
    if match := re.fullmatch(r"(.*\d)([.,])(\d{1,2})", text):
        whole, mark, cents = match[1], match[2], match[3]
        if mark in whole:  # `1.234.5`: a group too short, not a decimal
            return None
    if not (_PLAIN.match(whole) or _GROUPED.match(whole)) or len(set(re.sub(r"\d", "", whole))) > 1:
        return None
    value = int(re.sub(r"\D", "", whole)) * 100 + int(cents.ljust(2, "0"))
    return value if value < MAX_CENTS else None


def encode_appropriations(by_year: dict[int, int]) -> str:
    """`{2026: 1200000, 2025: 1000000}` → `2025:1000000;2026:1200000` (cents, by year)."""
    return ";".join(f"{year}:{cents}" for year, cents in sorted(by_year.items()))


def decode_appropriations(text: str) -> dict[int, int]:
    found: dict[int, int] = {}
    for piece in text.split(";"):
        if piece:
            year, cents = piece.split(":")
            found[int(year)] = int(cents)
    return found


def append_spending(
    session: Session,
    *,
    measure_id: int,
    year: int,
    spent_cents: int,
    reported_on: str,
    author: str,
    source: str,
    note: str = "",
    created_at: datetime | None = None,
    idempotency_key: str | None = None,
) -> Spending:
    row = Spending(
        measure_id=measure_id,
        year=year,
        spent_cents=spent_cents,
        reported_on=reported_on,
        author=author,
        source=source,
        note=note,
        idempotency_key=idempotency_key,
    )
    if created_at is not None:
        row.created_at = created_at
    session.add(row)
    session.flush()
    return row


def latest_spending(
    session: Session, *, measure_ids: Iterable[int] | None = None, at: datetime | None = None
) -> dict[int, dict[int, Spending]]:
    """Each measure's latest report for each budget year, as of `at` (now if None)."""
    query = select(Spending)
    if measure_ids is not None:
        query = query.where(col(Spending.measure_id).in_(list(measure_ids)))
    if at is not None:
        query = query.where(col(Spending.created_at) <= at)
    found: dict[int, dict[int, Spending]] = {}
    for row in session.exec(query.order_by(col(Spending.created_at), col(Spending.id))):
        found.setdefault(row.measure_id, {})[row.year] = row
    return found


def spent_to_date(latest: dict[int, dict[int, Spending]]) -> dict[int, int]:
    """Cents spent on each measure: the sum of each year's latest report."""
    return {m: sum(r.spent_cents for r in years.values()) for m, years in latest.items()}


def spending_history(session: Session, *, measure_id: int) -> list[Spending]:
    """A measure's reports, oldest first."""
    return list(
        session.exec(
            select(Spending)
            .where(Spending.measure_id == measure_id)
            .order_by(col(Spending.created_at), col(Spending.id))
        )
    )


def spending_by_key(session: Session, *, idempotency_key: str) -> Spending | None:
    return session.exec(select(Spending).where(Spending.idempotency_key == idempotency_key)).first()
