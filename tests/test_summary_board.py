"""The board's two questions in the summary (issue 12): two years of appropriations and
actuals and three maturity assessments per theme, in the chat summary, the printed report
(with its maturity and spending charts), the summary's CSV and the export; as of any day,
the figures as they stood then."""

from __future__ import annotations

import base64
import csv
import html
import io
import json
import re
from datetime import UTC, date, datetime

import pytest
import yaml

from bot.slack.app import web_client
from bot.slack.publisher import SlackPublisher
from bot.teams.cards import render_cards
from handlers import formatting as fmt
from handlers.context import Context
from handlers.render_text import render_text
from handlers.summary.board_charts import board_charts
from handlers.summary.chart import status_chart
from handlers.summary.document import render_html
from handlers.summary.measures_csv import render_csv
from handlers.summary.post import post, preview, preview_as_of
from handlers.summary.report import title
from storage import crud, maturity, money
from storage.db import session_scope
from storage.export import export_csv, export_json
from storage.programme_io import import_file
from tests.adaptive_cards import assert_valid
from tests.conftest import EXAMPLE
from tests.slack_standin import SlackStandIn
from tests.test_slack_blocks import assert_within_slack_limits
from tests.test_summary import LEADERSHIP, posted_messages, settings_for
from tests.test_summary_executive import assert_one_screen, shown

IMPORTED = datetime(2025, 1, 10, 8, tzinfo=UTC)
SPRING_2026 = datetime(2026, 5, 20, 6, tzinfo=UTC)  # 09:00 in Helsinki
BEFORE_THE_LAST = date(2026, 4, 18)
"""After the second assessment and most actuals; before the third assessment (20 April)
and 1.2's last report for 2026 (30 April)."""

# (theme, level, assessed on, recorded at): three a theme
ASSESSMENTS = [
    (theme, level, on, datetime(*at, 8, tzinfo=UTC))
    for theme, levels in (("T1", ("2.2", "2.6", "3.1")), ("T2", ("1.6", "2", "2.4")))
    for level, on, at in zip(
        levels,
        ("2025-01", "2025-09", "2026-04"),
        ((2025, 1, 20), (2025, 9, 25), (2026, 4, 20)),
        strict=True,
    )
]
# (measure, budget year, euros spent in that year to date, recorded at)
ACTUALS = [
    ("1.1", 2025, 4_000, (2025, 7, 1)),
    ("1.1", 2025, 9_500, (2026, 1, 15)),
    ("1.2", 2025, 4_800, (2026, 1, 15)),
    ("2.1", 2025, 15_000, (2026, 1, 15)),
    ("1.2", 2026, 2_000, (2026, 2, 15)),
    ("1.1", 2026, 3_000, (2026, 3, 31)),
    ("2.1", 2026, 3_000, (2026, 3, 31)),
    ("1.2", 2026, 5_600, (2026, 4, 30)),  # over its 5 000 for 2026
]


@pytest.fixture
def story(engine, tmp_path):
    data = {
        "programme": {"name": "Tornion digiohjelma", "period": "2025-2026"},
        "themes": [
            {"id": "T1", "name": "Digitaaliset palvelut", "baseline": 2.0, "target": 4.0},
            {"id": "T2", "name": "Tiedolla johtaminen", "baseline": 1.5, "target": 3.5},
        ],
        "measures": [
            {"id": "1.1", "theme": "T1", "title": "Sähköinen asiointi", "owner": "U0OWNER",
             "due": "2026-12", "appropriations": {2025: 10_000, 2026: 12_000}},
            {"id": "1.2", "theme": "T1", "title": "Chatbot neuvontaan", "owner": "U0OWNER",
             "due": "2026-12", "appropriations": {2025: 5_000, 2026: 5_000}},
            {"id": "2.1", "theme": "T2", "title": "Tietovarasto", "owner": "U0ICT",
             "due": "2026-12", "appropriations": {2025: 20_000, 2026: 20_000}},
        ],
    }  # fmt: skip
    path = tmp_path / "programme.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with session_scope(engine) as session:
        import_file(session, path, label="1", at=IMPORTED)
        themes = {t.code: t.id for t in crud.themes(session)}
        measures = {m.code: m.id for m in crud.measures(session)}
        for theme, level, on, at in ASSESSMENTS:
            maturity.append_assessment(
                session, theme_id=themes[theme], level_hundredths=maturity.parse_level(level),
                assessed_on=on, author="U0COORD", origin="chat", source="Itsearviointi",
                created_at=at,
            )  # fmt: skip
        for code, year, euros, at in ACTUALS:
            moment = datetime(*at, 8, tzinfo=UTC)
            money.append_spending(
                session, measure_id=measures[code], year=year, spent_cents=euros * 100,
                reported_on=moment.date().isoformat(), author="talous", source="actuals",
                created_at=moment,
            )  # fmt: skip
        crud.append_update(
            session, measure_id=measures["2.1"], author="U0ICT", status="on_track",
            progress=60, note="", source="slack", created_at=datetime(2026, 5, 4, tzinfo=UTC),
        )  # fmt: skip
    return engine


def now_summary(engine, language: str = "en"):
    ctx = Context(engine=engine, language=language, now=lambda: SPRING_2026)
    with session_scope(engine) as session:
        summary, parts = preview(session, ctx)
    return ctx, summary, parts


def as_of_summary(engine, language: str = "en"):
    ctx = Context(engine=engine, language=language, now=lambda: SPRING_2026)
    with session_scope(engine) as session:
        summary, parts = preview_as_of(session, ctx, BEFORE_THE_LAST)
    return ctx, summary, parts


def text_of(parts) -> str:
    return "\n\n".join(render_text(part) for part in parts)


def test_the_summary_answers_both_board_questions_per_theme_and_in_all(story) -> None:
    _, summary, parts = now_summary(story)
    main, details, t1, t2 = (render_text(part) for part in parts)
    # The overview: the whole programme's money, and the themes' maturity on average.
    assert "Appropriations €72,000, spent to date €40,900 (57%)." in main
    assert "Maturity (1–5, average of 2 themes): baseline 1.8 → now 2.8, target 3.8." in main
    # What needs attention names the measure over its appropriation, and why.
    assert "Needs attention (1)" in main
    assert "1.2 Chatbot neuvontaan — over budget: spent €5,600 of €5,000 (2026)" in main
    assert "Over the appropriation (1)" in details
    assert "1.2 Chatbot neuvontaan — spent €5,600 against €5,000 planned (2026)" in details
    # The details: a row a theme, and what planned and over budget mean.
    assert "The programme's appropriations in all €72,000; spent to date €40,900 (57%)." in (
        details
    )
    assert "exceeds its appropriation for 2026 or its planned total" in details
    assert (
        "T1 Digitaaliset palvelut: maturity 2.0 → 2.6 → 3.1, target 4.0; planned €32,000, "
        "spent €22,900 (72%)" in details
    )
    assert (
        "T2 Tiedolla johtaminen: maturity 1.5 → 2.0 → 2.4, target 3.5; planned €40,000, "
        "spent €18,000 (45%)" in details
    )
    # Each theme's part: baseline → previous assessment → now → target, and its money.
    assert (
        "Digital maturity (1–5): baseline 2.0 → previous assessment 2.6 → now 3.1 → target 4.0"
        in t1
    )
    assert "Planned €32,000, spent to date €22,900 (72%)." in t1
    assert "Planned €40,000, spent to date €18,000 (45%)." in t2
    assert [s.current for s in summary.themes] == [3.1, 2.4]


def test_the_summary_as_of_a_day_shows_the_money_and_maturity_then(story) -> None:
    _, _, parts = as_of_summary(story)
    main, details, t1, _ = (render_text(part) for part in parts)
    # 1.2 had reported 2 000 € for 2026 then: nothing over budget, less spent.
    assert "Appropriations €72,000, spent to date €37,300 (52%)." in main
    assert "over budget" not in main and "Over the appropriation" not in details
    assert (
        "T1 Digitaaliset palvelut: maturity 2.0 → 2.2 → 2.6, target 4.0; planned €32,000, "
        "spent €19,300 (60%)" in details
    )
    assert (
        "Digital maturity (1–5): baseline 2.0 → previous assessment 2.2 → now 2.6 → target 4.0"
        in t1
    )
    assert "Maturity (1–5, average of 2 themes): baseline 1.8 → now 2.3, target 3.8." in main


def test_before_any_assessment_or_money_the_summary_says_nothing_of_them(engine, tmp_path) -> None:
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    data["themes"] = [{"id": t["id"], "name": t["name"]} for t in data["themes"]]
    for m in data["measures"]:
        m.pop("budget_eur", None)
    path = tmp_path / "bare.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with session_scope(engine) as session:
        import_file(session, path, at=IMPORTED)
    ctx = Context(engine=engine, language="en", now=lambda: SPRING_2026)
    with session_scope(engine) as session:
        summary, parts = preview(session, ctx)
    text = text_of(parts)
    assert "Appropriations" not in text and "Maturity and money" not in text
    assert "average of" not in text and "Digital maturity" not in text
    assert board_charts(summary, ctx) == {}


def images(document: str) -> dict[str, tuple[bytes, str]]:
    """The report's images by their alt text's first words: (PNG bytes, whole alt text)."""
    found = {}
    for data, alt in re.findall(
        r'<img src="data:image/png;base64,([^"]+)" alt="([^"]*)">', document
    ):
        text = html.unescape(alt)
        found[text.split(":")[0].split(".")[0]] = (base64.b64decode(data), text)
    return found


def report(engine, which=now_summary, language: str = "en") -> str:
    ctx, summary, parts = which(engine, language)
    return render_html(
        parts, title=title(summary, ctx), language=language,
        chart_png=status_chart(summary, ctx), charts=board_charts(summary, ctx),
    )  # fmt: skip


def test_the_printed_report_has_both_charts_with_their_numbers_in_words(story) -> None:
    document = report(story)
    found = images(document)
    assert set(found) == {
        "Status of the measures by theme",
        "Digital maturity by theme (1–5)",
        "Money planned and spent by theme",
    }
    maturity_png, maturity_alt = found["Digital maturity by theme (1–5)"]
    spending_png, spending_alt = found["Money planned and spent by theme"]
    assert maturity_png.startswith(b"\x89PNG") and spending_png.startswith(b"\x89PNG")
    when = [fmt.when("en", on) for on in ("2025-01", "2025-09", "2026-04")]
    assert (
        f"T1 Digitaaliset palvelut: baseline 2.0, assessments 2.2 ({when[0]}), 2.6 ({when[1]}), "
        f"3.1 ({when[2]}), target 4.0" in maturity_alt
    )
    assert f"T2 Tiedolla johtaminen: baseline 1.5, assessments 1.6 ({when[0]})" in maturity_alt
    assert "T1 Digitaaliset palvelut: planned €32,000, spent €22,900 (72%)" in spending_alt
    assert "T2 Tiedolla johtaminen: planned €40,000, spent €18,000 (45%)" in spending_alt
    # The over-budget measure is in the report's needs attention, and the same data gives
    # the same report, byte for byte (the charts included).
    assert "<h3>Over the appropriation (1)</h3>" in document
    assert "1.2 Chatbot neuvontaan — spent €5,600 against €5,000 planned (2026)" in document
    assert report(story) == document


def test_the_charts_are_drawn_in_black_and_white_and_change_with_the_day(story) -> None:
    ctx, summary, _ = now_summary(story)
    charts = board_charts(summary, ctx)
    for png in charts.values():
        assert _greys_only(png), "a series told apart by colour alone"
    _, earlier, _ = as_of_summary(story)
    then = board_charts(earlier, ctx)
    assert then["maturity"] != charts["maturity"] and then["spending"] != charts["spending"]
    found = images(report(story, as_of_summary))
    assert "spent €19,300 (60%)" in found["Money planned and spent by theme"][1]
    assert "2.6 (" in found["Digital maturity by theme (1–5)"][1]
    assert "3.1 (" not in found["Digital maturity by theme (1–5)"][1]


def _greys_only(png: bytes) -> bool:
    from matplotlib import image

    pixels = image.imread(io.BytesIO(png), format="png")[:, :, :3]
    spread = pixels.max(axis=2) - pixels.min(axis=2)
    return bool((spread < 0.02).all())


def test_finnish_money_in_the_finnish_summary(story) -> None:
    _, _, parts = now_summary(story, "fi")
    main = render_text(parts[0])
    planned, spent = fmt.euros("fi", 72_000), fmt.euros("fi", 40_900)
    assert f"Määrärahat {planned}, käytetty tähän mennessä {spent} (57 %)." in main
    assert "yli määrärahan: käytetty" in main


def test_the_summary_csv_and_the_export_carry_the_money(story) -> None:
    _, summary, _ = now_summary(story)
    rows = list(csv.DictReader(io.StringIO(render_csv(summary))))
    by_id = {row["id"]: row for row in rows}
    assert by_id["1.1"]["appropriations"] == "2025:10000.00;2026:12000.00"
    assert by_id["1.1"]["spent_eur"] == "12500.00"
    assert by_id["1.2"]["spent_eur"] == "10400.00"
    assert list(rows[0])[-3:] == ["appropriations", "spent_eur", "revised"]
    _, earlier, _ = as_of_summary(story)
    then = {row["id"]: row for row in csv.DictReader(io.StringIO(render_csv(earlier)))}
    assert then["1.2"]["spent_eur"] == "6800.00"
    with session_scope(story) as session:
        opened = list(csv.DictReader(io.StringIO(export_csv(session, history=False))))
        at = datetime(2026, 4, 18, 21, tzinfo=UTC)
        past = list(csv.DictReader(io.StringIO(export_csv(session, history=False, at=at))))
        exported = export_json(session, history=True)
        again = export_json(session, history=True)
    doc = json.loads(exported)
    assert [(r["id"], r["spent_eur"]) for r in opened] == [
        ("1.1", "12500.00"), ("1.2", "10400.00"), ("2.1", "18000.00")
    ]  # fmt: skip
    assert [r["spent_eur"] for r in past] == ["12500.00", "6800.00", "18000.00"]
    t1 = doc["themes"][0]
    assert t1["current"] == 3.1 and [a["level_hundredths"] for a in t1["assessments"]] == [
        220, 260, 310
    ]  # fmt: skip
    assert [s["spent_cents"] for s in doc["measures"][1]["spending"]] == [480_000, 200_000, 560_000]
    assert exported == again  # open data stays deterministic


def test_posted_to_slack_the_main_message_stays_one_screen_and_every_part_is_valid(
    story,
) -> None:
    ctx = Context(engine=story, language="fi", now=lambda: SPRING_2026)
    with SlackStandIn({"U0OWNER": "kehitysjohtaja@example.org"}) as standin:
        publisher = SlackPublisher(web_client(settings_for(standin)), LEADERSHIP)
        assert post(ctx, publisher, trigger="cli", requested_by="test").state == "posted"
        main, details, *_ = posted_messages(standin)
    for message in (main, details):
        assert_within_slack_limits(message["blocks"], 50)
    text = shown(main["blocks"])
    assert_one_screen(text)
    assert "Määrärahat" in text and "1.2 Chatbot neuvontaan — yli määrärahan" in text
    assert "Kypsyys ja rahat" in shown(details["blocks"])
    _, _, parts = now_summary(story, "fi")
    for part in parts:
        for card in render_cards(part):
            assert_valid(card)


def test_a_300_measure_programme_with_money_and_maturity_still_fits_one_screen(
    engine, tmp_path
) -> None:
    """The two board lines take their room from nothing else: 300 measures, every theme
    assessed, every tenth measure over its appropriation, 248 changes."""
    from tests.test_summary_executive import PLAN_300, load

    load(engine, tmp_path, PLAN_300)
    with session_scope(engine) as session:
        for theme in crud.themes(session):
            maturity.append_assessment(
                session, theme_id=theme.id, level_hundredths=260, assessed_on="2025-04",
                author="U0COORD", origin="chat", created_at=datetime(2025, 4, 2, tzinfo=UTC),
            )  # fmt: skip
        for n, measure in enumerate(crud.measures(session)):
            measure.appropriations = money.encode_appropriations({2025: 1_000_000})
            session.add(measure)
            money.append_spending(
                session, measure_id=measure.id, year=2025,
                spent_cents=1_200_000 if n % 10 == 5 else 400_000, reported_on="2025-04-30",
                author="talous", source="actuals", created_at=datetime(2025, 4, 30, tzinfo=UTC),
            )  # fmt: skip
    ctx = Context(engine=engine, language="fi", now=lambda: datetime(2025, 5, 20, 6, tzinfo=UTC))
    with session_scope(engine) as session:
        _, parts = preview(session, ctx)
    main = render_text(parts[0])
    assert_one_screen(main)
    planned, spent = fmt.euros("fi", 3_000_000), fmt.euros("fi", 1_440_000)
    assert f"Määrärahat {planned}, käytetty tähän mennessä {spent} (48 %)." in main
    assert "Kypsyys (1–5, 10 teeman keskiarvo): lähtötaso 2,0 → nyt 2,6, tavoite 4,0." in main
    assert "Yli määrärahan (30)" in render_text(parts[1])


def test_a_posted_summary_re_rendered_later_keeps_its_money_and_maturity(story) -> None:
    """Posted on 19 April 2026; the third assessment and 1.2's last report come after. The
    posted summary, re-rendered, is what was posted."""
    from sqlmodel import select

    from handlers.summary.post import posted_summary
    from storage.models import SummaryRun

    posted_at = datetime(2026, 4, 19, 9, tzinfo=UTC)
    ctx = Context(engine=story, language="en", now=lambda: posted_at)
    with SlackStandIn({"U0OWNER": "kehitysjohtaja@example.org"}) as standin:
        publisher = SlackPublisher(web_client(settings_for(standin)), LEADERSHIP)
        assert post(ctx, publisher, trigger="cli", requested_by="test").state == "posted"
        sent = [shown(m["blocks"]) for m in posted_messages(standin)]
    later = Context(engine=story, language="en", now=lambda: SPRING_2026)
    with session_scope(story) as session:
        run = session.exec(select(SummaryRun)).one()
        summary, parts = posted_summary(session, later, run)
    text = text_of(parts)
    assert "Appropriations €72,000, spent to date €37,300 (52%)." in text
    assert "baseline 2.0 → previous assessment 2.2 → now 2.6 → target 4.0" in text
    assert "— over budget:" not in text and "Over the appropriation (" not in text
    assert "spent to date €37,300 (52%)" in sent[0]
    assert "T1 Digitaaliset palvelut: maturity 2.0 → 2.2 → 2.6" in sent[1]
    assert [s.current for s in summary.themes] == [2.6, 2.0]
