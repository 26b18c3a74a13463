"""Speed of the pose stage against the obvious baseline, on clips this script makes.

    python bench/speed.py [--reps 4] [--sizes 1080,720]

For each size it generates a 30 fps H.264 lift clip (`hingecheck synth mixed`, about 10 s
for 3 reps), then runs, each in a fresh process so peak memory is its own:

- hingecheck: probe → decode (PyAV) → pose (settings' backend, input size, batch, stride)
  → athlete track → clean (timed as the pose stage, comparable with the baseline); then,
  timed apart, the back's shape (a second decode), the analysis core, and rendering the
  annotated clip (decode every frame, draw, libx264 encode);
- baseline: ``YOLO("yolo11n-pose.pt").track(frame, persist=True)`` on every frame read
  by ``cv2.VideoCapture``, ultralytics' defaults (PyTorch, imgsz 640).

It prints frames per second (analysed frames), realtime factor (clip seconds / wall
seconds) and peak resident memory. Numbers, not assertions: this is not a test.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def run_hingecheck(clip: Path) -> dict[str, float]:
    from hingecheck.pipeline import finish_analysis, run_pose_stage
    from hingecheck.pose.model import get_pose_model
    from hingecheck.render import render_clip
    from hingecheck.settings import get_settings

    settings = get_settings()
    model = get_pose_model(settings)  # loading is per process, not per clip: not timed
    started = time.perf_counter()
    out = run_pose_stage(clip, settings, model=model)
    wall = time.perf_counter() - started
    result = finish_analysis(clip.name, out, settings, model.spec, exercise="rdl")
    rendered = render_clip(clip, result, clip.with_name(clip.stem + "_annotated.mp4"), settings)
    return {"wall_s": wall, "back_shape_s": result.timings.back_shape_s,
            "analysis_s": result.timings.analysis_s, "render_fps": rendered.fps,
            "render_frames": rendered.frames, "frames_analysed": out.stats.frames_selected,
            "frames_decoded": out.stats.frames_decoded, "clip_s": out.stats.last_time_s + 1 / 30,
            "config": f"{model.spec.backend}, imgsz {model.spec.imgsz}, batch "
                      f"{settings.batch_size}, {settings.analysis_fps:g} analysed fps"}


def run_baseline(clip: Path) -> dict[str, float]:
    import cv2
    import hingecheck.pose  # noqa: F401  (offline switches)
    from hingecheck.pose.provision import weights_path
    from hingecheck.settings import get_settings
    from ultralytics import YOLO

    model = YOLO(str(weights_path(get_settings())), task="pose")
    cap = cv2.VideoCapture(str(clip))
    ok, frame = cap.read()
    model.track(frame, persist=True, verbose=False)  # warm-up, like ours
    cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
    frames = 0
    started = time.perf_counter()
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        model.track(frame, persist=True, verbose=False)
        frames += 1
    wall = time.perf_counter() - started
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    return {"wall_s": wall, "frames_analysed": frames, "frames_decoded": frames,
            "clip_s": frames / fps, "config": "torch, imgsz 640, every frame, YOLO.track"}


def measure(kind: str, clip: Path) -> dict[str, float]:
    """Run one measurement in a fresh child process (its peak memory is its own)."""
    proc = subprocess.run([sys.executable, __file__, "--child", kind, str(clip)],
                          capture_output=True, text=True, check=True)
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--sizes", default="1080,720")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "CLIP"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, clip = args.child
        result = run_hingecheck(Path(clip)) if kind == "hingecheck" else run_baseline(Path(clip))
        result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))
        return

    from hingecheck.synth.generate import generate_clip
    from hingecheck.synth.truth import ClipParams

    rows = []
    with tempfile.TemporaryDirectory(prefix="hingecheck-bench-") as tmp:
        for size in args.sizes.split(","):
            clip = Path(tmp) / f"clip_{size}p30.mp4"
            params = {"scenario": "mixed", "reps": args.reps, "resolution": int(size), "seed": 1}
            truth = generate_clip(ClipParams.model_validate(params), clip)
            print(f"{clip.name}: {truth.width}×{truth.height}, {truth.duration_s:.1f} s")
            for kind in ("hingecheck", "baseline"):
                data = measure(kind, clip)
                rows.append((f"{size}p30", kind, data))
                print(f"{size}p30 {kind:10s} {data['frames_analysed'] / data['wall_s']:6.1f} fps "
                      f"{data['clip_s'] / data['wall_s']:5.2f}× realtime  "
                      f"peak {data['peak_rss_mb']:5.0f} MB  ({data['config']})", flush=True)
                if kind == "hingecheck":
                    print(f"{size}p30 back shape {data['back_shape_s']:.2f} s, analysis "
                          f"{data['analysis_s'] * 1000:.0f} ms; render + encode "
                          f"{data['render_frames']:.0f} frames at {data['render_fps']:.0f} "
                          "frames/s (veryfast, CRF 23)", flush=True)
    print()
    print("| clip | pipeline | analysed frames/s | realtime factor | peak memory | config |")
    print("|---|---|---|---|---|---|")
    by_clip: dict[str, dict[str, float]] = {}
    for clip_name, kind, data in rows:
        rt = data["clip_s"] / data["wall_s"]
        by_clip.setdefault(clip_name, {})[kind] = rt
        print(f"| {clip_name} | {kind} | {data['frames_analysed'] / data['wall_s']:.1f} | "
              f"{rt:.2f}× | {data['peak_rss_mb']:.0f} MB | {data['config']} |")
    for clip_name, pair in by_clip.items():
        print(f"{clip_name}: hingecheck is {pair['hingecheck'] / pair['baseline']:.1f}× faster "
              "than the baseline (wall time for the same clip)")


if __name__ == "__main__":
    main()
