"""The test habits hold: no importorskip of the project's own modules or of dev dependencies, and no assertion
hidden behind an ``if`` (a branch that is not taken makes the test unable to fail)."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent
OWN_OR_DEV = ("commandcenter", "widgets", "devices", "tests", "pytestqt")


def _sources() -> list[tuple[Path, ast.Module]]:
    return [(p, ast.parse(p.read_text(encoding="utf-8"), str(p))) for p in sorted(TESTS.rglob("*.py"))]


def test_no_importorskip_of_own_modules_or_dev_dependencies() -> None:
    found = []
    for path, tree in _sources():
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "importorskip" and node.args
                    and isinstance(node.args[0], ast.Constant) and str(node.args[0].value).startswith(OWN_OR_DEV)):
                found.append(f"{path.relative_to(TESTS)}:{node.lineno} importorskip({node.args[0].value!r})")
    assert not found, "import them plainly:\n" + "\n".join(found)


def test_no_assertion_is_guarded_by_an_if() -> None:
    found: list[str] = []

    def visit(path: Path, node: ast.AST, guard: int | None) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Assert) and guard is not None:
                found.append(f"{path.relative_to(TESTS)}:{child.lineno} (if on line {guard})")
            inner = guard
            if isinstance(child, ast.If):
                inner = child.lineno
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                inner = None
            visit(path, child, inner)

    for path, tree in _sources():
        visit(path, tree, None)
    assert not found, "assert the condition itself or make the test deterministic:\n" + "\n".join(found)
