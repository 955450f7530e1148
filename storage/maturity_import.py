"""`digibot import-maturity FILE.csv`: maturity assessments from an Excel-style CSV (a
byte-order mark, `,` or `;`): columns `theme`, `level`, `date` and optionally `source`.
Everything is checked first and every problem reported with its line; one bad row and
nothing is stored. A row recorded already (same theme, level, date and source, from any
origin) is left out rather than refused, so the same file may be imported again."""

from __future__ import annotations

import csv
import difflib
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlmodel import Session, select

from storage import maturity
from storage.models import Theme
from storage.programme_io import ImportFailed, Problem, excel_csv, read_text
from storage.text import control_character

COLUMNS = ("theme", "level", "date", "source")
REQUIRED = ("theme", "level", "date")


@dataclass(frozen=True)
class Row:
    line: int
    theme: Theme
    level_hundredths: int
    assessed_on: str
    source: str


@dataclass(frozen=True)
class Imported:
    recorded: list[Row]
    already: list[Row]


def import_maturity(
    session: Session, path: Path, *, by: str, today: date, at: datetime | None = None
) -> Imported:
    """Check the whole file, then append its new assessments (origin "maturity-import");
    raises ImportFailed with every problem and stores nothing."""
    rows = read_maturity(session, path, today=today)
    known = maturity.assessments(session, theme_ids={r.theme.id for r in rows})
    recorded: list[Row] = []
    already: list[Row] = []
    for row in rows:
        same = maturity.is_recorded(
            known.get(row.theme.id, []),
            level_hundredths=row.level_hundredths,
            assessed_on=row.assessed_on,
            source=row.source,
        )
        if same:
            already.append(row)
            continue
        maturity.append_assessment(
            session,
            theme_id=row.theme.id,
            level_hundredths=row.level_hundredths,
            assessed_on=row.assessed_on,
            author=by,
            origin="maturity-import",
            source=row.source,
            created_at=at,
        )
        recorded.append(row)
    return Imported(recorded, already)


def read_maturity(session: Session, path: Path, *, today: date) -> list[Row]:
    text = read_text(path)
    themes = {t.code_key: t for t in session.exec(select(Theme))}
    problems: list[Problem] = []
    rows = _read(text, themes, today, problems)
    if not problems and not rows:
        problems.append(Problem(1, "-", "maturity.import.empty"))
    if problems:
        raise ImportFailed(sorted(problems, key=lambda p: p.line))
    return rows


def _read(text: str, themes: dict[str, Theme], today: date, problems: list[Problem]) -> list[Row]:
    reader = excel_csv(text)
    rows: list[Row] = []
    seen: dict[tuple[int, int, str, str], int] = {}
    try:
        header = [h.strip().lower() for h in next(reader, [])]
        fields = {"fields": ", ".join(COLUMNS)}
        problems.extend(
            Problem(1, name or "-", "import.unknown_field", fields)
            for name in header
            if name not in COLUMNS or header.count(name) > 1
        )
        problems.extend(Problem(1, n, "import.required") for n in REQUIRED if n not in header)
        if problems:
            return rows
        line = reader.line_num + 1
        for cells in reader:
            if any(c.strip() for c in cells):
                if len(cells) != len(header):
                    problems.append(
                        Problem(
                            line,
                            "-",
                            "import.csv_columns",
                            {"count": len(cells), "expected": len(header)},
                        )
                    )
                elif row := _row(
                    dict(zip(header, cells, strict=True)), line, themes, today, problems
                ):
                    key = (row.theme.id, row.level_hundredths, row.assessed_on, row.source)
                    if key in seen:
                        problems.append(
                            Problem(line, "-", "maturity.import.duplicate", {"first": seen[key]})
                        )
                    else:
                        seen[key] = line
                        rows.append(row)
            line = reader.line_num + 1
    except csv.Error as bad:
        problems.append(
            Problem(reader.line_num or 1, "-", "import.csv_syntax", {"problem": str(bad)})
        )
    return rows


def _row(
    cells: dict[str, str], line: int, themes: dict[str, Theme], today: date, problems: list[Problem]
) -> Row | None:
    found = len(problems)
    for name, value in cells.items():
        if char := control_character(value):
            problems.append(Problem(line, name, "import.control_character", {"char": char}))
    code, level_text = cells["theme"].strip(), cells["level"].strip()
    when, source = cells["date"].strip(), " ".join(cells.get("source", "").split())
    theme = themes.get(code.lower())
    if theme is None:
        close = difflib.get_close_matches(code.lower(), list(themes), n=3, cutoff=0.5)
        known = ", ".join(themes[c].code for c in close or sorted(themes))
        problems.append(
            Problem(line, "theme", "maturity.import.unknown_theme", {"value": code, "ids": known})
        )
    level = maturity.parse_level(level_text)
    if level is None:
        problems.append(Problem(line, "level", "import.bad_level", {"value": level_text}))
    assessed_on = maturity.parse_assessed_on(when)
    if assessed_on is None:
        problems.append(Problem(line, "date", "maturity.import.bad_date", {"value": when}))
    elif maturity.is_future(assessed_on, today):
        problems.append(Problem(line, "date", "maturity.import.future_date", {"value": when}))
    if len(source) > maturity.SOURCE_LIMIT:
        problems.append(
            Problem(
                line,
                "source",
                "import.too_long",
                {"length": len(source), "limit": maturity.SOURCE_LIMIT},
            )
        )
    if len(problems) > found or theme is None or level is None or assessed_on is None:
        return None
    return Row(line, theme, level, assessed_on, source)
