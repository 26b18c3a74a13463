"""Imports run one way: down the data flow, never up (DESIGN.md, "Data flow").

Reads every module of shared/hingecheck with ``ast`` (nothing is imported), including
imports inside functions, and checks the rules the layout depends on.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2] / "shared" / "hingecheck"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(source: str, module: str, is_package: bool = False) -> set[str]:
    """Every hingecheck module that ``module`` (its ``source``) imports, absolute or
    relative, at any depth (inside functions too)."""
    tree = ast.parse(source)
    package = module.split(".") if is_package else module.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([*package[:len(package) - node.level + 1], base]).strip(".")
            found.add(base)
            # ``from hingecheck.analysis import silhouette`` imports a module too.
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {name for name in found if name == "hingecheck" or name.startswith("hingecheck.")}


GRAPH: dict[str, set[str]] = {
    _module_name(p): _imports(p.read_text(encoding="utf-8"), _module_name(p),
                              p.name == "__init__.py")
    for p in ROOT.rglob("*.py")}


def _within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def _reach(start: str) -> set[str]:
    """The hingecheck modules importing ``start`` loads, itself and its packages included."""
    seen: set[str] = set()
    todo = [start]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        parts = name.split(".")
        # Importing a.b.c runs a/__init__ and a/b/__init__ first.
        todo.extend(".".join(parts[:i]) for i in range(1, len(parts)))
        todo.extend(m for m in GRAPH.get(name, ()) if m in GRAPH)
    return seen


def test_the_graph_was_read() -> None:
    assert "hingecheck.settings" in GRAPH and "hingecheck.analysis.faults" in GRAPH
    assert "hingecheck.analysis.kinematics" in GRAPH["hingecheck.analysis.measures"]


def test_settings_load_nothing_of_pose() -> None:
    """Reading the settings must not load numpy or set ultralytics' variables (pose/)."""
    loaded = _reach("hingecheck.settings")
    assert not [m for m in loaded if _within(m, "hingecheck.pose")], sorted(loaded)


@pytest.mark.parametrize("forbidden", ["video", "pose", "render", "storage", "jobs",
                                       "backshape", "pipeline", "assemble", "settings"])
def test_analysis_imports_no_io(forbidden: str) -> None:
    upward = {mod: sorted(m for m in imports if _within(m, f"hingecheck.{forbidden}"))
              for mod, imports in GRAPH.items() if _within(mod, "hingecheck.analysis")}
    assert not {mod: found for mod, found in upward.items() if found}


def test_vocab_imports_nothing_of_hingecheck() -> None:
    assert GRAPH["hingecheck.vocab"] == set()


def test_the_reader_sees_each_form_of_import() -> None:
    source = ("import hingecheck.video\n"
              "from . import render\n"
              "from ..pose.track import PoseTrack\n"
              "def f():\n    from hingecheck.storage import local\n"
              "import numpy\n")
    found = _imports(source, "hingecheck.analysis.x")
    assert {"hingecheck.video", "hingecheck.analysis.render", "hingecheck.pose.track",
            "hingecheck.storage.local"} <= found
    assert not any(m.startswith("numpy") for m in found)
