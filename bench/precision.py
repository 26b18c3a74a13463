"""What a cheaper network precision costs: keypoint deviation from f32 and speed, per precision.

    python bench/precision.py [--precisions f32,bf16,int8] [--repeat 30]

Names the CPU and the instruction sets that decide what OpenVINO can run fast (AVX2,
AVX-512, VNNI, BF16, AMX), then for each precision (``HINGECHECK_INFERENCE_PRECISION``:
f32, bf16, int8 — the NNCF-quantized IR — and auto, OpenVINO's own choice on this CPU):

- the network alone on one 640×384 input (a 16:9 frame letterboxed), ``--repeat`` timed
  rounds after a warm-up, the precisions taking turns within each round so that a change
  in the machine's load falls on all of them alike: the minimum and the median, in ms per
  frame (with the load average before and after: on a shared machine, compare the
  precisions with each other, not with another day's figures);
- the pose stage on the side-view real deadlift clips in ../shared/real (skipped with a
  message where absent), and the lifter's body keypoints (shoulders to ankles) against
  f32's on the same frames: median, 95th percentile and maximum, in display pixels and in
  percent of the lifter's box height (as ``bench/imgsz.py`` does); the frames where one
  precision found the lifter and the other did not are counted apart.

There is no marker ground truth for these clips, so this measures what the precision
changes, not absolute accuracy. Numbers, not assertions: this is not a test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import numpy as np
from hingecheck.pipeline import run_pose_stage
from hingecheck.pose.model import PoseModel, get_pose_model
from hingecheck.settings import get_settings

REAL = Path(__file__).resolve().parents[2] / "shared" / "real"
CLIPS = ["deadlift-c/good.mp4", "deadlift-c/rdl.mp4", "deadlift-c/nico_blocked.mp4",
         "deadlift-b/good/good018.mp4", "deadlift-b/good/good019.mp4",
         "deadlift-b/bad/bad010.mp4", "deadlift-b/bad/bad011.mp4", "deadlift-b/bad/bad012.mp4"]
BODY = list(range(5, 17))  # shoulders to ankles: the points the analysis uses
ISA_FLAGS = ("avx2", "avx512f", "avx512_vnni", "avx512_bf16", "avx512_fp16", "amx_tile",
             "amx_int8", "amx_bf16")


def cpu_description() -> str:
    """The CPU's model name, its instruction sets that matter here, and the core count."""
    name, flags = "unknown CPU", set[str]()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name" and name == "unknown CPU":
                name = value.strip()
            elif key.strip() == "flags" and not flags:
                flags = set(value.split())
    except OSError:
        pass
    present = [f for f in ISA_FLAGS if f in flags] or ["none of " + ", ".join(ISA_FLAGS)]
    return f"{name}, {os.cpu_count()} cores; {' '.join(present)}"


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def network_ms(models: dict[str, PoseModel], repeat: int) -> dict[str, tuple[float, float]]:
    """Each network alone on one 640×384 input, the models taking turns: (minimum,
    median) ms per precision over ``repeat`` rounds."""
    image = np.random.default_rng(0).integers(0, 255, (540, 960, 3), dtype=np.uint8)
    times: dict[str, list[float]] = {name: [] for name in models}
    for model in models.values():
        model.predict([image])
    for _ in range(repeat):
        for name, model in models.items():
            started = time.perf_counter()
            model.predict([image])
            times[name].append((time.perf_counter() - started) * 1000)
    return {name: (min(t), statistics.median(t)) for name, t in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--precisions", default="f32,bf16,int8,auto")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--no-real", action="store_true", help="network timing only")
    args = parser.parse_args()
    print(f"CPU: {cpu_description()}")
    print(f"load average before: {load_average()}")
    base = get_settings()
    precisions = args.precisions.split(",")
    real = not args.no_real and (REAL / "LABELS.md").is_file()
    if not real and not args.no_real:
        print(f"real footage not found at {REAL}: network timing only")
    order = ["f32", *[p for p in precisions if p != "f32"]]
    models = {p: get_pose_model(base.model_copy(update={"inference_precision": p}))
              for p in order}
    timing = network_ms(models, args.repeat)
    runs: dict[str, dict[str, object]] = {}
    for precision in order:
        model = models[precision]
        fastest, median = timing[precision]
        tracks, frames, wall = {}, 0, 0.0
        if real:
            for clip in CLIPS:
                started = time.perf_counter()
                out = run_pose_stage(REAL / clip, base.model_copy(
                    update={"inference_precision": precision}), model=model)
                wall += time.perf_counter() - started
                frames += out.track.n_frames
                tracks[clip] = out.track
        runs[precision] = {"runs_as": model.precision, "min_ms": fastest, "median_ms": median,
                           "tracks": tracks, "fps": frames / wall if wall else float("nan")}
        print(f"{precision}: runs as {model.precision}; network {fastest:.1f} ms min, "
              f"{median:.1f} ms median per 640×384 frame", flush=True)
    print(f"load average after: {load_average()}")
    print()
    print("| precision | runs as | network ms/frame (min / median) | pose stage analysed "
          "frames/s | body keypoints from f32, px (median / p95 / max) | % of body height "
          "(median / p95) | frames where only one found the lifter |")
    print("|---|---|---|---|---|---|---|")
    ref = runs["f32"]["tracks"]
    for precision in [p for p in runs if p in precisions or p == "f32"]:
        run = runs[precision]
        cells = "| | | |"
        if real:
            px, pct, disagree = [], [], 0
            for clip in CLIPS:
                t, r = run["tracks"][clip], ref[clip]  # type: ignore[index]
                height = np.nanmedian(r.boxes[:, 3] - r.boxes[:, 1])
                d = np.linalg.norm(t.xy[:, BODY] - r.xy[:, BODY], axis=-1)
                px.append(d[~np.isnan(d)])
                pct.append(d[~np.isnan(d)] / height * 100)
                disagree += int(np.sum(np.isnan(t.xy[:, BODY, 0]).all(axis=1)
                                       != np.isnan(r.xy[:, BODY, 0]).all(axis=1)))
            all_px, all_pct = np.concatenate(px), np.concatenate(pct)
            cells = (f"| {np.median(all_px):.2f} / {np.percentile(all_px, 95):.2f} / "
                     f"{all_px.max():.1f} | {np.median(all_pct):.2f} / "
                     f"{np.percentile(all_pct, 95):.2f} | {disagree} |")
        fps = f"{run['fps']:.1f}" if real else "—"
        print(f"| {precision} | {run['runs_as']} | {run['min_ms']:.1f} / "
              f"{run['median_ms']:.1f} | {fps} {cells}")


if __name__ == "__main__":
    main()
