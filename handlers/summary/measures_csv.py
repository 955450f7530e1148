"""The summary's measures as CSV, for a spreadsheet: the export's columns (storage/export.py)
as the data stood at the summary's moment, and at the end what the programme's revisions
since the last summary did to each measure (measures they retired close the file)."""

from __future__ import annotations

import io

from handlers.summary.build import Row, Summary
from handlers.summary.revised import revised_cells
from storage.export import CSV_MEASURE_COLUMNS, csv_writer, money_cells

COLUMNS = (*CSV_MEASURE_COLUMNS, "revised")


def render_csv(summary: Summary) -> str:
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(COLUMNS)
    revised = revised_cells(summary.revised)
    for row in summary.rows:
        d = summary.details[row.code]
        progress = "" if row.progress is None else str(row.progress)
        writer.writerow(
            [row.code, row.theme, row.title, d.owner_ref or "", ";".join(d.deputies),
             _cell(d.unit), _cell(d.start), _cell(row.due), _cell(d.budget_eur),
             _cell(d.indicator), _cell(d.baseline), _cell(d.target), row.status.code, progress,
             row.updated_at.isoformat() if row.updated_at else "", d.updated_by, row.note,
             "", *_money(row), revised.pop(row.code, "")]  # retired_at: all shown are in force
        )  # fmt: skip
    for retired in summary.revised.retired if summary.revised else ():
        blanks = [""] * (len(COLUMNS) - 4)
        writer.writerow([retired.code, "", retired.title, *blanks, revised[retired.code]])
    return out.getvalue()


def _money(row: Row) -> tuple[str, str]:
    if row.money is None:
        return "", ""
    spent = row.money.spent
    return money_cells(row.money.planned, sum(spent.values()) if spent else None)


def _cell(value: object) -> str:
    return "" if value is None else str(value)
