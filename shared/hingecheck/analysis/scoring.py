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


def clip_score(rep_scores: list[float], partial: list[bool], side_view_ok: bool,
               view_message: str) -> ClipScore:
    """The clip's score: the mean of its full reps (all reps if every one is partial).

    A clip filmed too far from a side view, or without reps, gets no score and a reason.
    """
    if not side_view_ok:
        return ClipScore(None, None, f"not scored: {view_message}")
    if not rep_scores:
        return ClipScore(None, None, "not scored: no hinge repetition was found; film at "
                                     "least one full rep, the whole body in frame")
    full = [s for s, p in zip(rep_scores, partial, strict=True) if not p] or rep_scores
    score = round(float(np.mean(full)), 1)
    letter = grade(score)
    return ClipScore(score, letter, f"mean of {len(full)} rep(s): {GRADE_MEANING[letter]}")
