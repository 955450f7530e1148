"""One catalogue, two languages: every message exists in both, with the same placeholders."""

from __future__ import annotations

import string

import pytest

from handlers.messages import MESSAGES


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_every_message_has_finnish_and_english_with_the_same_placeholders(key: str) -> None:
    texts = MESSAGES[key]
    assert set(texts) == {"fi", "en"}
    assert texts["fi"].strip() and texts["en"].strip()
    assert _fields(texts["fi"]) == _fields(texts["en"])
