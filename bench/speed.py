"""Speed and memory of hingecheck against the obvious baseline, on clips this script makes.

    python bench/speed.py [--reps 3] [--sizes 1080,720] [--precisions f32,bf16,int8] [--no-idle]

For each size it generates a 30 fps H.264 lift clip (`hingecheck synth mixed`, about 11 s
for 3 reps) and measures, each in a fresh process so peak memory is its own:

- stages: probe → decode (PyAV, scaled in the decoder) → pose (OpenVINO, batched) →
  athlete track (the *pose stage*, comparable with the baseline), of which the time
  inside the network is counted apart; a decode-only pass; then the back's shape (on the
  small frames the pose stage kept), the analysis core, and rendering the annotated clip
  and its poster (one decoding pass, at ``render_max_side``);
- analyze: the whole `hingecheck analyze CLIP` command as a user runs it (start-up, model
  load, analysis, annotated clip, poster, chart), wall time, the time until its
  result.json exists (written before the clip is drawn) and peak memory;
- baseline: ``YOLO("yolo11n-pose.pt").track(frame, persist=True)`` on every frame read
  by ``cv2.VideoCapture``, ultralytics' defaults (PyTorch, imgsz 640), run in the export
  environment (the runtime has no torch).

The stages and the command are measured once per network precision (``--precisions``,
each as ``HINGECHECK_INFERENCE_PRECISION`` would set it; the first is the reference), and
the output starts with the CPU's name and the instruction sets that decide which
precisions are fast on it (AVX2, AVX-512, VNNI, BF16, AMX) and the load average.

Then how fast a 0-byte and a text file are refused, and the resident memory of an idle
`hingecheck serve` (after one job) and an idle `hingecheck worker` (model loaded).
Numbers, not assertions: this is not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from precision import cpu_description, load_average

HERE = Path(__file__).resolve().parent
Figures = dict[str, float | str]
HINGECHECK = str(Path(sys.executable).with_name("hingecheck"))


def run_stages(clip: Path, precision: str) -> dict[str, float | str]:
    from hingecheck.pipeline import finish_analysis, run_pose_stage
    from hingecheck.pose.model import get_pose_model
    from hingecheck.render import render_clip
    from hingecheck.settings import get_settings
    from hingecheck.video import VideoLimits, decode_frames, probe

    settings = get_settings().model_copy(update={"inference_precision": precision})
    model = get_pose_model(settings)  # loading is per process, not per clip: not timed
    infer_s = [0.0]
    predict = model.predict

    def timed_predict(*args, **kwargs):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        try:
            return predict(*args, **kwargs)
        finally:
            infer_s[0] += time.perf_counter() - started

    model.predict = timed_predict  # type: ignore[method-assign]
    limits = VideoLimits.from_settings(settings)
    started = time.perf_counter()
    for _ in decode_frames(probe(clip, limits), analysis_fps=settings.analysis_fps,
                           max_side=settings.decode_side(), limits=limits):
        pass
    decode_s = time.perf_counter() - started
    started = time.perf_counter()
    out = run_pose_stage(clip, settings, model=model)
    pose_s = time.perf_counter() - started
    result = finish_analysis(clip.name, out, settings, model.spec, exercise="rdl")
    rendered = render_clip(clip, result, clip.with_name(clip.stem + "_annotated.mp4"), settings,
                           poster=clip.with_name(clip.stem + "_poster.jpg"))
    return {"pose_s": pose_s, "decode_s": decode_s, "infer_s": infer_s[0],
            "back_shape_s": result.timings.back_shape_s, "analysis_s": result.timings.analysis_s,
            "render_s": rendered.seconds, "render_fps": rendered.fps,
            "frames_analysed": out.stats.frames_selected,
            "frames_decoded": out.stats.frames_decoded,
            "clip_s": out.stats.last_time_s + 1 / 30,
            "config": f"OpenVINO {model.precision}, imgsz {model.spec.imgsz}, batch "
                      f"{settings.batch_size}, {settings.analysis_fps:g} analysed fps"}


def run_command(args: list[str], env: dict[str, str] | None = None) -> dict[str, float]:
    """One command in a child process: its wall time, exit code and peak memory, and for
    ``analyze --out DIR`` the time until DIR/result.json exists (the verdict, written
    before the clip is drawn)."""
    verdict = (Path(args[args.index("--out") + 1]) / "result.json" if "--out" in args
               else None)
    if verdict is not None:
        verdict.unlink(missing_ok=True)
    started = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, **(env or {})})
    to_verdict = float("nan")
    while proc.poll() is None:
        if verdict is not None and to_verdict != to_verdict and verdict.exists():
            to_verdict = time.perf_counter() - started
        time.sleep(0.02)
    wall = time.perf_counter() - started
    return {"wall_s": wall, "rc": proc.returncode, "to_result_s": to_verdict,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}


def measure(kind: str, *args: str, precision: str = "") -> dict[str, float | str]:
    """One measurement in a fresh child process (its peak memory is its own)."""
    env = {**os.environ, "BENCH_PRECISION": precision} if precision else None
    proc = subprocess.run([sys.executable, __file__, "--child", kind, *args],
                          capture_output=True, text=True, check=False, env=env)
    if proc.returncode != 0:
        raise SystemExit(f"{kind} failed:\n{proc.stderr[-3000:]}")
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def baseline(clip: Path) -> dict[str, float | str] | None:
    from hingecheck.pose.provision import weights_path
    from hingecheck.settings import get_settings

    python = os.environ.get("HINGECHECK_EXPORT_PYTHON", ".venv-export/bin/python")
    if not Path(python).is_file():
        print(f"(no export environment at {python}: baseline skipped)")
        return None
    proc = subprocess.run([python, str(HERE / "baseline_ultralytics.py"),
                           str(weights_path(get_settings())), str(clip)],
                          capture_output=True, text=True, check=True)
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def children_of(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]


def idle_memory(clip: Path, tmp: Path) -> dict[str, float]:
    """RSS of an idle `serve` after one job, and of an idle `worker` with its model."""
    import httpx

    env = {**os.environ, "HINGECHECK_DATA_DIR": str(tmp / "data")}
    key = subprocess.run([HINGECHECK, "keys", "bench"], env=env, capture_output=True,
                         text=True, check=True).stdout.split(":")[-1].strip()
    port = "8765"
    serve = subprocess.Popen([HINGECHECK, "serve", "--port", port], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    figures = {}
    try:
        base = f"http://127.0.0.1:{port}"
        auth = {"Authorization": f"Bearer {key}"}
        for _ in range(200):
            try:
                httpx.get(f"{base}/healthz", timeout=1.0)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        figures["serve_started_mb"] = rss_mb(serve.pid)
        with clip.open("rb") as f:
            job = httpx.post(f"{base}/v1/videos", headers=auth, files={"file": (clip.name, f)},
                             data={"exercise": "rdl"}, timeout=60).json()
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            status = httpx.get(f"{base}/v1/jobs/{job['id']}", headers=auth).json()["status"]
            if status in ("succeeded", "failed", "rejected"):
                break
            time.sleep(0.5)
        time.sleep(2)
        figures["serve_after_job_mb"] = rss_mb(serve.pid)
    finally:
        serve.terminate()
        serve.wait(timeout=30)
    env["HINGECHECK_BROKER_URL"] = "redis://127.0.0.1:6379/15"
    worker = subprocess.Popen([HINGECHECK, "worker", "--concurrency", "1"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(25)  # start-up and the child's model load and warm-up
        kids = children_of(worker.pid)
        figures["worker_main_mb"] = rss_mb(worker.pid)
        figures["worker_child_mb"] = sum(rss_mb(k) for k in kids) if kids else float("nan")
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    return figures


def report(st: dict[str, float | str], cli: dict[str, float | str], precision: str) -> None:
    clip_s = float(st["clip_s"])
    print(f"  [{precision}] pose stage {st['pose_s']:.2f} s "
          f"({clip_s / float(st['pose_s']):.2f}× realtime; network {st['infer_s']:.2f} s, "
          f"decode alone {st['decode_s']:.2f} s for {st['frames_decoded']} frames), back shape "
          f"{st['back_shape_s']:.2f} s, analysis {float(st['analysis_s']) * 1000:.0f} ms, "
          f"render {st['render_s']:.2f} s ({st['render_fps']:.0f} frames/s); {st['config']}",
          flush=True)
    if cli["rc"] == 0:
        print(f"  [{precision}] analyze command {cli['wall_s']:.2f} s "
              f"({clip_s / float(cli['wall_s']):.2f}× realtime), result.json after "
              f"{float(cli['to_result_s']):.2f} s "
              f"({clip_s / float(cli['to_result_s']):.2f}× realtime), peak "
              f"{cli['peak_rss_mb']:.0f} MB", flush=True)
    else:
        print(f"  [{precision}] analyze command exited {cli['rc']:.0f} (the settings may not "
              "accept this precision)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--sizes", default="1080,720")
    parser.add_argument("--precisions", default="f32,bf16,int8",
                        help="network precisions to measure, the reference first")
    parser.add_argument("--no-idle", action="store_true", help="skip serve/worker memory")
    if sys.argv[1:2] == ["--child"]:  # a measurement in its own process
        kind, rest = sys.argv[2], sys.argv[3:]
        precision = os.environ.get("BENCH_PRECISION", "")
        result: dict[str, float | str]
        if kind == "stages":
            result = run_stages(Path(rest[0]), precision or "f32")
        else:
            # The command reads the precision as a user sets it.
            env = {"HINGECHECK_INFERENCE_PRECISION": precision} if precision else None
            result = dict(run_command(rest, env))
        result.setdefault("peak_rss_mb",
                          resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        print(json.dumps(result))
        return
    args = parser.parse_args()

    from hingecheck.synth.generate import generate_clip
    from hingecheck.synth.truth import ClipParams

    print(f"machine: {cpu_description()} ({platform.machine()})")
    print(f"load average at start: {load_average()}")
    precisions = args.precisions.split(",")
    rows: list[tuple[str, Figures | None, Figures | None, Figures | None]] = []
    with tempfile.TemporaryDirectory(prefix="hingecheck-bench-") as tmp_name:
        tmp = Path(tmp_name)
        for size in args.sizes.split(","):
            clip = tmp / f"clip_{size}p30.mp4"
            params = {"scenario": "mixed", "reps": args.reps, "resolution": int(size), "seed": 1}
            truth = generate_clip(ClipParams.model_validate(params), clip)
            print(f"{clip.name}: {truth.width}×{truth.height}, {truth.duration_s:.1f} s",
                  flush=True)
            base = baseline(clip)
            for precision in precisions:
                st = measure("stages", str(clip), precision=precision)
                cli = measure("cli", HINGECHECK, "analyze", str(clip), "--out",
                              str(tmp / size), precision=precision)
                rows.append((f"{size}p30 {precision}", st, cli, None))
                report(st, cli, precision)
            if base:
                rows.append((f"{size}p30", None, None, base))
                rt = float(base["clip_s"]) / float(base["pose_s"])
                print(f"  baseline {base['pose_s']:.2f} s ({rt:.2f}× realtime), peak "
                      f"{base['peak_rss_mb']:.0f} MB", flush=True)
        empty = tmp / "empty.mp4"
        empty.write_bytes(b"")
        text = tmp / "notes.mp4"
        text.write_text("not a video\n" * 100)
        refusals = {p.name: measure("cli", HINGECHECK, "analyze", str(p), "--out", str(tmp / "r"))
                    for p in (empty, text)}
        idle = {} if args.no_idle else idle_memory(tmp / "clip_720p30.mp4"
                                                   if "720" in args.sizes else clip, tmp)

    print(f"load average at end: {load_average()}")
    print()
    print("| clip, precision | what | wall | realtime factor | peak memory |")
    print("|---|---|---|---|---|")
    for name, stage_run, cli_run, torch_run in rows:
        if stage_run and cli_run:
            clip_s = float(stage_run["clip_s"])
            pose_s, infer_s = float(stage_run["pose_s"]), float(stage_run["infer_s"])
            per_frame_ms = 1000 * infer_s / float(stage_run["frames_analysed"])
            print(f"| {name} | pose stage (decode + pose + track) | {pose_s:.2f} s | "
                  f"{clip_s / pose_s:.2f}× | |")
            print(f"| {name} | network alone ({stage_run['config']}) | {infer_s:.2f} s | "
                  f"{per_frame_ms:.1f} ms a frame | |")
            if cli_run["rc"] == 0:
                print(f"| {name} | `hingecheck analyze` with the annotated clip | "
                      f"{cli_run['wall_s']:.2f} s | {clip_s / float(cli_run['wall_s']):.2f}× | "
                      f"{cli_run['peak_rss_mb']:.0f} MB |")
            else:
                print(f"| {name} | `hingecheck analyze` refused this precision (exit "
                      f"{cli_run['rc']:.0f}) | | | |")
        if torch_run:
            print(f"| {name} | baseline `YOLO.track` (torch) | {torch_run['pose_s']:.2f} s | "
                  f"{float(torch_run['clip_s']) / float(torch_run['pose_s']):.2f}× | "
                  f"{torch_run['peak_rss_mb']:.0f} MB |")
    for name, r in refusals.items():
        print(f"refused {name}: exit {r['rc']:.0f} in {r['wall_s']:.2f} s, peak "
              f"{r['peak_rss_mb']:.0f} MB")
    for name, mb in idle.items():
        print(f"idle {name}: {mb:.0f} MB")


if __name__ == "__main__":
    main()
