"""How each status looks on paper and in the chart: its own shape (and bar pattern) as
well as its colour, because the city board's agenda is often printed in black and white
and some readers cannot tell red from green. Every colour has at least 4.5:1 contrast
against white."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Style:
    shape: str  # the mark in the printed document, drawn in a font every printer has
    colour: str
    hatch: str  # the chart bar's pattern
    filled: bool = True  # not started: an empty shape, a hollow bar


STYLES: dict[str, Style] = {
    "not_started": Style("○", "#6b7075", "", filled=False),
    "on_track": Style("●", "#2a7d3f", "//"),
    "at_risk": Style("▲", "#9a6700", ".."),
    "delayed": Style("■", "#c0392b", "xx"),
    "done": Style("✓", "#1f4e79", ""),
    "postponed": Style("‖", "#6d5aa8", "--"),
}
