"""User text at the door and where it is shown.

`control_character` is the one check every entry point of user text uses (chat commands, the
update form, the programme import, a restore): PostgreSQL cannot store NUL, and no other
control character belongs in a note, so they are refused the same on every database rather
than stored on SQLite and lost on PostgreSQL. Tab, line feed and carriage return are text.

`neutralise` is for renderers that print text raw (the console, CSV): terminal escape
sequences and bidirectional overrides are replaced by a visible mark, never interpreted."""

from __future__ import annotations

import re

# C0 controls but tab, LF and CR; DEL; C1 controls; lone surrogates (no encoding can store them).
_REFUSED = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# What a terminal or a spreadsheet would act on: every control but tab and LF (a lone CR
# returns the cursor and hides what came before), and the bidi embeddings, overrides and
# isolates that reorder what is shown (the "Trojan Source" characters).
_SHOWN_RAW = re.compile(
    r"\r(?!\n)|[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]"
)
PLACEHOLDER = "\ufffd"


def control_character(text: str) -> str | None:
    """The first character that may not be stored, as `U+0000`; None when the text is fine."""
    found = _REFUSED.search(text)
    return f"U+{ord(found.group()):04X}" if found else None


def neutralise(text: str) -> str:
    """The text with every control and bidi override character replaced by U+FFFD, so an
    escape sequence is shown as inert text (`�[31m`) instead of recolouring a terminal."""
    return _SHOWN_RAW.sub(PLACEHOLDER, text)
