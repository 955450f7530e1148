"""The summary's main message fits one phone screen — the headline, the counts, what changed
in one line, the few measures that need attention — however large the programme, while the
thread and the printed report keep every measure, long lists grouped by theme.

One phone screen: a phone shows Slack or Teams about 30 lines of about 40 characters, so
the main message holds at most 1,200 characters in at most 15 lines of text (a line may wrap
to two or three on the screen)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from bot.slack.app import web_client
from bot.slack.publisher import SlackPublisher
from bot.teams import cards
from handlers.context import Context
from handlers.render_text import render_text
from handlers.summary.document import render_html, render_markdown
from handlers.summary.post import post
from handlers.summary.report import title
from storage import crud
from storage.db import session_scope
from storage.programme_io import import_file
from tests.adaptive_cards import assert_valid
from tests.conftest import previewed, record
from tests.slack_standin import SlackStandIn
from tests.test_slack_blocks import assert_mentions_nobody, assert_within_slack_limits
from tests.test_summary import LEADERSHIP, posted_messages, settings_for

SCREEN_CHARS = 1_200
SCREEN_LINES = 15
NOW = datetime(2025, 5, 20, 6, tzinfo=UTC)  # 09:00 in Helsinki, the spring summary
THEMES = 10
PLAN = ("on_track", "done", "delayed", "at_risk", "postponed", "on_track", "done", "on_track")
"""The status reported for measure n: PLAN[n % 8]; measures from `changed` on report none."""


class Planned:
    """A programme of `size` measures in ten themes, `changed` of them reported since the
    import; every tenth measure was due in March 2025. What needs attention follows."""

    def __init__(self, size: int, changed: int) -> None:
        self.size, self.changed, self.per = size, changed, size // THEMES

    def code(self, n: int) -> str:
        return f"{n // self.per + 1}.{n % self.per + 1}"

    def status(self, n: int) -> str:
        return PLAN[n % 8] if n < self.changed else "not_started"

    def overdue(self, n: int) -> bool:
        return n % 10 == 0 and self.status(n) not in ("done", "postponed")

    def attention(self) -> list[int]:
        return [
            n
            for n in range(self.size)
            if self.status(n) in ("delayed", "at_risk") or self.overdue(n)
        ]

    def most_serious(self) -> list[int]:
        """Delayed and past its due date: the worst a measure can be, in programme order."""
        return [n for n in range(self.size) if self.status(n) == "delayed" and self.overdue(n)]


def load(engine, folder: Path, plan: Planned):
    themes = [{"id": f"T{n}", "name": f"Teema {n}", "baseline": 2, "target": 4}
              for n in range(1, THEMES + 1)]  # fmt: skip
    measures = [
        {
            "id": plan.code(n),
            "theme": f"T{n // plan.per + 1}",
            "title": f"Toimenpide {n}: " + "digitaalisen palvelun kehittäminen " * 4,
            "owner": "kehitysjohtaja@example.org" if n % 2 else "U0ICT",
            "start": "2024-09",
            "due": "2025-03" if n % 10 == 0 else "2026-12",
        }
        for n in range(plan.size)
    ]
    path = folder / "programme.yaml"
    path.write_text(yaml.safe_dump({"programme": {"name": "Iso ohjelma"}, "themes": themes,
                                    "measures": measures}, allow_unicode=True))  # fmt: skip
    with session_scope(engine) as session:
        import_file(session, path)
        ids = {m.code: m.id for m in crud.measures(session)}
        for n in range(plan.changed):
            crud.append_update(
                session, measure_id=ids[plan.code(n)], author="U0OWNER", status=plan.status(n),
                progress=50, note=f"<!channel> syy {n} " + "syy " * 300, source="slack",
                created_at=datetime(2025, 4, 1, tzinfo=UTC),
            )  # fmt: skip
    return engine


PLAN_300 = Planned(300, 248)


@pytest.fixture
def changed_248(engine, tmp_path):
    """300 measures, 248 of them changed since the import."""
    return load(engine, tmp_path, PLAN_300)


def shown(blocks: list[dict]) -> str:
    """The text a Slack message shows, block by block."""
    texts = [b["text"]["text"] for b in blocks if "text" in b]
    texts += [e["text"] for b in blocks for e in b.get("elements", ()) if "text" in e]
    return "\n".join(texts).replace("\u200b", "")


def assert_one_screen(text: str) -> None:
    lines = text.strip().splitlines()
    assert len(text) <= SCREEN_CHARS, f"{len(text)} characters:\n{text}"
    assert len(lines) <= SCREEN_LINES, f"{len(lines)} lines:\n{text}"


def named(text: str, plan: Planned) -> list[int]:
    """The measures the text names, in its order (each line starts with mark and id)."""
    codes = {plan.code(n): n for n in range(plan.size)}
    found = re.findall(r"^\s*(?:- )?\S+ (\d+\.\d+) Toimenpide", text, flags=re.MULTILINE)
    return [codes[code] for code in found]


def test_the_main_message_of_300_measures_and_248_changes_fits_one_phone_screen(
    changed_248,
) -> None:
    plan = PLAN_300
    ctx = Context(engine=changed_248, language="fi", now=lambda: NOW)
    with SlackStandIn({"U0ICT": "ict@example.org"}) as standin:
        publisher = SlackPublisher(web_client(settings_for(standin)), LEADERSHIP)
        assert post(ctx, publisher, trigger="cli", requested_by="test").state == "posted"
        main, *thread = posted_messages(standin)
    assert_within_slack_limits(main["blocks"], 50)
    assert_mentions_nobody(main["blocks"])
    text = shown(main["blocks"])
    assert_one_screen(text)
    assert text.startswith("Iso ohjelma — tilannekatsaus, kevät 2025")
    assert "⚪ Ei aloitettu 52 · 🟢 Etenee suunnitellusti 93 · 🟡 Riski viivästyä 31" in text
    assert "tuonnin jälkeen: 62 valmistui, 31 viivästyi, 155 muuta muutosta." in text
    attention = plan.attention()
    assert f"Huomioitavaa ({len(attention)})" in text
    assert named(text, plan) == plan.most_serious()[:5]
    assert f"…ja {len(attention) - 5} muuta." in text
    assert "määräaika 3/2025 ohitettu" in text  # why, in a few words
    # The thread carries every measure, and every change with its before and after.
    everything = json.dumps([m["blocks"] for m in thread], ensure_ascii=False)
    for n in range(plan.size):
        assert f"{plan.code(n)} Toimenpide {n}:" in everything
    changed = re.findall(r'(\d+\.\d+) Toimenpide \d+: [^"\\]*?: ⚪ Ei aloitettu → ', everything)
    assert sorted(changed) == sorted(plan.code(n) for n in range(plan.changed))


def test_the_main_card_in_teams_is_one_valid_card_within_the_same_budget(changed_248) -> None:
    ctx = Context(engine=changed_248, language="en", now=lambda: NOW)
    _, parts = previewed(ctx)
    [card] = cards.render_cards(parts[0])
    assert_valid(card)
    text = "\n".join(e["text"] for e in card["body"]).replace("\\", "")
    assert_one_screen(text)
    assert f"… and {len(PLAN_300.attention()) - 5} more." in text


def test_a_thousand_measure_programme_still_fits_one_screen(engine, tmp_path) -> None:
    plan = Planned(1_000, 830)
    ctx = Context(engine=load(engine, tmp_path, plan), language="en", now=lambda: NOW)
    _, parts = previewed(ctx)
    text = render_text(parts[0])
    assert_one_screen(text)
    assert named(text, plan) == plan.most_serious()[:5]
    assert f"Needs attention ({len(plan.attention())})" in text
    assert f"… and {len(plan.attention()) - 5} more." in text


def test_the_report_opens_with_the_executive_summary_and_groups_the_changes(changed_248) -> None:
    plan = PLAN_300
    ctx = Context(engine=changed_248, language="fi", now=lambda: NOW)
    summary, parts = previewed(ctx)
    markdown = render_markdown(parts)
    opening, details = markdown.split("\n---\n", 1)
    assert opening.startswith("# Iso ohjelma — tilannekatsaus, kevät 2025\n")
    assert "62 valmistui, 31 viivästyi, 155 muuta muutosta" in opening
    assert f"## Huomioitavaa ({len(plan.attention())})" in opening
    assert named(opening, plan) == plan.most_serious()[:5]
    assert len(opening) < 2_000  # a page
    # The changes: counted by theme and transition, not one a line.
    changes = details[details.index("## Muutokset ohjelman tuonnin jälkeen") :]
    changes = changes[: changes.index("\n## ")]
    done_in_t1 = sum(1 for n in range(plan.per) if plan.status(n) == "done")
    assert f"| T1 Teema 1 | ⚪ Ei aloitettu → ✅ Valmis | {done_in_t1} |" in changes
    assert "Toimenpide" not in changes
    assert changes.count("\n| T") <= THEMES * 5  # five transitions a theme in this plan
    # The long attention lists are counted by theme; each theme's section names its own.
    assert "### Viivästyneet ja riskissä (62)\n\n- T1 Teema 1: 8\n" in details
    theme_1 = details[details.index("## T1 Teema 1") : details.index("## T2 Teema 2")]
    assert "### Tilamuutokset (30)" in theme_1 and "### Viivästyneet ja riskissä (8)" in theme_1
    for n in range(plan.per):
        assert f"{plan.code(n)} Toimenpide {n}: " in theme_1
    html = render_html(parts, title=title(summary, ctx), language="fi", chart_png=None)
    first = html[html.index('<section class="opening">') : html.index("</section>")]
    assert "Huomioitavaa (74)" in first and "Toimenpiteet tiloittain" not in first
    assert "section.opening { break-after: page;" in html  # the summary is a page of its own


def test_a_small_programme_reads_naturally(programme) -> None:
    spring = datetime(2025, 3, 1, 8, tzinfo=UTC)
    record(programme, "1.1", "on_track", progress=20, when=spring)
    record(programme, "2.1", "delayed", progress=10, note="Vendor late", when=spring)
    record(programme, "3.1", "at_risk", progress=10, note="No trainer", when=spring)
    ctx = Context(engine=programme, language="en", now=lambda: NOW)
    _, parts = previewed(ctx)
    main = render_text(parts[0])
    assert_one_screen(main)
    assert "Changes since the programme was imported: 1 newly delayed, 2 other changes." in main
    assert "⚪ Not started 19 · 🟢 On track 1 · 🟡 At risk 1 · 🔴 Delayed 1 · ✅ Done 0" in main
    lines = [line.strip() for line in main.splitlines() if line.startswith("  ")]
    assert [line.split()[1] for line in lines] == ["2.1", "6.1", "3.1"]  # delayed, overdue, risk
    assert lines[0].endswith("— Vendor late") and lines[2].endswith("— No trainer")
    assert "past its due date Mar 2025" in lines[1]
    assert "more." not in main
    details = render_text(parts[1])  # each change on a line of its own, no table of counts
    assert "1.1 Suomi.fi-viestit käyttöön kaikissa päätöksissä: ⚪ Not started → 🟢 On track" in (
        details
    )
    assert "→ 🟢 On track: 1" not in details

    record(programme, "2.1", "done", progress=100, when=datetime(2025, 4, 1, tzinfo=UTC))
    _, parts = previewed(ctx)
    main = render_text(parts[0])
    assert "imported: 1 newly done, 2 other changes." in main  # 2.1: not started → done
    record(programme, "3.1", "postponed", when=datetime(2025, 4, 2, tzinfo=UTC))
    main = render_text(previewed(ctx)[1][0])
    assert "imported: 1 newly done, 2 other changes." in main
    record(programme, "1.1", "not_started", when=datetime(2025, 4, 3, tzinfo=UTC))
    main = render_text(previewed(ctx)[1][0])
    assert "imported: 1 newly done, 1 other change." in main


def test_nothing_changed_and_nothing_to_note_say_so_in_one_line_each(programme) -> None:
    ctx = Context(engine=programme, language="fi", now=lambda: datetime(2024, 10, 1, tzinfo=UTC))
    _, parts = previewed(ctx)
    main = render_text(parts[0])
    assert "Ei tilamuutoksia." in main
    assert "Ei huomioitavaa: kaikki etenee." in main
    assert_one_screen(main)
