"""The house rules hold: modules of at most 500 lines, flow functions of at most 60, imports
pointing down only (flows → tasks → csreview) with no cycle, and analysis free of language.

Read from the source with `ast`, so a change that breaks a rule fails the fast tests."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
PACKAGES = ("csreview", "tasks", "flows", "expectations")
LAYER = {"csreview": 0, "expectations": 1, "tasks": 2, "flows": 3}
MAX_MODULE_LINES = 500
MAX_FLOW_FUNCTION_LINES = 60
LANGUAGE_ARGUMENTS = frozenset({"language", "lang", "locale", "formatter", "words", "wording"})


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    return {
        module_name(p): p
        for package in PACKAGES
        for p in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in p.parts
    }


@cache
def tree(name: str) -> ast.Module:
    return ast.parse(modules()[name].read_text("utf-8"))


def imports(name: str) -> set[str]:
    """The product modules NAME imports (a package's `X` of `from package import X` included)."""
    found = set()
    for node in ast.walk(tree(name)):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            candidates = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
        elif isinstance(node, ast.Import):
            candidates = [a.name for a in node.names]
        else:
            continue
        found |= {c for c in candidates if c in modules() and c != name}
    return found


def is_rendering(name: str) -> bool:
    return name.startswith("tasks.render") or name.startswith("tasks.deliver")


@pytest.mark.parametrize("name", sorted(modules()))
def test_a_module_holds_at_most_500_lines(name: str) -> None:
    lines = len(modules()[name].read_text("utf-8").splitlines())
    assert lines <= MAX_MODULE_LINES, f"{name}: {lines} lines"


def test_no_flow_function_is_longer_than_60_lines() -> None:
    long = [
        f"{name}.{node.name}: {node.end_lineno - node.lineno + 1}"
        for name in modules()
        if name.startswith("flows")
        for node in ast.walk(tree(name))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > MAX_FLOW_FUNCTION_LINES
    ]
    assert long == []


def test_imports_point_down_only() -> None:
    upward = [
        f"{name} → {dependency}"
        for name in modules()
        for dependency in imports(name)
        if LAYER[dependency.split(".")[0]] > LAYER[name.split(".")[0]]
    ]
    assert upward == []


def test_there_is_no_import_cycle() -> None:
    graph = {name: imports(name) for name in modules()}
    done: set[str] = set()

    def cycle_from(name: str, path: tuple[str, ...]) -> tuple[str, ...] | None:
        if name in path:
            return (*path[path.index(name) :], name)
        if name in done:
            return None
        for dependency in sorted(graph[name]):
            found = cycle_from(dependency, (*path, name))
            if found:
                return found
        done.add(name)
        return None

    cycles = [c for name in sorted(graph) if (c := cycle_from(name, ()))]
    assert cycles == []


def test_analysis_takes_no_language_and_imports_no_rendering() -> None:
    analysis = [n for n in modules() if n.startswith("tasks") and not is_rendering(n)]
    taking = [
        f"{name}.{node.name}"
        for name in analysis
        for node in ast.walk(tree(name))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and LANGUAGE_ARGUMENTS & {a.arg for a in (*node.args.args, *node.args.kwonlyargs)}
    ]
    rendering = [
        f"{name} → {dependency}"
        for name in analysis
        for dependency in imports(name)
        if is_rendering(dependency) or dependency == "csreview.i18n"
    ]
    assert (taking, rendering) == ([], [])


def test_the_rules_see_the_modules_they_judge() -> None:
    """A rule over no modules would pass whatever the code: each layer is found, and the
    renderer's own formatter does take a language (what the analysis rule would catch)."""
    assert {name.split(".")[0] for name in modules()} == set(PACKAGES)
    assert "flows.review" in modules() and "tasks.fishbone.people" in modules()
    formatter = next(
        node
        for node in ast.walk(tree("tasks.render.formatting"))
        if isinstance(node, ast.ClassDef) and node.name == "Formatter"
    )
    assert "language" in {
        n.target.id
        for n in formatter.body
        if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)
    }
