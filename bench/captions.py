"""Do on-screen graphics change the verdict? The real clips with captions, arrows and lines
drawn on them, judged with the back traced on the background model and on the person mask.

    python bench/captions.py [--real ../shared/real] [--cache out/pose-cache]

The clips of ``deadlift-b/`` whose labels come from their on-screen text (LABELS.md): the
pose stage is the same for both outlines (cached like bench/accuracy.py's), only the back's
outline changes. Printed per clip: the faults found and each rep's back bulge (the rounding
measure; a rounding call starts at 0.04) under each outline. These are calibration clips
(bench/real_labels.py): thresholds were set with them in view, on the background model.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hingecheck.pipeline import finish_analysis
from hingecheck.pose.model import get_pose_model
from hingecheck.settings import get_settings

sys.path.insert(0, str(Path(__file__).parent))
from accuracy import real_pose

# (clip, what is drawn on it): LABELS.md's "on-screen text" clips.
CAPTIONED = {
    "deadlift-b/bad/bad010.mp4": "'Squatting deadlift', a dashed 'Hips too low' line at the hips",
    "deadlift-b/bad/bad011.mp4": "'Rounding back' above the lifter",
    "deadlift-b/bad/bad012.mp4": "'Bar too far from body', dashed lines and an arrow at the bar",
    "deadlift-b/bad/bad013.mp4": "'Hyper extending on top', an arrow at the lower back",
    "deadlift-b/bad/bad005.mp4": "'Which deadlift form is correct?' and '1.' above the back",
    "deadlift-b/bad/bad006.mp4": "'Which deadlift form is correct?' and '2.' above the back",
    "deadlift-b/good/good004.mp4": "'Which deadlift form is correct?' and '3.' above the back",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real", type=Path,
                        default=Path(__file__).resolve().parents[2] / "shared" / "real")
    parser.add_argument("--cache", type=Path, default=None,
                        help="keep pose-stage outputs here and reuse them")
    args = parser.parse_args()
    settings = get_settings()
    model = get_pose_model(settings)
    print("| clip | drawn on it | background model | person mask |")
    print("|---|---|---|---|")
    for name, drawn in CAPTIONED.items():
        out = real_pose(args.real, name, settings, model, args.cache)
        cells = []
        for outline in ("background", "person"):
            judged = settings.model_copy(update={"back_outline": outline})
            result = finish_analysis(Path(name).name, out, judged, model.spec,
                                     exercise="deadlift")
            faults = sorted({f.name for r in result.reps for f in r.faults})
            bulges = " / ".join("–" if r.back_bulge is None else f"{r.back_bulge:+.3f}"
                                for r in result.reps)
            cells.append(f"{', '.join(faults) or 'clean'} (bulge {bulges or '–'})")
        print(f"| {name} | {drawn} | {cells[0]} | {cells[1]} |", flush=True)


if __name__ == "__main__":
    main()
