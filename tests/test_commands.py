"""The chat commands, as an owner, a deputy, a coordinator and a stranger would use them."""

from __future__ import annotations

import pytest

from storage import crud
from storage.db import session_scope
from tests.conftest import (
    COORDINATOR,
    DEPUTY,
    OWNER,
    STRANGER,
    ChatBot,
    count_updates,
    unreachable_url,
)


def test_owner_records_an_update_and_sees_the_new_state(bot: ChatBot) -> None:
    answer = bot.ask("status 1.1 on-track 40% Pilot running in two units", as_=OWNER)
    assert "Saved" in answer
    assert "🟢 On track" in answer
    assert "40%" in answer
    assert "Pilot running in two units" in answer
    [update] = bot.updates()
    assert (update.status, update.progress, update.note) == (
        "on_track",
        40,
        "Pilot running in two units",
    )
    assert update.author == OWNER and update.source == "console"


def test_deputy_and_coordinators_may_update(bot: ChatBot, programme) -> None:
    assert "Saved" in bot.ask("status 1.1 on-track", as_=DEPUTY)
    assert "Saved" in bot.ask("status 1.1 on-track", as_=COORDINATOR)  # from settings
    with session_scope(programme) as session:
        crud.add_coordinator(session, ref="Helena@Tornio.fi", added_by="test")
    assert "Saved" in bot.ask("status 1.1 done 100%", as_="helena@tornio.fi")  # from the database
    assert [u.author for u in bot.updates()] == [DEPUTY, COORDINATOR, "helena@tornio.fi"]


def test_stranger_is_refused_with_the_owner_named_and_nothing_stored(bot: ChatBot) -> None:
    reply = bot.push("status 1.1 done", as_=STRANGER)
    assert not reply.ok
    answer = bot.pop()
    assert "Kehitysjohtaja" in answer and OWNER in answer
    assert bot.updates() == []


def test_owner_of_one_measure_cannot_update_another(bot: ChatBot) -> None:
    assert "can be updated by its owner" in bot.ask("status 2.1 done", as_=OWNER)
    assert bot.updates() == []


def test_checks_run_in_order_form_measure_permission_values(bot: ChatBot) -> None:
    assert "Give the measure's id and a status" in bot.ask("status 1.1", as_=STRANGER)
    assert "not found" in bot.ask("status 9.9 bogus", as_=STRANGER)
    assert "can be updated by its owner" in bot.ask("status 1.1 bogus 500%", as_=STRANGER)
    assert "Unknown status" in bot.ask("status 1.1 bogus 500%", as_=OWNER)
    assert bot.updates() == []


@pytest.mark.parametrize(
    ("text", "status", "progress", "note"),
    [
        ("tila 1.1 aikataulussa 40 % Pilotti käynnissä", "on_track", 40, "Pilotti käynnissä"),
        ("TILA 1.1 Käynnissä 40%", "on_track", 40, ""),
        ("päivitä", None, None, None),
        ("status 1.1 KAYNNISSA 7 started", "on_track", 7, "started"),
        ("status 1.1 in_progress", "on_track", None, ""),
        ("Status 1.1 Ei_Aloitettu", "not_started", None, ""),
        ("status 1.1 valmis 100 %", "done", 100, ""),
        (
            'status 1.1 riski "Toimittaja myöhässä, 2 kk"',
            "at_risk",
            None,
            "Toimittaja myöhässä, 2 kk",
        ),
        ("status 1.1 viivästynyt 30 % “Supplier late”", "delayed", 30, "Supplier late"),
        ("status 1.1 keskeytetty budjetti", "postponed", None, "budjetti"),
        ("näytä 1.1", None, None, None),
    ],
)
def test_finnish_and_english_words_case_and_accent_insensitive(
    bot: ChatBot, text: str, status: str | None, progress: int | None, note: str | None
) -> None:
    bot.ask(text, as_=OWNER)
    updates = bot.updates()
    if status is None:
        assert updates == []
        return
    [update] = updates
    assert (update.status, update.progress, update.note) == (status, progress, note)


@pytest.mark.parametrize("progress", ["101%", "-5%", "150 %", "40.5%", "1000"])
def test_progress_outside_0_to_100_gets_the_range(bot: ChatBot, progress: str) -> None:
    answer = bot.ask(f"status 1.1 on-track {progress} note", as_=OWNER)
    assert "whole number from 0 to 100%" in answer
    assert "Example: /digi status 1.1 on-track 40%" in answer
    assert bot.updates() == []


@pytest.mark.parametrize("word", ["at-risk", "riski", "delayed", "viivästynyt"])
def test_at_risk_and_delayed_need_a_reason(bot: ChatBot, word: str) -> None:
    answer = bot.ask(f"status 1.1 {word} 30%", as_=OWNER)
    assert "needs a reason" in answer
    assert "Example:" in answer
    assert bot.updates() == []
    assert "Saved" in bot.ask(f"status 1.1 {word} 30% Supplier is two months late", as_=OWNER)


def test_note_over_3000_characters_is_refused_with_the_limit(bot: ChatBot) -> None:
    answer = bot.ask("status 1.1 on-track " + "x" * 3001, as_=OWNER)
    assert "3,001 characters" in answer and "3,000" in answer
    assert bot.updates() == []
    assert "Saved" in bot.ask("status 1.1 on-track " + "x" * 3000, as_=OWNER)


def test_unknown_status_lists_the_valid_words(bot: ChatBot) -> None:
    answer = bot.ask("status 1.1 finished", as_=OWNER)
    assert "Unknown status “finished”" in answer
    for word in ("on-track", "aikataulussa", "valmis", "keskeytetty"):
        assert word in answer


def test_unknown_measure_suggests_the_closest_ids(bot: ChatBot) -> None:
    answer = bot.ask("show 1.12")
    assert "Measure “1.12” not found" in answer
    assert "1.1" in answer and "1.2" in answer
    assert "All measures: /digi list" in answer


def test_the_same_delivery_is_stored_once(bot: ChatBot) -> None:
    bot.ask("status 1.1 on-track 40%", as_=OWNER, key="slack:trigger-1")
    answer = bot.ask("status 1.1 on-track 40%", as_=OWNER, key="slack:trigger-1")
    assert "already saved" in answer
    assert len(bot.updates()) == 1


def test_updates_are_append_only(bot: ChatBot, clock) -> None:
    bot.ask("status 1.1 on-track 20%", as_=OWNER)
    clock.advance(days=30)
    bot.ask("status 1.1 at-risk 30% Vendor late", as_=DEPUTY)
    first, second = bot.updates()
    assert (first.status, first.progress, first.withdrawn_at) == ("on_track", 20, None)
    assert (second.status, second.progress) == ("at_risk", 30)
    answer = bot.ask("show 1.1", as_=STRANGER)
    assert "🟡 At risk" in answer and "Vendor late" in answer


def test_show_tells_everything_about_a_measure(bot: ChatBot, clock) -> None:
    answer = bot.ask("show 1.1", as_=STRANGER)
    for expected in (
        "1.1 Suomi.fi-viestit",
        "T1 Digitaaliset palvelut",
        "Kehitysjohtaja (kehitysjohtaja@example.org)",
        "Deputies:",
        "⚪ Not started",
        "no updates yet",
        "Sep 2024–Jun 2026",
        "€20,000",
        "baseline 10 % → target 90 %",
        "Stale: this measure has no status update yet",
    ):
        assert expected in answer, expected
    assert "Overdue" not in answer  # 1 April 2025: not yet due
    clock.advance(days=500)
    assert "Overdue: the due date Jun 2026 has passed" in bot.ask("show 1.1")
    bot.ask("status 1.1 done 100%", as_=OWNER)
    assert "Overdue" not in bot.ask("show 1.1")


def test_times_are_shown_in_helsinki_time(bot: ChatBot) -> None:
    bot.ask("status 1.1 on-track", as_=OWNER)  # 09:30 UTC on 1 April 2025 is 12:30 in Helsinki
    assert "1 Apr 2025 12:30" in bot.ask("show 1.1")
    assert "1.4.2025 klo 12.30" in bot.in_language("fi").ask("näytä 1.1")


def test_history_is_newest_first_and_marks_withdrawn(bot: ChatBot, clock) -> None:
    bot.ask("status 1.1 on-track 10% first", as_=OWNER)
    clock.advance(hours=1)
    bot.ask("status 1.1 on-track 20% second", as_=OWNER)
    bot.ask("undo", as_=OWNER)
    answer = bot.ask("history 1.1", as_=STRANGER)
    lines = [line for line in answer.splitlines() if "On track" in line]
    assert "second" in lines[0] and "(withdrawn)" in lines[0]
    assert "first" in lines[1] and "(withdrawn)" not in lines[1]


def test_history_of_a_long_measure_shows_the_newest_twenty(bot: ChatBot, clock) -> None:
    for n in range(25):
        clock.advance(minutes=1)
        bot.ask(f"status 1.1 on-track {n}% step {n}", as_=OWNER)
    answer = bot.ask("history 1.1")
    assert "step 24" in answer and "step 5" in answer and "step 4" not in answer
    assert "and 5 older" in answer


def test_list_filters_mine_theme_and_status(bot: ChatBot) -> None:
    bot.ask("status 1.1 delayed Waiting for the vendor", as_=OWNER)
    everything = bot.ask("list", as_=STRANGER)
    assert "Measures (22)" in everything
    assert everything.index("1.4") < everything.index("2.1")
    mine = bot.ask("list mine", as_=OWNER)
    assert "1.1" in mine and "2.1 " not in mine
    assert "Your measures" in bot.ask("lista omat", as_=OWNER)
    theme = bot.ask("list t2", as_=STRANGER)
    assert "T2 Tiedolla johtaminen (3)" in theme and "2.1" in theme and "1.1" not in theme
    delayed = bot.ask("list viivästynyt", as_=STRANGER)
    assert "🔴 1.1" in delayed and "(1)" in delayed
    assert "You are not the owner or a deputy" in bot.ask("list mine", as_=STRANGER)


def test_list_with_an_unknown_filter_explains_the_choices(bot: ChatBot) -> None:
    answer = bot.ask("list everything")
    assert "I don't recognise the filter “everything”" in answer
    assert "T1" in answer and "mine" in answer


def test_undo_withdraws_the_authors_latest_update_within_24_hours(bot: ChatBot, clock) -> None:
    bot.ask("status 1.1 on-track 20%", as_=OWNER)
    clock.advance(hours=1)
    bot.ask("status 1.1 done 100%", as_=OWNER)
    answer = bot.ask("undo", as_=OWNER)
    assert "Withdrawn" in answer and "Done" in answer
    assert "🟢 On track" in answer  # the state falls back to the earlier update
    first, second = bot.updates()
    assert first.withdrawn_at is None
    assert second.withdrawn_at is not None and second.withdrawn_by == OWNER
    assert "On track" in bot.ask("show 1.1")


def test_undo_after_24_hours_or_of_someone_elses_update_changes_nothing(
    bot: ChatBot, clock
) -> None:
    bot.ask("status 1.1 on-track 20%", as_=OWNER)
    assert "no update from the last 24 hours" in bot.ask("undo", as_=DEPUTY)
    clock.advance(hours=24, seconds=1)
    assert "no update from the last 24 hours" in bot.ask("undo", as_=OWNER)
    assert "no update to measure 1.1" in bot.ask("undo 1.1", as_=OWNER)
    assert all(u.withdrawn_at is None for u in bot.updates())


def test_undo_of_a_named_measure(bot: ChatBot) -> None:
    bot.ask("status 1.1 on-track 20%", as_=OWNER)
    bot.ask("status 6.1 on-track 50%", as_=OWNER)
    assert "measure 1.1" in bot.ask("peru 1.1", as_=OWNER)
    assert [u.withdrawn_at is not None for u in bot.updates()] == [True, False]
    assert "not found" in bot.ask("undo 1.99", as_=OWNER)


def test_help_lists_only_the_commands_that_exist(bot: ChatBot) -> None:
    answer = bot.ask("help")
    for command in ("status", "show", "history", "list", "undo", "stale", "summary", "help"):
        assert f"/digi {command}" in answer
    assert "/digi update" not in answer  # the form is not a console command
    assert "/digi tila" in bot.in_language("fi").ask("ohje")
    assert "/digi näytä" in bot.in_language("fi").ask("")


@pytest.mark.parametrize("text", ["foo", "status1.1", "hello there", "🙂", "<!channel>"])
def test_garbage_gets_short_help_with_an_example(bot: ChatBot, text: str) -> None:
    reply = bot.push(text, as_=OWNER)
    assert not reply.ok
    answer = bot.pop()
    assert "I don't recognise the command" in answer and "Example:" in answer


def test_replies_come_in_the_configured_language(bot: ChatBot) -> None:
    fi = bot.in_language("fi")
    assert "Tallennettu" in fi.ask("tila 1.1 aikataulussa 40 %", as_=OWNER)
    assert "40 %" in fi.ask("näytä 1.1")
    assert "vaatii syyn" in fi.ask("status 1.1 delayed", as_=OWNER)
    assert "voivat päivittää sen vastuuhenkilö Kehitysjohtaja" in fi.ask(
        "tila 1.1 valmis", as_=STRANGER
    )
    assert "ei löydy" in fi.ask("näytä 7.7")


def test_an_unreachable_database_says_not_saved_and_never_raises(tmp_path, bot: ChatBot) -> None:
    from dataclasses import replace

    from storage.db import make_engine

    broken = ChatBot(replace(bot.ctx, engine=make_engine(unreachable_url(tmp_path))))
    reply = broken.push("status 1.1 on-track 40%", as_=OWNER)
    assert not reply.ok
    assert "database is not available right now: nothing was saved" in broken.pop()
    assert count_updates(bot.ctx.engine) == 0


@pytest.mark.parametrize("progress", ["1e3%", "%", "abc%"])
def test_a_malformed_progress_is_refused_not_kept_as_the_note(bot: ChatBot, progress: str) -> None:
    assert "whole number from 0 to 100%" in bot.ask(
        f"status 1.1 on-track {progress} note", as_=OWNER
    )
    assert bot.updates() == []


def test_stale_shows_each_measures_real_state(bot: ChatBot) -> None:
    from storage.db import session_scope
    from storage.summary_runs import claim_run, finish_run

    bot.ask("status 2.1 delayed Vendor late", as_=COORDINATOR)
    with session_scope(bot.ctx.engine) as session:  # a summary since: 2.1 is stale, but red
        claim = claim_run(
            session, period="2025-H1", channel="C", force=False, trigger="test",
            requested_by="test", claimed_by="test", as_of="2025-04-01",
        )  # fmt: skip
        finish_run(session, run=claim.run)
    assert "🔴 2.1" in bot.ask("stale", as_=COORDINATOR)


def test_an_undo_delivered_twice_withdraws_once(bot: ChatBot, clock) -> None:
    bot.ask("status 1.1 on-track 10%", as_=OWNER)
    clock.advance(minutes=1)
    bot.ask("status 1.1 on-track 20%", as_=OWNER)
    assert "Withdrawn" in bot.ask("undo", as_=OWNER, key="teams:message:chat:17")
    assert "already done" in bot.ask("undo", as_=OWNER, key="teams:message:chat:17")
    assert [u.withdrawn_at is not None for u in bot.updates()] == [False, True]
