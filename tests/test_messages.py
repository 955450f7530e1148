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


def test_each_platform_uses_only_its_own_and_shared_messages() -> None:
    """A `slack.*` text shown in Teams (or the reverse) would name the wrong platform."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "bot"
    for platform, other in (("teams", "slack"), ("slack", "teams")):
        for source in (root / platform).rglob("*.py"):
            used = re.findall(rf"""["']({other}\.[a-z_.]+)["']""", source.read_text())
            assert not used, f"{source.relative_to(root.parent)} uses {used}"
