"""Dependencies flow one way: connectors -> guardrails -> indexing -> assistant -> ui; eval last."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ORDER = ["connectors", "guardrails", "indexing", "assistant", "ui", "eval"]
# eval measures the assistant but is reached from the CLI through plain callables only.
ALLOWED_EXTRA = {("assistant", "eval")}


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names & set(ORDER)


@pytest.mark.parametrize("package", ORDER)
def test_no_package_imports_one_to_its_right(package: str) -> None:
    right = set(ORDER[ORDER.index(package) + 1 :])
    offenders = [
        f"{path.relative_to(ROOT)} -> {target}"
        for path in sorted((ROOT / package).rglob("*.py"))
        for target in imported_packages(path) & right
        if (package, target) not in ALLOWED_EXTRA
    ]
    assert offenders == []


def test_eval_does_not_import_the_assistant() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "eval").rglob("*.py")
        if imported_packages(path) & {"assistant", "indexing", "ui"}
    ]
    assert offenders == []
