"""What a fresh install needs is declared: every library the code imports is a dependency of
its own (not one that happens to come along with another), and CI waits for the right
PostgreSQL."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

from tests.conftest import ROOT

OURS = {"bot", "handlers", "storage", "tests", "bench"}


def _name(requirement: str) -> str:
    return re.sub(r"[-_.]+", "-", re.match(r"[A-Za-z0-9_.-]+", requirement)[0]).lower()


def _declared(*extras: str) -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = project["dependencies"] + [
        r for extra in extras for r in project["optional-dependencies"][extra]
    ]
    return {_name(r) for r in requirements}


def _imported(*folders: str) -> dict[str, Path]:
    """Top-level modules imported anywhere in these folders (inside functions too)."""
    found: dict[str, Path] = {}
    for folder in folders:
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    found.setdefault(name.partition(".")[0], path.relative_to(ROOT))
    return {
        top: path
        for top, path in found.items()
        if top not in sys.stdlib_module_names and top not in OURS and top != "__future__"
    }


def _undeclared(imported: dict[str, Path], declared: set[str]) -> list[str]:
    providers = packages_distributions()
    return [
        f"{top} ({path})"
        for top, path in sorted(imported.items())
        if not declared & {_name(dist) for dist in providers.get(top, [top])}
    ]


def test_every_library_the_bot_imports_is_a_declared_dependency() -> None:
    assert _undeclared(_imported("bot", "handlers", "storage"), _declared()) == []


def test_every_library_the_tests_import_is_declared_for_them() -> None:
    assert _undeclared(_imported("tests", "bench"), _declared("test")) == []


def test_ci_waits_for_postgresql_on_the_port_it_then_uses() -> None:
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    waits = [n for n, line in enumerate(script) if "pg_isready" in line]
    port_set = next(n for n, line in enumerate(script) if line.startswith("port="))
    assert waits
    assert all('-p "$port"' in script[n] for n in waits), [script[n] for n in waits]
    assert port_set < waits[0]
