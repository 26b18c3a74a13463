"""Where does the back's number lose the curve? Draw what was measured, rep by rep.

For each clip: run the pipeline once (the pose stage, then the rest), then for every rep
draw, on the real frame nearest the rep's bottom (the deepest-trunk frames the bulge is
taken over): the outline as measured (the person mask's dorsal contour), the chord
hip→shoulder and its ends (the keypoints the back stage used), the reference line (the
straight line the sagitta is measured from: the fitted parabola's ends), the fitted
parabola, and an inset with the median profiles at the bottom, on the way and standing.
Prints a table per rep: the product's bulge at the bottom, on the way and standing, and
candidate scale-free measures computed from the same outline points:

- ``tangent_deg``: the angle between the lower-back and upper-back tangents of the median
  profile (lines fitted over 5–45 % and 55–95 % of the chord; + convex);
- ``apex``: where along the chord (0 hip … 1 shoulder) the profile stands farthest above
  the straight line joining its first and last hits;
- ``sag``: that farthest height, in chord lengths (no fit: the raw sagitta);
- ``rise``: the bottom's bulge minus the same lifter's standing bulge.

Nothing here changes the product; figures are for docs/back.md. PNGs and result.json go
to a folder outside the repository (default /tmp/hingecheck-back-diagnostic).

    .venv/bin/python bench/back_diagnostic.py --calibration        # ../shared/real list
    .venv/bin/python bench/back_diagnostic.py --extra /tmp/hingecheck-back-clips
    .venv/bin/python bench/back_diagnostic.py clip.mp4 --exercise rdl
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import cv2
import numpy as np
from hingecheck.analysis.profiles import PROFILES
from hingecheck.pipeline import finish_analysis, run_pose_stage
from hingecheck.pose.model import get_pose_model
from hingecheck.settings import Settings
from hingecheck.video import VideoLimits, decode_frames, probe
from hingecheck.vocab import Exercise

try:  # the back stage is being moved into one package; either path gives the same names
    from hingecheck.analysis.back.profile import PROFILE_START, dorsal_normal
except ImportError:  # pragma: no cover - older layout
    from hingecheck.analysis.silhouette import PROFILE_START, dorsal_normal  # type: ignore
try:
    from hingecheck.analysis.kinematics import standing_frames
except ImportError:  # pragma: no cover
    standing_frames = None  # type: ignore[assignment]

REPO = Path(__file__).resolve().parents[1]
REAL = (REPO / ".." / "shared" / "real").resolve()
DEFAULT_OUT = Path("/tmp/hingecheck-back-diagnostic")

# The real calibration clips of issue 30 (bench/real_labels.py): clip → (exercise, label).
CALIBRATION: dict[str, tuple[str, str]] = {
    "deadlift-b/bad/bad011.mp4": ("deadlift", "rounded"),
    "deadlift-b/bad/bad008.mp4": ("deadlift", "rounded"),
    "deadlift-b/bad/bad005.mp4": ("deadlift", "rounded (guess)"),
    "deadlift-b/good/good004.mp4": ("deadlift", "neutral"),
    "deadlift-b/good/good008.mp4": ("deadlift", "neutral"),
    "deadlift-b/good/good014.mp4": ("deadlift", "neutral"),
    "deadlift-b/good/good015.mp4": ("deadlift", "neutral"),
    "deadlift-b/good/good016.mp4": ("deadlift", "neutral"),
    "deadlift-b/good/good018.mp4": ("deadlift", "neutral"),
    "deadlift-b/good/good019.mp4": ("deadlift", "neutral"),
    "deadlift-b/good/good020.mp4": ("deadlift", "neutral"),
    "deadlift-c/good.mp4": ("deadlift", "neutral"),
    "deadlift-c/rdl.mp4": ("rdl", "neutral"),
}

# Mirrors analysis/measures.py (DEEP_TRUNK_PERCENTILE, ON_THE_WAY_TRUNK): read, not used
# to judge; the diagnostic only shows which frames each number came from.
DEEP_TRUNK_PERCENTILE = 80
ON_THE_WAY_TRUNK = (0.55, 0.8)
LOWER = (0.05, 0.45)  # chord fractions of the lower-back tangent
UPPER = (0.55, 0.95)  # … and of the upper-back tangent


@dataclass
class Profile:
    s: np.ndarray  # chord fractions
    h: np.ndarray  # height above the chord, chord lengths (NaN: not hit)


def _pair(xy: np.ndarray, a: int, b: int) -> np.ndarray:
    pts = xy[[a, b]]
    if np.isnan(pts).all():
        return np.full(2, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.asarray(np.nanmean(pts, axis=0))


def frame_profile(outline: np.ndarray, hip: np.ndarray, shoulder: np.ndarray,
                  facing_sign: float) -> Profile:
    """Heights of the outline's points above the hip→shoulder chord (chord lengths)."""
    chord_v = shoulder - hip
    chord = float(np.linalg.norm(chord_v))
    n = outline.shape[0]
    if not chord > 0:
        return Profile(np.full(n, np.nan), np.full(n, np.nan))
    d = chord_v / chord
    normal = dorsal_normal(hip, shoulder, facing_sign)
    rel = outline - hip[None, :]
    return Profile(rel @ d / chord, rel @ normal / chord)


def median_heights(profiles: list[Profile]) -> np.ndarray:
    if not profiles:
        return np.full(1, np.nan)
    hs = np.stack([p.h for p in profiles])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.asarray(np.nanmedian(hs, axis=0))


def parabola(s: np.ndarray, h: np.ndarray) -> np.ndarray | None:
    ok = ~np.isnan(h)
    if ok.sum() < 5:
        return None
    return np.polyfit(s[ok], h[ok], 2)


def bulge_of(s: np.ndarray, h: np.ndarray) -> float:
    """The product's bulge (analysis/back/profile.py ``_bulge``), on a median profile."""
    ok = ~np.isnan(h)
    if ok.mean() < 0.7:
        return float("nan")
    c = parabola(s, h)
    span = 1.0 - PROFILE_START
    return float(-c[0] * span * span / 4.0) if c is not None else float("nan")


def tangent_deg(s: np.ndarray, h: np.ndarray) -> float:
    """Angle between the lower- and upper-back tangents (+: the back bends convex)."""
    slopes = []
    for lo, hi in (LOWER, UPPER):
        sel = (s >= lo) & (s <= hi) & ~np.isnan(h)
        if sel.sum() < 3:
            return float("nan")
        slopes.append(np.polyfit(s[sel], h[sel], 1)[0])
    return math.degrees(math.atan(slopes[0]) - math.atan(slopes[1]))


def apex_and_sag(s: np.ndarray, h: np.ndarray) -> tuple[float, float]:
    ok = np.flatnonzero(~np.isnan(h))
    if ok.size < 5:
        return float("nan"), float("nan")
    a, b = ok[0], ok[-1]
    line = h[a] + (h[b] - h[a]) * (s - s[a]) / max(s[b] - s[a], 1e-9)
    above = np.where(np.isnan(h), -np.inf, h - line)
    k = int(np.argmax(above))
    return float(s[k]), float(above[k])


def analyse(path: Path, exercise: str, out: Path, settings: Settings, model) -> dict:
    """Run the pipeline once; keep the keypoints the back stage used (cached in ``out``)."""
    cached, xy_file = out / "result.json", out / "xy_used.npy"
    if cached.exists() and xy_file.exists():
        data = json.loads(cached.read_text())
        info = probe(path, VideoLimits.from_settings(settings))
        return {"result": data, "xy": np.load(xy_file), "facing": data["view"]["facing"],
                "info": info}
    pose = run_pose_stage(path, settings, model=model)
    xy_used = pose.track.xy.copy()  # before BlazePose's second opinion replaces the legs
    facing = pose.track.view.facing
    result = finish_analysis(path.name, pose, settings, model.spec, exercise=exercise)
    data = json.loads(result.model_dump_json())
    out.mkdir(parents=True, exist_ok=True)
    (out / "result.json").write_text(json.dumps(data))
    np.save(out / "xy_used.npy", xy_used)
    return {"result": data, "xy": xy_used, "facing": facing, "info": pose.info}


def rep_frames(series: dict, times: np.ndarray, rep: dict) -> dict[str, np.ndarray]:
    frames = np.flatnonzero((times >= rep["start_s"] - 1e-6) & (times <= rep["end_s"] + 1e-6))
    trunk = np.array([np.nan if v is None else v for v in series["trunk_deg"]])[frames]
    if frames.size == 0 or np.isnan(trunk).all():
        return {"deep": frames[:0], "way": frames[:0]}
    deep = frames[trunk >= np.nanpercentile(trunk, DEEP_TRUNK_PERCENTILE)]
    lo, hi = float(np.nanmin(trunk)), float(np.nanmax(trunk))
    a, b = (lo + f * (hi - lo) for f in ON_THE_WAY_TRUNK)
    return {"deep": deep, "way": frames[(trunk >= a) & (trunk <= b)]}


def draw(image: np.ndarray, scale: float, prof_pts: np.ndarray, hip: np.ndarray,
         shoulder: np.ndarray, facing_sign: float, med: dict[str, np.ndarray],
         s: np.ndarray, text: list[str]) -> np.ndarray:
    img = image.copy()
    def at(p: np.ndarray) -> tuple[int, int]:
        return int(round(p[0] * scale)), int(round(p[1] * scale))

    chord = float(np.linalg.norm(shoulder - hip))
    normal = dorsal_normal(hip, shoulder, facing_sign)
    # chord and its ends
    cv2.line(img, at(hip), at(shoulder), (255, 255, 0), 1, cv2.LINE_AA)
    cv2.circle(img, at(hip), 4, (255, 0, 255), -1)
    cv2.circle(img, at(shoulder), 4, (0, 255, 255), -1)
    # the outline as measured in this frame
    ok = ~np.isnan(prof_pts).any(axis=1)
    for p in prof_pts[ok]:
        cv2.circle(img, at(p), 2, (0, 0, 255), -1)
    # the fitted parabola on the bottom's median profile and its reference line
    c = parabola(s, med["deep"])
    if c is not None:
        hs = np.polyval(c, s)
        pts = hip[None, :] + s[:, None] * (shoulder - hip)[None, :] + \
            (hs * chord)[:, None] * normal[None, :]
        cv2.polylines(img, [np.array([at(p) for p in pts], np.int32)], False, (0, 200, 0), 1,
                      cv2.LINE_AA)
        cv2.line(img, at(pts[0]), at(pts[-1]), (0, 140, 255), 1, cv2.LINE_AA)
    # crop around the lifter's back and enlarge
    allp = np.vstack([hip, shoulder, prof_pts[ok]]) * scale if ok.any() else \
        np.vstack([hip, shoulder]) * scale
    x0, y0 = allp.min(axis=0) - 0.6 * chord * scale
    x1, y1 = allp.max(axis=0) + 0.6 * chord * scale
    h, w = img.shape[:2]
    x0, y0 = int(max(0, x0)), int(max(0, y0))
    x1, y1 = int(min(w, x1)), int(min(h, y1))
    crop = img[y0:y1, x0:x1] if x1 > x0 + 8 and y1 > y0 + 8 else img
    f = 420 / max(crop.shape[:2])
    crop = cv2.resize(crop, None, fx=f, fy=f, interpolation=cv2.INTER_CUBIC)
    # inset: median profiles (bottom red, on the way orange, standing green)
    panel = np.full((420, 300, 3), 255, np.uint8)
    def to_y(v: float) -> int:
        return int(round(300 - (v - (-0.1)) / 0.6 * 280))
    def to_x(v: float) -> int:
        return int(round(20 + v * 260))
    cv2.line(panel, (to_x(0), to_y(0)), (to_x(1), to_y(0)), (180, 180, 180), 1)
    for key, col in (("stand", (0, 160, 0)), ("way", (0, 140, 255)), ("deep", (0, 0, 255))):
        hh = med.get(key)
        if hh is None:
            continue
        pts = [(to_x(a), to_y(b)) for a, b in zip(s, hh, strict=True) if not math.isnan(b)]
        if len(pts) > 1:
            cv2.polylines(panel, [np.array(pts, np.int32)], False, col, 2, cv2.LINE_AA)
    for i, t in enumerate(text):
        cv2.putText(panel, t, (6, 330 + 16 * i), cv2.FONT_HERSHEY_SIMPLEX, 0.42, (0, 0, 0), 1,
                    cv2.LINE_AA)
    canvas = np.full((420, crop.shape[1] + 300, 3), 255, np.uint8)
    canvas[:crop.shape[0], :crop.shape[1]] = crop
    canvas[:, crop.shape[1]:] = panel
    return canvas


def fmt(v: float | None, nd: int = 3) -> str:
    return "  —  " if v is None or (isinstance(v, float) and math.isnan(v)) else \
        f"{v:+.{nd}f}"


def diagnose(path: Path, exercise: str, label: str, out_root: Path, settings: Settings,
             model, tag: str) -> list[dict]:
    out = out_root / tag.replace("/", "_").removesuffix(".mp4")
    run = analyse(path, exercise, out, settings, model)
    res, xy = run["result"], run["xy"]
    facing_sign = -1.0 if run["facing"] == "left" else 1.0
    series = res["series"]
    times = np.asarray(res["pose"]["times_s"])
    n = times.size
    outlines = series["back_outline"]
    profiles: list[Profile | None] = []
    ends: list[tuple[np.ndarray, np.ndarray] | None] = []
    for i in range(n):
        hip, sh = _pair(xy[i], 11, 12), _pair(xy[i], 5, 6)
        o = outlines[i]
        if o is None or np.isnan(hip).any() or np.isnan(sh).any():
            profiles.append(None)
            ends.append(None)
            continue
        pts = np.array([[np.nan, np.nan] if p is None else p for p in o], float)
        profiles.append(frame_profile(pts, hip, sh, facing_sign))
        ends.append((hip, sh))
    # The result keeps a subsample of the profile's points; their chord fractions are
    # read back from the points themselves (each sits at a fixed fraction of the chord).
    valid = [p.s for p in profiles if p is not None and not np.isnan(p.s).all()]
    if not valid:
        print(f"{tag}: the back was never measured", file=sys.stderr)
        return []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        s = np.asarray(np.nanmedian(np.stack(valid), axis=0))
    end = PROFILES[Exercise(res["exercise"]["name"])].back_profile_end
    if np.isnan(s).any():
        s = np.linspace(PROFILE_START, end, s.size)
    hip_flex = np.array([np.nan if v is None else v for v in series["hip_flexion_deg"]])
    stand = np.zeros(n, bool)
    if standing_frames is not None:
        try:
            stand = np.asarray(standing_frames(SimpleNamespace(hip_flexion_deg=hip_flex)))
        except Exception:
            stand = hip_flex < np.nanpercentile(hip_flex, 15)
    stand_profiles = [p for i, p in enumerate(profiles) if stand[i] and p is not None]
    stand_med = median_heights(stand_profiles) if stand_profiles else np.full(s.size, np.nan)
    stand_bulge = bulge_of(s, stand_med) if stand_profiles else float("nan")

    # the frames to draw: one per rep, the deep frame nearest the rep's bottom
    wanted: dict[int, int] = {}
    rows = []
    for rep in res["reps"]:
        sets = rep_frames(series, times, rep)
        med = {k: median_heights([profiles[i] for i in v if profiles[i] is not None])
               for k, v in sets.items()}
        med = {k: (v if v.size == s.size else np.full(s.size, np.nan)) for k, v in med.items()}
        med["stand"] = stand_med
        deep = sets["deep"]
        if deep.size:
            j = int(deep[np.argmin(np.abs(times[deep] - rep["bottom_s"]))])
            wanted[j] = rep["index"]
        apex, sag = apex_and_sag(s, med["deep"])
        b_deep = bulge_of(s, med["deep"])
        rounding = next((f for f in rep["faults"] if f["name"] == "lumbar_rounding"), None)
        row = {
            "clip": tag, "label": label, "rep": rep["index"],
            "product_bulge": rep["back_bulge"], "bulge": b_deep,
            "bulge_way": bulge_of(s, med["way"]), "bulge_stand": stand_bulge,
            "tangent_deg": tangent_deg(s, med["deep"]),
            "tangent_way_deg": tangent_deg(s, med["way"]),
            "tangent_stand_deg": tangent_deg(s, stand_med),
            "apex": apex, "sag": sag, "rise": b_deep - stand_bulge,
            "called": bool(rounding), "back_conf": rep["back_confidence"],
            "deep_frames": int(deep.size), "frame": (wanted and max(wanted)) or None,
            "med": med, "draw_frame": j if deep.size else None,
        }
        rows.append(row)

    # decode once more and draw the chosen frames
    if wanted:
        limits = VideoLimits.from_settings(settings)
        for pos, frame in enumerate(decode_frames(run["info"], analysis_fps=settings.analysis_fps,
                                                  max_side=settings.decode_side(),
                                                  limits=limits)):
            if pos > max(wanted):
                break
            if pos not in wanted:
                continue
            for row in rows:
                if row["draw_frame"] != pos:
                    continue
                pts = np.array([[np.nan, np.nan] if p is None else p
                                for p in outlines[pos]], float)
                hip, sh = ends[pos]  # type: ignore[misc]
                text = [f"{tag} rep {row['rep']} ({label})",
                        f"bulge bottom {fmt(row['bulge'])} product {fmt(row['product_bulge'])}",
                        f"on the way {fmt(row['bulge_way'])} standing {fmt(row['bulge_stand'])}",
                        f"tangents {fmt(row['tangent_deg'], 1)} deg apex {row['apex']:.2f}",
                        f"called rounded: {row['called']}"]
                img = draw(frame.image, frame.scale, pts, hip, sh, facing_sign, row["med"], s,
                           text)
                cv2.imwrite(str(out / f"rep{row['rep']}.png"), img)
    for row in rows:
        row.pop("med")
    return rows


def print_table(rows: list[dict]) -> None:
    head = ("clip", "label", "rep", "bulge", "re", "way", "stand", "rise", "tang°", "t_way°",
            "t_st°", "apex", "sag", "called")
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in rows:
        print("| " + " | ".join([
            r["clip"], r["label"], str(r["rep"]), fmt(r["product_bulge"]), fmt(r["bulge"]),
            fmt(r["bulge_way"]),
            fmt(r["bulge_stand"]), fmt(r["rise"]), fmt(r["tangent_deg"], 1),
            fmt(r["tangent_way_deg"], 1), fmt(r["tangent_stand_deg"], 1),
            "—" if math.isnan(r["apex"]) else f"{r['apex']:.2f}", fmt(r["sag"]),
            "yes" if r["called"] else "no"]) + " |")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("clips", nargs="*", type=Path)
    ap.add_argument("--exercise", default="deadlift")
    ap.add_argument("--label", default="?")
    ap.add_argument("--calibration", action="store_true", help="the real calibration clips")
    ap.add_argument("--extra", type=Path,
                    help="a folder made by bench/back_sources.py extract (its clips, labels)")
    ap.add_argument("--only", help="substring: run only the clips whose name holds it")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args(argv)
    jobs: list[tuple[Path, str, str, str]] = []
    if args.calibration:
        for clip, (ex, label) in CALIBRATION.items():
            jobs.append((REAL / clip, ex, label, clip))
    if args.extra:
        from back_sources import CLIPS  # bench/ is on sys.path when run as a script
        for c in CLIPS:
            p = args.extra / c.name
            if p.exists():
                jobs.append((p, c.exercise, f"{c.label} ({c.split})", c.name))
    for p in args.clips:
        jobs.append((p, args.exercise, args.label, p.name))
    if args.only:
        jobs = [j for j in jobs if args.only in j[3]]
    if not jobs:
        ap.error("no clips")
    settings = Settings()
    model = get_pose_model(settings)
    rows: list[dict] = []
    for path, ex, label, tag in jobs:
        if not path.exists():
            print(f"skip {tag}: {path} absent", file=sys.stderr)
            continue
        try:
            got = diagnose(path, ex, label, args.out, settings, model, tag)
        except Exception as e:
            print(f"{tag}: failed: {e!r}", file=sys.stderr)
            continue
        rows.extend(got)
        print_table(got)
        sys.stdout.flush()
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "table.json").write_text(json.dumps(rows, indent=1, default=float))
    print()
    print_table(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
