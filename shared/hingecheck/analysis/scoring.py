"""Scores a coach can follow: each rep starts at 100 and each fault costs its weight times
its severity (the weights are in ``catalogue.py``; docs/scoring.md explains them)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from hingecheck.analysis.catalogue import FAULT_WEIGHTS
from hingecheck.analysis.faults import Fault

__all__ = [
    "FAULT_WEIGHTS",
    "GRADES",
    "GRADE_MEANING",
    "ClipScore",
    "Grade",
    "clip_score",
    "grade",
    "rep_score",
]
Grade = Literal["A", "B", "C", "D"]
# Grades by clip score.
GRADES: tuple[tuple[float, Grade], ...] = ((90.0, "A"), (75.0, "B"), (60.0, "C"), (0.0, "D"))
GRADE_MEANING: dict[Grade, str] = {
    "A": "a sound hinge",
    "B": "a good hinge with one thing to fix",
    "C": "the pattern needs work",
    "D": "relearn the hinge before adding load",
}


def rep_score(faults: list[Fault]) -> float:
    """100 minus each fault's weight × severity, never below 0."""
    cost = sum(FAULT_WEIGHTS[f.name] * f.severity for f in faults)
    return round(max(0.0, 100.0 - cost), 1)


def grade(score: float) -> Grade:
    return next(letter for floor, letter in GRADES if score >= floor)


@dataclass(frozen=True)
class ClipScore:
    score: float | None
    grade: Grade | None
    reason: str


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def clip_score(rep_scores: list[float], partial: list[bool], side_view_ok: bool,
               view_message: str, rep_faults: list[list[str]] | None = None) -> ClipScore:
    """The clip's score and grade, and the reason in words.

    The score is the mean of the full reps (all reps if every one is partial). A mean hides
    a bad tail (three clean reps and two rounded ones average a B), so the grade is held to
    at most one letter better than the worst full rep's own grade, and the reason says how
    many reps showed each fault (``rep_faults``: each rep's fault labels). A clip filmed too
    far from a side view, or without reps, gets no score and a reason.
    """
    if not side_view_ok:
        return ClipScore(None, None, f"not scored: {view_message}")
    if not rep_scores:
        return ClipScore(None, None, "not scored: no hinge repetition was found; film at "
                                     "least one full rep, the whole body in frame")
    chosen = [not p for p in partial] if not all(partial) else [True] * len(partial)
    full = [s for s, keep in zip(rep_scores, chosen, strict=True) if keep]
    score = round(float(np.mean(full)), 1)
    letters = [letter for _, letter in GRADES]
    worst = min(full)
    held = letters[max(letters.index(grade(score)), letters.index(grade(worst)) - 1)]
    parts = [f"mean of {_plural(len(full), 'rep')}"]
    if rep_faults is not None:
        chosen_faults = [f for f, keep in zip(rep_faults, chosen, strict=True) if keep]
        counts: dict[str, int] = {}
        for labels in chosen_faults:
            for label in dict.fromkeys(labels):
                counts[label] = counts.get(label, 0) + 1
        parts += [f"{label}: {n} of {len(full)}" for label, n in counts.items()]
    if held != grade(score):
        parts.append(f"grade held to {held} by its worst rep ({worst:g})")
    return ClipScore(score, held, f"{'; '.join(parts)}: {GRADE_MEANING[held]}")
