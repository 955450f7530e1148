"""Actuals from the finance system: an Excel CSV of what each measure has spent in a budget
year to date (`id`, `spent_eur`, optional `as_of`, `year`, `note`). Read and check all of it
first, then append each row as a spending report, in the caller's transaction: one bad row
and nothing is stored; every problem is reported with its physical line."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlmodel import Session, select

from storage import money
from storage.models import Measure, Spending
from storage.programme_io import ImportFailed, Problem, excel_csv, read_text
from storage.text import control_character

COLUMNS = ("id", "spent_eur", "as_of", "year", "note")
REQUIRED = ("id", "spent_eur")
NOTE_LIMIT = 3000


@dataclass(frozen=True)
class Actual:
    line: int
    code: str
    year: int
    cents: int
    as_of: date
    note: str


def read_actuals(path: Path, *, today: date) -> list[Actual]:
    """Every row of the file, checked on its own; ImportFailed with every problem."""
    text = read_text(path)
    problems: list[Problem] = []
    rows: list[Actual] = []
    reader = excel_csv(text)
    try:
        header = [h.strip().lower() for h in next(reader, [])]
        fields = {"fields": ", ".join(COLUMNS)}
        problems += [
            Problem(1, n or "-", "import.unknown_field", fields) for n in header if n not in COLUMNS
        ]
        problems += [Problem(1, n, "import.required") for n in REQUIRED if n not in header]
        if problems:
            raise ImportFailed(problems)
        line = reader.line_num + 1
        for cells in reader:
            if any(c.strip() for c in cells):
                if len(cells) != len(header):
                    params = {"count": len(cells), "expected": len(header)}
                    problems.append(Problem(line, "-", "import.csv_columns", params))
                elif found := _row(dict(zip(header, cells, strict=True)), line, today, problems):
                    rows.append(found)
            line = reader.line_num + 1
    except csv.Error as bad:
        problems.append(
            Problem(reader.line_num or 1, "-", "import.csv_syntax", {"problem": str(bad)})
        )
    seen: dict[tuple[str, int], int] = {}
    for row in rows:
        key = (row.code.lower(), row.year)
        if key in seen:
            repeat = {"id": row.code, "year": row.year, "first": seen[key]}
            problems.append(Problem(row.line, "id", "import.duplicate_actual", repeat))
        seen.setdefault(key, row.line)
    if not problems and not rows:
        problems.append(Problem(1, "-", "import.empty"))
    if problems:
        raise ImportFailed(sorted(problems, key=lambda p: p.line))
    return rows


def _row(values: dict[str, str], line: int, today: date, problems: list[Problem]) -> Actual | None:
    before = len(problems)
    for name, value in values.items():
        if char := control_character(value):
            problems.append(Problem(line, name, "import.control_character", {"char": char}))
    code = values["id"].strip()
    if not code:
        problems.append(Problem(line, "id", "import.required"))
    cents = money.parse_cents(values["spent_eur"])
    if cents is None:
        problems.append(
            Problem(line, "spent_eur", "import.bad_amount", {"value": values["spent_eur"]})
        )
    as_of: date | None = today
    if text := values.get("as_of", "").strip():
        as_of = _day(text)
        if as_of is None:
            problems.append(Problem(line, "as_of", "import.bad_day", {"value": text}))
    as_of = as_of or today
    year = as_of.year
    if text := values.get("year", "").strip():
        if re.fullmatch(r"\d{4}", text) and 1900 <= int(text) <= 2200:
            year = int(text)
        else:
            problems.append(Problem(line, "year", "import.bad_year", {"value": text}))
    note = " ".join(values.get("note", "").split())
    if len(note) > NOTE_LIMIT:
        params = {"length": len(note), "limit": NOTE_LIMIT}
        problems.append(Problem(line, "note", "import.too_long", params))
    if len(problems) > before or cents is None:
        return None
    return Actual(line, code, year, cents, as_of, note)


def _day(text: str) -> date | None:
    """A day as a finance system or Excel writes it: `2026-03-31` or `31.3.2026`."""
    try:
        if match := re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", text):
            return date(int(match[3]), int(match[2]), int(match[1]))
        if re.fullmatch(r"\d{4}-\d\d-\d\d", text):
            return date.fromisoformat(text)
    except ValueError:
        return None
    return None


def record_actuals(
    session: Session, rows: list[Actual], *, by: str, at: datetime
) -> list[tuple[Measure, Spending]]:
    """Append each row as a report (source `actuals`) once every id is a measure in force;
    else ImportFailed and nothing is stored."""
    measures = {m.code_key: m for m in session.exec(select(Measure))}
    problems = []
    for row in rows:
        measure = measures.get(row.code.lower())
        if measure is None:
            problems.append(Problem(row.line, "id", "import.unknown_measure", {"value": row.code}))
        elif measure.retired_at is not None:
            problems.append(Problem(row.line, "id", "import.retired_measure", {"value": row.code}))
    if problems:
        raise ImportFailed(problems)
    recorded = []
    for row in rows:
        measure = measures[row.code.lower()]
        spent = money.append_spending(
            session,
            measure_id=measure.id,
            year=row.year,
            spent_cents=row.cents,
            reported_on=row.as_of.isoformat(),
            author=by,
            source="actuals",
            note=row.note,
            created_at=at,
        )
        recorded.append((measure, spent))
    return recorded
