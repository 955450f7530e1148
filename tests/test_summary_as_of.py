"""Any past summary, as it was (issue 11): the summary as of any day, a posted summary
re-rendered byte for byte after updates and a revision, and the "programme revised" section
in chat, the report, Markdown and CSV."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import yaml
from sqlmodel import select

from bot.cli import main
from bot.slack.app import web_client
from bot.slack.blocks import render_messages
from bot.slack.publisher import SlackPublisher
from bot.teams.cards import render_cards
from handlers.context import Context
from handlers.render_text import render_text
from handlers.state.as_of import Refused as AsOfRefused
from handlers.summary.chart import status_chart
from handlers.summary.document import render_html, render_markdown
from handlers.summary.measures_csv import render_csv
from handlers.summary.post import post, posted_summary, preview_as_of
from handlers.summary.report import title
from storage import crud, plan
from storage.db import session_scope
from storage.models import SummaryRun
from storage.programme_io import import_file
from tests.adaptive_cards import assert_valid
from tests.conftest import EXAMPLE, db_url, record
from tests.slack_standin import SlackStandIn
from tests.test_summary import LEADERSHIP, posted_messages, settings_for

IMPORTED = datetime(2025, 1, 10, 8, tzinfo=UTC)
FIRST_UPDATES = datetime(2025, 2, 1, 8, tzinfo=UTC)
SPRING_POST = datetime(2025, 5, 20, 6, tzinfo=UTC)  # 09:00 in Helsinki
REVISED = datetime(2025, 6, 10, 8, tzinfo=UTC)
MORE_UPDATES = datetime(2025, 7, 1, 8, tzinfo=UTC)
LATER = datetime(2025, 8, 1, 8, tzinfo=UTC)


def revised_file(folder: Path) -> Path:
    """The budget process's revision "TA 2026": 1.1 and 2.2 due later, 1.3 a new owner,
    6.4 dropped, 6.5 new."""
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    measures = {m["id"]: m for m in data["measures"]}
    measures["1.1"]["due"] = "2026-12"
    measures["2.2"]["due"] = "2027-06"
    measures["1.3"]["owner"] = "kehitysjohtaja@example.org"
    data["measures"] = [m for m in data["measures"] if m["id"] != "6.4"]
    data["measures"].append(
        {"id": "6.5", "theme": "T6", "title": "Tekoälyavustaja asiakaspalveluun",
         "owner": "tietohallintopaallikko@example.org", "start": "2025-06", "due": "2026-12"}
    )  # fmt: skip
    path = folder / "ta2026.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture
def standin():
    with SlackStandIn({"U0OWNER": "kehitysjohtaja@example.org"}) as running:
        yield running


@pytest.fixture
def story(engine, tmp_path):
    """Import; updates; (the spring summary is posted by the tests that need it); then the
    revision and more updates are `revise(engine)`."""
    with session_scope(engine) as session:
        import_file(session, EXAMPLE, label="1", at=IMPORTED)
    record(engine, "1.1", "on_track", progress=30, when=FIRST_UPDATES)
    record(engine, "3.1", "at_risk", progress=10, note="Ei kouluttajaa", when=FIRST_UPDATES)
    return engine


def revise(engine, folder: Path) -> None:
    with session_scope(engine) as session:
        revision = import_file(session, revised_file(folder), label="TA 2026", at=REVISED).revision
        dropped = crud.find_measure(session, code="6.4")
        if dropped is not None and dropped.retired_at is None:  # until the import retires
            plan.retire(dropped, revision=revision)
            session.add(dropped)
            plan.record_plans(session, revision=revision)
    record(engine, "1.1", "delayed", progress=40, note="Toimittaja myöhässä", when=MORE_UPDATES)
    record(engine, "6.5", "on_track", progress=10, when=MORE_UPDATES)


def as_of(engine, day: date, language: str = "en"):
    ctx = Context(engine=engine, language=language, now=lambda: LATER)
    with session_scope(engine) as session:
        summary, parts = preview_as_of(session, ctx, day)
    return summary, parts, "\n\n".join(render_text(p) for p in parts)


def post_spring(engine, standin) -> SlackPublisher:
    ctx = Context(engine=engine, language="fi", now=lambda: SPRING_POST)
    publisher = SlackPublisher(web_client(settings_for(standin)), LEADERSHIP)
    assert post(ctx, publisher, trigger="cli", requested_by="test").state == "posted"
    return publisher


def spring_run(engine) -> SummaryRun:
    with session_scope(engine) as session:
        return session.exec(select(SummaryRun).where(SummaryRun.period == "2025-H1")).one()


# --- the summary as of a day ---


def test_the_summary_as_of_each_moment_of_the_story_says_what_was_true_then(
    story, standin, tmp_path
) -> None:
    summary, _, text = as_of(story, date(2025, 1, 10))  # the day of the import
    assert summary.first and summary.today == date(2025, 1, 10) and summary.period == "2025-H1"
    assert len(summary.rows) == 22 and summary.counts["not_started"] == 22
    assert summary.revised is None and "No status update yet (22)" in text

    post_spring(story, standin)
    revise(story, tmp_path)

    summary, _, text = as_of(story, date(2025, 5, 19))  # updates, before the post and revision
    rows = {r.code: r for r in summary.rows}
    assert summary.first and summary.revised is None
    assert (rows["1.1"].status.code, rows["1.1"].progress, rows["1.1"].due) == (
        "on_track", 30, "2026-06"
    )  # fmt: skip
    assert "6.4" in rows and "6.5" not in rows and rows["1.3"].owner == "Viestintäpäällikkö"
    assert "State on 19 May 2025: 22 measures" in text and "Programme revised" not in text

    summary, parts, text = as_of(story, date(2025, 6, 15), "fi")  # after the revision
    rows = {r.code: r for r in summary.rows}
    assert not summary.first  # compared with the spring summary
    assert "6.4" not in rows and rows["6.5"].status.code == "not_started"
    assert rows["1.1"].due == "2026-12" and rows["1.1"].status.code == "on_track"
    assert rows["1.3"].owner == "Kehitysjohtaja"
    revised = summary.revised
    assert revised is not None and revised.labels == ("TA 2026",)
    assert [m.code for m in revised.added] == ["6.5"]
    assert [m.code for m in revised.retired] == ["6.4"]
    assert [(m.code, m.before, m.after) for m in revised.moved] == [
        ("1.1", "2026-06", "2026-12"), ("2.2", "2026-06", "2027-06")
    ]  # fmt: skip
    assert [(o.code, o.before.ref, o.after.ref) for o in revised.owners] == [
        ("1.3", "viestintapaallikko@example.org", "kehitysjohtaja@example.org")
    ]
    main_text = render_text(parts[0])
    assert (
        "Ohjelmaa tarkistettu (TA 2026): lisätty 1, poistettu 1, määräaika siirtynyt 2, "
        "vastuuhenkilö vaihtunut 1." in main_text
    )
    thread = render_text(parts[2])  # after the main message and the details
    assert "Ohjelmaa tarkistettu (TA 2026)" in thread
    assert "Määräaika siirtynyt (2)" in thread
    assert "1.1 Suomi.fi-viestit käyttöön kaikissa päätöksissä: 6/2026 → 12/2026" in thread
    assert "Vastuuhenkilö vaihtunut (1)" in thread
    owner = "1.3 Asiakaspalvelun chatbot kaupungin verkkosivuille: Viestintäpäällikkö → "
    assert owner + "Kehitysjohtaja" in thread
    assert "Lisätyt (1)" in thread and "6.5 Tekoälyavustaja asiakaspalveluun" in thread

    summary, _, text = as_of(story, date(2025, 7, 15))  # more updates
    changes = {c.row.code: (c.before.code, c.row.status.code) for c in summary.changes}
    assert changes == {"1.1": ("on_track", "delayed"), "6.5": ("not_started", "on_track")}
    assert summary.revised is not None and summary.revised.labels == ("TA 2026",)
    assert "Toimittaja myöhässä" in text and "Programme revised (TA 2026)" in text


def test_several_revisions_in_one_window_show_their_net_effect(story, tmp_path) -> None:
    revise(story, tmp_path)
    data = yaml.safe_load(revised_file(tmp_path).read_text(encoding="utf-8"))
    for m in data["measures"]:
        if m["id"] == "2.2":
            m["due"] = "2026-06"  # moved back where it was: no move at all, net
        if m["id"] == "1.1":
            m["due"] = "2027-03"  # moved twice: one move, from the first to the last
    again = tmp_path / "ta2026b.yaml"
    again.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with session_scope(story) as session:
        import_file(session, again, label="TA 2026 b", at=datetime(2025, 6, 20, tzinfo=UTC))
    summary, _, text = as_of(story, date(2025, 7, 1), "fi")
    assert summary.revised is not None and summary.revised.labels == ("TA 2026", "TA 2026 b")
    assert [(m.code, m.before, m.after) for m in summary.revised.moved] == [
        ("1.1", "2026-06", "2027-03")
    ]
    assert "(TA 2026, TA 2026 b)" in text and "6/2026 → 3/2027" in text


# --- a posted summary, re-rendered ---


def test_a_posted_summary_re_renders_byte_for_byte_after_updates_and_a_revision(
    story, standin, tmp_path
) -> None:
    post_spring(story, standin)
    sent = posted_messages(standin)
    [png] = standin.uploads.values()
    ctx = Context(engine=story, language="fi", now=lambda: SPRING_POST)
    with session_scope(story) as session:
        summary, parts = posted_summary(session, ctx, spring_run(story))
    markdown = render_markdown(parts)
    report = render_html(parts, title=title(summary, ctx), language="fi", chart_png=png)
    sheet = render_csv(summary)

    revise(story, tmp_path)

    later = replace(ctx, now=lambda: LATER)
    with session_scope(story) as session:
        again, again_parts = posted_summary(session, later, spring_run(story))
    messages = [m for part in again_parts for m in render_messages(part)]
    assert len(messages) == len(sent)
    for message, got in zip(messages, sent, strict=True):
        assert got["text"] == message["text"]
        assert json.dumps(got["blocks"], ensure_ascii=False) == json.dumps(
            message["blocks"], ensure_ascii=False
        )
    assert status_chart(again, later) == png  # the chart in the thread, byte for byte
    assert render_markdown(again_parts) == markdown
    chart = status_chart(again, later)
    assert render_html(again_parts, title=title(again, later), language="fi", chart_png=chart) == (
        report
    )
    assert render_csv(again) == sheet
    assert "6.4" in sheet and "6.5" not in sheet and "2026-06" in sheet


def test_digibot_summary_show_prints_a_posted_summary_as_it_was(
    story, standin, tmp_path, monkeypatch, capsys
) -> None:
    post_spring(story, standin)
    ctx = Context(engine=story, language="fi", now=lambda: SPRING_POST)
    with session_scope(story) as session:
        _, parts = posted_summary(session, ctx, spring_run(story))
    revise(story, tmp_path)
    cli_env(monkeypatch, tmp_path, "fi")
    assert main(["summary", "show", "2025-h1", "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    assert out == render_markdown(parts)
    assert "Ohjelmaa tarkistettu" not in out and "6.5" not in out

    assert main(["summary", "show", "2024-H2"]) == 1
    assert "Katsausta 2024-H2 ei ole julkaistu. Julkaistut: 2025-H1" in capsys.readouterr().err


# --- the revised section in every format, and chat's limits ---


def test_the_autumn_summary_after_a_revision_posts_its_section_in_the_thread(
    story, standin, tmp_path
) -> None:
    post_spring(story, standin)
    revise(story, tmp_path)
    before = len(posted_messages(standin))
    ctx = Context(engine=story, language="en", now=lambda: datetime(2025, 9, 22, 6, tzinfo=UTC))
    publisher = SlackPublisher(web_client(settings_for(standin)), LEADERSHIP)
    assert post(ctx, publisher, trigger="cli", requested_by="test").state == "posted"
    # the main message, the details, then the revision's part (the stand-in checked blocks)
    main_message, _details, revised, *_ = posted_messages(standin)[before:]
    assert "Programme revised (TA 2026): 1 added, 1 retired, 2 due dates moved" in json.dumps(
        main_message["blocks"]
    )
    assert revised["thread_ts"] and "Due date moved (2)" in json.dumps(revised["blocks"])
    with session_scope(story) as session:
        autumn = session.exec(select(SummaryRun).where(SummaryRun.period == "2025-H2")).one()
        _, parts = posted_summary(session, ctx, autumn)
    for part in parts:  # the same parts as Teams cards
        for card in render_cards(part):
            assert_valid(card)


def cli_env(monkeypatch, folder: Path, language: str) -> None:
    monkeypatch.chdir(folder)
    monkeypatch.setenv("DATABASE_URL", db_url())
    monkeypatch.setenv("DIGIBOT_LANGUAGE", language)
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "DIGIBOT_LEADERSHIP_CHANNEL"):
        monkeypatch.delenv(name, raising=False)


def test_summary_preview_as_of_in_every_format_tells_the_revision(
    story, tmp_path, monkeypatch, capsys
) -> None:
    revise(story, tmp_path)
    cli_env(monkeypatch, tmp_path, "fi")
    outputs = {}
    for fmt in ("text", "markdown", "html", "csv"):
        assert main(["summary", "preview", "--as-of", "2025-06-15", "--format", fmt]) == 0
        outputs[fmt] = capsys.readouterr().out
    assert "Ohjelmaa tarkistettu (TA 2026)" in outputs["text"]
    assert "## Ohjelmaa tarkistettu (TA 2026)" in outputs["markdown"]
    assert (
        "- 1.1 Suomi.fi-viestit käyttöön kaikissa päätöksissä: 6/2026 → 12/2026"
        in (outputs["markdown"])
    )
    assert "<h2>Ohjelmaa tarkistettu (TA 2026)</h2>" in outputs["html"]
    assert "<li>6.4 " in outputs["html"]  # retired, in its list
    rows = list(csv.reader(io.StringIO(outputs["csv"])))
    assert rows[0][:3] == ["id", "theme", "title"] and rows[0][-5:] == [
        "note",
        "retired_at",
        "appropriations",
        "spent_eur",
        "revised",
    ]
    assert {len(row) for row in rows} == {len(rows[0])}  # every cell under its heading
    by_id = {row[0]: row for row in rows[1:]}
    assert by_id["1.1"][7] == "2026-12" and by_id["1.1"][-1] == "due 2026-06 → 2026-12"
    assert by_id["1.3"][3] == "kehitysjohtaja@example.org"
    assert by_id["1.3"][-1] == "owner viestintapaallikko@example.org → kehitysjohtaja@example.org"
    assert by_id["6.5"][-1] == "added" and by_id["6.4"][-1] == "retired"
    assert by_id["3.1"][12:14] == ["at_risk", "10"] and by_id["3.1"][-1] == ""
    assert list(by_id)[-1] == "6.4"  # the retired close the file
    assert all(len(row) == len(rows[0]) for row in rows)

    assert main(["summary", "preview", "--as-of", "2025-05-01", "--format", "csv"]) == 0
    spring = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert {row[-1] for row in spring[1:]} == {""} and len(spring) == 23


@pytest.mark.parametrize(
    ("language", "value", "says"),
    [
        ("en", "2025-02-30", "--as-of takes a day as YYYY-MM-DD or D.M.YYYY, e.g. 2026-05-20"),
        ("fi", "eilen", "--as-of on päivä muodossa VVVV-KK-PP"),
        ("en", "2025-01-09", "not been imported yet on 9 Jan 2025: it was first imported on 10"),
        ("fi", "2025-01-09", "Ohjelmaa ei ollut vielä tuotu 9.1.2025: se tuotiin ensimmäisen"),
        ("en", "2999-01-01", "1 Jan 2999 is in the future (today is"),
        ("fi", "2999-01-01", "1.1.2999 on tulevaisuudessa"),
    ],
)
def test_a_bad_as_of_says_why_and_prints_no_summary(
    story, tmp_path, monkeypatch, capsys, language, value, says
) -> None:
    cli_env(monkeypatch, tmp_path, language)
    assert main(["summary", "preview", "--as-of", value]) == 1
    out, err = capsys.readouterr()
    assert says in err and out == "" and "Traceback" not in err


def test_as_of_belongs_to_preview_and_a_programme_must_exist(
    engine, tmp_path, monkeypatch, capsys
) -> None:
    cli_env(monkeypatch, tmp_path, "en")
    assert main(["summary", "post", "--as-of", "2025-05-01"]) == 2
    assert "Usage: digibot summary preview [--as-of YYYY-MM-DD]" in capsys.readouterr().err
    with session_scope(engine) as session, pytest.raises(AsOfRefused) as refused:
        preview_as_of(session, Context(engine=engine, now=lambda: LATER), date(2025, 5, 1))
    assert refused.value.key == "asof.none"
