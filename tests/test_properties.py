"""Any text at all gets a reply, never an exception; a refused command stores nothing."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handlers.commands.status import parse_status_args
from handlers.render_text import render_text
from handlers.vocabulary import status_words
from tests.conftest import OWNER, STRANGER, ChatBot

FAST = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

words = st.sampled_from(
    ["status", "tila", "show", "näytä", "history", "list", "lista", "undo", "peru", "help", "1.1",
     "2.3", "omat", "T1", "40%", "40", "%", "-1", "101", '"', "“", "<!channel>", "\x00", "\n", " "]
    + status_words()
)  # fmt: skip
commandish = st.lists(st.one_of(words, st.text(max_size=12)), max_size=8).map(" ".join)


@FAST
@given(text=st.one_of(st.text(max_size=200), commandish))
def test_any_text_from_a_stranger_gets_a_reply_and_stores_nothing(bot: ChatBot, text: str) -> None:
    reply = bot.push(text, as_=STRANGER)
    assert isinstance(render_text(reply), str) and reply.blocks
    bot.pop()
    assert bot.updates() == []


@FAST
@given(text=st.one_of(st.text(max_size=200), commandish))
def test_any_text_from_an_owner_gets_a_reply(bot: ChatBot, text: str) -> None:
    before = len(bot.updates())
    reply = bot.push(text, as_=OWNER)
    assert render_text(reply)
    bot.pop()
    if not reply.ok:
        assert len(bot.updates()) == before


@given(
    status=st.sampled_from(status_words()),
    progress=st.integers(0, 100),
    style=st.sampled_from(["{n}%", "{n} %", "{n}"]),
    note=st.text(
        st.characters(blacklist_categories=("Cc", "Cs", "Zs", "Zl", "Zp")), min_size=1, max_size=40
    ),
)
def test_status_arguments_parse_back(status: str, progress: int, style: str, note: str) -> None:
    note = note.strip("\"“”«'„")
    args = parse_status_args(f"1.1 {status} {style.format(n=progress)} {note}")
    assert args is not None
    assert (args.code, args.status_word, args.progress_text) == ("1.1", status, str(progress))
    if note and not note[0].isdigit() and note[0] not in "+-%":
        assert args.note == note
