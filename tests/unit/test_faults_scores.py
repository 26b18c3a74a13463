"""Faults firing and not firing, cues, and scores, on sequences with known answers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np
import pytest
from hingecheck.analysis.catalogue import CATALOGUE, CUES, FAULT_LABELS, FAULT_WEIGHTS
from hingecheck.analysis.faults import (
    EVIDENCE,
    Fault,
    RepFaults,
    assign_cues,
    combine,
    references,
    speaks_alone,
)
from hingecheck.analysis.profiles import PROFILES, Ramp, get_profile
from hingecheck.analysis.report import HingeReport, analyse
from hingecheck.analysis.scoring import clip_score, grade, rep_score
from hingecheck.analysis.silhouette import PROFILE_STEPS, median_profile_bulge, profile_positions
from hingecheck.synth.body import PoseAngles
from hingecheck.synth.motion import RepPlan, Timeline
from hingecheck.vocab import Exercise, ExerciseChoice, FaultName

from tests.unit.kinematic_model import (
    RDL_BOTTOM,
    SQUAT_BOTTOM,
    STANDING,
    project,
    rep,
    sequence,
)

STEPS = PROFILE_STEPS


def _flat_backs(n: int) -> np.ndarray:
    return np.tile(np.full(STEPS, 0.3), (n, 1))


def _arched(bend_deg: float) -> np.ndarray:
    """A back profile bent through ``bend_deg`` (chord lengths above the chord)."""
    s = profile_positions()
    sagitta = np.radians(bend_deg) / 8.0
    arched: np.ndarray = 0.3 + 4.0 * sagitta * s * (1.0 - s)
    return arched


# Back profiles (n, STEPS) for the sample times and the true timeline.
BackMaker = Callable[[np.ndarray, Timeline], np.ndarray]


def _run(reps: list[RepPlan], *, exercise: Exercise | ExerciseChoice = Exercise.RDL,
         backs: BackMaker | None = None, top: PoseAngles = STANDING,
         side_view_ok: bool = True) -> HingeReport:
    times, xy, conf, timeline = sequence(reps, top=top)
    heights = _flat_backs(len(times)) if backs is None else backs(times, timeline)
    return analyse(times, xy, conf, "right", heights, exercise=exercise,
                   side_view_ok=side_view_ok, view_message="the camera is 50° off")


def _names(report: HingeReport) -> list[set[str]]:
    return [{f.name for f in r.faults} for r in report.reps]


def test_a_good_rdl_has_no_faults_and_scores_100() -> None:
    report = _run([rep(RDL_BOTTOM)] * 3)
    assert _names(report) == [set(), set(), set()]
    assert report.score.score == 100.0 and report.score.grade == "A"


def test_squat_substitution_fires_on_squats_not_on_hinges() -> None:
    report = _run([rep(RDL_BOTTOM), rep(SQUAT_BOTTOM), rep(RDL_BOTTOM)])
    assert _names(report) == [set(), {"squat_substitution"}, set()]
    fault = report.reps[1].faults[0]
    assert fault.evidence["knee_flexion_deg"] == pytest.approx(95.0, abs=2.0)
    assert fault.start_s < report.reps[1].measures.bottom_s < fault.end_s
    assert fault.cue == CUES[FaultName.SQUAT_SUBSTITUTION]


def test_deadlift_profile_accepts_bent_knees_that_rdl_calls_a_squat() -> None:
    deep = PoseAngles(shin_deg=20.0, knee_flexion_deg=70.0, pelvis_flexion_deg=95.0)
    assert _names(_run([rep(deep)], exercise=Exercise.DEADLIFT)) == [set()]
    assert "squat_substitution" in _names(_run([rep(deep)], exercise=Exercise.RDL))[0]


def test_deadlift_squat_is_seen_from_the_trunk_when_the_knees_read_nearly_straight() -> None:
    # At a deadlift's bottom the plates hide the knees: their keypoints can read a leg far
    # straighter than it is, under a squat's upright trunk. The trunk alone still shows it.
    upright = PoseAngles(shin_deg=5.0, knee_flexion_deg=40.0, pelvis_flexion_deg=67.0)
    report = _run([rep(upright)], exercise=Exercise.DEADLIFT)
    assert _names(report) == [{"squat_substitution"}]
    evidence = report.reps[0].faults[0].evidence
    assert evidence["trunk_deg"] == pytest.approx(32.0, abs=2.0)
    assert evidence["knee_flexion_deg"] < 45.0
    # The same legs under a conventional deadlift's trunk (50° from vertical) are fine.
    leaning = replace(upright, pelvis_flexion_deg=85.0)
    assert _names(_run([rep(leaning)], exercise=Exercise.DEADLIFT)) == [set()]


def test_a_half_rep_that_squats_is_called_but_a_half_deadlift_is_not() -> None:
    # Knees driving forward show at any depth: a partial rep is judged on them too.
    report = _run([rep(RDL_BOTTOM)] * 3 + [rep(SQUAT_BOTTOM, depth=0.5)])
    assert report.reps[3].measures.partial
    assert _names(report) == [set(), set(), set(), {"squat_substitution"}]
    # A deadlift stopped half way has an upright trunk because it stopped half way: the
    # trunk-only check does not judge it (it would read as a squat).
    deadlift = PoseAngles(shin_deg=12.0, knee_flexion_deg=55.0, pelvis_flexion_deg=98.0)
    report = _run([rep(deadlift)] * 3 + [rep(deadlift, depth=0.5)], exercise=Exercise.DEADLIFT)
    assert report.reps[3].measures.partial
    assert report.reps[3].measures.trunk_at_bottom_deg < 35.0
    assert _names(report) == [set()] * 4


def test_locked_knees_fire_for_rdl_but_not_for_good_morning() -> None:
    # Straight legs over vertical shins (the hips cannot travel back, yet the hinge is deep).
    stiff = PoseAngles(shin_deg=0.0, knee_flexion_deg=0.0, pelvis_flexion_deg=80.0)
    assert _names(_run([rep(stiff)], exercise=Exercise.RDL)) == [{"locked_knees"}]
    assert _names(_run([rep(stiff)], exercise=Exercise.GOOD_MORNING)) == [set()]


def test_incomplete_hinge_when_the_hips_stay_forward_and_the_bend_is_shallow() -> None:
    nod = PoseAngles(shin_deg=12.0, knee_flexion_deg=10.0, pelvis_flexion_deg=28.0)
    report = _run([rep(nod), rep(nod)])
    assert _names(report) == [{"incomplete_hinge"}] * 2
    assert report.reps[0].faults[0].evidence["hip_back_ratio"] < 0.0
    # Among full reps the same bend is a partial rep, which is not judged as a hinge.
    report = _run([rep(RDL_BOTTOM), rep(nod, pause_s=1.0), rep(RDL_BOTTOM)])
    assert all("incomplete_hinge" not in names for names in _names(report))


def test_hyperextension_at_lockout() -> None:
    lean_back = PoseAngles(shin_deg=0.0, knee_flexion_deg=2.0, pelvis_flexion_deg=-16.0)
    report = _run([rep(RDL_BOTTOM, pause_s=0.6)] * 2, top=lean_back)
    assert all("hyperextension" in names for names in _names(report))
    assert report.reps[0].faults[0].evidence["lockout_trunk_deg"] < -11.0


def test_asymmetric_tempo() -> None:
    report = _run([rep(RDL_BOTTOM, down_s=0.4, up_s=2.0), rep(RDL_BOTTOM, down_s=3.0, up_s=1.0)])
    assert _names(report) == [{"asymmetric_tempo"}, set()]  # a slow lowering is a tempo


@pytest.mark.parametrize(("bend_deg", "fires"), [(0.0, False), (15.0, False), (30.0, True),
                                                 (45.0, True)])
def test_rounding_follows_the_back_outline_at_the_bottom(bend_deg: float, fires: bool) -> None:
    def backs(times: np.ndarray, timeline: Timeline) -> np.ndarray:
        heights = _flat_backs(len(times))
        for _, bottom, _ in timeline.rep_times:
            heights[np.abs(times - bottom) < 0.5] = _arched(bend_deg)
        return heights

    report = _run([rep(RDL_BOTTOM)] * 2, backs=backs)
    assert all(("lumbar_rounding" in names) == fires for names in _names(report))
    bulge = report.reps[0].measures.back_bulge
    assert bulge == pytest.approx(np.radians(bend_deg) / 8.0, abs=0.005)


@pytest.mark.parametrize(("on_the_way_deg", "fires"), [(-20.0, False), (0.0, True),
                                                       (15.0, True)])
def test_rounding_must_show_on_the_way_down_too(on_the_way_deg: float, fires: bool) -> None:
    # A back bent 40° at the bottom. On the way there it reads hollow (a neutral back whose
    # bottom frames a slipping keypoint bent), straight, or already bending.
    def backs(times: np.ndarray, timeline: Timeline) -> np.ndarray:
        heights = _flat_backs(len(times))
        for start, bottom, end in timeline.rep_times:
            heights[(times > start) & (times < end)] = _arched(on_the_way_deg)
            heights[np.abs(times - bottom) < 0.3] = _arched(40.0)
        return heights

    report = _run([rep(RDL_BOTTOM)] * 2, backs=backs)
    assert all(("lumbar_rounding" in names) == fires for names in _names(report))
    measures = report.reps[0].measures
    assert measures.back_bulge == pytest.approx(np.radians(40.0) / 8.0, abs=0.005)
    assert measures.back_bulge_on_the_way == pytest.approx(np.radians(on_the_way_deg) / 8.0,
                                                           abs=0.005)


def test_every_fault_names_its_evidence_and_the_references_are_the_ramps_it_read() -> None:
    """What the coach's page shows beside a fault (GET /v1/scoring's evidence and
    references) is what the analysis wrote and the ramps it used."""
    def rounded(times: np.ndarray, timeline: Timeline) -> np.ndarray:
        heights = _flat_backs(len(times))
        for start, bottom, end in timeline.rep_times:
            heights[(times > start) & (times < end)] = _arched(20.0)
            heights[np.abs(times - bottom) < 0.3] = _arched(40.0)
        return heights

    stiff = PoseAngles(shin_deg=0.0, knee_flexion_deg=0.0, pelvis_flexion_deg=80.0)
    nod = PoseAngles(shin_deg=12.0, knee_flexion_deg=10.0, pelvis_flexion_deg=28.0)
    lean_back = PoseAngles(shin_deg=0.0, knee_flexion_deg=2.0, pelvis_flexion_deg=-16.0)
    reports = [_run([rep(SQUAT_BOTTOM), rep(stiff), rep(RDL_BOTTOM, down_s=0.4, up_s=2.0)]),
               _run([rep(nod), rep(nod)]), _run([rep(RDL_BOTTOM, pause_s=0.6)] * 2,
                                                top=lean_back),
               _run([rep(RDL_BOTTOM)] * 2, backs=rounded)]
    ramps = {(r.fault, r.evidence): r for r in references(get_profile("rdl"))}
    seen = set()
    for report in reports:
        for fault in (f for r in report.reps for f in r.faults):
            seen.add(fault.name)
            assert set(fault.evidence) <= set(EVIDENCE), fault.name
            read = {key for (name, key) in ramps if name == fault.name}
            assert read and read <= set(fault.evidence), fault.name
    assert seen == {"squat_substitution", "locked_knees", "asymmetric_tempo",
                    "incomplete_hinge", "hyperextension", "lumbar_rounding"}
    knee = ramps[(FaultName.SQUAT_SUBSTITUTION, "knee_flexion_deg")]
    assert (knee.ok, knee.bad) == (get_profile("rdl").knee_flexion_deg.ok,
                                   get_profile("rdl").knee_flexion_deg.bad)
    # hips_rise_first is read only off the floor: the deadlift's references name it.
    assert any(r.fault == "hips_rise_first" for r in references(get_profile("deadlift")))


def test_unmeasured_back_reports_no_rounding_and_no_confidence() -> None:
    report = _run([rep(RDL_BOTTOM)], backs=lambda t, _: np.full((len(t), STEPS), np.nan))
    assert _names(report) == [set()]
    assert np.isnan(report.reps[0].measures.back_bulge)
    assert report.reps[0].measures.back_measured_share == 0.0


def test_auto_guesses_the_exercise_and_says_how_sure() -> None:
    report = _run([rep(RDL_BOTTOM)] * 2, exercise=ExerciseChoice.AUTO)
    assert report.exercise == "rdl" and 0 < (report.exercise_guess_confidence or 0) < 1
    swing = PoseAngles(shin_deg=5.0, knee_flexion_deg=22.0, pelvis_flexion_deg=80.0)
    report = _run([rep(swing, pause_s=0.0, down_s=0.5, hold_s=0.0, up_s=0.5)] * 6,
                  exercise=ExerciseChoice.AUTO)
    assert report.exercise == "kettlebell_swing"


def _fault(name: FaultName, severity: float) -> Fault:
    return Fault(name, severity, 1.0, 0.0, 1.0, {})


def _rep_faults(*faults: Fault) -> RepFaults:
    # Cues and scores read only the faults: no measures needed.
    return RepFaults(measures=None, faults=list(faults))  # type: ignore[arg-type]


def test_cues_on_first_appearance_clear_worsening_and_return_only() -> None:
    reps = [_rep_faults(_fault(FaultName.LUMBAR_ROUNDING, 0.6)),
            _rep_faults(_fault(FaultName.LUMBAR_ROUNDING, 0.7)),          # same: silence
            _rep_faults(_fault(FaultName.LUMBAR_ROUNDING, 0.95)),         # clearly worse: say it
            _rep_faults(),                                        # clean
            _rep_faults(_fault(FaultName.LUMBAR_ROUNDING, 0.6),           # back again: say it,
                        _fault(FaultName.SQUAT_SUBSTITUTION, 0.55))]      # one cue per rep
    assign_cues(reps)
    said = [[f.name for f in r.faults if f.cue] for r in reps]
    assert said == [["lumbar_rounding"], [], ["lumbar_rounding"], [], ["lumbar_rounding"]]


def test_score_formula_and_grades() -> None:
    faults = [_fault(FaultName.LUMBAR_ROUNDING, 1.0), _fault(FaultName.ASYMMETRIC_TEMPO, 0.6)]
    assert rep_score(faults) == 100 - FAULT_WEIGHTS[FaultName.LUMBAR_ROUNDING] - 0.6 * 5
    assert rep_score([_fault(n, 1.0) for n in FAULT_WEIGHTS]) == 0.0
    assert [grade(s) for s in (95, 90, 89.9, 75, 60, 59)] == ["A", "A", "B", "B", "C", "D"]
    partial_ignored = clip_score([100.0, 40.0, 80.0], [False, True, False], True, "")
    assert partial_ignored.score == 90.0
    assert clip_score([], [], True, "").score is None


def test_a_clip_is_graded_by_its_worst_reps_as_well_as_its_mean() -> None:
    # Three clean reps and two rounded ones: the mean (82) alone would read "B, a good
    # hinge with one thing to fix"; the worst rep (55, a D) holds the grade to C.
    rounded = ["Rounded back"]
    tail = clip_score([100.0, 100.0, 100.0, 55.0, 55.0], [False] * 5, True, "",
                      [[], [], [], rounded, rounded])
    assert (tail.score, tail.grade) == (82.0, "C")
    assert tail.reason.startswith("mean of 5 reps; Rounded back: 2 of 5; grade held to C "
                                  "by its worst rep (55)")
    # One weak rep among many clean ones costs at most one letter, never more.
    one = clip_score([100.0] * 9 + [70.0], [False] * 10, True, "", [[]] * 9 + [rounded])
    assert (one.score, one.grade) == (97.0, "B")
    # An even clip keeps the grade its mean gives, and one rep is "1 rep".
    even = clip_score([80.0], [False], True, "", [["Locked knees"]])
    assert (even.grade, even.reason) == ("B", "mean of 1 rep; Locked knees: 1 of 1: "
                                                "a good hinge with one thing to fix")


def test_every_profile_threshold_is_a_ramp_and_unknown_names_are_refused() -> None:
    for profile in PROFILES.values():
        for value in profile.__dict__.values():
            if isinstance(value, Ramp):
                assert value.ok != value.bad
                assert value(value.ok) == 0.0 and value(value.bad) == 1.0
                assert np.isnan(value(float("nan")))
    with pytest.raises(KeyError, match="choose one of"):
        get_profile("bench_press")
    assert replace(PROFILES[Exercise.RDL], name=Exercise.DEADLIFT).name == Exercise.DEADLIFT


def _keyframed(keys: list[tuple[float, PoseAngles]], fps: float = 15.0
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A lift posed at key times, joint angles linear between them, in a side view."""
    times = np.arange(0.0, keys[-1][0], 1.0 / fps)
    fields = ("shin_deg", "knee_flexion_deg", "pelvis_flexion_deg")
    at = [k for k, _ in keys]
    xy = []
    for t in times:
        values = {f: float(np.interp(t, at, [getattr(p, f) for _, p in keys])) for f in fields}
        xy.append(project(PoseAngles(**values)))
    xy_arr = np.stack(xy)
    return times, xy_arr, np.full(xy_arr.shape[:2], 0.9)


DL_BOTTOM = PoseAngles(shin_deg=20.0, knee_flexion_deg=70.0, pelvis_flexion_deg=100.0)
UP = PoseAngles(shin_deg=0.0, knee_flexion_deg=0.0, pelvis_flexion_deg=0.0)


def _pull(first_part: PoseAngles, reps: int = 2) -> HingeReport:
    """Deadlift reps from standing: down, a short hold, the first part of the pull through
    ``first_part``, lockout."""
    keys: list[tuple[float, PoseAngles]] = [(0.0, UP)]
    t = 0.5
    for _ in range(reps):
        keys += [(t, UP), (t + 1.2, DL_BOTTOM), (t + 1.4, DL_BOTTOM), (t + 1.9, first_part),
                 (t + 2.6, UP)]
        t += 3.2
    keys.append((t + 0.3, UP))
    times, xy, conf = _keyframed(keys)
    return analyse(times, xy, conf, "right", _flat_backs(len(times)), exercise=Exercise.DEADLIFT,
                   side_view_ok=True, view_message="")


def test_hips_rise_first_when_the_shoulders_stay_behind_off_the_floor() -> None:
    # A steady back angle: knees extend, trunk stays at 50° from vertical (12 − 30 + 68).
    steady = _pull(PoseAngles(shin_deg=12.0, knee_flexion_deg=30.0, pelvis_flexion_deg=68.0))
    assert _names(steady) == [set(), set()]
    assert steady.reps[0].measures.shoulder_over_hip_rise == pytest.approx(1.0, abs=0.25)
    # Hips first: the knees straighten to 20° while the trunk tilts down to 85°.
    hips = _pull(PoseAngles(shin_deg=5.0, knee_flexion_deg=20.0, pelvis_flexion_deg=100.0))
    assert _names(hips) == [{"hips_rise_first"}] * 2
    fault = hips.reps[0].faults[0]
    assert fault.evidence["shoulder_over_hip_rise"] < 0.2
    assert fault.evidence["trunk_change_deg"] > 10.0
    assert fault.cue == CUES[FaultName.HIPS_RISE_FIRST]
    # An RDL does not start from the floor: the fault is not judged there.
    assert get_profile("rdl").shoulder_over_hip_rise is None


def test_one_strong_cue_calls_squat_substitution_two_weak_ones_do_not() -> None:
    knee = get_profile("rdl").knee_flexion_deg
    assert speaks_alone(knee, knee.bad) == pytest.approx(0.5)
    assert speaks_alone(knee, knee.bad + (knee.bad - knee.ok) / 2) == 1.0
    assert speaks_alone(knee, 0.9 * knee.bad) < 0.5
    weak = [(0.35, 0.45), (0.35, 0.45), (0.15, 0.0)]
    assert combine(weak, [speaks_alone(knee, 50.0)], trusted=True) < 0.5
    assert combine([(0.35, 1.0), (0.35, 0.0), (0.15, 0.0)], [speaks_alone(knee, 65.0)],
                   trusted=True) >= 0.5  # the knee alone, as bent as a squat's
    # ... but not where the keypoints behind it were seen poorly.
    assert combine([(0.35, 1.0), (0.35, 0.0), (0.15, 0.0)], [speaks_alone(knee, 65.0)],
                   trusted=False) < 0.5
    # In an RDL the knee alone calls it, whatever the trunk and shins read.
    knees_only = PoseAngles(shin_deg=20.0, knee_flexion_deg=68.0, pelvis_flexion_deg=130.0)
    report = _run([rep(RDL_BOTTOM), rep(knees_only), rep(RDL_BOTTOM)])
    assert _names(report)[1] == {"squat_substitution"}
    assert report.reps[1].measures.trunk_at_bottom_deg > 70.0  # a hinge's trunk


@pytest.mark.parametrize("exercise", sorted(PROFILES))
@pytest.mark.parametrize(("knee", "trunk"), [(95.0, 40.0), (74.0, 38.0)])
def test_a_parallel_squat_is_never_a_clean_hinge(exercise: Exercise, knee: float,
                                                 trunk: float) -> None:
    shin = 30.0
    squat = PoseAngles(shin_deg=shin, knee_flexion_deg=knee,
                       pelvis_flexion_deg=trunk - shin + knee)
    report = _run([rep(squat)] * 3, exercise=exercise)
    assert all("squat_substitution" in names for names in _names(report)), exercise
    assert (report.score.score or 100.0) < 90.0  # never an A


def test_a_refused_clip_is_measured_but_carries_no_verdict() -> None:
    report = _run([rep(SQUAT_BOTTOM)] * 2, side_view_ok=False)
    assert not report.judged
    assert [r.faults for r in report.reps] == [[], []]
    assert report.rep_scores == [None, None]
    assert report.score.score is None and "50° off" in report.score.reason
    assert report.reps[0].measures.knee_flexion_at_bottom_deg > 80.0  # still measured


def test_an_outline_no_back_can_make_is_not_measured_and_not_rounding() -> None:
    # A bar on the shoulders read as a 150° bend.
    def backs(times: np.ndarray, timeline: Timeline) -> np.ndarray:
        return np.tile(_arched(150.0), (len(times), 1))

    report = _run([rep(RDL_BOTTOM)] * 2, backs=backs)
    assert _names(report) == [set(), set()]
    assert np.isnan(report.reps[0].measures.back_bulge)
    assert report.reps[0].measures.back_impossible
    assert report.reps[0].measures.back_confidence == 0.0
    assert any("further than a back can" in n for n in report.notes)


def test_the_bulge_is_normalised_for_the_profile_length() -> None:
    # The same back bent 30°, its profile ending at the shoulder or at 70 % of the chord
    # (a good morning's bar): the same reading.
    sagitta = np.radians(30.0) / 8.0
    for end in (1.0, 0.7):
        s = profile_positions(end)
        heights = np.tile(0.3 + 4.0 * sagitta * s * (1.0 - s), (5, 1))
        assert median_profile_bulge(heights, end)[0] == pytest.approx(sagitta, abs=1e-6)


def test_one_fault_catalogue_behind_the_schema_the_clip_and_the_scores() -> None:
    # The chart's colours are read under the chart's own name (not re-exported): they
    # must be the catalogue's table.
    from hingecheck.analysis.catalogue import FAULT_ANCHORS, FAULT_COLOURS
    from hingecheck.analysis.faults import DETECTORS
    from hingecheck.render.chart import FAULT_COLOURS as CHART_COLOURS  # type: ignore[attr-defined]
    from hingecheck.render.scene import ANCHORS
    from hingecheck.schemas.result import Fault as SchemaFault

    names = set(CATALOGUE)
    assert names == set(FaultName) == set(DETECTORS)
    schema_names = SchemaFault.model_json_schema()["$defs"]["FaultName"]["enum"]
    assert set(schema_names) == {str(n) for n in names}
    for table in (CUES, FAULT_WEIGHTS, FAULT_LABELS, FAULT_COLOURS, FAULT_ANCHORS,
                  CHART_COLOURS, ANCHORS):
        assert set(table) == names
