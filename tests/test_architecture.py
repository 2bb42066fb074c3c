"""The house rules: widgets → commandcenter → devices; devices have no Qt; the core has no QtWidgets/QtGui."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return found


RULES = {
    "devices": ("PySide6", "shiboken6", "pyqtgraph", "commandcenter", "widgets", "sqlalchemy"),
    "commandcenter": ("PySide6.QtWidgets", "PySide6.QtGui", "pyqtgraph", "widgets"),
}


@pytest.mark.parametrize("package", sorted(RULES))
def test_package_imports_respect_the_layers(package: str) -> None:
    violations = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for line, name in _imports(path):
            if any(name == bad or name.startswith(bad + ".") for bad in RULES[package]):
                violations.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    assert not violations, "\n".join(violations)


def test_widgets_never_talk_to_devices() -> None:
    violations = [f"{p.relative_to(ROOT)}:{line} imports {name}"
                  for p in sorted((ROOT / "widgets").rglob("*.py"))
                  for line, name in _imports(p) if name == "devices" or name.startswith("devices.")]
    assert not violations, "\n".join(violations)


def test_import_linter_contracts_hold() -> None:
    exe = Path(sys.executable).parent / "lint-imports"
    if not exe.exists():
        pytest.skip("import-linter is not installed in this environment")
    result = subprocess.run([str(exe), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


HOUSE = {"commandcenter", "widgets", "devices", "resources", "layouts", "tests", "bench", "pyproject.toml",
         "README.md", ".ci"}
# Beside the house: the Makefile behind the README's two commands, git's own file, the docs for newcomers.
ALSO_ALLOWED = {"Makefile", ".gitignore", "docs", "CONTRIBUTING.md"}


def test_top_level_layout_is_the_house_layout() -> None:
    for name in (*HOUSE, ".ci/run"):
        assert (ROOT / name).exists(), f"{name} is missing from the top level"
    result = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        pytest.skip("not a git checkout")
    top = {line.split("/", 1)[0] for line in result.stdout.splitlines() if line}
    assert top <= HOUSE | ALSO_ALLOWED, f"unexpected top-level entries: {sorted(top - HOUSE - ALSO_ALLOWED)}"


def test_only_the_cli_opens_the_demo_wing_and_only_lazily() -> None:
    """Production code never imports commandcenter.demo; the CLI's demo entry does, inside a function, so a
    real deployment never even loads the simulators (import-linter checks the same from the other side)."""
    violations = []
    for package in ("commandcenter", "widgets", "devices"):
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT)
            if rel.parts[:2] == ("commandcenter", "demo"):
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
            in_functions = {node.lineno for fn in ast.walk(tree) if isinstance(fn, ast.FunctionDef)
                            for node in ast.walk(fn) if isinstance(node, ast.Import | ast.ImportFrom)}
            for line, name in _imports(path):
                if name == "commandcenter.demo" or name.startswith("commandcenter.demo."):
                    if not (rel.as_posix() == "commandcenter/cli.py" and line in in_functions):
                        violations.append(f"{rel}:{line} imports {name}")
    assert not violations, "\n".join(violations)


def test_newcomers_find_the_architecture_page() -> None:
    """docs/architecture.md draws the data flow and the composition; CONTRIBUTING.md points to it."""
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    for layer in ("devices/", "DeviceManager", "fix chain", "single writer", "build(config) -> Services", "widgets/"):
        assert layer in page, f"docs/architecture.md does not mention {layer}"
    assert "```mermaid" in page, "the data-flow picture is missing"
    assert "docs/architecture.md" in (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
