"""The printed summary for the city board reads without colour and without sight: each
status has its own shape as well as its colour, a name for screen readers and enough
contrast on white paper; headings stay with what follows them; the chart says its numbers
in its alt text and draws each status with its own pattern."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
from matplotlib import pyplot as plt

from handlers.context import Context
from handlers.summary.chart import status_chart
from handlers.summary.document import render_html
from handlers.summary.report import title
from handlers.vocabulary import STATUSES
from tests.conftest import previewed, record

NOW = datetime(2025, 5, 20, 6, 0, tzinfo=UTC)
UPDATES = {  # one measure in each status, two themes with several
    "1.1": "on_track",
    "1.2": "delayed",
    "2.1": "at_risk",
    "2.2": "on_track",
    "3.1": "done",
    "3.2": "postponed",
}


@pytest.fixture
def report(programme, request):
    language = getattr(request, "param", "fi")
    for code, status in UPDATES.items():
        note = "syy" if status in ("delayed", "at_risk") else ""
        record(programme, code, status, note=note, when=datetime(2025, 4, 1, tzinfo=UTC))
    ctx = Context(engine=programme, language=language, now=lambda: NOW)
    summary, parts = previewed(ctx)
    document = render_html(
        parts, title=title(summary, ctx), language=language, chart_png=b"\x89PNG fake"
    )
    return summary, ctx, document


class _Reader(HTMLParser):
    """The document as a screen reader meets it: aria-hidden subtrees are silent, a
    role="img" is its aria-label; and each status mark with its glyph and its name."""

    VOID = frozenset({"meta", "img", "br", "link"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, dict]] = []
        self.marks: list[dict] = []  # {code, glyph, name}
        self.cells: list[tuple[str, str]] = []  # each table cell: what is seen, what is read
        self.tags: list[tuple[str, dict, tuple[str, ...]]] = []  # tag, attrs, ancestors
        self.style = ""
        self._cell: list[str] | None = None
        self._seen: list[str] = []

    def _silent(self) -> bool:
        return any(a.get("aria-hidden") == "true" or a.get("role") == "img" for _, a in self.stack)

    def _say(self, text: str) -> None:
        if self._cell is not None:
            self._cell.append(text)

    def handle_starttag(self, tag, attrs) -> None:
        attrs = dict(attrs)
        self.tags.append((tag, attrs, tuple(t for t, _ in self.stack)))
        classes = (attrs.get("class") or "").split()
        if "mark" in classes:
            [code] = [c for c in classes if c != "mark"]
            self.marks.append({"code": code, "glyph": "", "name": None})
        if tag == "td":
            self._cell, self._seen = [], []
        if not self._silent() and attrs.get("role") == "img":
            self._say(" " + attrs.get("aria-label", "") + " ")
            if self.marks and "mark" in classes:
                self.marks[-1]["name"] = attrs.get("aria-label")
        if tag not in self.VOID:
            self.stack.append((tag, attrs))

    def handle_endtag(self, tag) -> None:
        assert self.stack and self.stack[-1][0] == tag
        self.stack.pop()
        if tag == "td":
            seen, said = ("".join(self._seen).strip(), " ".join("".join(self._cell).split()))
            self.cells.append((seen, said))
            self._cell = None

    def handle_data(self, data) -> None:
        if self.stack and self.stack[-1][0] == "style":
            self.style += data
        if self.stack and "mark" in (self.stack[-1][1].get("class") or "").split():
            self.marks[-1]["glyph"] += data
        self._seen.append(data)
        if not self._silent():
            self._say(data)


def _read(document: str) -> _Reader:
    reader = _Reader()
    reader.feed(document)
    return reader


def _rules(css: str) -> list[tuple[set[str], dict[str, str]]]:
    rules = []
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        declarations = {
            name.strip(): value.strip()
            for name, _, value in (d.partition(":") for d in body.split(";"))
            if value.strip()
        }
        rules.append(({s.strip() for s in selectors.split(",")}, declarations))
    return rules


def contrast(colour: str, background: str = "#ffffff") -> float:
    """WCAG 2 contrast ratio of two sRGB colours."""

    def luminance(hex_colour: str) -> float:
        channels = [int(hex_colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(colour), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.mark.parametrize("report", ["fi", "en"], indirect=True)
def test_every_status_mark_has_its_own_shape_and_a_name_for_screen_readers(report) -> None:
    summary, ctx, document = report
    reader = _read(document)
    glyphs: dict[str, set[str]] = {}
    for mark in reader.marks:
        glyphs.setdefault(mark["code"], set()).add(mark["glyph"].strip())
    assert set(glyphs) == {s.code for s in STATUSES}
    assert all(len(shapes) == 1 and "" not in shapes for shapes in glyphs.values()), glyphs
    assert len({shape for shapes in glyphs.values() for shape in shapes}) == len(STATUSES)
    # In the theme tables the mark is the only sign of the status: it must be read out.
    words = {s.code: ctx.t(f"status.{s.code}") for s in STATUSES}
    shapes = {shape for shapes in glyphs.values() for shape in shapes}
    read = Counter(said for seen, said in reader.cells if seen in shapes)
    expected = Counter(words[row.status.code] for row in summary.rows)
    assert read == expected
    # Every mark is named, or silent because its status word is written right after it.
    text = re.sub(r"\s+", " ", document)
    for mark in reader.marks:
        word = words[mark["code"]]
        if mark["name"] is None:
            assert re.search(rf'class="mark {mark["code"]}"[^>]*aria-hidden="true"[^<]*</span> ?'
                             + re.escape(word), text)  # fmt: skip
        else:
            assert mark["name"] == word


def test_marks_have_at_least_3_to_1_contrast_on_white(report) -> None:
    reader = _read(report[2])
    colours = {}
    for selectors, declarations in _rules(reader.style):
        for selector in selectors:
            found = re.fullmatch(r"\.mark\.(\w+)", selector)
            if found and "color" in declarations:
                colours[found[1]] = declarations["color"]
    assert set(colours) == {s.code for s in STATUSES}
    low = {code: round(contrast(c), 2) for code, c in colours.items() if contrast(c) < 3}
    assert not low


def test_headings_stay_with_what_follows_and_the_content_is_one_main_landmark(report) -> None:
    reader = _read(report[2])
    avoided = set()
    for selectors, declarations in _rules(reader.style):
        if declarations.get("break-after") == "avoid" and (
            declarations.get("page-break-after") == "avoid"
        ):
            avoided |= selectors
    assert {"h1", "h2", "h3"} <= avoided
    assert [tag for tag, _, _ in reader.tags].count("main") == 1
    headings = [ancestors for tag, _, ancestors in reader.tags if re.fullmatch(r"h\d", tag)]
    assert headings and all("main" in ancestors for ancestors in headings)


@pytest.mark.parametrize("report", ["fi", "en"], indirect=True)
def test_the_charts_alt_text_carries_each_themes_counts(report) -> None:
    summary, ctx, document = report
    [alt] = [attrs["alt"] for tag, attrs, _ in _read(document).tags if tag == "img"]
    sections = [section for section in summary.themes if section.rows]
    starts = [alt.index(f"{section.code} {section.name}") for section in sections]
    assert starts == sorted(starts)
    for section, start, end in zip(sections, starts, [*starts[1:], len(alt)], strict=True):
        part = alt[start:end]
        counts = Counter(row.status.code for row in section.rows)
        for status in STATUSES:
            said = f"{ctx.t(f'status.{status.code}')} {counts[status.code]}"
            assert (said in part) == (counts[status.code] > 0), (section.code, said, part)
    assert ctx.t("summary.chart_alt") in alt


def _grey(rgba) -> float:
    r, g, b = rgba[:3]
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_the_chart_tells_the_statuses_apart_in_black_and_white(report, monkeypatch) -> None:
    summary, ctx, _ = report
    figures = []
    close = plt.close
    monkeypatch.setattr(plt, "close", lambda figure: figures.append(figure) or close(figure))
    assert status_chart(summary, ctx).startswith(b"\x89PNG")
    [figure] = figures
    [axes] = figure.axes
    legend = {text.get_text(): handle for text, handle in zip(
        axes.get_legend().get_texts(), axes.get_legend().legend_handles, strict=True)}  # fmt: skip
    looks = {}
    for status in STATUSES:
        patch = legend[ctx.t(f"status.{status.code}")]
        face, edge = patch.get_facecolor(), patch.get_edgecolor()
        drawn = face if face[3] and _grey(face) < 0.9 else edge
        hexed = "#" + "".join(f"{round(c * 255):02x}" for c in drawn[:3])
        assert contrast(hexed) >= 3, (status.code, hexed)  # the bar is seen on white paper
        looks[status.code] = (patch.get_hatch() or "", round(_grey(face) * 2) / 2)
    assert len(set(looks.values())) == len(STATUSES), looks


def test_an_emoji_in_someones_note_is_not_read_out_as_a_status() -> None:
    from handlers.messages import Messages
    from handlers.summary.document import _text

    drawn = _text("Pilot 🟢 ok, 🔴 next", Messages("en"))
    assert "aria-label" not in drawn and drawn == "Pilot 🟢 ok, 🔴 next"
    assert 'aria-label="On track"' in _text("🟢 1.1 Pilot", Messages("en"))
    assert 'aria-hidden="true"' in _text("Now 🔴 Delayed", Messages("en"))
