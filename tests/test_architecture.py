"""The picture in ARCHITECTURE.md stays true: no import cycles in the package (imports inside functions count),
and every fault name the reference switches on is declared."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from conformance.reference import all_faults

PACKAGE = Path(__file__).resolve().parents[1] / "conformance"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, *([node.module] if node.module else [])])
                for alias in node.names:
                    target = f"{base}.{alias.name}"
                    found.add(target if target in modules else base)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
        graph[name] = {m for m in found if m in modules and m != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_the_package_has_no_import_cycles() -> None:
    assert cycles(import_graph()) == []


def test_cycle_detection_sees_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_every_fault_switch_in_the_reference_is_declared() -> None:
    declared = set(all_faults())
    used = set()
    for path in (PACKAGE / "reference").rglob("*.py"):
        used |= set(re.findall(r"\.fault\(\s*\"([^\"]+)\"", path.read_text(encoding="utf-8")))
    assert used, "no fault switches found: the pattern no longer matches the reference's code"
    assert used - declared == set()


SUITE = PACKAGE / "suite"
MAX_SUITE_LINES = 400


def imported_modules(path: Path) -> set[str]:
    """Every module an import statement in this file names (absolute form), inside functions too."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def imports_of_test_modules(path: Path) -> list[str]:
    return sorted(m for m in imported_modules(path) if m.rsplit(".", 1)[-1].startswith("test_"))


def test_no_suite_module_imports_a_test_module() -> None:
    """Shared helpers live in suite/support/ and shared fixtures in suite/conftest.py, never in a test module."""
    offenders = {str(p.relative_to(SUITE)): imports_of_test_modules(p) for p in SUITE.rglob("*.py")}
    assert {name: found for name, found in offenders.items() if found} == {}


def test_the_test_module_import_check_sees_one(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("from conformance.suite.test_tiers_crud import x\nimport conformance.suite.test_sdk\n")
    assert imports_of_test_modules(module) == ["conformance.suite.test_sdk", "conformance.suite.test_tiers_crud"]


def test_no_suite_file_is_above_400_lines() -> None:
    sizes = {str(p.relative_to(SUITE)): len(p.read_text(encoding="utf-8").splitlines()) for p in SUITE.rglob("*.py")}
    assert {name: lines for name, lines in sizes.items() if lines > MAX_SUITE_LINES} == {}
