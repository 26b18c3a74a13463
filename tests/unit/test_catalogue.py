"""The fault catalogue is the one table: each entry's evidence is what its detector
writes, its thresholds are real profile ramps, and its exercises are where it is judged."""

from __future__ import annotations

import math
from dataclasses import fields, replace

import pytest
from hingecheck.analysis.catalogue import (
    CATALOGUE,
    EVIDENCE,
    FAULTS,
    RAMP_FIELDS,
    FaultKind,
    references,
)
from hingecheck.analysis.faults import DETECTORS, FAULT_THRESHOLD, detect_faults
from hingecheck.analysis.measures import RepMeasures
from hingecheck.analysis.profiles import PROFILES, ExerciseProfile, Ramp, get_profile
from hingecheck.vocab import Exercise, FaultName


def _measures(**values: float | bool) -> RepMeasures:
    """A full rep whose every number is ``nan`` unless given."""
    base: dict[str, float | bool | int] = {
        f.name: math.nan for f in fields(RepMeasures)}
    base.update(index=0, start_s=0.0, bottom_s=1.0, end_s=2.0, down_s=1.0, up_s=1.0,
                partial=False, back_measured_share=1.0, back_impossible=False,
                confidence=0.9)
    base.update(values)
    return RepMeasures(**base)  # type: ignore[arg-type]


# Every number a detector reads, at a value that calls every fault under every profile.
WORST = _measures(peak_hip_flexion_deg=10.0, knee_flexion_at_bottom_deg=150.0,
                  trunk_at_bottom_deg=0.0, shin_at_bottom_deg=40.0, hip_back_ratio=-0.5,
                  hip_drop_ratio=0.5, knee_forward_ratio=0.8, lockout_trunk_deg=-40.0,
                  neck_flexion_at_bottom_deg=30.0, back_bulge=0.2,
                  back_bulge_on_the_way=0.2, shoulder_over_hip_rise=0.0,
                  trunk_change_first_pull_deg=20.0, down_s=0.2, up_s=2.0)


def test_every_fault_has_one_entry_and_one_detector() -> None:
    assert [k.name for k in FAULTS] == list(CATALOGUE)
    assert set(CATALOGUE) == set(FaultName) == set(DETECTORS)


@pytest.mark.parametrize("kind", FAULTS, ids=lambda k: str(k.name))
def test_an_entrys_thresholds_are_ramps_of_the_profiles_on_its_own_evidence(
        kind: FaultKind) -> None:
    keys = [m.key for m in kind.evidence]
    assert len(keys) == len(set(keys))
    for t in kind.thresholds:
        assert t.evidence in keys and t.ramp in RAMP_FIELDS, t
    assert set(kind.requires) <= RAMP_FIELDS
    assert kind.exercises, "a fault judged on no exercise"


@pytest.mark.parametrize("exercise", list(Exercise))
def test_detectors_write_what_the_catalogue_says_and_only_where_it_applies(
        exercise: Exercise) -> None:
    profile = get_profile(exercise)
    # Locked knees and a squat read the knee at opposite ends: one rep for each.
    straight = replace(WORST, knee_flexion_at_bottom_deg=0.0)
    called = {f.name: f for m in (WORST, straight)
              for f in detect_faults(m, profile, 0.0, 0.0)}
    applies = {k.name for k in FAULTS if exercise in k.exercises}
    assert set(called) <= applies
    for name, fault in called.items():
        assert list(fault.evidence) == [m.key for m in CATALOGUE[name].evidence]
    # Where it applies, each fault is called on the worst rep (none hides behind another).
    assert set(called) == applies


def test_a_fault_without_its_ramp_is_not_judged() -> None:
    rdl = PROFILES[Exercise.RDL]
    tempo = CATALOGUE[FaultName.ASYMMETRIC_TEMPO]
    assert Exercise.RDL in tempo.exercises and Exercise.DEADLIFT not in tempo.exercises
    no_tempo: ExerciseProfile = replace(rdl, tempo_ratio=None)
    assert not tempo.applies_to(no_tempo)
    names = {f.name for f in detect_faults(WORST, no_tempo, 0.0, 0.0)}
    assert FaultName.ASYMMETRIC_TEMPO not in names
    assert FaultName.ASYMMETRIC_TEMPO not in {r.fault for r in references(no_tempo)}


def test_references_read_the_profiles_ramps() -> None:
    for exercise, profile in PROFILES.items():
        for ref in references(profile):
            kind = CATALOGUE[ref.fault]
            ramp = next(getattr(profile, t.ramp) for t in kind.thresholds
                        if t.evidence == ref.evidence)
            assert isinstance(ramp, Ramp) and (ramp.ok, ramp.bad) == (ref.ok, ref.bad)
            # Half way along the ramp the fault is called.
            assert ramp((ref.ok + ref.bad) / 2) == pytest.approx(FAULT_THRESHOLD), exercise


def test_evidence_words_are_the_catalogues() -> None:
    assert EVIDENCE["knee_flexion_deg"] == ("knee bend at the bottom", "°")
    assert set(EVIDENCE) == {m.key for k in FAULTS for m in k.evidence}


def test_a_bad_exercise_from_outside_is_a_clear_error() -> None:
    with pytest.raises(KeyError, match="choose one of rdl, deadlift"):
        get_profile("bench_press")
    assert get_profile("rdl") is PROFILES[Exercise.RDL]
