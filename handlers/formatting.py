"""How numbers, dates and people read in each language. Swedish as written in Finland
follows the Finnish conventions (20.5.2025, kl. 9.30, 40 %, 2,8, 20 000 €)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from handlers.messages import Language
from storage.dates import parts

_NORDIC = ("fi", "sv")
"""Languages that write 20.5.2025, 40 %, 2,8 and 20 000 €."""
_MONTHS_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def progress(language: Language, value: int | None) -> str:
    if value is None:
        return "—"
    return f"{value} %" if language in _NORDIC else f"{value}%"


def moment(language: Language, value: datetime, zone: ZoneInfo) -> str:
    local = value.astimezone(zone)
    if language in _NORDIC:
        at = "klo" if language == "fi" else "kl."
        return f"{local.day}.{local.month}.{local.year} {at} {local.hour}.{local.minute:02d}"
    return f"{local.day} {_MONTHS_EN[local.month - 1]} {local.year} {local:%H:%M}"


def day(language: Language, value: date) -> str:
    if language in _NORDIC:
        return f"{value.day}.{value.month}.{value.year}"
    return f"{value.day} {_MONTHS_EN[value.month - 1]} {value.year}"


def level(language: Language, value: float | None) -> str:
    """A maturity level on the 1–5 scale: 2,8 in Finnish, 2.8 in English; a second decimal
    only where there is one (3,25)."""
    if value is None:
        return "—"
    text = f"{value:.2f}".removesuffix("0")
    return text.replace(".", ",") if language in _NORDIC else text


def when(language: Language, value: str | None) -> str:
    """A programme date (`2026`, `2026-06`, `2026-06-30`) as people write it."""
    if not value:
        return "—"
    year, month, day = parts(value)
    if language in _NORDIC:
        if day:
            return f"{day}.{month}.{year}"
        return f"{month}/{year}" if month else str(year)
    if day and month:
        return f"{day} {_MONTHS_EN[month - 1]} {year}"
    return f"{_MONTHS_EN[month - 1]} {year}" if month else str(year)


def schedule(language: Language, start: str | None, due: str | None) -> str:
    if not start and not due:
        return "—"
    return f"{when(language, start)}–{when(language, due)}"


def number(language: Language, value: int) -> str:
    grouped = f"{value:,}"
    return grouped.replace(",", " ") if language in _NORDIC else grouped


def euros(language: Language, amount: int, *, in_cents: bool = False) -> str:
    """Money as the language writes it: `12 400 €` / `€12,400`; with `in_cents` the amount
    is cents, shown only when not whole: `12 400,50 €` / `€12,400.50`."""
    whole, cents = divmod(amount, 100) if in_cents else (amount, 0)
    text = number(language, whole)
    if cents:
        text += f"{',' if language in _NORDIC else '.'}{cents:02d}"
    return f"{text} €" if language in _NORDIC else f"€{text}"


def clip(text: str, limit: int = 60) -> str:
    """User text echoed in an error: short, on one line."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
