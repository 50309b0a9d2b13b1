"""Packaging: declared dependencies, their tested minimums, version, license, typing marker."""
import ast
import re
import sys
from pathlib import Path

import pytest

import skdeep

tomllib = pytest.importorskip("tomllib")  # Python >= 3.11

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
# distribution name -> import name, for the run-time dependencies
IMPORT_NAMES = {"scikit-learn": "sklearn"}


def _requirements():
    reqs = {}
    for spec in PYPROJECT["project"]["dependencies"]:
        m = re.fullmatch(r"([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?\s*>=\s*([0-9][0-9.]*)", spec)
        assert m, f"dependency {spec!r} should read 'name>=minimum'"
        reqs[m.group(1).lower()] = m.group(2)
    return reqs


def _module_level_imports(path):
    # imports executed when the module is imported: the module body and its
    # top-level if/else blocks, but not function bodies or try blocks (how the
    # optional extras are imported)
    tree = ast.parse(path.read_text(), filename=str(path))
    found, stack = [], list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Import):
            found += [a.name.split(".")[0] for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            found.append(node.module.split(".")[0])
        elif isinstance(node, ast.If):
            stack += node.body + node.orelse
    return found


def test_distribution_name_is_not_the_taken_one():
    # ``skdeep`` on the package index is an unrelated project
    assert PYPROJECT["project"]["name"] == "scikit-deep"
    readme = (ROOT / "README.md").read_text()
    assert "scikit-deep" in readme


def test_every_module_level_import_is_declared():
    runtime = {IMPORT_NAMES.get(name, name) for name in _requirements()}
    # scipy comes with scikit-learn (a hard dependency of it)
    allowed = runtime | set(sys.stdlib_module_names) | {"skdeep", "scipy"}
    undeclared = {}
    for path in (ROOT / "skdeep").rglob("*.py"):
        for name in _module_level_imports(path):
            if name not in allowed:
                undeclared.setdefault(name, []).append(str(path.relative_to(ROOT)))
    assert not undeclared, ("imported at module level but not a run-time dependency "
                            f"(declare it, or import it lazily as an extra): {undeclared}")


def test_minimum_constraints_pin_the_declared_minimums():
    pins = {}
    for line in (ROOT / ".ci" / "constraints-min.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, version = line.split("==")
            pins[name.strip().lower()] = version.strip()
    reqs = _requirements()
    for name, minimum in reqs.items():
        assert name in pins, f"{name} has no pin in .ci/constraints-min.txt"
        assert pins[name] == minimum or pins[name].startswith(minimum + "."), (
            f"{name}: declared >={minimum} but the minimum tested is {pins[name]}")


def test_version_single_source():
    assert PYPROJECT["project"]["dynamic"] == ["version"]
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {
        "attr": "skdeep.__version__"}
    assert re.fullmatch(r"\d+\.\d+\.\d+((a|b|rc)\d+|\.dev\d+)?", skdeep.__version__)
    assert "## " in (ROOT / "CHANGELOG.md").read_text()


def test_license_and_typing_marker_ship():
    assert "BSD 3-Clause" in (ROOT / "LICENSE").read_text()
    assert (ROOT / "skdeep" / "py.typed").exists()
    assert "py.typed" in PYPROJECT["tool"]["setuptools"]["package-data"]["skdeep"]
