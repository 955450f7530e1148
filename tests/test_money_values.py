"""Amounts and maturity levels as people write them, read exactly (cents, hundredths)."""

from __future__ import annotations

import pytest

from storage.maturity import parse_level
from storage.money import decode_appropriations, encode_appropriations, parse_cents


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("12400", 1_240_000),
        ("12 400", 1_240_000),
        ("12\u00a0400 €", 1_240_000),
        ("€12,400", 1_240_000),
        ("12,400", 1_240_000),
        ("12400,50", 1_240_050),
        ("12 400,5", 1_240_050),
        ("1.234,56", 123_456),
        ("1,234.56", 123_456),
        ("12 400 eur", 1_240_000),
        ("0", 0),
        ("0,01", 1),
    ],
)
def test_amounts_people_write_are_read_exactly(text: str, cents: int) -> None:
    assert parse_cents(text) == cents


@pytest.mark.parametrize(
    "text", ["", "-5", "12,4000", "12.400,000", "1 2 3", "abc", "12e3", "1.234.5", "9" * 14]
)
def test_what_is_not_an_amount_is_refused(text: str) -> None:
    assert parse_cents(text) is None


def test_appropriations_round_trip_in_year_order() -> None:
    text = encode_appropriations({2026: 1_200_000, 2025: 1_000_000})
    assert text == "2025:1000000;2026:1200000"
    assert decode_appropriations(text) == {2025: 1_000_000, 2026: 1_200_000}
    assert decode_appropriations("") == {}


@pytest.mark.parametrize(
    ("text", "level"), [("3", 300), ("3.2", 320), ("3,25", 325), ("1", 100), ("5,0", 500)]
)
def test_levels_on_the_scale_are_read_in_hundredths(text: str, level: int) -> None:
    assert parse_level(text) == level


@pytest.mark.parametrize("text", ["0.9", "5.01", "6", "3.255", "kolme", "", "-3"])
def test_levels_off_the_scale_are_refused(text: str) -> None:
    assert parse_level(text) is None
