"""Before/after check of the verdicts: result.json, timings aside, for a fixed set of clips.

    python bench/regression.py --out out/regression/before            # record
    python bench/regression.py --out out/regression/after --against out/regression/before
    python bench/regression.py --out out/regression/after --against out/regression/before \
        --compare-only --ignore video.created_at      # compare two recorded runs

The clips: every real clip under --real (../shared/real) that bench/real_labels.py lists,
judged under its labelled profile (a squat under rdl), and --synth generated clips of the
validation seed's kinds (made once into --synth-dir). A change meant to keep the judgement
(a refactor, a faster path that claims to be exact) shows here as "identical"; anything
else lists the clips and the first fields that differ. Exit code 1 where any differs.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from hingecheck.pipeline import analyze_video
from hingecheck.pose.model import get_pose_model
from hingecheck.settings import get_settings

sys.path.insert(0, str(Path(__file__).parent))
from real_labels import REAL_LABELS, REAL_OFF_SIDE, REAL_VALIDATION, SQUAT

# Generated clips: (scenario, seed); the validation seed's figure, both faults and clean.
SYNTH = [("good_hinge", 2028), ("squat_substitution", 2028), ("lumbar_rounding", 2028),
         ("mixed", 2028)]
VOLATILE = ("timings", "hingecheck_version")


def _clips(real: Path, synth_dir: Path, n_synth: int) -> list[tuple[str, Path, str]]:
    """(name, path, exercise) for every clip this check runs."""
    clips: list[tuple[str, Path, str]] = []
    for rel, (profile, _, _) in REAL_LABELS.items():
        clips.append((rel, real / rel, profile))
    for rel in REAL_OFF_SIDE:
        clips.append((rel, real / rel, "deadlift"))
    for rel, (profile, _, _) in REAL_VALIDATION.items():
        clips.append((rel, real / rel, "rdl" if profile == SQUAT else profile))
    clips = [c for c in clips if c[1].exists()]
    synth_dir.mkdir(parents=True, exist_ok=True)
    for scenario, seed in SYNTH[:n_synth]:
        path = synth_dir / f"{scenario}-{seed}.mp4"
        if not path.exists():
            cli = str(Path(sys.executable).parent / "hingecheck")
            subprocess.run([cli, "synth", scenario, str(path), "--reps", "3", "--seed", str(seed)],
                           check=True)
        clips.append((f"synth/{path.name}", path, "rdl"))
    return clips


def _stable(result: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in result.items() if k not in VOLATILE}


def _first_differences(a: Any, b: Any, path: str = "", limit: int = 5,
                       ignore: frozenset[str] = frozenset()) -> list[str]:
    if path.lstrip(".") in ignore:
        return []
    if isinstance(a, dict) and isinstance(b, dict):
        out: list[str] = []
        for key in sorted(set(a) | set(b)):
            out += _first_differences(a.get(key), b.get(key), f"{path}.{key}", limit, ignore)
            if len(out) >= limit:
                break
        return out[:limit]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        out = []
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            out += _first_differences(x, y, f"{path}[{i}]", limit, ignore)
            if len(out) >= limit:
                break
        return out[:limit]
    return [] if a == b else [f"{path}: {str(a)[:60]} → {str(b)[:60]}"]


def _compare_recorded(out: Path, against: Path | None, ignore: frozenset[str]) -> int:
    if against is None:
        raise SystemExit("--compare-only needs --against")
    differing = 0
    names = sorted(p.name for p in out.glob("*.json"))
    for name in names:
        before = against / name
        if not before.exists():
            print(f"{name:60s} (no earlier result)")
            continue
        diffs = _first_differences(json.loads(before.read_text()),
                                   json.loads((out / name).read_text()), ignore=ignore)
        differing += bool(diffs)
        print(f"{name:60s} " + ("identical" if not diffs else "DIFFERS: " + "; ".join(diffs)))
    print(f"{differing} of {len(names)} clips differ")
    return 1 if differing else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--against", type=Path)
    ap.add_argument("--real", type=Path, default=Path(__file__).parents[2] / "shared" / "real")
    ap.add_argument("--synth-dir", type=Path, default=Path("out/regression/synth"))
    ap.add_argument("--synth", type=int, default=len(SYNTH), help="generated clips to include")
    ap.add_argument("--ignore", action="append", default=[],
                    help="a field (dotted path, e.g. video.created_at) added on purpose")
    ap.add_argument("--compare-only", action="store_true",
                    help="compare the results already in --out with --against")
    args = ap.parse_args()
    ignore = frozenset(args.ignore)
    if args.compare_only:
        return _compare_recorded(args.out, args.against, ignore)
    settings = get_settings()
    model = get_pose_model(settings)
    args.out.mkdir(parents=True, exist_ok=True)
    differing = 0
    clips = _clips(args.real, args.synth_dir, args.synth)
    print(f"{len(clips)} clips")
    for name, path, exercise in clips:
        started = time.perf_counter()
        target = args.out / (name.replace("/", "__") + ".json")
        try:
            result = _stable(json.loads(analyze_video(path, settings, exercise=exercise,
                                                      model=model).model_dump_json()))
        except Exception as exc:  # a refused clip is a verdict too
            result = {"refused": f"{type(exc).__name__}: {exc}"}
        target.write_text(json.dumps(result, sort_keys=True, indent=1))
        line = f"{name:48s} {time.perf_counter() - started:5.1f} s"
        if args.against is not None:
            before_path = args.against / target.name
            if not before_path.exists():
                line += "  (no earlier result)"
            else:
                diffs = _first_differences(json.loads(before_path.read_text()), result,
                                           ignore=ignore)
                differing += bool(diffs)
                line += "  identical" if not diffs else "  DIFFERS: " + "; ".join(diffs)
        print(line, flush=True)
    if args.against is not None:
        print(f"{differing} of {len(clips)} clips differ")
    return 1 if differing else 0


if __name__ == "__main__":
    raise SystemExit(main())
