"""Programme import: YAML and Excel-style CSV, upsert by id, all or nothing, every problem
reported with its physical line and field."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from sqlalchemy import Engine
from sqlmodel import select

from handlers.messages import MESSAGES, Messages
from storage import crud
from storage.db import session_scope
from storage.models import StatusUpdate
from storage.programme_io import (
    SIZE_LIMIT,
    ImportFailed,
    ImportResult,
    import_file,
    read_programme,
)
from tests.conftest import EXAMPLE, OWNER, db_url

PROGRAMME_IO = Path(__file__).resolve().parent.parent / "storage" / "programme_io.py"

# A valid measure that would rename 1.1: a rejected file must not let it through.
RENAME_1_1_YAML = """\
themes:
  - {id: T1, name: Digitaaliset palvelut}
measures:
  - id: "1.1"
    theme: T1
    title: Renamed by a broken file
    owner: a@example.org
"""
RENAME_1_1_CSV = "id,theme,title,owner\n1.1,T1,Renamed by a broken file,a@example.org\n"


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


def run_import(engine: Engine, path: Path) -> ImportResult:
    with session_scope(engine) as session:
        return import_file(session, path)


def title_of(engine: Engine, code: str) -> str:
    with session_scope(engine) as session:
        return crud.find_measure(session, code=code).title


def measure_count(engine: Engine) -> int:
    with session_scope(engine) as session:
        return crud.count_measures(session)


# --- good files ---


def test_bundled_example_imports_six_themes_and_22_measures(engine: Engine) -> None:
    result = run_import(engine, EXAMPLE)

    assert (result.themes, result.created, result.updated) == (6, 22, 0)
    assert measure_count(engine) == 22


def test_importing_the_example_again_changes_nothing(programme: Engine) -> None:
    result = run_import(programme, EXAMPLE)

    assert (result.created, result.updated, result.unchanged) == (0, 0, 22)


def test_reimport_updates_by_id_and_keeps_the_status_history(
    programme: Engine, tmp_path: Path
) -> None:
    with session_scope(programme) as session:
        measure = crud.find_measure(session, code="1.1")
        crud.append_update(
            session,
            measure_id=measure.id,
            author=OWNER,
            status="on_track",
            progress=40,
            note="Pilot running",
            source="console",
        )
    with session_scope(programme) as session:
        before = [u.model_dump() for u in session.exec(select(StatusUpdate))]
    document = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    first = document["measures"][0]
    first["title"], first["owner"] = "Suomi.fi-viestit kaikkiin päätöksiin", "U0NEWOWNER"
    document["measures"].append({"id": "1.9", "theme": "T1", "title": "New", "owner": OWNER})
    path = write(tmp_path, "second.yaml", yaml.safe_dump(document, allow_unicode=True))

    result = run_import(programme, path)

    assert (result.created, result.updated, result.unchanged) == (1, 1, 21)
    with session_scope(programme) as session:
        measure = crud.find_measure(session, code="1.1")
        roles = crud.roles_of(session, measure_ids=[measure.id])[measure.id]
        after = [u.model_dump() for u in session.exec(select(StatusUpdate))]
    assert measure.title == "Suomi.fi-viestit kaikkiin päätöksiin"
    assert roles.owner.ref == "U0NEWOWNER"
    assert [d.ref for d in roles.deputies] == ["tietohallintopaallikko@example.org"]
    assert after == before and len(after) == 1


def test_ids_are_case_insensitive(engine: Engine, tmp_path: Path) -> None:
    template = "id,theme,title,owner\n{id},T1,{title},a@example.org\n"
    run_import(engine, write(tmp_path, "one.csv", template.format(id="A.1", title="First")))

    result = run_import(engine, write(tmp_path, "two.csv", template.format(id="a.1", title="2nd")))

    assert (result.created, result.updated) == (0, 1)
    assert measure_count(engine) == 1
    assert title_of(engine, "A.1") == "2nd"


def test_excel_csv_with_bom_semicolons_and_pipe_separated_deputies(
    engine: Engine, tmp_path: Path
) -> None:
    text = "id;theme;title;owner;deputies\n1.1;T1;Verkkoasiointi;a@example.org;b@example.org|U02\n"
    path = write(tmp_path, "excel.csv", b"\xef\xbb\xbf" + text.encode("utf-8"))

    assert run_import(engine, path).created == 1
    with session_scope(engine) as session:
        measure = crud.find_measure(session, code="1.1")
        roles = crud.roles_of(session, measure_ids=[measure.id])[measure.id]
    assert measure.title == "Verkkoasiointi"
    assert roles.owner.ref == "a@example.org"
    assert [d.ref for d in roles.deputies] == ["b@example.org", "U02"]


def test_plain_csv_with_commas_and_semicolon_separated_deputies(
    engine: Engine, tmp_path: Path
) -> None:
    text = (
        'id,theme,title,owner,deputies\n1.1,T1,Verkkoasiointi,a@example.org,"b@example.org;U02"\n'
    )

    run_import(engine, write(tmp_path, "plain.csv", text))

    with session_scope(engine) as session:
        measure = crud.find_measure(session, code="1.1")
        roles = crud.roles_of(session, measure_ids=[measure.id])[measure.id]
    assert [d.ref for d in roles.deputies] == ["b@example.org", "U02"]


def test_multiline_csv_cell_keeps_physical_line_numbers(engine: Engine, tmp_path: Path) -> None:
    text = (
        "id,theme,title,owner,description\n"
        '1.1,T1,First,a@example.org,"line one\nline two\nline three"\n'
        "1.2,T1,Second,not an owner,x\n"
    )
    with pytest.raises(ImportFailed) as failed:
        read_programme(write(tmp_path, "multi.csv", text))

    assert [(p.line, p.field) for p in failed.value.problems] == [(5, "owner")]


def test_multiline_csv_description_is_kept(engine: Engine, tmp_path: Path) -> None:
    text = 'id,theme,title,owner,description\n1.1,T1,First,a@example.org,"one\ntwo"\n'

    run_import(engine, write(tmp_path, "multi.csv", text))

    with session_scope(engine) as session:
        assert crud.find_measure(session, code="1.1").description == "one\ntwo"


def test_csv_theme_not_defined_is_created_with_its_name_as_id(
    engine: Engine, tmp_path: Path
) -> None:
    text = "id,theme,title,owner\n1.1,Digipalvelut,First,a@example.org\n"

    run_import(engine, write(tmp_path, "themes.csv", text))

    with session_scope(engine) as session:
        theme = crud.find_theme(session, code="Digipalvelut")
        measure = crud.find_measure(session, code="1.1")
    assert (theme.code, theme.name) == ("Digipalvelut", "Digipalvelut")
    assert measure.theme_id == theme.id


def test_csv_uses_a_theme_already_in_the_database(programme: Engine, tmp_path: Path) -> None:
    text = "id,theme,title,owner\n9.1,t2,New,a@example.org\n"

    with session_scope(programme) as session:  # the 22 others are retired: a mass retire
        result = import_file(session, write(tmp_path, "t2.csv", text), allow_mass_retire=True)

    assert result.themes == 6
    with session_scope(programme) as session:
        theme = crud.find_theme(session, code="T2")
        assert crud.find_measure(session, code="9.1").theme_id == theme.id


def test_finnish_dates_and_euro_budget_are_normalized(engine: Engine, tmp_path: Path) -> None:
    text = (
        "id;theme;title;owner;start;due;budget_eur\n"
        "1.1;T1;First;a@example.org;6/2026;30.6.2026;20 000 €\n"
    )

    run_import(engine, write(tmp_path, "dates.csv", text))

    with session_scope(engine) as session:
        measure = crud.find_measure(session, code="1.1")
    assert (measure.start, measure.due, measure.budget_eur) == ("2026-06", "2026-06-30", 20000)


# --- broken files: every problem with its line and field, and nothing changed ---

# "Billion laughs": nine lines whose last expands to 10^9 deputies; refused while composed.
BILLION_LAUGHS = (
    "a: &a ["
    + ", ".join(["lol"] * 10)
    + "]\n"
    + "".join(
        f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 10) + "]\n"
        for prev, name in zip("abcdefgh", "bcdefghi", strict=True)
    )
    + RENAME_1_1_YAML
    + "    deputies: *i\n"
)

BROKEN: dict[str, tuple[str, str | bytes, list[tuple[int, str]]]] = {
    "theme not under themes": (
        "t.yaml",
        RENAME_1_1_YAML + '  - id: "1.2"\n    theme: T9\n    title: x\n    owner: a@example.org\n',
        [(9, "theme")],
    ),
    "missing owner": (
        "o.yaml",
        RENAME_1_1_YAML + '  - id: "1.2"\n    theme: T1\n    title: x\n',
        [(8, "owner")],
    ),
    "bad owner": (
        "b.yaml",
        RENAME_1_1_YAML + '  - id: "1.2"\n    theme: T1\n    title: x\n    owner: Matti M\n',
        [(11, "owner")],
    ),
    "bad date": (
        "d.yaml",
        RENAME_1_1_YAML + "    start: 2026-13\n",
        [(8, "start")],
    ),
    "a date that does not exist": (
        "nd.yaml",
        RENAME_1_1_YAML + "    due: 2026-02-30\n",
        [(8, "due")],
    ),
    "due before start": (
        "s.yaml",
        RENAME_1_1_YAML + "    start: 2026-06\n    due: 2025-12\n",
        [(9, "due")],
    ),
    "maturity level 7": (
        "l.yaml",
        RENAME_1_1_YAML.replace("name: Digitaaliset palvelut", "name: D, target: 7"),
        [(2, "target")],
    ),
    "duplicate id": (
        "dup.yaml",
        RENAME_1_1_YAML + '  - id: "1.1"\n    theme: T1\n    title: x\n    owner: a@example.org\n',
        [(8, "id")],
    ),
    "yaml syntax": (
        "y.yaml",
        RENAME_1_1_YAML.replace("title: Renamed", "title: Renamed: again"),
        [(6, "-")],
    ),
    "csv missing required column": (
        "r.csv",
        "id,theme,title\n1.1,T1,Renamed by a broken file\n",
        [(1, "owner")],
    ),
    "csv wrong number of columns": (
        "c.csv",
        RENAME_1_1_CSV + "1.2,T1,x,a@example.org,extra\n",
        [(3, "-")],
    ),
    "csv unknown column": (
        "u.csv",
        "id,theme,title,owner,colour\n1.1,T1,Renamed by a broken file,a@example.org,red\n",
        [(1, "colour")],
    ),
    "csv not utf-8": (
        "n.csv",
        (RENAME_1_1_CSV + "1.2,T1,Päiväkoti,a@example.org\n").encode("latin-1"),
        [(3, "-")],
    ),
    "unsupported extension": ("p.txt", RENAME_1_1_CSV, [(1, "-")]),
    "repeated yaml key": ("k.yaml", RENAME_1_1_YAML + "    title: Again\n", [(8, "title")]),
    "theme ids differing only in case": (
        "tc.yaml",
        RENAME_1_1_YAML.replace("themes:\n", "themes:\n  - {id: t1, name: Toinen}\n"),
        [(3, "id")],
    ),
    "people ids differing only in case": (
        "pc.yaml",
        "people:\n  - {id: A@example.org, name: A}\n  - {id: a@example.org, name: B}\n"
        + RENAME_1_1_YAML,
        [(3, "id")],
    ),
    "control character in yaml": (
        "cc.yaml",
        RENAME_1_1_YAML.replace("title: Renamed by a broken file", 'title: "Renamed\\0 by"'),
        [(6, "title")],
    ),
    "control character in csv": (
        "cc.csv",
        RENAME_1_1_CSV.replace("Renamed", "Re\x1b[2Jnamed"),
        [(2, "title")],
    ),
    "repeated csv column": (
        "rc.csv",
        "id,theme,title,owner,title\n1.1,T1,Renamed by a broken file,a@example.org,x\n",
        [(1, "title")],
    ),
    "yaml alias bomb": ("bomb.yaml", BILLION_LAUGHS, [(4, "-")]),
    "yaml nested too deep": (
        "deep.yaml",
        "measures: " + "[" * 5000 + "]" * 5000 + "\n",
        [(1, "-")],
    ),
    "several problems": (
        "many.csv",
        (
            "id,theme,title,owner,start\n"
            "1.1,T1,Renamed by a broken file,a@example.org,\n"
            "1.2,T1,x,not an owner,2025\n"
            "1.3,T1,,a@example.org,2025\n"
            "1.4,T1,x,a@example.org,2025\n"
            "1.5,T1,x,a@example.org,June\n"
        ),
        [(3, "owner"), (4, "title"), (6, "start")],
    ),
}


def problems_of(path: Path) -> list:
    with pytest.raises(ImportFailed) as failed:
        read_programme(path)
    return failed.value.problems


@pytest.mark.parametrize("case", BROKEN)
def test_broken_file_is_rejected_with_line_and_field(
    case: str, programme: Engine, tmp_path: Path
) -> None:
    name, content, expected = BROKEN[case]
    path = write(tmp_path, name, content)

    with pytest.raises(ImportFailed) as failed, session_scope(programme) as session:
        import_file(session, path)

    assert [(p.line, p.field) for p in failed.value.problems] == expected
    assert measure_count(programme) == 22
    assert title_of(programme, "1.1") == "Suomi.fi-viestit käyttöön kaikissa päätöksissä"


def test_specific_problem_keys(tmp_path: Path) -> None:
    expected = {
        "theme not under themes": "import.unknown_theme",
        "missing owner": "import.required",
        "bad owner": "import.bad_person",
        "bad date": "import.bad_date",
        "a date that does not exist": "import.bad_date",
        "due before start": "import.due_before_start",
        "maturity level 7": "import.bad_level",
        "yaml syntax": "import.yaml_syntax",
        "csv missing required column": "import.required",
        "csv wrong number of columns": "import.csv_columns",
        "csv unknown column": "import.unknown_field",
        "csv not utf-8": "import.not_utf8",
        "unsupported extension": "import.unknown_format",
        "repeated yaml key": "import.duplicate_key",
        "theme ids differing only in case": "import.duplicate_id",
        "people ids differing only in case": "import.duplicate_id",
        "control character in yaml": "import.control_character",
        "control character in csv": "import.control_character",
        "repeated csv column": "import.duplicate_key",
        "yaml alias bomb": "import.yaml_aliases",
        "yaml nested too deep": "import.too_deep",
    }
    for case, key in expected.items():
        name, content, _ = BROKEN[case]
        assert [p.key for p in problems_of(write(tmp_path, name, content))] == [key], case


def test_duplicate_id_names_the_first_line(tmp_path: Path) -> None:
    name, content, _ = BROKEN["duplicate id"]

    [problem] = problems_of(write(tmp_path, name, content))

    assert problem.key == "import.duplicate_id"
    assert "line 4" in Messages("en")(problem.key, **problem.params)


def test_duplicate_id_in_csv_differing_only_in_case(tmp_path: Path) -> None:
    text = "id,theme,title,owner\na.1,T1,x,U1\n1.2,T1,x,U1\nA.1,T1,y,U1\n"
    path = write(tmp_path, "dup.csv", text)

    assert [(p.line, p.field) for p in problems_of(path)] == [(4, "id")]


def test_several_problems_in_one_yaml_all_reported_in_line_order(tmp_path: Path) -> None:
    text = RENAME_1_1_YAML.replace("T1, name", "T1, baseline: 9, name") + (
        '  - id: "1.2"\n    theme: T9\n    title: x\n    owner: a@example.org\n'
        '  - id: "1.3"\n    theme: T1\n    due: 2026-13\n    title: x\n    owner: bad owner\n'
    )

    problems = problems_of(write(tmp_path, "many.yaml", text))

    assert [(p.line, p.field) for p in problems] == [
        (2, "baseline"),
        (9, "theme"),
        (14, "due"),
        (16, "owner"),
    ]


# --- the catalogue has every message an import can give ---


@pytest.mark.parametrize("case", BROKEN)
@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_every_problem_formats_in_every_language(case: str, language: str, tmp_path: Path) -> None:
    name, content, _ = BROKEN[case]

    for problem in problems_of(write(tmp_path, name, content)):
        assert problem.key in MESSAGES
        assert Messages(language)(problem.key, **problem.params).strip()


def test_every_import_key_in_the_code_is_in_the_catalogue() -> None:
    keys = set(re.findall(r'"(import\.[a-z_0-9]+)"', PROGRAMME_IO.read_text(encoding="utf-8")))

    assert keys
    assert sorted(k for k in keys if k not in MESSAGES) == []
    assert all(set(MESSAGES[k]) == {"fi", "sv", "en"} for k in keys)


# --- the command line ---


def cli(tmp_path: Path, *args: str, language: str = "en") -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DIGIBOT_", "DATABASE_"))}
    env |= {"DATABASE_URL": db_url("x.db"), "DIGIBOT_LANGUAGE": language}
    env["PYTHONPATH"] = str(PROGRAMME_IO.parent.parent)  # this checkout, not the installed one
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cli_import_good_file_prints_counts(tmp_path: Path) -> None:
    done = cli(tmp_path, "import", str(EXAMPLE))

    assert done.returncode == 0, done.stderr
    assert "6 themes, 22 new and 0 changed measures (0 unchanged)" in done.stdout


def test_cli_import_bad_file_names_line_and_field(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.yaml", BROKEN["bad owner"][1])

    done = cli(tmp_path, "import", str(path))

    assert done.returncode != 0
    assert "line 11, owner" in done.stderr
    assert "Traceback" not in done.stdout + done.stderr


def test_cli_import_duplicate_id_fails_cleanly(tmp_path: Path) -> None:
    path = write(tmp_path, "dup.yaml", BROKEN["duplicate id"][1])

    done = cli(tmp_path, "import", str(path))

    assert done.returncode != 0
    assert "line 8, id" in done.stderr
    assert "Traceback" not in done.stdout + done.stderr


def test_cli_import_errors_in_finnish(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.yaml", BROKEN["bad owner"][1])

    done = cli(tmp_path, "import", str(path), language="fi")

    assert done.returncode != 0
    assert "rivi 11, owner" in done.stderr
    assert "Traceback" not in done.stdout + done.stderr


def test_unquoted_yaml_ids_keep_the_text_as_typed(engine: Engine, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "numbers.yaml",
        "themes:\n  - {id: 1, name: Palvelut}\nmeasures:\n"
        "  - {id: 1.1, theme: 1, title: Ensimmäinen, owner: a@tornio.fi}\n"
        "  - {id: 1.10, theme: 1, title: Kymmenes, owner: a@tornio.fi}\n",
    )
    result = run_import(engine, path)
    assert result.created == 2
    assert title_of(engine, "1.1") == "Ensimmäinen"
    assert title_of(engine, "1.10") == "Kymmenes"


# --- files that would exhaust the machine (issue 9, item 10) ---


def test_a_file_over_the_size_limit_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    path = write(tmp_path, "huge.yaml", RENAME_1_1_YAML + "#" * SIZE_LIMIT + "\n")

    [problem] = problems_of(path)

    assert (problem.line, problem.field, problem.key) == (1, "-", "import.too_large")
    assert Messages("en")(problem.key, **problem.params) == (
        "the file is larger than 5 MB; a programme file is far smaller"
    )


def test_the_alias_bomb_is_named_in_the_cli(tmp_path: Path) -> None:
    result = cli(tmp_path, "import", str(write(tmp_path, "bomb.yaml", BILLION_LAUGHS)))

    assert result.returncode == 1
    assert "line 4" in result.stderr
    assert "aliases" in result.stderr


def test_aliases_a_real_file_might_use_are_accepted(engine: Engine, tmp_path: Path) -> None:
    text = (
        "defaults: &owner a@example.org\n"
        + RENAME_1_1_YAML.replace("owner: a@example.org", "owner: *owner")
        + "".join(
            f'  - {{id: "1.{n}", theme: T1, title: x, owner: *owner}}\n' for n in range(2, 300)
        )
    )

    result = run_import(engine, write(tmp_path, "aliases.yaml", text))

    assert result.created == 299


def test_a_repeated_key_names_both_lines(tmp_path: Path) -> None:
    [problem] = problems_of(write(tmp_path, "k.yaml", RENAME_1_1_YAML + "    title: Again\n"))

    assert Messages("en")(problem.key, **problem.params) == "title already appears on line 6"


def test_the_cli_prints_problems_without_terminal_escapes(tmp_path: Path) -> None:
    path = write(tmp_path, "esc.csv", "id,theme,title,owner,\x1b[2Jred\u202e\n1.1,T1,x,U1,y\n")

    result = cli(tmp_path, "import", str(path))

    assert result.returncode == 1
    assert "line 1, �[2jred�: unknown field" in result.stderr
    assert "\x1b" not in result.stderr and "\u202e" not in result.stderr
