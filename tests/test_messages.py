"""One catalogue, three languages: every message exists in Finnish, Swedish and English, with
the same placeholders in each."""

from __future__ import annotations

import string

import pytest

from handlers.messages import LANGUAGES, MESSAGES


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_every_message_has_finnish_swedish_and_english_with_the_same_placeholders(
    key: str,
) -> None:
    texts = MESSAGES[key]
    assert set(texts) == {"fi", "sv", "en"} == set(LANGUAGES)
    assert all(texts[language].strip() for language in LANGUAGES)
    assert _fields(texts["fi"]) == _fields(texts["sv"]) == _fields(texts["en"])
    for language in LANGUAGES:  # a stray brace would fail only when the message is shown
        texts[language].format(**dict.fromkeys(_fields(texts["fi"]), "x"))


def test_each_platform_uses_only_its_own_and_shared_messages() -> None:
    """A `slack.*` text shown in Teams (or the reverse) would name the wrong platform."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "bot"
    for platform, other in (("teams", "slack"), ("slack", "teams")):
        for source in (root / platform).rglob("*.py"):
            used = re.findall(rf"""["']({other}\.[a-z_.]+)["']""", source.read_text())
            assert not used, f"{source.relative_to(root.parent)} uses {used}"
