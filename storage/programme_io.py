"""Programme import from YAML or Excel-style CSV: read and check everything first, then
upsert by measure id in the caller's transaction. One bad row and nothing changes; every
problem is reported with its physical line and field. The history of updates is never touched.

An entry's values and their rules are declared once, as pydantic models (`ProgrammeIn`,
`PersonIn`, `ThemeIn`, `MeasureIn`) whose errors are catalogue keys; YAML, CSV and a restore
(`storage.restore`) validate with them and place each fault themselves (a line, a path)."""

from __future__ import annotations

import _csv
import csv
import dataclasses
import difflib
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError
from sqlmodel import Session, col, select

from storage import crud, maturity, money, plan
from storage.dates import first_day, last_day, normalize_when
from storage.models import (
    Measure,
    MeasureRole,
    Period,
    Person,
    Programme,
    Revision,
    Theme,
    utcnow,
)
from storage.text import control_character

CODE = re.compile(r"^[A-Za-z0-9._-]{1,32}$")
TEXT_LIMIT = 300
# A measure at every field's limit is about 5 KB of YAML: 5 MB holds some 900 of them, or
# thousands of ordinary ones, against the 22 of the example. Larger is not a programme.
SIZE_LIMIT = 5 * 2**20
# Values that aliases (*name) may add in all: a file that reuses an owner or a block of
# defaults for hundreds of measures stays far below; a "billion laughs" is refused early.
ALIAS_LIMIT = 10_000
DEPTH_LIMIT = 50  # nesting; a programme is four levels deep


@dataclass(frozen=True)
class Problem:
    """One thing wrong in the file: a message key of the catalogue and its values."""

    line: int
    field: str
    key: str
    params: dict[str, Any] = dataclasses.field(default_factory=dict)


class ImportFailed(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problems")
        self.problems = problems


# --- the programme's values, declared ---


def _refuse(key: str, **params: Any) -> PydanticCustomError:
    """A value's problem as pydantic carries it: the catalogue key and its values."""
    return PydanticCustomError(key, key, params)


def _text(value: object, limit: int = TEXT_LIMIT, *, lines: bool = False) -> str | None:
    """Text as typed (a YAML number as its digits), spaces folded unless `lines`; None if
    blank."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise _refuse("import.not_text", value=type(value).__name__)
    if char := control_character(value):
        raise _refuse("import.control_character", char=char)
    value = value.strip() if lines else " ".join(value.split())
    if len(value) > limit:
        raise _refuse("import.too_long", length=len(value), limit=limit)
    return value


def _required(limit: int = TEXT_LIMIT) -> BeforeValidator:
    def check(value: Any) -> str:
        if (text := _text(value, limit)) is None:
            raise _refuse("import.required")
        return text

    return BeforeValidator(check)


def code(value: str) -> str:
    """An id of a measure or theme: `1.10`, `T1`."""
    if not CODE.match(value):
        raise _refuse("import.bad_id", value=value)
    return value


def person_ref(value: str) -> str:
    """A chat user id or an e-mail address, as people are matched."""
    if not crud.is_valid_ref(value):
        raise _refuse("import.bad_person", value=value)
    return crud.normalize_ref(value)


def _deputies(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    items = value if isinstance(value, list) else re.split(r"[;|]", str(value))
    return [str(item).strip() for item in items if str(item).strip()]


def _when(value: Any) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if (normalized := normalize_when(value)) is None:
        raise _refuse("import.bad_date", value=value)
    return normalized


def _budget(value: Any) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    text = re.sub(r"[\s\u00a0€]|eur$", "", str(value).strip(), flags=re.IGNORECASE)
    if match := re.fullmatch(r"(\d+)(?:[.,]0+)?", text):
        return int(match[1])
    raise _refuse("import.bad_budget", value=value)


_CANONICAL = re.compile(r"^\d{4}:\d+(?:;\d{4}:\d+)*$")
APPROPRIATION_COLUMN = re.compile(r"^appropriation_(\d{4})$")
"""A CSV's column of one budget year's appropriation: `appropriation_2026`."""


def _appropriations(value: Any) -> str:
    """Planned money per budget year: the file's mapping of year to euros (`{2025: 10000,
    2026: "12 400,50"}`, amounts as people write them) or an export's canonical text in
    cents (`2025:1000000;2026:1240050`); stored as that text."""
    if value is None or value in ("", {}):
        return ""
    if isinstance(value, str) and _CANONICAL.match(value.strip()):
        by_year = money.decode_appropriations(value.strip())
        if all(1900 <= y <= 2200 and c < money.MAX_CENTS for y, c in by_year.items()):
            return money.encode_appropriations(by_year)
    if not isinstance(value, dict):
        raise _refuse("import.bad_appropriations", value=str(value)[:60])
    found: dict[int, int] = {}
    for year, amount in value.items():
        text = str(year).strip()
        if not re.fullmatch(r"\d{4}", text) or not 1900 <= int(text) <= 2200:
            raise _refuse("import.bad_year", value=year)
        cents = _cents(amount)
        if cents is None:
            raise _refuse("import.bad_appropriation", year=text, value=amount)
        found[int(text)] = cents
    return money.encode_appropriations(found)


def _cents(amount: Any) -> int | None:
    if isinstance(amount, bool) or amount is None:
        return None
    if isinstance(amount, int):
        return amount * 100 if 0 <= amount * 100 < money.MAX_CENTS else None
    return money.parse_cents(str(amount)) if isinstance(amount, str | float) else None


def _level(value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        number = float(str(value).replace(",", "."))
    except ValueError:
        number = 0.0
    if not 1 <= number <= 5:
        raise _refuse("import.bad_level", value=value)
    return number


def _year(value: Any) -> int | None:
    if value is not None and (
        not isinstance(value, int) or isinstance(value, bool) or not 1900 <= value <= 2200
    ):
        raise _refuse("import.bad_year", value=value)
    return value


Text = Annotated[str | None, BeforeValidator(_text)]
Name = Annotated[str, _required()]
Code = Annotated[Name, AfterValidator(code)]
PersonRef = Annotated[Name, AfterValidator(person_ref)]
When = Annotated[str | None, BeforeValidator(_when)]
Level = Annotated[float | None, BeforeValidator(_level)]


class _Entry(BaseModel):
    """An entry of the file; fields it does not know are another section's business."""

    model_config = ConfigDict(extra="ignore", hide_input_in_errors=True)


class ProgrammeIn(_Entry):
    name: Name
    period: Text = None
    vision_year: Annotated[int | None, BeforeValidator(_year)] = None
    revision: Text = None  # the revision's label; kept with the revision, not the programme

    def row(self) -> dict[str, Any]:
        return self.model_dump(exclude={"revision"}) | {"period": self.period or ""}


class PersonIn(_Entry):
    id: PersonRef
    name: Text = None


class ThemeIn(_Entry):
    id: Code
    name: Name
    baseline: Level = None
    current: Level = None
    target: Level = None


class MeasureIn(_Entry):
    """A measure's row; its fields in the order they are checked (and problems reported)."""

    model_config = ConfigDict(extra="forbid")

    id: Code
    theme: Name
    title: Annotated[str, _required(200)]
    owner: PersonRef
    description: Annotated[str | None, BeforeValidator(lambda v: _text(v, 2000, lines=True))] = None
    unit: Text = None
    indicator: Text = None
    baseline: Text = None
    target: Text = None
    start: When = None
    due: When = None
    budget_eur: Annotated[int | None, BeforeValidator(_budget)] = None
    appropriations: Annotated[str, BeforeValidator(_appropriations)] = ""
    deputies: Annotated[
        list[Annotated[str, AfterValidator(person_ref)]], BeforeValidator(_deputies)
    ] = []

    @field_validator("due")
    @classmethod
    def _after_start(cls, due: str | None, info: ValidationInfo) -> str | None:
        start = info.data.get("start")
        if due and start and last_day(due) < first_day(start):
            raise _refuse("import.due_before_start", due=due, start=start)
        return due


MEASURE_FIELDS = (
    "id", "theme", "title", "description", "owner", "deputies", "unit", "start", "due",
    "budget_eur", "indicator", "baseline", "target", "appropriations",
)  # fmt: skip
"""A measure's fields in the order of a file (and of an export)."""
assert set(MEASURE_FIELDS) == set(MeasureIn.model_fields)
REQUIRED = tuple(name for name, info in MeasureIn.model_fields.items() if info.is_required())
LEVELS = ("baseline", "target")
"""A theme's planned levels; its `current` is an assessment (`storage.maturity`)."""


@dataclass(frozen=True)
class Fault:
    """A problem of one entry: the field (`-` for the entry) and its catalogue key."""

    field: str
    key: str
    params: dict[str, Any] = dataclasses.field(default_factory=dict)


Model = TypeVar("Model", bound=BaseModel)


def validate(model: type[Model], values: Mapping[Any, object]) -> tuple[Model | None, list[Fault]]:
    """The entry as the model, or every fault found in it: unknown fields first, then
    the fields in the order the model checks them."""
    try:
        return model.model_validate({str(k): v for k, v in values.items()}), []
    except ValidationError as bad:
        faults = [_fault(error) for error in bad.errors(include_url=False)]
        return None, sorted(faults, key=lambda f: f.key != "import.unknown_field")


def _fault(error: Any) -> Fault:
    name = str(error["loc"][0]) if error["loc"] else "-"
    if error["type"] == "missing":
        return Fault(name, "import.required")
    if error["type"] == "extra_forbidden":
        return Fault(name, "import.unknown_field", {"fields": ", ".join(MEASURE_FIELDS)})
    return Fault(name, error["type"], dict(error.get("ctx") or {}))


@dataclass
class MeasureRow:
    line: int
    values: dict[str, Any]
    deputies: list[str]

    @classmethod
    def of(cls, measure: MeasureIn, line: int) -> MeasureRow:
        return cls(line, measure.model_dump(exclude={"deputies"}), measure.deputies)


@dataclass
class ProgrammeFile:
    programme: dict[str, Any] | None = None
    revision: str | None = None
    people: dict[str, str | None] = dataclasses.field(default_factory=dict)
    themes: list[ThemeIn] = dataclasses.field(default_factory=list)
    measures: list[MeasureRow] = dataclasses.field(default_factory=list)
    create_missing_themes: bool = False


@dataclass(frozen=True)
class ImportResult:
    themes: int
    created: int
    updated: int
    unchanged: int
    revision: Revision | None = None
    changes: tuple[plan.PlanChange, ...] = ()


def import_file(
    session: Session,
    path: Path,
    *,
    label: str | None = None,
    by: str = "cli",
    at: datetime | None = None,
    new_period: bool = False,
    allow_mass_retire: bool = False,
) -> ImportResult:
    """Read, check, then apply as a revision of the programme: measures and themes the file
    leaves out are retired, those it brings back reinstated. Raises ImportFailed with every
    problem of the file, or ImportRefused when the import must not happen; either way
    nothing changes. The label: `label`, else the file's `programme.revision`, else the day.

    With `new_period` the file opens the period its `programme.period` names and the one in
    force closes: measures it carries over by id keep their history, the others are retired
    with the old period. A revision that changes nothing is not recorded."""
    parsed = read_programme(path)
    at = at or utcnow()
    current = plan.current_period(session)
    period = _period_check(session, parsed, current, new_period=new_period)
    measures = {m.code_key: m for m in session.exec(select(Measure))}
    listed = {row.values["id"].lower() for row in parsed.measures}
    in_force = [m for m in measures.values() if m.retired_at is None]
    leaving = sum(m.code_key not in listed for m in in_force)
    if not new_period and not allow_mass_retire and leaving and leaving * 2 > len(in_force):
        key = "import.mass_retire_all" if leaving == len(in_force) else "import.mass_retire"
        raise ImportRefused([(key, {"count": leaving, "total": len(in_force)})])
    if reused := _reused_ids(session, parsed, measures, current, new_period=new_period):
        raise ImportRefused(reused)
    first = session.exec(select(Revision).order_by(col(Revision.id).desc())).first()
    result = apply_programme(session, parsed)
    if new_period:
        plan.open_period(session, name=period or "", at=at)
    elif period and current is not None:
        current.name = period  # a period that had no name is named by the file
        session.add(current)
    kind = "new-period" if new_period else "revision"
    levels = {t.id.lower(): t.current for t in parsed.themes if t.current is not None}
    source = label or parsed.revision or path.name
    maturity.record_file_levels(session, levels, source=source, by=by, at=at)
    revision = plan.new_revision(
        session,
        label=label or parsed.revision or at.date().isoformat(),
        by=by,
        kind=kind,
        source=path.name,
        at=at,
    )
    _retire_and_reinstate(session, parsed, revision)
    changes = plan.record_plans(session, revision=revision)
    same_programme = first is not None and (first.programme_name, first.vision_year) == (
        revision.programme_name,
        revision.vision_year,
    )
    if not changes and kind == "revision" and same_programme:
        session.delete(revision)
        session.flush()
        return result
    return dataclasses.replace(result, revision=revision, changes=tuple(changes))


SAME_MEASURE = 0.5
"""How alike (difflib's ratio, case and spacing aside) an id's title in a new period must
be to its title in the old one for the id to name the same measure."""


class ImportRefused(Exception):
    """A sound file whose import must not happen (it would retire most of the programme,
    it names another period, it reuses an id): each reason a catalogue key and its values."""

    def __init__(self, reasons: list[tuple[str, dict[str, Any]]]) -> None:
        super().__init__(", ".join(key for key, _ in reasons))
        self.reasons = reasons


def _period_check(
    session: Session, parsed: ProgrammeFile, current: Period | None, *, new_period: bool
) -> str | None:
    """The period the file names, if the import is to open it or name the current one."""
    named: str | None = (parsed.programme or {}).get("period") or None
    if new_period:
        if not named:
            raise ImportRefused([("import.new_period_unnamed", {})])
        if current is not None and current.name.lower() == named.lower():
            raise ImportRefused([("import.new_period_same", {"period": current.name})])
        if plan.find_period(session, name=named) is not None:
            raise ImportRefused([("import.period_closed", {"period": named})])
        return named
    if named is None or current is None or current.name.lower() == named.lower():
        return None
    if current.name:
        raise ImportRefused([("import.period_differs", {"period": named, "current": current.name})])
    if plan.find_period(session, name=named) is not None:
        raise ImportRefused([("import.period_closed", {"period": named})])
    return named


def _reused_ids(
    session: Session,
    parsed: ProgrammeFile,
    measures: dict[str, Measure],
    current: Period | None,
    *,
    new_period: bool,
) -> list[tuple[str, dict[str, Any]]]:
    """Ids that an earlier period's measure had and the file gives to a different one: in a
    new period every id it carries over; otherwise a measure that closed with an earlier
    period and is brought back. Different: the titles share less than SAME_MEASURE."""
    found: list[tuple[str, dict[str, Any]]] = []
    for row in parsed.measures:
        measure = measures.get(row.values["id"].lower())
        if measure is None:
            continue
        earlier = new_period
        if not earlier and measure.retired_revision_id is not None and current is not None:
            retired_by = session.get(Revision, measure.retired_revision_id)
            # closed with an earlier period: by its revisions, or by the one opening this
            earlier = retired_by is not None and (
                retired_by.period_id != current.id or retired_by.kind == "new-period"
            )
        title = row.values["title"]
        if earlier and _likeness(measure.title, title) < SAME_MEASURE:
            found.append(
                ("import.id_reused", {"id": measure.code, "old": measure.title, "new": title})
            )
    return found


def _likeness(a: str, b: str) -> float:
    return difflib.SequenceMatcher(
        None, " ".join(a.casefold().split()), " ".join(b.casefold().split())
    ).ratio()


def _retire_and_reinstate(session: Session, parsed: ProgrammeFile, revision: Revision) -> None:
    """Measures the file leaves out are retired, those it lists reinstated; a theme stays in
    force while the file lists it (YAML) or a measure in force belongs to it (so in a CSV,
    which lists no themes, a theme none of whose measures remain is retired)."""
    listed = {row.values["id"].lower() for row in parsed.measures}
    in_use: set[int] = set()
    for measure in session.exec(select(Measure)):
        if measure.code_key in listed:
            in_use.add(measure.theme_id)
            if measure.retired_at is not None:
                plan.reinstate(measure)
                session.add(measure)
        elif measure.retired_at is None:
            plan.retire(measure, revision=revision)
            session.add(measure)
    named = {theme.id.lower() for theme in parsed.themes}
    for theme in session.exec(select(Theme)):
        keep = theme.code_key in named or theme.id in in_use
        if keep and theme.retired_at is not None:
            plan.reinstate(theme)
            session.add(theme)
        elif not keep and theme.retired_at is None:
            plan.retire(theme, revision=revision)
            session.add(theme)
    session.flush()


def read_text(path: Path) -> str:
    """A file to import as text: UTF-8 with or without a BOM, at most SIZE_LIMIT bytes;
    ImportFailed otherwise."""
    with path.open("rb") as file:
        raw = file.read(SIZE_LIMIT + 1)
    if len(raw) > SIZE_LIMIT:
        raise ImportFailed([Problem(1, "-", "import.too_large", {"limit": SIZE_LIMIT // 2**20})])
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as bad:
        line = raw[: bad.start].count(b"\n") + 1
        raise ImportFailed([Problem(line, "-", "import.not_utf8")]) from None


def excel_csv(text: str) -> _csv.Reader:
    """CSV as Excel saves it: `;` where the header has more of them than `,`."""
    header_line = text.split("\n", 1)[0]
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)


def read_programme(path: Path) -> ProgrammeFile:
    suffix = path.suffix.lower()
    if suffix not in (".yaml", ".yml", ".csv"):
        raise ImportFailed([Problem(1, "-", "import.unknown_format")])
    text = read_text(path)
    problems = _Problems()
    parsed = _read_csv(text, problems) if suffix == ".csv" else _read_yaml(text, problems)
    if not problems and not parsed.measures:
        problems.add(1, "-", "import.empty")
    if problems:
        raise ImportFailed(sorted(problems, key=lambda p: p.line))
    return parsed


# --- YAML ---


class _Mapping(dict[Any, Any]):
    line: int = 0
    key_lines: dict[str, int]


class _Refused(yaml.YAMLError):
    """A file this loader will not build: a problem key, its line and values."""

    def __init__(self, key: str, mark: yaml.Mark, **params: Any) -> None:
        super().__init__(key)
        self.problem = Problem(mark.line + 1, "-", key, params)


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that remembers where each mapping and each key stood, notes repeated keys,
    and refuses what would exhaust the machine: aliases expanding past ALIAS_LIMIT values
    (each alias counts the size of what it names) and nesting past DEPTH_LIMIT."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.sizes: dict[int, int] = {}
        self.expanded = 0
        self.depth = 0
        self.repeated: list[Problem] = []

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        # index: a key's node or a position (types-PyYAML says int); peek_event unannotated there
        mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
        if self.check_event(yaml.AliasEvent):
            node = super().compose_node(parent, index)
            self.expanded += self.sizes.get(id(node), 1)
            if self.expanded > ALIAS_LIMIT:
                raise _Refused("import.yaml_aliases", mark, limit=ALIAS_LIMIT)
            return node
        self.depth += 1
        if self.depth > DEPTH_LIMIT:
            raise _Refused("import.too_deep", mark, limit=DEPTH_LIMIT)
        node = super().compose_node(parent, index)
        self.depth -= 1
        children = node.value if isinstance(node, yaml.SequenceNode) else []
        if isinstance(node, yaml.MappingNode):
            children = [child for pair in node.value for child in pair]
        self.sizes[id(node)] = 1 + sum(self.sizes.get(id(child), 1) for child in children)
        return node


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> _Mapping:
    first: dict[str, int] = {}
    for key_node, _ in node.value:  # before merge keys (<<) are flattened in
        key, line = str(key_node.value), key_node.start_mark.line + 1
        if key in first and key != "<<":
            loader.repeated.append(
                Problem(line, key, "import.duplicate_key", {"name": key, "first": first[key]})
            )
        first.setdefault(key, line)
    mapping = _Mapping(loader.construct_mapping(node, deep=True))
    # An unquoted `1.10` is the float 1.1 to YAML: ids and names keep the text as typed.
    for key_node, value_node in node.value:
        if str(key_node.value) in AS_TYPED:
            mapping[key_node.value] = _as_typed(value_node, mapping[key_node.value])
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {str(k.value): k.start_mark.line + 1 for k, _ in node.value}
    return mapping


AS_TYPED = frozenset({"id", "theme", "owner", "deputies", "title", "baseline", "target"})


def _as_typed(node: yaml.Node, value: object) -> object:
    if isinstance(node, yaml.SequenceNode) and isinstance(value, list):
        return [_as_typed(item, v) for item, v in zip(node.value, value, strict=True)]
    if (
        isinstance(node, yaml.ScalarNode)
        and isinstance(value, int | float)
        and not isinstance(value, bool)
    ):
        return node.value
    return value


def _construct_timestamp(loader: _LineLoader, node: yaml.ScalarNode) -> object:
    """A date as YAML reads it; one that does not exist (2026-02-30) as its text, for the
    date check to refuse at its line."""
    try:
        return loader.construct_yaml_timestamp(node)
    except ValueError:
        return node.value


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


def _read_yaml(text: str, problems: _Problems) -> ProgrammeFile:
    loader = _LineLoader(text)
    try:
        document = loader.get_single_data()
    except _Refused as refused:
        problems.append(refused.problem)
        return ProgrammeFile()
    except yaml.YAMLError as bad:
        mark = getattr(bad, "problem_mark", None)
        problem = getattr(bad, "problem", None) or str(bad)
        problems.add(mark.line + 1 if mark else 1, "-", "import.yaml_syntax", problem=problem)
        return ProgrammeFile()
    finally:
        loader.dispose()
    problems.extend(loader.repeated)
    if not isinstance(document, _Mapping):
        problems.add(1, "-", "import.not_mapping")
        return ProgrammeFile()
    parsed = ProgrammeFile()
    programme = document.get("programme")
    if not isinstance(programme, _Mapping | None):
        problems.add(_line_of(document, "programme"), "programme", "import.not_mapping")
    elif programme is not None and (found := problems.entry(ProgrammeIn, programme)):
        parsed.programme, parsed.revision = found.row(), found.revision
    people: dict[str, int] = {}
    for entry in problems.list_of(document, "people"):
        person, known = problems.known(PersonIn, entry)
        if known and problems.first(people, known.id, entry) and person:
            parsed.people[person.id] = person.name
    themes: dict[str, int] = {}
    for entry in problems.list_of(document, "themes"):
        theme, known_theme = problems.known(ThemeIn, entry)
        if known_theme and problems.first(themes, known_theme.id.lower(), entry) and theme:
            parsed.themes.append(theme)
    for entry in problems.list_of(document, "measures"):
        measure = problems.entry(MeasureIn, entry)
        if measure and measure.theme.lower() not in themes:
            line = _line_of(entry, "theme")
            problems.add(line, "theme", "import.unknown_theme", value=measure.theme)
        elif measure:
            parsed.measures.append(MeasureRow.of(measure, entry.line))
    problems.unique_ids(parsed.measures)
    return parsed


def _line_of(mapping: _Mapping, key: str) -> int:
    return mapping.key_lines.get(key, mapping.line)


# --- CSV ---


def _read_csv(text: str, problems: _Problems) -> ProgrammeFile:
    reader = excel_csv(text)
    parsed = ProgrammeFile(create_missing_themes=True)
    try:
        header = [h.strip().lower() for h in next(reader, [])]
        for name in dict.fromkeys(name for name in header if header.count(name) > 1):
            problems.add(1, name, "import.duplicate_key", name=name, first=1)
        for name in header:
            if name not in MEASURE_FIELDS and not APPROPRIATION_COLUMN.match(name):
                problems.add(
                    1, name or "-", "import.unknown_field", fields=", ".join(MEASURE_FIELDS)
                )
        for name in REQUIRED:
            if name not in header:
                problems.add(1, name, "import.required")
        if problems:
            return parsed
        line = reader.line_num + 1
        for cells in reader:
            if any(c.strip() for c in cells):
                if len(cells) != len(header):
                    problems.add(
                        line, "-", "import.csv_columns", count=len(cells), expected=len(header)
                    )
                else:
                    entry = _Mapping(zip(header, cells, strict=True))
                    entry.line, entry.key_lines = line, {}
                    _gather_appropriations(entry)
                    if measure := problems.entry(MeasureIn, entry):
                        parsed.measures.append(MeasureRow.of(measure, line))
            line = reader.line_num + 1
    except csv.Error as bad:
        problems.add(reader.line_num or 1, "-", "import.csv_syntax", problem=str(bad))
    problems.unique_ids(parsed.measures)
    return parsed


def _gather_appropriations(entry: _Mapping) -> None:
    """A row's `appropriation_<year>` cells as the file's mapping of year to amount."""
    years = {
        match[1]: entry.pop(name)
        for name in list(entry)
        if (match := APPROPRIATION_COLUMN.match(str(name)))
    }
    if any(cell.strip() for cell in years.values()):
        entry["appropriations"] = {y: cell for y, cell in years.items() if cell.strip()}


class _Problems(list[Problem]):
    """Every problem of the file, each at its physical line, instead of the first."""

    def add(self, line: int, field_name: str, key: str, **params: Any) -> None:
        self.append(Problem(line, field_name, key, params))

    def entry(self, model: type[Model], entry: _Mapping) -> Model | None:
        found, faults = validate(model, entry)
        for fault in faults:
            line = entry.key_lines.get(fault.field, entry.line)
            self.append(Problem(line, fault.field, fault.key, fault.params))
        return found

    def known(self, model: type[Model], entry: _Mapping) -> tuple[Model | None, Model | None]:
        """The entry, and the entry as far as its required fields go: an id is known (a
        later entry may repeat or name it) even when an optional field is wrong."""
        found = self.entry(model, entry)
        if found is not None:
            return found, found
        fields = model.model_fields
        required = {k: v for k, v in entry.items() if k in fields and fields[k].is_required()}
        return None, validate(model, required)[0]

    def first(self, seen: dict[str, int], key: str, entry: _Mapping) -> bool:
        """Whether this id (folded) is new; a repeat is a problem at its line, not a silent
        overwrite of the first."""
        line = _line_of(entry, "id")
        if key in seen:
            self.add(line, "id", "import.duplicate_id", id=entry["id"], first=seen[key])
            return False
        seen[key] = line
        return True

    def list_of(self, document: _Mapping, name: str) -> list[_Mapping]:
        value = document.get(name)
        if value is None:
            return []
        if not isinstance(value, list):
            self.add(_line_of(document, name), name, "import.not_list")
            return []
        good = [entry for entry in value if isinstance(entry, _Mapping)]
        if len(good) != len(value):
            self.add(_line_of(document, name), name, "import.not_mapping")
        return good

    def unique_ids(self, rows: list[MeasureRow]) -> None:
        seen: dict[str, int] = {}
        for row in rows:
            key = row.values["id"].lower()
            if key in seen:
                self.add(
                    row.line, "id", "import.duplicate_id", id=row.values["id"], first=seen[key]
                )
            else:
                seen[key] = row.line


# --- applying ---


def apply_programme(session: Session, parsed: ProgrammeFile) -> ImportResult:
    """Upsert everything the file holds, in a few bulk queries whatever the programme's size.
    The caller's transaction makes it all or nothing."""
    if parsed.programme:
        programme = session.get(Programme, 1) or Programme(id=1, name="")
        for key, value in parsed.programme.items():
            setattr(programme, key, value)
        session.add(programme)
    people = {p.ref: p for p in session.exec(select(Person))}

    def person(ref: str, name: str | None = None) -> Person:
        found = people.get(ref)
        if found is None:
            found = people[ref] = Person(ref=ref, name=name)
            session.add(found)
        elif name and found.name != name:
            found.name = name
        return found

    for ref, name in parsed.people.items():
        person(ref, name)
    themes: dict[str, Theme] = {t.code_key: t for t in session.exec(select(Theme))}
    for given in parsed.themes:
        theme = themes.get(given.id.lower()) or Theme(
            code=given.id, code_key=given.id.lower(), name=given.name
        )
        theme.code, theme.name = given.id, given.name
        for level in LEVELS:
            setattr(theme, level, getattr(given, level))
        session.add(theme)
        themes[theme.code_key] = theme
    for row in parsed.measures:  # CSV: a theme named but not defined is created, its name its id
        name = row.values["theme"]
        if name.lower() not in themes:
            themes[name.lower()] = Theme(code=name, code_key=name.lower(), name=name)
            session.add(themes[name.lower()])
    for row in parsed.measures:
        person(row.values["owner"])
        for ref in row.deputies:
            person(ref)
    session.flush()  # ids for new themes and people

    measures = {m.code_key: m for m in session.exec(select(Measure))}
    roles: dict[int, list[MeasureRole]] = {}
    for role in session.exec(select(MeasureRole).order_by(col(MeasureRole.position))):
        roles.setdefault(role.measure_id, []).append(role)
    created = updated = unchanged = 0
    pending: list[tuple[Measure, list[tuple[int, str]], bool, bool]] = []
    for row in parsed.measures:
        values = dict(row.values)
        code, theme_name, owner_ref = values.pop("id"), values.pop("theme"), values.pop("owner")
        values["theme_id"] = themes[theme_name.lower()].id
        measure = measures.get(code.lower())
        is_new = measure is None
        if measure is None:
            measure = measures[code.lower()] = Measure(code=code, code_key=code.lower(), **values)
            changed = True
        else:
            changed = measure.code != code or any(
                getattr(measure, k) != v for k, v in values.items()
            )
            measure.code = code
            for key, value in values.items():
                setattr(measure, key, value)
        session.add(measure)
        owner = people[owner_ref]
        wanted = [(owner.id, "owner")] + [
            (people[ref].id, "deputy") for ref in dict.fromkeys(row.deputies) if ref != owner_ref
        ]
        pending.append((measure, wanted, is_new, changed))
    session.flush()  # ids for new measures
    for measure, wanted, is_new, values_changed in pending:
        existing = roles.get(measure.id, [])
        changed = (
            crud.replace_roles(session, measure_id=measure.id, wanted=wanted, existing=existing)
            or values_changed
        )
        created += is_new
        updated += changed and not is_new
        unchanged += not changed
    session.flush()
    return ImportResult(themes=len(themes), created=created, updated=updated, unchanged=unchanged)


def add_example_updates(session: Session, path: Path) -> int:
    """The demo's synthetic history (storage/example_updates.yaml), dated back from today."""
    from datetime import timedelta

    from storage.models import utcnow

    now = utcnow()
    rows = yaml.safe_load(path.read_text(encoding="utf-8"))
    for row in rows:
        measure = crud.find_measure(session, code=row["measure"])
        assert measure is not None, row["measure"]  # the example's measures are the demo's
        crud.append_update(
            session, measure_id=measure.id, author=row["author"], status=row["status"],
            progress=row.get("progress"), note=row.get("note", ""), source="cli",
            created_at=now - timedelta(days=row["days_ago"]),
        )  # fmt: skip
    return len(rows)
