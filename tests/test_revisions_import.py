"""Importing a revised programme (issue 11): the difference shown before anything changes,
measures and themes retired and reinstated, never deleted; the mass-retire guard; the next
period with carry-over; an id reused for another measure refused."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import Engine
from sqlmodel import select

from storage import crud, plan
from storage.db import session_scope
from storage.models import Person, Revision, StatusUpdate
from storage.programme_io import ImportRefused, ImportResult, import_file
from tests.conftest import EXAMPLE, OWNER
from tests.test_import import cli, write

START = datetime(2025, 1, 7, 9, 0, tzinfo=UTC)
MAY = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
OCTOBER = datetime(2026, 10, 12, 9, 0, tzinfo=UTC)
JANUARY = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)


def example() -> dict[str, Any]:
    return yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))


def measure(document: dict[str, Any], code: str) -> dict[str, Any]:
    return next(m for m in document["measures"] if m["id"] == code)


def revised() -> dict[str, Any]:
    """The budget process's revision: 1.1's due moves, 1.2's owner and 1.3's budget change,
    1.4 is dropped and 1.9 added."""
    document = example()
    document["programme"]["revision"] = "TA 2027"
    measure(document, "1.1")["due"] = "2026-12"
    measure(document, "1.2")["owner"] = "talousjohtaja@example.org"
    measure(document, "1.3")["budget_eur"] = 12400
    document["measures"].remove(measure(document, "1.4"))
    document["measures"].append({"id": "1.9", "theme": "T1", "title": "Uusi", "owner": "U0NEW"})
    return document


def save(tmp_path: Path, document: dict[str, Any], name: str = "revised.yaml") -> Path:
    return write(tmp_path, name, yaml.safe_dump(document, allow_unicode=True))


def run(engine: Engine, path: Path, **options: Any) -> ImportResult:
    with session_scope(engine) as session:
        return import_file(session, path, **options)


def codes_in_force(engine: Engine) -> list[str]:
    with session_scope(engine) as session:
        return sorted(m.code for m in crud.measures(session))


@pytest.fixture
def programme(engine: Engine) -> Engine:
    """The example programme, imported at a time the tests' later revisions follow."""
    run(engine, EXAMPLE, at=START)
    return engine


# --- the difference ---


def test_a_revision_lists_measures_added_retired_and_changed_field_by_field(
    programme: Engine, tmp_path: Path
) -> None:
    result = run(programme, save(tmp_path, revised()), at=OCTOBER)

    found = {(c.code, c.kind): [(f.field, f.old, f.new) for f in c.changes] for c in result.changes}
    with session_scope(programme) as session:
        people = {p.ref: p.id for p in session.exec(select(Person))}
    assert found == {
        ("1.1", "changed"): [("due", "2026-06", "2026-12")],
        ("1.2", "changed"): [
            ("owner_id", people["sivistysjohtaja@example.org"], people["talousjohtaja@example.org"])
        ],
        ("1.3", "changed"): [("budget_eur", 18000, 12400)],
        ("1.4", "retired"): [],
        ("1.9", "added"): [],
    }
    assert result.revision is not None and result.revision.label == "TA 2027"
    assert codes_in_force(programme) == sorted(
        [m["id"] for m in example()["measures"] if m["id"] != "1.4"] + ["1.9"]
    )
    with session_scope(programme) as session:
        retired = crud.find_measure(session, code="1.4")
        assert retired.retired_at == OCTOBER
        assert retired.retired_revision_id == result.revision.id
        assert crud.count_measures(session) == 22


def test_a_retired_measure_that_comes_back_is_reinstated_with_its_history(
    programme: Engine, tmp_path: Path
) -> None:
    with session_scope(programme) as session:
        crud.append_update(
            session, measure_id=crud.find_measure(session, code="1.4").id, author=OWNER,
            status="delayed", progress=30, note="Hankinta myöhässä", source="console",
            created_at=MAY,
        )  # fmt: skip
    run(programme, save(tmp_path, revised()), at=OCTOBER)

    result = run(programme, EXAMPLE, label="TA 2027 korjaus", at=JANUARY)

    assert {(c.code, c.kind) for c in result.changes} >= {("1.4", "reinstated"), ("1.9", "retired")}
    assert "1.4" in codes_in_force(programme)
    with session_scope(programme) as session:
        again = crud.find_measure(session, code="1.4")
        assert (again.retired_at, again.retired_revision_id) == (None, None)
        history = plan.plan_history(session, measure_id=again.id)
        notes = [u.note for u in session.exec(select(StatusUpdate))]
    assert [c.kind for c in history] == ["added", "retired", "reinstated"]
    assert notes == ["Hankinta myöhässä"]


def test_a_theme_left_out_is_retired_and_comes_back(programme: Engine, tmp_path: Path) -> None:
    document = example()
    document["themes"] = [t for t in document["themes"] if t["id"] != "T6"]
    document["measures"] = [m for m in document["measures"] if m["theme"] != "T6"]
    run(programme, save(tmp_path, document), at=OCTOBER)
    with session_scope(programme) as session:
        assert "T6" not in {t.code for t in crud.themes(session)}
        assert crud.find_theme(session, code="T6").retired_at == OCTOBER

    result = run(programme, EXAMPLE, at=JANUARY)

    assert ("T6", "reinstated") in {(c.code, c.kind) for c in result.changes}
    with session_scope(programme) as session:
        assert "T6" in {t.code for t in crud.themes(session)}


def test_in_a_csv_a_theme_none_of_whose_measures_remain_is_retired(
    engine: Engine, tmp_path: Path
) -> None:
    rows = "id,theme,title,owner\n1.1,T1,A,a@example.org\n1.2,T1,B,a@example.org\n"
    run(engine, write(tmp_path, "one.csv", rows + "2.1,T2,C,a@example.org\n"), at=MAY)

    result = run(engine, write(tmp_path, "two.csv", rows), at=OCTOBER)

    assert {(c.code, c.kind) for c in result.changes} == {("2.1", "retired"), ("T2", "retired")}
    with session_scope(engine) as session:
        assert [t.code for t in crud.themes(session)] == ["T1"]


def test_an_import_that_changes_nothing_records_no_revision(programme: Engine) -> None:
    result = run(programme, EXAMPLE, label="again", at=OCTOBER)

    assert (result.revision, result.changes) == (None, ())
    with session_scope(programme) as session:
        assert [r.label for r in plan.revisions(session)] == ["2025-01-07"]


# --- labels and who ---


def test_the_label_is_the_flag_else_the_files_else_the_day(
    programme: Engine, tmp_path: Path
) -> None:
    document = revised()
    by_file = run(programme, save(tmp_path, document), at=OCTOBER)
    measure(document, "1.1")["due"] = "2027-03"
    by_flag = run(programme, save(tmp_path, document), label="TA 2027 b", at=OCTOBER)
    del document["programme"]["revision"]
    measure(document, "1.1")["due"] = "2027-06"
    by_day = run(programme, save(tmp_path, document), by="kirsi", at=JANUARY)

    assert by_file.revision is not None and by_file.revision.label == "TA 2027"
    assert by_flag.revision is not None and by_flag.revision.label == "TA 2027 b"
    assert by_day.revision is not None and by_day.revision.label == "2027-01-04"
    assert (by_day.revision.created_by, by_day.revision.kind) == ("kirsi", "revision")


# --- the mass-retire guard ---


def test_retiring_more_than_half_is_refused_and_changes_nothing(
    programme: Engine, tmp_path: Path
) -> None:
    document = example()
    document["measures"] = document["measures"][:10]  # 12 of 22 would go
    path = save(tmp_path, document)

    with pytest.raises(ImportRefused) as refused:
        run(programme, path)

    assert refused.value.reasons == [("import.mass_retire", {"count": 12, "total": 22})]
    assert len(codes_in_force(programme)) == 22
    result = run(programme, path, allow_mass_retire=True)
    assert sum(c.kind == "retired" for c in result.changes) == 12
    assert len(codes_in_force(programme)) == 10


def test_retiring_exactly_half_is_a_revision(programme: Engine, tmp_path: Path) -> None:
    document = example()
    document["measures"] = document["measures"][:11]

    result = run(programme, save(tmp_path, document))

    assert sum(c.kind == "retired" for c in result.changes) == 11


# --- the next period ---


def next_period(*, titles: dict[str, str] | None = None) -> dict[str, Any]:
    """2027-2028: T1's and T2's measures carried over, 7.1 new, the rest not."""
    document = example()
    document["programme"]["period"] = "2027-2028"
    document["measures"] = [m for m in document["measures"] if m["theme"] in ("T1", "T2")]
    document["measures"].append({"id": "7.1", "theme": "T6", "title": "Uusi", "owner": OWNER})
    for code, title in (titles or {}).items():
        measure(document, code)["title"] = title
    return document


def test_a_new_period_carries_measures_over_with_their_history(
    programme: Engine, tmp_path: Path
) -> None:
    with session_scope(programme) as session:
        crud.append_update(
            session, measure_id=crud.find_measure(session, code="1.1").id, author=OWNER,
            status="on_track", progress=80, note="Lähes valmis", source="console", created_at=MAY,
        )  # fmt: skip
    run(programme, save(tmp_path, revised()), at=OCTOBER)
    in_force = set(codes_in_force(programme))
    carried = [m["id"] for m in next_period()["measures"]]

    result = run(programme, save(tmp_path, next_period(), "next.yaml"), new_period=True, at=JANUARY)

    assert result.revision is not None and result.revision.kind == "new-period"
    with session_scope(programme) as session:
        periods = plan.periods(session)
        assert [(p.name, p.closed_at) for p in periods] == [
            ("2024-2026", JANUARY),
            ("2027-2028", None),
        ]
        assert result.revision.period_id == periods[1].id
        assert sorted(m.code for m in crud.measures(session)) == sorted(carried)
        first = crud.find_measure(session, code="1.1")
        state = crud.current_updates(session, measure_ids=[first.id])[first.id]
        assert (state.status, state.note) == ("on_track", "Lähes valmis")
        history = plan.plan_history(session, measure_id=first.id)
        # the 2024-2026 plan, TA 2027's move, and the new period's file (the old due again)
        assert [(c.kind, [(f.old, f.new) for f in c.changes]) for c in history] == [
            ("added", []),
            ("changed", [("2026-06", "2026-12")]),
            ("changed", [("2026-12", "2026-06")]),
        ]
        closed = crud.find_measure(session, code="6.1")
        assert (closed.retired_at, closed.retired_revision_id) == (JANUARY, result.revision.id)
    retired = {c.code for c in result.changes if c.kind == "retired"}
    assert retired == in_force - set(carried)
    assert len(retired) * 2 > len(in_force)  # more than half: allowed for a new period


def test_a_new_period_refuses_an_id_reused_for_another_measure(
    programme: Engine, tmp_path: Path
) -> None:
    old = measure(example(), "1.1")["title"]
    document = next_period(titles={"1.1": "Tekoälyavustaja asukkaille"})

    with pytest.raises(ImportRefused) as refused:
        run(programme, save(tmp_path, document), new_period=True)

    assert refused.value.reasons == [
        ("import.id_reused", {"id": "1.1", "old": old, "new": "Tekoälyavustaja asukkaille"})
    ]
    with session_scope(programme) as session:
        assert [p.name for p in plan.periods(session)] == ["2024-2026"]


def test_a_new_period_accepts_a_reworded_title(programme: Engine, tmp_path: Path) -> None:
    document = next_period(titles={"1.1": "Suomi.fi-viestit kaikkiin päätöksiin"})

    result = run(programme, save(tmp_path, document), new_period=True)

    assert ("1.1", "changed") in {(c.code, c.kind) for c in result.changes}


def test_a_measure_retired_in_an_earlier_period_comes_back_only_as_itself(
    programme: Engine, tmp_path: Path
) -> None:
    run(programme, save(tmp_path, next_period()), new_period=True, at=OCTOBER)
    document = next_period()
    document["measures"].append({"id": "6.1", "theme": "T6", "title": "Robotiikka", "owner": OWNER})

    with pytest.raises(ImportRefused) as refused:
        run(programme, save(tmp_path, document, "again.yaml"), at=JANUARY)

    assert refused.value.reasons[0][0] == "import.id_reused"
    assert refused.value.reasons[0][1]["new"] == "Robotiikka"


@pytest.mark.parametrize(
    ("change", "key"),
    [
        (lambda d: d["programme"].pop("period"), "import.new_period_unnamed"),
        (lambda d: d["programme"].update(period="2024-2026"), "import.new_period_same"),
    ],
)
def test_a_new_period_needs_a_new_name(programme: Engine, tmp_path: Path, change, key) -> None:
    document = next_period()
    change(document)

    with pytest.raises(ImportRefused) as refused:
        run(programme, save(tmp_path, document), new_period=True)

    assert refused.value.reasons[0][0] == key
    with session_scope(programme) as session:
        assert len(plan.periods(session)) == 1 and len(crud.measures(session)) == 22


def test_an_ordinary_import_of_another_period_is_refused(programme: Engine, tmp_path: Path) -> None:
    with pytest.raises(ImportRefused) as refused:
        run(programme, save(tmp_path, next_period()))

    assert refused.value.reasons == [
        ("import.period_differs", {"period": "2027-2028", "current": "2024-2026"})
    ]


# --- the command line, in both languages ---


def test_cli_dry_run_prints_the_difference_and_changes_nothing(tmp_path: Path) -> None:
    assert cli(tmp_path, "import", str(EXAMPLE)).returncode == 0
    before = cli(tmp_path, "export", "--history").stdout
    path = save(tmp_path, revised())

    dry = cli(tmp_path, "import", str(path), "--dry-run")

    assert dry.returncode == 0, dry.stderr
    assert cli(tmp_path, "export", "--history").stdout == before
    lines = dry.stdout.splitlines()
    assert lines[0].startswith("Dry run: nothing was changed.") and "“TA 2027”" in lines[0]
    assert lines[1] == (
        "Measures: 1 added, 1 retired, 0 reinstated, 3 changed. "
        "Themes: 0 added, 0 retired, 0 reinstated, 0 changed."
    )
    assert "  + 1.9 Uusi" in lines
    assert "  - 1.4 Tilavarausten ja liikuntavuorojen verkkovaraus" in lines
    assert "      due: Jun 2026 → Dec 2026" in lines
    assert "      owner: Sivistysjohtaja → Talousjohtaja" in lines
    assert "      budget: €18,000 → €12,400" in lines

    real = cli(tmp_path, "import", str(path), "--by", "Kirsi Koordinaattori")

    assert real.returncode == 0, real.stderr
    assert cli(tmp_path, "export", "--history").stdout != before
    real_lines = real.stdout.splitlines()
    assert (
        real_lines[1] == "Revision “TA 2027” (period 2024-2026) recorded by Kirsi Koordinaattori:"
    )
    assert real_lines[2:] == lines[1:]


def test_cli_in_finnish(tmp_path: Path) -> None:
    cli(tmp_path, "import", str(EXAMPLE))

    done = cli(tmp_path, "import", str(save(tmp_path, revised())), "--dry-run", language="fi")

    assert done.returncode == 0, done.stderr
    assert "Toimenpiteet: 1 uutta, 1 poistettu käytöstä, 0 palautettu, 3 muuttunut." in done.stdout
    assert "      määräaika: 6/2026 → 12/2026" in done.stdout
    assert "      budjetti: 18 000 € → 12 400 €" in done.stdout


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("en", "the file would retire 12 of the 22 measures in force"),
        ("fi", "tiedosto poistaisi käytöstä 12 voimassa olevasta 22 toimenpiteestä"),
    ],
)
def test_cli_mass_retire_is_refused_unless_allowed(
    tmp_path: Path, language: str, said: str
) -> None:
    cli(tmp_path, "import", str(EXAMPLE))
    before = cli(tmp_path, "export", "--history").stdout
    document = example()
    document["measures"] = document["measures"][:10]
    path = save(tmp_path, document)

    refused = cli(tmp_path, "import", str(path), language=language)

    assert refused.returncode == 1
    assert said in refused.stderr and "--allow-mass-retire" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert cli(tmp_path, "export", "--history").stdout == before
    allowed = cli(tmp_path, "import", str(path), "--allow-mass-retire", language=language)
    assert allowed.returncode == 0, allowed.stderr


def test_cli_new_period_and_the_reused_id_with_both_titles(tmp_path: Path) -> None:
    cli(tmp_path, "import", str(EXAMPLE))
    reused = save(tmp_path, next_period(titles={"1.1": "Tekoälyavustaja"}), "reused.yaml")

    plain = cli(tmp_path, "import", str(save(tmp_path, next_period(), "next.yaml")))
    refused = cli(tmp_path, "import", str(reused), "--new-period", language="fi")
    opened = cli(tmp_path, "import", str(tmp_path / "next.yaml"), "--new-period")

    assert plain.returncode == 1 and "--new-period" in plain.stderr
    assert refused.returncode == 1
    assert "”Suomi.fi-viestit käyttöön kaikissa päätöksissä”" in refused.stderr
    assert "”Tekoälyavustaja”" in refused.stderr
    assert opened.returncode == 0, opened.stderr
    assert "The period 2027-2028 is open and the period 2024-2026 closed." in opened.stdout
    assert "  - 6.1 Tekoälyn käytön ohje henkilöstölle" in opened.stdout


def test_cli_help_explains_the_options(tmp_path: Path) -> None:
    done = cli(tmp_path, "import", "--help")

    for option in ("--revision", "--dry-run", "--allow-mass-retire", "--new-period", "--by"):
        assert option in done.stdout
    assert "no mass-retire limit" in " ".join(done.stdout.split())


def test_the_revision_is_recorded_once_with_who(tmp_path: Path, programme: Engine) -> None:
    with session_scope(programme) as session:
        before = len(session.exec(select(Revision)).all())
    run(programme, save(tmp_path, revised()), by="kirsi", at=OCTOBER)
    with session_scope(programme) as session:
        made = session.exec(select(Revision).order_by(Revision.id)).all()
    assert len(made) == before + 1
    assert (made[-1].created_by, made[-1].source, made[-1].created_at) == (
        "kirsi",
        "revised.yaml",
        OCTOBER,
    )
