"""Accuracy of hingecheck on the generated suite (against its truth) and on real clips.

    python bench/accuracy.py [--dir out/suite] [--seed 2026] [--real ../shared/real]
                             [--cache out/pose-cache]

Writes each seed's 76-clip suite into --dir/SEED if it is not there yet (`hingecheck synth suite`),
then runs the real pipeline (pose model, tracking, back shape, analysis) on every clip and
prints:

1. Pose, per scenario: detection rate, keypoint error (percent of body height), the
   error of the hip / knee / trunk angles the analysis reads (its kinematics) on side
   views (camera ≤ 30° off), and the errors of the TRUE keypoints' angles projected into
   the image (the part owed to the 2D projection); then the same by where the light
   comes from (the lifter's front or behind them: the model reads the two differently).
2. Analysis: rep count exact-match rate; fault precision / recall / F1 per fault (a
   detected rep is matched to the true rep whose span holds its bottom); rounding recall
   per grade; score separation between good and faulty reps; the view check (no score
   beyond 35°).
3. Every labelled real clip (bench/real_labels.py): what hingecheck found against the label,
   then the view check on real people: the camera offset read from every labelled side
   view and from the clips filmed from the front, the back or obliquely.

--cache keeps each suite clip's pose-stage output (the model's track) in a pickle beside
the others, so a change to the analysis can be measured again without running the model;
a clip newer than its pickle is run again.
"""

from __future__ import annotations

import argparse
import pickle
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
from hingecheck import keypoints as kp
from hingecheck.analysis.angles import flexion_deg, inclination_from_vertical_deg
from hingecheck.analysis.profiles import PROFILES
from hingecheck.pipeline import PoseStageOutput, finish_analysis, run_pose_stage
from hingecheck.pose.model import PoseModel, get_pose_model
from hingecheck.schemas import AnalysisResult
from hingecheck.settings import Settings, get_settings
from hingecheck.synth.motion import EXERCISES
from hingecheck.synth.suite import load_truth, suite_params, write_suite
from hingecheck.synth.truth import ClipTruth
from hingecheck.vocab import FaultName

sys.path.insert(0, str(Path(__file__).parent))
from real_labels import (
    CALIBRATION_SEEDS,
    REAL_CALIBRATION,
    REAL_OFF_SIDE,
    REAL_VALIDATION,
    SQUAT,
    VALIDATION_SEEDS,
)

BODY = list(kp.BODY)
SIDE = {"left": (kp.L_SHOULDER, kp.L_HIP, kp.L_KNEE, kp.L_ANKLE),
        "right": (kp.R_SHOULDER, kp.R_HIP, kp.R_KNEE, kp.R_ANKLE)}
FAULTS = ("squat_substitution", "lumbar_rounding")


def angles(xy: np.ndarray, side: str) -> np.ndarray:
    """(n, 3) hip flexion, knee flexion, trunk angle from (n, 17, 2) image keypoints."""
    sh, hip, knee, ankle = (xy[:, i] for i in SIDE[side])
    return np.stack([flexion_deg(knee, hip, sh), flexion_deg(hip, knee, ankle),
                     inclination_from_vertical_deg(hip, sh)], axis=1)


def pose_stats(out: PoseStageOutput, result: AnalysisResult,
               truth: ClipTruth) -> dict[str, list[float]]:
    """One clip's pose measures, as lists to pool into any grouping of the clips: the
    keypoints as the pose model gave them, the angles as the analysis read them (after the
    second opinion on the legs, where it ran)."""
    s: dict[str, list[float]] = defaultdict(list)
    track = out.track
    idx = track.frame_indices
    true_xy = np.array([truth.frames[i].keypoints for i in idx])
    true_angles = np.array([[truth.frames[i].hip_flexion_deg, truth.frames[i].knee_flexion_deg,
                             truth.frames[i].trunk_deg] for i in idx])
    s["detected"].append(track.detected_fraction)
    err = np.linalg.norm(track.raw_xy[:, BODY] - true_xy[:, BODY], axis=-1)
    err = err / truth.body_height_px * 100
    s["kp_err"].extend(np.nanmedian(err, axis=1)[~np.isnan(err).all(axis=1)].tolist())
    if truth.params.view_deg <= 30:
        # The pipeline's own angles (left and right keypoints weighted by confidence, as the
        # analysis reads them), as magnitudes, as the truth gives them.
        series = result.series
        read = np.array([series.hip_flexion_deg, series.knee_flexion_deg, series.trunk_deg],
                        dtype=float).T
        ours = np.abs(np.abs(read) - true_angles)
        projected = np.abs(angles(true_xy, truth.near_side) - true_angles)
        for j, name in enumerate(("hip", "knee", "trunk")):
            s[name].extend(ours[:, j][~np.isnan(ours[:, j])].tolist())
            s[f"{name}_proj"].extend(projected[:, j].tolist())
    return s


def match_reps(result: AnalysisResult, truth: ClipTruth) -> list[tuple[int | None, int | None]]:
    """(true rep, detected rep) pairs: a detected rep matches the true rep holding its bottom."""
    pairs: list[tuple[int | None, int | None]] = []
    used: set[int] = set()
    for d, rep in enumerate(result.reps):
        hit = next((k for k, t in enumerate(truth.reps)
                    if t.start_s - 0.3 <= rep.bottom_s <= t.end_s + 0.3 and k not in used), None)
        if hit is not None:
            used.add(hit)
        pairs.append((hit, d))
    pairs.extend((k, None) for k in range(len(truth.reps)) if k not in used)
    return pairs


def fault_counts(result: AnalysisResult, truth: ClipTruth,
                 counts: dict[str, dict[str, int]], scores: dict[str, list[float]],
                 recall: dict[tuple[str, str], list[bool]]) -> None:
    for t_idx, d_idx in match_reps(result, truth):
        true = {f.name for f in truth.reps[t_idx].faults} if t_idx is not None else set()
        found = {f.name for f in result.reps[d_idx].faults} if d_idx is not None else set()
        for name in FAULTS:
            key = ("tp" if name in found else "fn") if name in true else (
                "fp" if name in found else "tn")
            counts[name][key] += 1
        if t_idx is not None:
            # Rounding recall per grade, squat recall per load held.
            load = truth.params.load or EXERCISES[truth.exercise].load
            for f in truth.reps[t_idx].faults:
                group = f.grade if f.name == FaultName.LUMBAR_ROUNDING else load
                recall[(f.name, group)].append(f.name in found)
        score = result.reps[d_idx].score if d_idx is not None else None
        if t_idx is not None and score is not None:  # None: the clip was not judged
            scores["faulty" if true else "good"].append(score)


def fmt(values: list[float]) -> str:
    if not values:
        return "–"
    v = np.asarray(values)
    return f"{v.mean():.1f} / {np.percentile(v, 95):.1f}"


def light_side(truth: ClipTruth) -> str:
    """Where the clip's light comes from, against the way the lifter faces."""
    if truth.light is None:
        return "unknown"
    toward_face = truth.light[0] * (1.0 if truth.params.facing == "right" else -1.0)
    return "from the lifter's front" if toward_face > 0 else "from behind the lifter"


def print_pose_table(stats: dict[str, dict[str, list[float]]], group: str = "scenario") -> None:
    print(f"\n| {group} | clips | lifter found | keypoint error % height (median / p95) | "
          "hip ° MAE / p95 | knee ° | trunk ° | projected truth: hip / knee / trunk MAE |")
    print("|---|---|---|---|---|---|---|---|")
    everything: dict[str, list[float]] = defaultdict(list)
    for key in [*sorted(stats), "**all**"]:
        s = stats.get(key, everything)
        if key in stats:
            for name, values in s.items():
                everything[name].extend(values)
        kp = np.asarray(s["kp_err"])
        proj = " / ".join(f"{np.mean(s[f'{n}_proj']):.1f}" if s[f"{n}_proj"] else "–"
                          for n in ("hip", "knee", "trunk"))
        print(f"| {key} | {len(s['detected'])} | {np.mean(s['detected']):.1%} | "
              f"{np.median(kp):.1f} / {np.percentile(kp, 95):.1f} | {fmt(s['hip'])} | "
              f"{fmt(s['knee'])} | {fmt(s['trunk'])} | {proj} |")


def print_analysis(rep_exact: list[bool], counts: dict[str, dict[str, int]],
                   scores: dict[str, list[float]], recall: dict[tuple[str, str], list[bool]],
                   views: list[tuple[float, bool, bool]]) -> None:
    print(f"\nrep count exact: {sum(rep_exact)}/{len(rep_exact)} side-view clips "
          f"({np.mean(rep_exact):.1%})")
    print("\n| fault | reps with it | precision | recall | F1 |")
    print("|---|---|---|---|---|")
    for name, c in counts.items():
        p = c["tp"] / max(c["tp"] + c["fp"], 1)
        r = c["tp"] / max(c["tp"] + c["fn"], 1)
        f1 = 2 * p * r / max(p + r, 1e-9)
        print(f"| {name} | {c['tp'] + c['fn']} | {p:.2f} | {r:.2f} | {f1:.2f} |")
    print()
    for fault, label in (("lumbar_rounding", "rounding recall by grade"),
                         ("squat_substitution", "squat substitution recall by load")):
        print(f"{label}: " + ", ".join(f"{group} {sum(v)}/{len(v)}"
                                      for (name, group), v in sorted(recall.items())
                                      if name == fault))
    good, bad = np.asarray(scores["good"]), np.asarray(scores["faulty"])
    if good.size and bad.size:
        auc = float(np.mean(good[:, None] > bad[None, :]))
        print(f"scores: good reps {good.mean():.1f} (n={good.size}), faulty reps "
              f"{bad.mean():.1f} (n={bad.size}); a good rep outscores a faulty one in "
              f"{auc:.0%} of pairs")
    refused = [not scored for deg, scored, _ in views if deg > 35]
    accepted = [scored for deg, scored, _ in views if deg <= 30]
    print(f"view check: {sum(refused)}/{len(refused)} clips beyond 35° got no score; "
          f"{sum(accepted)}/{len(accepted)} clips within 30° were scored")


def real_pose(root: Path, name: str, settings: Settings, model: PoseModel,
              cache: Path | None) -> PoseStageOutput:
    """A real clip's pose stage, cached under ``cache/real`` by its path."""
    return pose_stage(root / name, settings, model, cache / "real" if cache else None,
                      key=name.replace("/", "__"))


def real_calibration(root: Path, settings: Settings, model: PoseModel, cache: Path | None) -> None:
    print("\n### Real clips, calibration (deadlift-b/, deadlift-c/: thresholds were set "
          "with these in view)")
    print("\n| real clip | profile | label | hingecheck found | score | agrees |")
    print("|---|---|---|---|---|---|")
    agree: list[bool] = []
    side_offsets: list[float] = []
    side_scored: list[bool] = []
    for name, (profile, label, expected) in REAL_CALIBRATION.items():
        out = real_pose(root, name, settings, model, cache)
        result = finish_analysis(Path(name).name, out, settings, model.spec, exercise=profile)
        side_offsets.append(result.view.offset_deg if result.view.offset_deg is not None
                            else float("nan"))
        side_scored.append(result.summary.score is not None)
        found = sorted({f.name for r in result.reps for f in r.faults})
        score = "–" if result.summary.score is None else f"{result.summary.score:.0f}"
        verdict = "–"
        if expected is not None:
            ok = expected == set(found) if not expected else expected <= set(found)
            agree.append(ok)
            verdict = "yes" if ok else "**no**"
        per_rep = "/".join(str(sum(f.name == "lumbar_rounding" for f in r.faults))
                           for r in result.reps)
        back = "not measured" if not result.back.measured else \
            f"{result.back.outline} outline"
        print(f"| {name} | {profile} | {label} | {', '.join(found) or 'clean'} "
              f"({len(result.reps)} reps; rounding per rep {per_rep or '–'}; back {back}) | "
              f"{score} | {verdict} |", flush=True)
    print(f"\nreal calibration clips with a checkable label: {sum(agree)}/{len(agree)} "
          "called right")
    print(f"view check on real side views: {sum(side_scored)}/{len(side_scored)} scored, "
          f"read as {np.nanmin(side_offsets):.0f}–{np.nanmax(side_offsets):.0f}° off the side")


def real_validation(root: Path, settings: Settings, model: PoseModel, cache: Path | None) -> None:
    print("\n### Real clips, validation (deadlift-d/: no threshold chosen on them)")
    print("\n| real clip | view (LABELS.md) | profile | reps by eye | hingecheck | agrees |")
    print("|---|---|---|---|---|---|")
    counts_ok: list[bool] = []
    squats_ok: list[bool] = []
    for name, (profile, reps, view) in REAL_VALIDATION.items():
        out = real_pose(root, name, settings, model, cache)
        profiles = list(PROFILES) if profile == SQUAT else [profile]
        said: list[str] = []
        ok = True
        for p in profiles:
            result = finish_analysis(Path(name).name, out, settings, model.spec, exercise=p)
            found = {f.name for r in result.reps for f in r.faults}
            scored = result.summary.score is not None
            if scored and abs(len(result.reps) - reps) > 1:
                ok = False
            if profile == SQUAT and scored and "squat_substitution" not in found:
                ok = False  # a squat passed as a clean hinge
            if profile == SQUAT:
                squats_ok.append(not scored or "squat_substitution" in found)
            if p == profiles[0]:
                counts_ok.append(not scored or abs(len(result.reps) - reps) <= 1)
            verdict = "refused" if not result.summary.judged else (
                f"{result.summary.score:.0f}" if scored else "no reps")
            said.append(f"{p}: {len(result.reps)} reps, {', '.join(sorted(found)) or 'clean'}"
                        f", {verdict}")
        print(f"| {name} | {view} | {profile} | {reps} | {'; '.join(said)} | "
              f"{'yes' if ok else '**no**'} |", flush=True)
    print(f"\nreal validation: rep counts within ±1 (or refused) on {sum(counts_ok)}/"
          f"{len(counts_ok)} clips; squats never a clean hinge: {sum(squats_ok)}/"
          f"{len(squats_ok)} squat × profile judgements")


def refused_say_only_why(root: Path, settings: Settings, model: PoseModel,
                         cache: Path | None) -> None:
    """Every clip in ``root`` the view check refuses: no score, fault, cue or rep verdict."""
    refused = clean = 0
    for clip in sorted(root.rglob("*.mp4")):
        name = str(clip.relative_to(root))
        out = real_pose(root, name, settings, model, cache)
        result = finish_analysis(clip.name, out, settings, model.spec, exercise="deadlift")
        if result.summary.judged:
            continue
        refused += 1
        clean += (result.summary.score is None and not result.summary.faults
                  and not result.summary.cues
                  and all(r.score is None and not r.faults for r in result.reps))
    print(f"\nrefused clips in {root}: {refused}, of them carrying no score, fault, cue or rep "
          f"verdict: {clean}/{refused}")


def pose_stage(clip: Path, settings: Settings, model: PoseModel, cache: Path | None,
               key: str | None = None) -> PoseStageOutput:
    """The clip's pose-stage output, from ``cache`` when it holds a current one."""
    pickled = cache / f"{key or clip.name}.pose.pkl" if cache else None
    if pickled and pickled.is_file() and pickled.stat().st_mtime >= clip.stat().st_mtime:
        with pickled.open("rb") as f:
            out: PoseStageOutput = pickle.load(f)
        return out
    out = run_pose_stage(clip, settings, model=model)
    if pickled:
        pickled.parent.mkdir(parents=True, exist_ok=True)
        with pickled.open("wb") as f:
            pickle.dump(out, f)
    return out


def suite(seed: int, role: str, root: Path, cache: Path | None, settings: Settings,
          model: PoseModel, first: int | None = None) -> None:
    """Write (if needed) and measure one generated suite seed (its ``first`` clips only,
    when given: a quick look, not the figure)."""
    folder = root / str(seed)
    clips = sorted(folder.glob("*.mp4"))
    if len(clips) < (first or len(suite_params(seed))):
        print(f"writing the suite (seed {seed}) to {folder} ...", flush=True)
        clips = write_suite(folder, seed)
    clips = clips[:first] if first else clips
    part = f", its first {len(clips)} clips" if first else ""
    print(f"\n## Generated suite, seed {seed} ({role}{part})\n", flush=True)
    stats: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    by_light: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    counts: dict[str, dict[str, int]] = {n: defaultdict(int) for n in FAULTS}
    scores: dict[str, list[float]] = defaultdict(list)
    recall: dict[tuple[str, str], list[bool]] = defaultdict(list)
    good_rounded: list[bool] = []
    rep_exact: list[bool] = []
    views: list[tuple[float, bool, bool]] = []
    for clip in clips:
        truth = load_truth(clip)
        out = pose_stage(clip, settings, model, cache / str(seed) if cache else None)
        result = finish_analysis(clip.name, out, settings, model.spec,
                                 exercise=truth.exercise)
        clip_stats = pose_stats(out, result, truth)
        for group in (stats[truth.params.scenario], by_light[light_side(truth)]):
            for name, values in clip_stats.items():
                group[name].extend(values)
        views.append((truth.params.view_deg, result.summary.score is not None,
                      out.track.view.side_view_ok))
        if truth.params.view_deg <= 30:
            rep_exact.append(len(result.reps) == len(truth.reps))
            fault_counts(result, truth, counts, scores, recall)
            for t_idx, d_idx in match_reps(result, truth):
                if t_idx is not None and d_idx is not None and not truth.reps[t_idx].faults:
                    good_rounded.append(any(f.name == "lumbar_rounding"
                                            for f in result.reps[d_idx].faults))
        found = ",".join(sorted({f.name for r in result.reps for f in r.faults})) or "clean"
        true = ",".join(sorted({f.name for r in truth.reps for f in r.faults})) or "clean"
        print(f"{clip.name:42s} found {out.track.detected_fraction:6.1%}  view "
              f"{truth.params.view_deg:3.0f}°/{out.track.view.offset_deg or float('nan'):4.0f}° "
              f"reps {len(result.reps)}/{len(truth.reps)}  faults {found} (truth {true})",
              flush=True)
    print_pose_table(stats)
    print_pose_table(by_light, group="light")
    print_analysis(rep_exact, counts, scores, recall, views)
    print(f"good reps called rounded: {sum(good_rounded)}/{len(good_rounded)} "
          f"({np.mean(good_rounded) if good_rounded else 0:.1%})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=Path("out/suite"),
                        help="one folder per seed below this")
    parser.add_argument("--calibration", type=int, nargs="*", default=list(CALIBRATION_SEEDS))
    parser.add_argument("--validation", type=int, nargs="*", default=list(VALIDATION_SEEDS))
    parser.add_argument("--real", type=Path,
                        default=Path(__file__).resolve().parents[2] / "shared" / "real")
    parser.add_argument("--cache", type=Path, default=None,
                        help="keep pose-stage outputs here and reuse them")
    parser.add_argument("--only", choices=("suite", "real"), default=None)
    parser.add_argument("--first", type=int, default=None,
                        help="measure only each seed's first N clips (a quick look)")
    args = parser.parse_args()
    settings = get_settings()
    model = get_pose_model(settings)
    if args.only != "real":
        for seed in args.validation:
            suite(seed, "validation", args.dir, args.cache, settings, model, args.first)
        for seed in args.calibration:
            suite(seed, "calibration", args.dir, args.cache, settings, model, args.first)
    if args.only == "suite":
        return
    if not (args.real / "LABELS.md").is_file():
        print(f"\nreal clips: {args.real} not found, skipped")
        return
    real_validation(args.real, settings, model, args.cache)
    real_calibration(args.real, settings, model, args.cache)
    refused_say_only_why(args.real, settings, model, args.cache)
    print("\n| real clip, not a side view | view (LABELS.md) | read as | scored |")
    print("|---|---|---|---|")
    refused = 0
    for name, view in REAL_OFF_SIDE.items():
        track = real_pose(args.real, name, settings, model, args.cache).track
        offset = "–" if track.view.offset_deg is None else f"{track.view.offset_deg:.0f}°"
        refused += not track.view.side_view_ok
        print(f"| {name} | {view} | {offset} | {'yes' if track.view.side_view_ok else 'no'} |",
              flush=True)
    print(f"\nview check on real clips not filmed from the side: {refused}/{len(REAL_OFF_SIDE)} "
          "got no score")


if __name__ == "__main__":
    main()
