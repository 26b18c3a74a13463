"""The ``hingecheck`` command: the composition root of the services."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from hingecheck.errors import HingecheckError
from hingecheck.settings import SettingsError, get_settings
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

# The exercise profiles hingecheck knows ("auto" lets the analysis guess).
EXERCISES = ("rdl", "deadlift", "kettlebell_swing", "good_morning", "wall_drill", "auto")

app = typer.Typer(help="hingecheck: judges the hip hinge in lift videos.", no_args_is_help=True)
model_app = typer.Typer(help="Provision and inspect the pose model.", no_args_is_help=True)
app.add_typer(model_app, name="model")
console = Console()
err_console = Console(stderr=True)


def _fail(message: str) -> typer.Exit:
    err_console.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code=2)


@app.command()
def analyze(
    clip: Annotated[Path, typer.Argument(help="the lift video to analyse")],
    out: Annotated[Path, typer.Option(help="folder for result.json")] = Path("out"),
    exercise: Annotated[str, typer.Option(help=f"one of: {', '.join(EXERCISES)}")] = "rdl",
) -> None:
    """Analyse CLIP and write OUT/result.json."""
    from hingecheck.pipeline import analyze_video

    if exercise not in EXERCISES:
        raise _fail(f"unknown exercise {exercise!r}; choose one of: {', '.join(EXERCISES)}")
    try:
        settings = get_settings()
        with Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[fps]:>5.1f} fps"), TimeElapsedColumn(),
            TextColumn("ETA"), TimeRemainingColumn(), console=err_console, transient=True,
        ) as bar:
            task = bar.add_task("loading model", total=None, fps=0.0)

            def progress(done: int, expected: int) -> None:
                elapsed = bar.tasks[0].elapsed or 1e-9
                bar.update(task, description="pose", completed=done, total=expected,
                           fps=done / elapsed)

            result = analyze_video(clip, settings, exercise=exercise, progress=progress)
    except (HingecheckError, SettingsError) as exc:
        raise _fail(str(exc)) from None
    out.mkdir(parents=True, exist_ok=True)
    target = out / "result.json"
    target.write_text(result.model_dump_json(indent=1))
    _print_summary(result, target)


def _print_summary(result, target: Path) -> None:  # type: ignore[no-untyped-def]
    v, a, t = result.video, result.athlete, result.timings
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_row("clip", f"{result.source_name}: {v.width}×{v.height}, {v.fps:g} fps, "
                  f"{v.duration_s:.1f} s, rotation {v.rotation_deg}°")
    table.add_row("frames", f"{v.frames_decoded} decoded, {v.frames_analysed} analysed "
                  f"({v.analysis_fps:g} per second)")
    table.add_row("model", f"{result.model.name} on {result.model.backend}, "
                  f"input {result.model.imgsz}")
    table.add_row("athlete", f"{a.selection_reason}; found in {a.detected_fraction:.0%} "
                  "of analysed frames")
    view_style = "green" if result.view.side_view_ok else "bold yellow"
    table.add_row("view", f"[{view_style}]{result.view.message}[/]")
    table.add_row("speed", f"{t.frames_per_second:.1f} frames/s, {t.realtime_factor:.1f}× "
                  f"realtime ({t.total_s:.1f} s)")
    for note in result.notes:
        table.add_row("note", note)
    console.print(table)
    console.print(f"wrote [bold]{target}[/]")


@model_app.command("fetch")
def model_fetch(
    export: Annotated[bool, typer.Option(help="also export the OpenVINO model")] = True,
    force: Annotated[bool, typer.Option(help="fetch and export again")] = False,
) -> None:
    """Download and verify the yolo11n-pose weights, then export OpenVINO (install step)."""
    from hingecheck.pose import provision

    try:
        settings = get_settings()
        with console.status("fetching yolo11n-pose weights"):
            path = provision.fetch_weights(settings, force=force)
        console.print(f"weights: {path} (sha256 verified)")
        if export:
            with console.status("exporting the OpenVINO model"):
                ov = provision.export_openvino(settings, force=force)
            console.print(f"openvino: {ov}")
    except (HingecheckError, SettingsError) as exc:
        raise _fail(str(exc)) from None


@model_app.command("info")
def model_info() -> None:
    """Show which model an analysis would use, and load it once."""
    from hingecheck.pose.model import get_pose_model

    try:
        model = get_pose_model(get_settings())
    except (HingecheckError, SettingsError) as exc:
        raise _fail(str(exc)) from None
    console.print_json(json.dumps({**model.describe(), "warmup_s": round(model.warmup_s, 3)}))


@app.command("synth")
def synth(
    scenario: Annotated[str, typer.Argument(
        help="good_hinge, squat_substitution, lumbar_rounding, mixed, deadlift, "
             "kettlebell_swing, wall_drill, good_morning — or 'suite' for the benchmark set")],
    out: Annotated[Path, typer.Argument(help="the MP4 to write (a folder for 'suite')")],
    reps: Annotated[int, typer.Option(help="repetitions")] = 3,
    seed: Annotated[int, typer.Option(help="same seed, same clip")] = 0,
    view_deg: Annotated[float, typer.Option(help="camera offset from the side view")] = 0.0,
    facing: Annotated[str, typer.Option(help="left or right")] = "right",
    grade: Annotated[str, typer.Option(help="rounding grade: mild, clear, severe")] = "clear",
    exercise: Annotated[str | None, typer.Option(help="exercise for the fault scenarios")] = None,
    resolution: Annotated[int, typer.Option(help="480, 720 or 1080 (short side)")] = 720,
    portrait: Annotated[bool, typer.Option(help="portrait frames")] = False,
    fps: Annotated[float, typer.Option(help="frames per second")] = 30.0,
    passer_by: Annotated[bool, typer.Option(help="a second person walks through")] = False,
    textured: Annotated[bool, typer.Option(help="a cluttered background")] = False,
) -> None:
    """Generate a lift clip with ground truth (OUT and OUT.json), or the benchmark suite."""
    from hingecheck.synth.generate import generate_clip
    from hingecheck.synth.suite import write_suite
    from hingecheck.synth.truth import ClipParams
    from pydantic import ValidationError

    if scenario == "suite":
        with Progress(TextColumn("[bold]suite"), BarColumn(), MofNCompleteColumn(),
                      TextColumn("{task.description}"), TimeRemainingColumn(),
                      console=err_console, transient=True) as bar:
            task = bar.add_task("", total=None)
            paths = write_suite(out, seed, lambda done, total, name: bar.update(
                task, completed=done, total=total, description=name))
        console.print(f"wrote {len(paths)} clips with ground truth to [bold]{out}[/]")
        return
    try:
        params = ClipParams.model_validate({
            "scenario": scenario, "reps": reps, "seed": seed, "view_deg": view_deg,
            "facing": facing, "grade": grade, "exercise": exercise, "resolution": resolution,
            "orientation": "portrait" if portrait else "landscape", "fps": fps,
            "passer_by": passer_by, "textured_background": textured,
        })
    except ValidationError as exc:
        raise _fail("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}"
                              for e in exc.errors())) from None
    if params.exercise is not None and params.exercise not in EXERCISES[:-1]:
        raise _fail(f"unknown exercise {params.exercise!r}")
    out.parent.mkdir(parents=True, exist_ok=True)
    with console.status(f"rendering {scenario}"):
        truth = generate_clip(params, out)
    faults = sum(len(r.faults) for r in truth.reps)
    console.print(f"wrote [bold]{out}[/] ({truth.n_frames} frames, {truth.duration_s:.1f} s, "
                  f"{len(truth.reps)} reps, {faults} faulty) and {out.with_suffix('.json')}")


if __name__ == "__main__":
    app()
