"""The Slack Block Kit renderer and the update modal, held to Slack's documented limits.

Slack rejects a whole message or view when one block breaks a limit, so every rendering
here is walked by `assert_within_slack_limits`. Nothing may be cut silently, and user text
must never turn into a mention: mrkdwn needs &, < and > escaped."""

from __future__ import annotations

import html
import json
from typing import Any

import httpx
import pytest

from bot.slack.blocks import (
    ACTION_IDS,
    MESSAGE_BLOCKS,
    VIEW_BLOCKS,
    blocks_of,
    chunks,
    escape,
    render_messages,
    render_view_blocks,
)
from bot.slack.views import FORM_CALLBACK, form_view, home_view, submitted_values
from handlers.form import OPEN_FORM, Form, Option, OptionGroup
from handlers.messages import Messages
from handlers.replies import Action, Entry, Fields, Heading, Hint, Items, Paragraph, Reply
from handlers.vocabulary import STATUSES
from tests.slack_standin import answer_problems

# Slack's documented limits
HEADER_TEXT = 150
SECTION_TEXT = 3000
FIELDS_PER_SECTION = 10
FIELD_TEXT = 2000
CONTEXT_TEXT = 3000
BUTTON_TEXT = 75
MODAL_TEXT = 24
SELECT_OPTIONS = 100
OPTION_GROUPS = 100
OPTION_TEXT = 75

NASTY = "<!channel> <@U123> & <https://x|y>"
LANGUAGES = ("fi", "sv", "en")


def assert_within_slack_limits(message_or_view_blocks: dict | list, max_blocks: int) -> None:
    """Every block of a message (`{"text", "blocks"}`), a view or a list of blocks obeys
    Slack's limits: block count, header, section text and fields, context, buttons."""
    if isinstance(message_or_view_blocks, dict):
        blocks = message_or_view_blocks["blocks"]
    else:
        blocks = message_or_view_blocks
    assert len(blocks) <= max_blocks, f"{len(blocks)} blocks, at most {max_blocks} allowed"
    for n, block in enumerate(blocks):
        where = f"block {n} ({block.get('type')})"
        kind = block["type"]
        if kind == "header":
            assert block["text"]["type"] == "plain_text", where
            assert 0 < len(block["text"]["text"]) <= HEADER_TEXT, where
        elif kind == "section":
            assert "text" in block or "fields" in block, where
            if "text" in block:
                assert block["text"]["type"] in ("mrkdwn", "plain_text"), where
                assert 0 < len(block["text"]["text"]) <= SECTION_TEXT, where
            if "fields" in block:
                assert 0 < len(block["fields"]) <= FIELDS_PER_SECTION, where
                for field in block["fields"]:
                    assert 0 < len(field["text"]) <= FIELD_TEXT, where
            if "accessory" in block and block["accessory"]["type"] == "button":
                assert 0 < len(block["accessory"]["text"]["text"]) <= BUTTON_TEXT, where
                assert block["accessory"]["text"]["type"] == "plain_text", where
        elif kind == "context":
            assert 0 < len(block["elements"]) <= 10, where
            for element in block["elements"]:
                if "text" in element:
                    assert 0 < len(element["text"]) <= CONTEXT_TEXT, where
        elif kind == "input":
            _assert_input_within_limits(block, where)
        else:
            raise AssertionError(f"{where}: a block type the renderer should not make")


def _assert_input_within_limits(block: dict, where: str) -> None:
    assert 0 < len(block["label"]["text"]) <= 2000, where
    if "hint" in block:
        assert 0 < len(block["hint"]["text"]) <= 2000, where
    element = block["element"]
    if element["type"] != "static_select":
        return
    assert ("options" in element) != ("option_groups" in element), where
    if "options" in element:
        groups = [{"label": None, "options": element["options"]}]
    else:
        groups = element["option_groups"]
        assert 0 < len(groups) <= OPTION_GROUPS, where
    for group in groups:
        if group["label"] is not None:
            assert group["label"]["type"] == "plain_text", where
            assert 0 < len(group["label"]["text"]) <= OPTION_TEXT, where
        assert 0 < len(group["options"]) <= SELECT_OPTIONS, where
        for option in group["options"]:
            assert option["text"]["type"] == "plain_text", where
            assert 0 < len(option["text"]["text"]) <= OPTION_TEXT, where
            assert 0 < len(option["value"]) <= 150, where
    if "initial_option" in element:
        every = [o for group in groups for o in group["options"]]
        assert element["initial_option"] in every, f"{where}: initial_option not an option"


# --- helpers -------------------------------------------------------------------------------


def text_objects(blocks: list[dict]) -> list[dict]:
    """Every text object of the blocks: section text and fields, context elements, headers."""
    candidates = [o for b in blocks for o in [b.get("text"), *b.get("fields", ())]]
    candidates += [e for b in blocks for e in b.get("elements", ())]
    return [o for o in candidates if isinstance(o, dict) and o.get("type")]


def assert_mentions_nobody(blocks: list[dict]) -> None:
    """Raw mention and link syntax may stand only in plain_text, which Slack never parses."""
    for obj in text_objects(blocks):
        assert obj["type"] in ("plain_text", "mrkdwn")
        if obj["type"] == "mrkdwn":
            assert "<" not in obj["text"] and ">" not in obj["text"], obj


def section_texts(blocks: list[dict]) -> list[str]:
    return [b["text"]["text"] for b in blocks if b["type"] == "section" and "text" in b]


def all_blocks(messages: list[dict]) -> list[dict]:
    return [block for message in messages for block in message["blocks"]]


def measure_line(n: int) -> str:
    """A realistic line of the list command: mark, id, a long title, owner, progress."""
    theme, number = divmod(n, 40)
    return (
        f"🟢 {theme + 1}.{number + 1} Sähköisen asioinnin palvelukokonaisuuden uudistus, "
        f"vaihe {n} — Maija Meikäläinen & Co — {n % 101} %"
    )


LINES = tuple(measure_line(n) for n in range(1000))


def list_reply() -> Reply:
    """The shape of `list`: one heading and every measure in one Items."""
    return Reply((Heading("Toimenpiteet (1000)"), Items(LINES)))


def themed_reply() -> Reply:
    """A heading and a list per theme, as a programme grouped by theme would be."""
    blocks: list = [Heading("Toimenpiteet (1000)")]
    for start in range(0, len(LINES), 10):
        blocks.append(Heading(f"Teema {start // 10 + 1}"))
        blocks.append(Items(LINES[start : start + 10]))
    return Reply(tuple(blocks))


def entries_reply() -> Reply:
    """The shape of the Home tab: a line per measure with an Update button."""
    blocks = [Entry(line, Action("Päivitä", OPEN_FORM, str(n))) for n, line in enumerate(LINES)]
    return Reply((Heading("Omat toimenpiteesi"), *blocks))


def unescape(text: str) -> str:
    return html.unescape(text)


# --- render_messages: long replies ---------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "min_messages"),
    [(list_reply, 1), (themed_reply, 4), (entries_reply, 20)],
    ids=["one-items", "items-per-theme", "entries"],
)
def test_a_thousand_lines_render_within_the_limits_each_once_and_in_order(
    make, min_messages: int
) -> None:
    messages = render_messages(make())

    assert len(messages) >= min_messages
    for message in messages:
        assert_within_slack_limits(message, MESSAGE_BLOCKS)
        assert message["text"]
    texts = section_texts(all_blocks(messages))
    assert len(texts) > 1  # 1,000 lines never fit one section
    rendered = unescape("\n".join(texts)).split("\n")
    assert rendered == list(LINES)


def test_a_single_items_of_a_thousand_lines_is_split_across_sections() -> None:
    blocks = blocks_of(Items(LINES))

    assert_within_slack_limits(blocks, len(blocks))
    assert len(blocks) >= sum(len(line) for line in LINES) // SECTION_TEXT
    # pieces end at line ends: no line is split between two sections
    for text in section_texts(blocks):
        for line in unescape(text).split("\n"):
            assert line in LINES


def test_more_blocks_than_one_message_go_to_further_messages_nothing_dropped() -> None:
    reply = Reply(tuple(Paragraph(f"kappale {n}") for n in range(123)))

    messages = render_messages(reply)

    assert [len(m["blocks"]) for m in messages] == [50, 50, 23]
    assert [unescape(t) for t in section_texts(all_blocks(messages))] == [
        f"kappale {n}" for n in range(123)
    ]
    for message in messages:
        assert_within_slack_limits(message, MESSAGE_BLOCKS)


def test_an_empty_reply_is_one_message_with_no_blocks() -> None:
    assert render_messages(Reply(())) == [{"text": "", "blocks": []}]


# --- long text: chunks ---------------------------------------------------------------------


def test_a_paragraph_of_ten_thousand_characters_without_newlines_is_split_and_complete() -> None:
    text = "".join(chr(ord("a") + n % 26) for n in range(10_000))

    blocks = blocks_of(Paragraph(text))

    assert_within_slack_limits(blocks, MESSAGE_BLOCKS)
    assert len(blocks) == 4
    assert "".join(unescape(t) for t in section_texts(blocks)) == text


@pytest.mark.parametrize("offset", range(12))
@pytest.mark.parametrize(
    "pattern", ["&", "<>&", "x&", "ab&<", "&&&>"], ids=["amp", "lt-gt-amp", "x-amp", "mixed", "run"]
)
def test_entities_are_never_split_at_a_chunk_boundary(offset: int, pattern: str) -> None:
    text = "y" * offset + pattern * (9000 // len(pattern))

    pieces = chunks(escape(text))

    assert len(pieces) > 1
    for piece in pieces:
        assert 0 < len(piece) <= SECTION_TEXT
        # a piece that ends or starts inside an entity would leave a stray "&am" or "p;"
        assert escape(unescape(piece)) == piece
    assert "".join(unescape(piece) for piece in pieces) == text


def test_entities_near_the_boundary_in_a_heading_block() -> None:
    text = "a" * 2995 + "&" * 20 + " & loppu"

    blocks = blocks_of(Heading(text))

    assert_within_slack_limits(blocks, MESSAGE_BLOCKS)
    texts = section_texts(blocks)
    assert all(escape(unescape(t.strip("*"))) == t.strip("*") for t in texts)
    assert "".join(unescape(t) for t in texts) == f"*{text}*"


def test_chunks_keep_lines_whole_and_rejoin_with_newlines() -> None:
    lines = [f"rivi {n} " + "x" * 90 for n in range(200)]

    pieces = chunks("\n".join(lines))

    assert len(pieces) > 1
    assert all(len(p) <= SECTION_TEXT for p in pieces)
    assert "\n".join(pieces).split("\n") == lines


def test_chunks_of_short_and_empty_text() -> None:
    assert chunks("lyhyt") == ["lyhyt"]
    assert chunks("") == [""]
    assert blocks_of(Paragraph("")) == []


# --- headings ------------------------------------------------------------------------------


def test_a_short_heading_is_a_plain_text_header() -> None:
    blocks = blocks_of(Heading("Toimenpiteet & tilanne"))

    assert blocks == [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": "Toimenpiteet & tilanne", "emoji": True},
        }
    ]
    assert_within_slack_limits(blocks, MESSAGE_BLOCKS)


def test_a_heading_of_exactly_150_characters_is_still_a_header() -> None:
    text = "h" * HEADER_TEXT

    blocks = blocks_of(Heading(text))

    assert blocks[0]["type"] == "header"
    assert blocks[0]["text"]["text"] == text
    assert_within_slack_limits(blocks, MESSAGE_BLOCKS)


def test_a_heading_longer_than_150_characters_becomes_a_bold_section_complete() -> None:
    text = "🟢 1.1 " + "Hyvin pitkä toimenpiteen nimi <ja> lisää " * 5

    blocks = blocks_of(Heading(text))

    assert len(text) > HEADER_TEXT
    assert_within_slack_limits(blocks, MESSAGE_BLOCKS)
    assert [b["type"] for b in blocks] == ["section"]
    mrkdwn = blocks[0]["text"]
    assert mrkdwn["type"] == "mrkdwn"
    assert mrkdwn["text"] == f"*{escape(text)}*"
    assert unescape(mrkdwn["text"]) == f"*{text}*"


# --- fields --------------------------------------------------------------------------------


def test_twenty_three_field_pairs_make_sections_of_at_most_ten_fields() -> None:
    pairs = tuple((f"Kenttä {n}", f"arvo {n}") for n in range(23))

    blocks = blocks_of(Fields(pairs))

    assert_within_slack_limits(blocks, MESSAGE_BLOCKS)
    assert [len(b["fields"]) for b in blocks] == [10, 10, 3]
    texts = [f["text"] for b in blocks for f in b["fields"]]
    assert texts == [f"*Kenttä {n}*\narvo {n}" for n in range(23)]
    assert all(f["type"] == "mrkdwn" for b in blocks for f in b["fields"])


def test_a_long_field_value_gets_a_section_of_its_own_and_is_complete() -> None:
    note = ("Pilotti käynnissä, hankinta & kilpailutus kesken. " * 60)[:2500]
    pairs = (("Omistaja", "Maija"), ("Huomio", note), ("Edistyminen", "40 %"))

    blocks = blocks_of(Fields(pairs))

    assert_within_slack_limits(blocks, MESSAGE_BLOCKS)
    assert len(blocks) == 3
    assert [f["text"] for f in blocks[0]["fields"]] == ["*Omistaja*\nMaija"]
    assert "fields" not in blocks[1]
    assert unescape(blocks[1]["text"]["text"]) == f"*Huomio*\n{note}"
    assert [f["text"] for f in blocks[2]["fields"]] == ["*Edistyminen*\n40 %"]


def test_a_field_value_longer_than_a_section_is_split_and_complete() -> None:
    note = "".join(chr(ord("a") + n % 26) for n in range(7000))

    blocks = blocks_of(Fields((("Huomio", note),)))

    assert_within_slack_limits(blocks, MESSAGE_BLOCKS)
    texts = section_texts(blocks)
    assert texts[0] == "*Huomio*"  # the label's line, then the value split mid-line
    assert "".join(unescape(t) for t in texts[1:]) == note


def test_a_field_value_that_only_escaping_makes_too_long_is_moved_out_whole() -> None:
    value = "&" * 1000  # 1,000 characters, 5,000 once escaped

    blocks = blocks_of(Fields((("A", "b"), ("Huomio", value))))

    assert_within_slack_limits(blocks, MESSAGE_BLOCKS)
    assert blocks[0] == {"type": "section", "fields": [{"type": "mrkdwn", "text": "*A*\nb"}]}
    texts = section_texts(blocks)
    assert texts[0] == "*Huomio*"
    assert "".join(unescape(t) for t in texts[1:]) == value


# --- escaping ------------------------------------------------------------------------------


def test_escape_escapes_ampersand_first() -> None:
    assert escape(NASTY) == "&lt;!channel&gt; &lt;@U123&gt; &amp; &lt;https://x|y&gt;"
    assert escape("&lt;") == "&amp;lt;"
    assert unescape(escape("&lt;")) == "&lt;"


@pytest.mark.parametrize(
    "block",
    [
        Paragraph(NASTY),
        Items(("ensimmäinen", NASTY)),
        Fields((("Huomio", NASTY),)),
        Fields((("Pitkä huomio", NASTY + " " + "x" * 2100),)),
        Entry(NASTY, Action("Päivitä", OPEN_FORM, "1.1")),
        Hint(NASTY),
        Heading(NASTY + " " + "x" * 200),
    ],
    ids=["paragraph", "items", "fields", "long-field", "entry", "hint", "long-heading"],
)
def test_user_text_is_plain_or_escaped_and_mentions_nobody(block) -> None:
    blocks = blocks_of(block)

    assert_within_slack_limits(blocks, MESSAGE_BLOCKS)
    assert_mentions_nobody(blocks)
    shown = [
        o["text"] if o["type"] == "plain_text" else unescape(o["text"])
        for o in text_objects(blocks)
    ]
    assert any(NASTY in text for text in shown)
    mrkdwn = [o["text"] for o in text_objects(blocks) if o["type"] == "mrkdwn"]
    assert " & " not in "".join(mrkdwn)


def test_nothing_raw_reaches_a_whole_message() -> None:
    reply = Reply(
        (
            Paragraph(NASTY),
            Items((NASTY,) * 3),
            Fields((("Omistaja", NASTY), (NASTY, "arvo"))),
            Entry(NASTY, Action("Päivitä", OPEN_FORM, "1.1")),
            Hint(NASTY),
        )
    )

    messages = render_messages(reply)

    for message in messages:
        assert_within_slack_limits(message, MESSAGE_BLOCKS)
        assert_mentions_nobody(message["blocks"])
    assert messages[0]["text"] == escape(NASTY)


# --- entries and buttons -------------------------------------------------------------------


def test_an_entry_with_an_action_has_a_button_that_opens_the_form() -> None:
    blocks = blocks_of(
        Entry("🟢 1.1 Sähköinen asiointi — 40 %", Action("Päivitä", OPEN_FORM, "1.1"))
    )

    assert_within_slack_limits(blocks, MESSAGE_BLOCKS)
    assert len(blocks) == 1
    section = blocks[0]
    assert section["type"] == "section"
    assert section["text"] == {
        "type": "plain_text",
        "text": "🟢 1.1 Sähköinen asiointi — 40 %",
        "emoji": True,
    }
    button = section["accessory"]
    assert button["type"] == "button"
    assert button["action_id"] == "digi_open_form" == ACTION_IDS[OPEN_FORM]
    assert button["value"] == "1.1"
    assert button["text"] == {"type": "plain_text", "text": "Päivitä", "emoji": True}


def test_an_entry_without_an_action_has_no_button() -> None:
    blocks = blocks_of(Entry("1.2 Ei painiketta"))

    assert blocks == [
        {
            "type": "section",
            "text": {"type": "plain_text", "text": "1.2 Ei painiketta", "emoji": True},
        }
    ]


def test_a_long_entry_keeps_its_button_on_its_last_section() -> None:
    text = "pitkä " * 1200

    blocks = blocks_of(Entry(text, Action("Päivitä", OPEN_FORM, "7.3")))

    assert_within_slack_limits(blocks, MESSAGE_BLOCKS)
    assert len(blocks) > 1
    assert [("accessory" in b) for b in blocks] == [False] * (len(blocks) - 1) + [True]
    assert blocks[-1]["accessory"]["value"] == "7.3"
    assert "".join(unescape(t) for t in section_texts(blocks)) == text


def test_a_long_button_label_is_clipped() -> None:
    blocks = blocks_of(Entry("1.1", Action("P" * 200, OPEN_FORM, "1.1")))

    assert_within_slack_limits(blocks, MESSAGE_BLOCKS)


def test_an_unknown_block_is_refused() -> None:
    with pytest.raises(TypeError):
        blocks_of(object())


# --- views: modal and Home tab -------------------------------------------------------------


def home_reply(count: int) -> Reply:
    return Reply(
        (
            Heading("Omat toimenpiteesi"),
            *(
                Entry(measure_line(n), Action("Päivitä", OPEN_FORM, f"{n // 40 + 1}.{n % 40 + 1}"))
                for n in range(count)
            ),
            Hint("Päivitä myös komennolla /digi tila 1.1 aikataulussa 40 %"),
        )
    )


def test_a_view_with_150_entries_stops_at_100_blocks_and_says_there_is_more() -> None:
    more = "Kaikki eivät mahdu <tähän> näkymään. Koko lista: /digi lista omat"

    blocks = render_view_blocks(home_reply(150), more)

    assert_within_slack_limits(blocks, VIEW_BLOCKS)
    assert len(blocks) == VIEW_BLOCKS
    last = blocks[-1]
    assert last["type"] == "context"
    assert last["elements"][0]["text"] == escape(more)
    # everything before the note is the reply's own blocks, in order
    assert blocks[:-1] == [b for block in home_reply(150).blocks for b in blocks_of(block)][:99]


def test_a_view_that_fits_is_not_cut_and_has_no_note() -> None:
    reply = home_reply(98)  # heading + 98 entries + hint = 100 blocks

    blocks = render_view_blocks(reply, "lisää")

    assert_within_slack_limits(blocks, VIEW_BLOCKS)
    assert len(blocks) == VIEW_BLOCKS
    assert blocks[-1]["type"] == "context"
    assert "lisää" not in json.dumps(blocks)


@pytest.mark.parametrize("language", LANGUAGES)
def test_home_view_is_a_home_within_the_limits_and_says_there_is_more(language) -> None:
    t = Messages(language)

    view = home_view(home_reply(150), t)

    assert view["type"] == "home"
    assert_within_slack_limits(view, VIEW_BLOCKS)
    assert view["blocks"][-1]["elements"][0]["text"] == escape(t("slack.view_more"))


def test_home_view_of_a_small_reply_has_everything() -> None:
    view = home_view(home_reply(3), Messages("fi"))

    assert_within_slack_limits(view, VIEW_BLOCKS)
    assert len(view["blocks"]) == 5
    assert [b["accessory"]["value"] for b in view["blocks"][1:4]] == ["1.1", "1.2", "1.3"]


# --- the update form -----------------------------------------------------------------------


def statuses(t: Messages) -> tuple[Option, ...]:
    return tuple(Option(s.code, f"{s.mark} {t(f'status.{s.code}')}") for s in STATUSES)


def measure_options(theme: int, count: int, title: str = "Toimenpide") -> tuple[Option, ...]:
    return tuple(Option(f"{theme}.{n}", f"{theme}.{n} {title} {n}") for n in range(1, count + 1))


def big_form(**initial: Any) -> Form:
    groups = (
        OptionGroup("T1 Sähköiset palvelut", measure_options(1, 250)),
        OptionGroup("T2 Tiedolla johtaminen", measure_options(2, 12)),
        OptionGroup("T3 Osaaminen", measure_options(3, 7)),
        OptionGroup("T4 Infrastruktuuri", measure_options(4, 1)),
    )
    return Form(groups=groups, statuses=statuses(Messages("fi")), **initial)


def measure_select(view: dict) -> dict:
    return block_of(view, "measure")["element"]


def block_of(view: dict, block_id: str) -> dict:
    (block,) = [b for b in view["blocks"] if b.get("block_id") == block_id]
    return block


def values_of(element: dict) -> list[str]:
    if "options" in element:
        return [o["value"] for o in element["options"]]
    return [o["value"] for g in element["option_groups"] for o in g["options"]]


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_form_of_250_measures_in_one_theme_and_three_more_fits_option_groups(language) -> None:
    form = big_form()

    view = form_view(form, Messages(language))

    assert view["type"] == "modal"
    assert view["callback_id"] == FORM_CALLBACK
    assert_within_slack_limits(view, VIEW_BLOCKS)
    element = measure_select(view)
    assert "options" not in element
    groups = element["option_groups"]
    assert len(groups) <= OPTION_GROUPS
    assert all(0 < len(g["options"]) <= SELECT_OPTIONS for g in groups)
    values = values_of(element)
    expected = [o.value for g in form.groups for o in g.options]
    assert len(expected) == 270
    assert values == expected  # each measure once, in order
    assert len(set(values)) == len(values)
    labels = [g["label"]["text"] for g in groups]
    assert labels[:3] == [
        "T1 Sähköiset palvelut (1/3)",
        "T1 Sähköiset palvelut (2/3)",
        "T1 Sähköiset palvelut (3/3)",
    ]
    assert labels[3:] == ["T2 Tiedolla johtaminen", "T3 Osaaminen", "T4 Infrastruktuuri"]
    assert "initial_option" not in element


def test_a_form_of_one_group_has_plain_options() -> None:
    form = Form(
        groups=(OptionGroup("T1 Sähköiset palvelut", measure_options(1, 5)),),
        statuses=statuses(Messages("fi")),
    )

    view = form_view(form, Messages("fi"))

    assert_within_slack_limits(view, VIEW_BLOCKS)
    element = measure_select(view)
    assert "option_groups" not in element
    assert values_of(element) == ["1.1", "1.2", "1.3", "1.4", "1.5"]


def test_a_form_of_one_group_of_exactly_100_has_plain_options() -> None:
    form = Form(groups=(OptionGroup("T1", measure_options(1, 100)),), statuses=())

    element = measure_select(form_view(form, Messages("en")))

    assert len(element["options"]) == 100
    assert "option_groups" not in element


def test_a_form_of_one_group_of_more_than_100_is_split_into_groups() -> None:
    form = Form(
        groups=(OptionGroup("T1", measure_options(1, 101)),), statuses=statuses(Messages("en"))
    )

    view = form_view(form, Messages("en"))

    assert_within_slack_limits(view, VIEW_BLOCKS)
    element = measure_select(view)
    assert [len(g["options"]) for g in element["option_groups"]] == [100, 1]
    assert values_of(element) == [f"1.{n}" for n in range(1, 102)]


@pytest.mark.parametrize("language", LANGUAGES)
def test_modal_title_submit_and_close_fit_24_characters(language) -> None:
    view = form_view(big_form(), Messages(language))

    for key in ("title", "submit", "close"):
        assert view[key]["type"] == "plain_text"
        assert 0 < len(view[key]["text"]) <= MODAL_TEXT, key
    assert view["title"]["text"] == Messages(language)("form.title")


def test_option_labels_fit_75_characters_even_for_a_long_title() -> None:
    title = "Erittäin pitkä toimenpiteen nimi " * 7
    long_group = "T1 " + "Hyvin pitkä teeman nimi " * 5
    form = Form(
        groups=(
            OptionGroup(long_group, measure_options(1, 150, title[:200])),
            OptionGroup("T2", measure_options(2, 2, title[:200])),
        ),
        statuses=(Option("on_track", "🟢 " + "aikataulussa " * 20),),
        measure="1.120",
        status="on_track",
    )

    view = form_view(form, Messages("fi"))

    assert len(form.groups[0].options[0].label) > 200
    assert_within_slack_limits(view, VIEW_BLOCKS)
    element = measure_select(view)
    for group in element["option_groups"]:
        assert len(group["label"]["text"]) <= OPTION_TEXT
        for option in group["options"]:
            assert len(option["text"]["text"]) <= OPTION_TEXT
    assert element["initial_option"]["value"] == "1.120"
    assert len(element["initial_option"]["text"]["text"]) <= OPTION_TEXT
    status = block_of(view, "status")["element"]
    assert all(len(o["text"]["text"]) <= OPTION_TEXT for o in status["options"])


@pytest.mark.parametrize("measure", ["1.1", "1.250", "2.5", "4.1"])
def test_the_initial_measure_is_one_of_the_options(measure) -> None:
    element = measure_select(form_view(big_form(measure=measure), Messages("fi")))

    initial = element["initial_option"]
    assert initial["value"] == measure
    assert initial in [o for g in element["option_groups"] for o in g["options"]]


def test_the_initial_measure_in_a_single_group_is_one_of_the_options() -> None:
    form = Form(
        groups=(OptionGroup("T1", measure_options(1, 5)),),
        statuses=statuses(Messages("en")),
        measure="1.3",
    )

    element = measure_select(form_view(form, Messages("en")))

    assert element["initial_option"] == {
        "text": {"type": "plain_text", "text": "1.3 Toimenpide 3", "emoji": True},
        "value": "1.3",
    }
    assert element["initial_option"] in element["options"]


def test_an_unknown_initial_measure_sets_no_initial_option() -> None:
    element = measure_select(form_view(big_form(measure="9.9"), Messages("fi")))

    assert "initial_option" not in element


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_initial_status_and_progress(language) -> None:
    t = Messages(language)
    form = Form(
        groups=(OptionGroup("T1", measure_options(1, 3)),),
        statuses=statuses(t),
        measure="1.2",
        status="at_risk",
        progress=40,
    )

    view = form_view(form, t)

    assert_within_slack_limits(view, VIEW_BLOCKS)
    status = block_of(view, "status")["element"]
    assert status["type"] == "static_select"
    assert [o["value"] for o in status["options"]] == [s.code for s in STATUSES]
    assert status["initial_option"]["value"] == "at_risk"
    assert status["initial_option"] in status["options"]
    progress = block_of(view, "progress")["element"]
    assert progress["type"] == "number_input"
    assert progress["initial_value"] == "40"
    assert block_of(view, "progress")["optional"] is True
    assert block_of(view, "note")["optional"] is True
    assert block_of(view, "measure")["optional"] is False


def test_a_progress_of_zero_is_an_initial_value() -> None:
    form = Form(groups=(OptionGroup("T1", measure_options(1, 1)),), statuses=(), progress=0)

    progress = block_of(form_view(form, Messages("fi")), "progress")["element"]

    assert progress["initial_value"] == "0"


def test_no_initial_values_when_the_form_has_none() -> None:
    view = form_view(big_form(), Messages("fi"))

    assert "initial_option" not in block_of(view, "status")["element"]
    assert "initial_value" not in block_of(view, "progress")["element"]


def test_every_input_has_a_block_id_and_value_action_id_for_submitted_values() -> None:
    view = form_view(big_form(), Messages("en"))

    assert [b["block_id"] for b in view["blocks"]] == [
        "measure", "status", "progress", "note", "spent", "spent_confirm",
    ]  # fmt: skip
    assert all(b["element"]["action_id"] == "value" for b in view["blocks"])
    note = block_of(view, "note")
    assert note["element"]["type"] == "plain_text_input"
    assert note["hint"]["text"] == Messages("en")("form.note_hint")


# --- submitted_values ----------------------------------------------------------------------


def selected(value: str, label: str) -> dict:
    return {
        "type": "static_select",
        "selected_option": {
            "text": {"type": "plain_text", "text": label, "emoji": True},
            "value": value,
        },
    }


def submission(values: dict) -> dict:
    """A view as Slack sends it in a view_submission payload."""
    return {
        "id": "V0123456789",
        "team_id": "T0123",
        "type": "modal",
        "callback_id": FORM_CALLBACK,
        "hash": "1700000000.abcdEFGH",
        "private_metadata": "",
        "blocks": [],
        "state": {"values": values},
    }


def test_submitted_values_reads_every_field() -> None:
    view = submission(
        {
            "measure": {"value": selected("1.1", "1.1 Sähköinen asiointi")},
            "status": {"value": selected("on_track", "🟢 aikataulussa")},
            "progress": {"value": {"type": "number_input", "value": "40"}},
            "note": {
                "value": {"type": "plain_text_input", "value": "Pilotti <!channel> käynnissä"}
            },
        }
    )

    assert submitted_values(view) == {
        "measure": "1.1",
        "status": "on_track",
        "progress": "40",
        "note": "Pilotti <!channel> käynnissä",
        "spent": None,
        "spent_confirm": None,
    }


def test_submitted_values_gives_none_for_what_was_left_empty() -> None:
    view = submission(
        {
            "measure": {"value": selected("2.3", "2.3 Tiedolla johtaminen")},
            "status": {"value": {"type": "static_select", "selected_option": None}},
            "progress": {"value": {"type": "number_input", "value": None}},
            "note": {"value": {"type": "plain_text_input", "value": None}},
        }
    )

    assert submitted_values(view) == {
        "measure": "2.3",
        "status": None,
        "progress": None,
        "note": None,
        "spent": None,
        "spent_confirm": None,
    }


def test_submitted_values_gives_none_for_missing_blocks_and_state() -> None:
    only_measure = submission({"measure": {"value": selected("1.1", "1.1")}})

    assert submitted_values(only_measure) == {
        "measure": "1.1",
        "status": None,
        "progress": None,
        "note": None,
        "spent": None,
        "spent_confirm": None,
    }
    assert submitted_values({}) == dict.fromkeys(
        ("measure", "status", "progress", "note", "spent", "spent_confirm")
    )


def test_a_form_round_trips_through_a_submission() -> None:
    """The ids form_view gives are the ids submitted_values reads."""
    view = form_view(big_form(measure="2.5", status="delayed", progress=70), Messages("fi"))
    state = {}
    for block in view["blocks"]:
        element = block["element"]
        action = element["action_id"]
        if "initial_option" in element:
            value = {"type": element["type"], "selected_option": element["initial_option"]}
        else:
            value = {"type": element["type"], "value": element.get("initial_value")}
        state[block["block_id"]] = {action: value}

    assert submitted_values(submission(state)) == {
        "measure": "2.5",
        "status": "delayed",
        "progress": "70",
        "note": None,
        "spent": None,
        "spent_confirm": None,
    }


# --- formatting from user text is shown, never applied (issue 9, item 12) ------------------

FORMATTED = "*bold* _it_ ~s~ `code`"
Z = "\u200b"  # zero-width space on both sides: no opening or closing mark is left


def test_user_text_with_formatting_marks_is_plain_text_where_block_kit_allows() -> None:
    text = f"1.1 — {FORMATTED}"
    plain_text = {"type": "plain_text", "text": text, "emoji": True}

    assert blocks_of(Paragraph(text)) == [{"type": "section", "text": plain_text}]
    assert blocks_of(Items((text,))) == [{"type": "section", "text": plain_text}]
    assert blocks_of(Entry(text)) == [{"type": "section", "text": plain_text}]
    assert blocks_of(Hint(text)) == [{"type": "context", "elements": [plain_text]}]


def test_formatting_marks_in_a_field_value_and_a_heading_are_neutralised_in_mrkdwn() -> None:
    shown = f"{Z}*{Z}bold{Z}*{Z} {Z}_{Z}it{Z}_{Z} {Z}~{Z}s{Z}~{Z} {Z}`{Z}code{Z}`{Z}"

    assert blocks_of(Fields((("Huomio", FORMATTED),))) == [
        {"type": "section", "fields": [{"type": "mrkdwn", "text": f"*Huomio*\n{shown}"}]}
    ]
    assert blocks_of(Heading(f"T1 {FORMATTED}", 2)) == [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*T1 {shown}*"}}
    ]
    assert escape(FORMATTED).replace(Z, "") == FORMATTED  # copied text keeps its marks


def _answer(body: dict[str, Any] | None, status: int = 200) -> httpx.Response:
    if body is None:
        return httpx.Response(status)
    return httpx.Response(status, json=body)


def test_the_bots_direct_answers_to_slack_are_checked_as_block_kit() -> None:
    """The stand-in fails a test whose ack or `response_action` Slack would reject."""
    too_long = {"type": "header", "text": {"type": "plain_text", "text": "x" * (HEADER_TEXT + 1)}}
    assert answer_problems(_answer({"text": "x", "blocks": [too_long]}))
    assert answer_problems(_answer({"blocks": [{"type": "nonsense"}]}))
    assert answer_problems(_answer({"response_action": "update", "view": {"type": "modal"}}))
    view = form_view(
        Form(
            groups=(OptionGroup("T1", measure_options(1, 2)),),
            statuses=statuses(Messages("en")),
        ),
        Messages("en"),
    )
    assert answer_problems(
        _answer({"response_action": "update", "view": {**view, "blocks": [too_long]}})
    )
    assert not answer_problems(_answer({"response_action": "update", "view": view}))
    assert not answer_problems(_answer({"response_action": "errors", "errors": {"note": "x"}}))
    assert not answer_problems(_answer({"text": "Saved."}))
    assert not answer_problems(_answer(None))
    assert not answer_problems(_answer({"error": "unsigned"}, status=401))
