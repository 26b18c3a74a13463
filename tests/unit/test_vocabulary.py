"""Each word of hingecheck's vocabulary is spelled once, in ``hingecheck.vocab``.

The exercises, the fault names, the job states and the output files are enums there;
anywhere else in the code (Python and the coach page's scripts) they are used through
the enum, never as a string literal. Docstrings, comments and the database migrations
(history, frozen as written) are not code that decides anything and are not read here.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from hingecheck.vocab import (
    ENDED_STATUSES,
    Exercise,
    ExerciseChoice,
    FaultName,
    JobStatus,
    OutputKind,
)

ROOT = Path(__file__).resolve().parents[2]
CODE = [ROOT / "shared" / "hingecheck", ROOT / "services"]
HOME = ROOT / "shared" / "hingecheck" / "vocab.py"
MIGRATIONS = ROOT / "shared" / "hingecheck" / "jobs" / "migrations"

WORDS: dict[str, str] = {
    **{e.value: "Exercise" for e in Exercise},
    **{f.value: "FaultName" for f in FaultName},
    **{s.value: "JobStatus" for s in JobStatus},
    **{k.file_name: "OutputKind" for k in OutputKind},
}
# In the page's scripts the words that are also ordinary English ("running", "failed")
# appear in text shown to people; the exercise and fault names and file names do not.
PAGE_WORDS = {w: home for w, home in WORDS.items() if home != "JobStatus"}


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of the string constants that are docstrings."""
    ids: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def _python_files() -> list[Path]:
    return [p for root in CODE for p in sorted(root.rglob("*.py"))
            if p != HOME and MIGRATIONS not in p.parents]


def _literals(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(), str(path))
    skip = _docstrings(tree)
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and id(node) not in skip and node.value in WORDS]


def test_the_enums_hold_what_they_promise() -> None:
    assert {c.value for c in ExerciseChoice} == {e.value for e in Exercise} | {"auto"}
    assert ExerciseChoice.AUTO.exercise is None
    assert all(ExerciseChoice(e.value).exercise is e for e in Exercise)
    assert {s for s in JobStatus if s.ended} == set(ENDED_STATUSES)
    assert len({k.file_name for k in OutputKind}) == len(OutputKind)


def test_no_word_of_the_vocabulary_is_spelled_outside_its_home() -> None:
    found = [f"{path.relative_to(ROOT)}:{line}: {word!r} (use {WORDS[word]})"
             for path in _python_files() for line, word in _literals(path)]
    assert not found, "\n".join(found)


def test_the_page_takes_its_words_from_the_api() -> None:
    static = ROOT / "services" / "results" / "static"
    scripts = sorted(static.glob("*.js")) + sorted(static.glob("*.html"))
    if not scripts:
        pytest.skip("no page scripts")
    words = "|".join(map(re.escape, PAGE_WORDS))
    pattern = re.compile(rf"""["'`]({words})["'`]""")
    found = [f"{path.relative_to(ROOT)}:{n}: {m.group(1)!r}"
             for path in scripts for n, line in enumerate(path.read_text().splitlines(), 1)
             for m in pattern.finditer(line)]
    assert not found, "\n".join(found)


def test_the_check_finds_a_word_spelled_by_hand(tmp_path: Path) -> None:
    # The check above must be able to fail: a module that names an exercise by hand.
    sample = tmp_path / "sample.py"
    sample.write_text('"""doc: rdl"""\nPROFILE = "rdl"\nSTATE = "queued"\n')
    assert [w for _, w in _literals(sample)] == ["rdl", "queued"]
