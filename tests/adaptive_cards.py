"""Every Adaptive Card the bot sends, checked against the official Adaptive Cards 1.5 schema
(vendored in tests/schemas/): Teams silently drops what the schema refuses."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft6Validator
from jsonschema.exceptions import best_match

SCHEMA = Path(__file__).parent / "schemas" / "adaptive-card-1.5.0.json"
CARD_CONTENT = "application/vnd.microsoft.card.adaptive"


@cache
def validator() -> Draft6Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    Draft6Validator.check_schema(schema)
    return Draft6Validator(schema)


def problems(card: dict[str, Any]) -> list[str]:
    """Why the schema refuses `card`; empty if it is valid. The best match first."""
    errors = list(validator().iter_errors(card))
    if not errors:
        return []
    best = best_match(errors)
    return [f"{'/'.join(map(str, best.absolute_path))}: {best.message}"] + [
        e.message for e in errors if e is not best
    ]


def assert_valid(card: dict[str, Any]) -> None:
    found = problems(card)
    assert not found, f"not a valid Adaptive Card 1.5: {found[0]}\n{json.dumps(card)[:2000]}"


def cards_in(payload: Any) -> Iterator[dict[str, Any]]:
    """The Adaptive Cards anywhere in an activity or an invoke response (dialogs included)."""
    if isinstance(payload, dict):
        if payload.get("contentType") == CARD_CONTENT:
            yield payload["content"]
            return
        for value in payload.values():
            yield from cards_in(value)
    elif isinstance(payload, list):
        for value in payload:
            yield from cards_in(value)


def assert_all_valid(payloads: Iterable[Any]) -> int:
    """Check every card in `payloads`; how many there were."""
    n = 0
    for card in (c for p in payloads for c in cards_in(p)):
        assert_valid(card)
        n += 1
    return n
