"""What a smaller model input costs: keypoint agreement and speed per input size.

    python bench/imgsz.py [--sizes 320,384,480,640] [--reference 960]

Runs the pose stage on the side-view real deadlift clips in ../shared/real (skipped with a
message where absent) at each input size, and compares the lifter's keypoints with those
found at the reference size (the most detailed view the model gets). There is no marker
ground truth for these clips, so this measures what shrinking the input changes, not
absolute accuracy. Prints a table: detection rate, median and 95th-percentile keypoint
deviation from the reference (percent of the lifter's box height), analysed frames/s.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from hingecheck.pipeline import run_pose_stage
from hingecheck.pose.model import get_pose_model
from hingecheck.settings import get_settings

REAL = Path(__file__).resolve().parents[2] / "shared" / "real"
CLIPS = ["deadlift-c/good.mp4", "deadlift-c/rdl.mp4", "deadlift-c/nico_blocked.mp4",
         "deadlift-b/good/good018.mp4", "deadlift-b/good/good019.mp4",
         "deadlift-b/bad/bad010.mp4", "deadlift-b/bad/bad011.mp4", "deadlift-b/bad/bad012.mp4"]
BODY = list(range(5, 17))  # shoulders to ankles: the points the analysis uses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="320,384,480,640")
    parser.add_argument("--reference", type=int, default=960)
    args = parser.parse_args()
    if not (REAL / "LABELS.md").is_file():
        print(f"real footage not found at {REAL}: nothing to measure")
        return
    base = get_settings()
    sizes = [int(s) for s in args.sizes.split(",")]
    runs: dict[int, dict[str, object]] = {}
    for size in [args.reference, *sizes]:
        settings = base.model_copy(update={"imgsz": size})
        model = get_pose_model(settings)
        tracks, frames, wall = {}, 0, 0.0
        for clip in CLIPS:
            started = time.perf_counter()
            out = run_pose_stage(REAL / clip, settings, model=model)
            wall += time.perf_counter() - started
            frames += out.track.n_frames
            tracks[clip] = out.track
        runs[size] = {"tracks": tracks, "fps": frames / wall}
    ref = runs[args.reference]["tracks"]
    print(f"| input size | lifter found | keypoint deviation from {args.reference} "
          "(median / p95, % of body height) | analysed frames/s |")
    print("|---|---|---|---|")
    for size in [*sizes, args.reference]:
        tracks = runs[size]["tracks"]
        devs, found = [], []
        for clip in CLIPS:
            t, r = tracks[clip], ref[clip]  # type: ignore[index]
            height = np.nanmedian(r.boxes[:, 3] - r.boxes[:, 1])
            d = np.linalg.norm(t.xy[:, BODY] - r.xy[:, BODY], axis=-1) / height * 100
            devs.append(d[~np.isnan(d)])
            found.append(t.detected_fraction)
        all_dev = np.concatenate(devs)
        print(f"| {size} | {np.mean(found):.1%} | {np.median(all_dev):.1f} / "
              f"{np.percentile(all_dev, 95):.1f} | {runs[size]['fps']:.1f} |")


if __name__ == "__main__":
    main()
