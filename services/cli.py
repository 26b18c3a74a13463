"""The ``hingecheck`` command: the composition root of the services."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import httpx
import typer
from hingecheck import logs
from hingecheck.errors import HingecheckError
from hingecheck.settings import Settings, SettingsError, get_settings
from hingecheck.vocab import DEFAULT_EXERCISE, Exercise, ExerciseChoice, JobStatus, OutputKind
from rich.console import Console

# `hingecheck serve` on SIGTERM: open requests get this long, then the process ends (the
# job under way is released for another worker, not finished).
SHUTDOWN_GRACE_S = 3
DEFAULT_CHOICE = ExerciseChoice(DEFAULT_EXERCISE)

app = typer.Typer(help="hingecheck: judges the hip hinge in lift videos.", no_args_is_help=True)
model_app = typer.Typer(help="Provision and inspect the pose model.", no_args_is_help=True)
app.add_typer(model_app, name="model")
console = Console()
err_console = Console(stderr=True)


def _fail(message: str) -> typer.Exit:
    err_console.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code=2)


def _settings() -> Settings:
    """The settings, or one line and exit 2 naming the bad variable."""
    try:
        return get_settings()
    except SettingsError as exc:
        raise _fail(str(exc)) from None


@app.command()
def analyze(
    clip: Annotated[Path, typer.Argument(help="the lift video to analyse")],
    out: Annotated[Path, typer.Option(help="folder for the result files")] = Path("out"),
    exercise: Annotated[ExerciseChoice, typer.Option(
        help="the exercise filmed, or auto to let hingecheck tell")] = DEFAULT_CHOICE,
    render: Annotated[bool, typer.Option(
        help="also write annotated.mp4, poster.jpg and angles.png")] = True,
) -> None:
    """Analyse CLIP; write OUT/result.json, annotated.mp4, poster.jpg and angles.png."""
    from hingecheck.video import VideoLimits, probe

    try:
        settings = get_settings()
        # Refuse a bad file before the analysis (and the model) is even imported.
        probe(clip, VideoLimits.from_settings(settings))
        from hingecheck.pipeline import analyze_video
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        from services.console_report import print_report

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
    target = out / OutputKind.RESULT.file_name
    target.write_text(result.model_dump_json(indent=1))
    # The verdict is shown (and its file written) before the clip is drawn.
    print_report(console, result)
    console.print(f"wrote [bold]{target}[/]")
    if render:
        for path in _render(clip, result, out, settings):
            console.print(f"wrote [bold]{path}[/]")


@app.command()
def submit(
    clips: Annotated[list[Path], typer.Argument(help="lift videos to upload", exists=True,
                                                dir_okay=False)],
    server: Annotated[str, typer.Option(envvar="HINGECHECK_SERVER",
                                        help="the API's address")] = "http://127.0.0.1:8000",
    key: Annotated[str | None, typer.Option(envvar="HINGECHECK_API_KEY",
                                            help="API key (or HINGECHECK_API_KEY)")] = None,
    exercise: Annotated[ExerciseChoice, typer.Option(
        help="the exercise filmed, or auto")] = DEFAULT_CHOICE,
    athlete: Annotated[str | None, typer.Option(help="athlete's name")] = None,
    batch: Annotated[str | None, typer.Option(help="a batch id (POST /v1/batches)")] = None,
    wait: Annotated[bool, typer.Option(help="wait for each job to end")] = False,
    out: Annotated[Path | None, typer.Option(
        help="with --wait: save each clip's outputs in OUT/<clip name>/")] = None,
) -> None:
    """Upload CLIPS to a hingecheck server; with --wait, follow each job to its end.
    Exits 1 if any clip was refused or its job did not succeed."""
    from hingecheck.client import ApiError, Client
    from hingecheck.schemas.api import JobView
    from rich.progress import BarColumn, DownloadColumn, Progress, TaskID, TextColumn

    if not key:
        raise _fail("no API key: pass --key or set HINGECHECK_API_KEY")
    failures = 0
    try:
        with Client(server, key) as hc, Progress(
                TextColumn("[bold]{task.description}"), BarColumn(), DownloadColumn(),
                TextColumn("{task.fields[state]}"), console=err_console,
                transient=True) as bar:
            for clip in clips:
                task = bar.add_task(clip.name, total=clip.stat().st_size, state="uploading")

                def sent(done: int, _total: int, task: TaskID = task) -> None:
                    bar.update(task, completed=done)

                def state(job: JobView, task: TaskID = task) -> None:
                    bar.update(task, state=f"{job.status} {job.progress:.0%}")

                try:
                    job = hc.upload(clip, exercise=exercise, athlete=athlete, batch=batch,
                                    progress=sent)
                except ApiError as exc:
                    bar.remove_task(task)
                    err_console.print(f"{clip.name}: refused ({exc.kind}): {exc.detail}")
                    failures += 1
                    continue
                if wait:
                    job = hc.wait(job.id, progress=state)
                bar.remove_task(task)
                console.print(_job_line(clip, job))
                if wait and job.status != JobStatus.SUCCEEDED:
                    failures += 1
                elif wait and out is not None:
                    folder = out / clip.stem
                    folder.mkdir(parents=True, exist_ok=True)
                    for kind in OutputKind:
                        saved = hc.download(job.id, kind, folder / kind.file_name)
                        console.print(f"  wrote [bold]{saved}[/]")
    except (httpx.HTTPError, TimeoutError) as exc:
        raise _fail(f"{server}: {exc}") from None
    if failures:
        raise typer.Exit(code=1)


def _job_line(clip: Path, job) -> str:  # type: ignore[no-untyped-def]
    """One line per submitted clip: its job, status and, once done, score and faults."""
    line = f"{clip.name}: job {job.id} {job.status}"
    if job.status == JobStatus.SUCCEEDED:
        faults = ", ".join(f.name for f in job.faults) or "no faults"
        score = "not judged" if job.score is None else f"score {job.score:.0f}"
        line += f" — {job.reps} reps, {score}, {faults}"
    elif job.error is not None:
        line += f" — {job.error.code}: {job.error.message}"
    return line


def _render(clip: Path, result, out: Path, settings) -> list[Path]:  # type: ignore[no-untyped-def]
    """annotated.mp4, poster.jpg and angles.png beside result.json."""
    from hingecheck.render import render_chart, render_clip
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    paths = [out / OutputKind.VIDEO.file_name, out / OutputKind.POSTER.file_name,
             out / OutputKind.CHART.file_name]
    try:
        with Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                      MofNCompleteColumn(), TimeElapsedColumn(), console=err_console,
                      transient=True) as bar:
            task = bar.add_task("render", total=result.video.frames_decoded)
            stats = render_clip(clip, result, paths[0], settings, poster=paths[1],
                                progress=lambda done, total: bar.update(task, completed=done,
                                                                        total=total))
        render_chart(result, paths[2])
    except HingecheckError as exc:
        raise _fail(f"rendering failed: {exc}") from None
    console.print(f"rendered {stats.frames} frames at {stats.width}×{stats.height} in "
                  f"{stats.seconds:.1f} s ({stats.fps:.0f} frames/s)")
    return paths


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port")] = 8000,
    demo: Annotated[bool, typer.Option(
        help="generate a demo clip and submit it through the API")] = False,
) -> None:
    """Run the API, the results service and an in-process worker (SQLite + local files
    unless HINGECHECK_DATABASE_URL / HINGECHECK_STORAGE say otherwise). SIGTERM or Ctrl-C
    stops it within seconds; a job under way goes back to the queue."""
    import uvicorn
    from hingecheck.jobs import store as jobs

    from services.api.app import create_app

    try:
        settings = get_settings()
        db = jobs.connect(settings.database())
    except SettingsError as exc:
        raise _fail(str(exc)) from None
    _, key = jobs.create_key(db, "default")
    console.print(f"API key (shown once): [bold]{key}[/]", soft_wrap=True)
    console.print(f"upload:  curl -H 'Authorization: Bearer {key}' "
                  f"-F file=@lift.mp4 -F exercise={DEFAULT_EXERCISE} "
                  f"http://{host}:{port}/v1/videos",
                  soft_wrap=True)
    app_ = create_app(settings, db=db)
    if demo:
        _submit_demo_when_up(host, port, key)
    logs.configure()
    uvicorn.run(app_, host=host, port=port, log_config=None,
                timeout_graceful_shutdown=SHUTDOWN_GRACE_S)


def _submit_demo_when_up(host: str, port: int, key: str) -> None:
    """In the background: wait for the server, upload a generated clip, print the job."""
    import threading
    import time

    def go() -> None:
        import tempfile

        import httpx
        from hingecheck.synth.generate import generate_clip
        from hingecheck.synth.truth import ClipParams

        clip = Path(tempfile.mkdtemp(prefix="hingecheck-demo-")) / "demo_rdl.mp4"
        generate_clip(ClipParams(scenario="mixed", reps=5, seed=7), clip)
        base = f"http://{host}:{port}"
        for _ in range(100):
            try:
                httpx.get(f"{base}/healthz", timeout=1.0)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        with clip.open("rb") as f:
            r = httpx.post(f"{base}/v1/videos", headers={"Authorization": f"Bearer {key}"},
                           files={"file": (clip.name, f, "video/mp4")},
                           data={"exercise": DEFAULT_EXERCISE, "athlete": "Demo"},
                           timeout=120.0)
        console.print(f"demo clip submitted: {r.status_code} {base}{r.headers.get('location')}")

    threading.Thread(target=go, daemon=True).start()


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def worker(ctx: typer.Context) -> None:
    """Run a Celery worker (HINGECHECK_BROKER_URL); extra options go to celery."""
    import os

    if not os.environ.get("HINGECHECK_BROKER_URL"):
        raise _fail("HINGECHECK_BROKER_URL is not set: a worker needs a broker (e.g. "
                    "redis://127.0.0.1:6379/0); 'hingecheck serve' runs one in-process")
    _settings()  # a bad setting: one line and exit 2, before Celery reads them
    from services.worker.celery_app import app as celery_app

    logs.configure()
    celery_app.worker_main(["worker", "--loglevel=INFO", *ctx.args])


@app.command()
def api(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port")] = 8000,
    workers: Annotated[int, typer.Option(
        min=1, help="API processes sharing the port (about one per core)")] = 1,
) -> None:
    """Run the upload and results API alone (distributed mode: workers run apart)."""
    import uvicorn

    from services.api.app import create_app

    settings = _settings()
    logs.configure()
    if workers > 1:  # each process builds its own app from the same HINGECHECK_* settings
        # the children start with *spawn* and inherit no logging: uvicorn applies
        # log_config again in each one, so their lines are JSON too
        uvicorn.run("services.api.app:from_environment", factory=True, workers=workers,
                    host=host, port=port, log_config=logs.dict_config())
    else:
        uvicorn.run(create_app(settings, worker=False), host=host, port=port, log_config=None)


@app.command("db-init")
def db_init() -> None:
    """Create the job database's tables (HINGECHECK_DATABASE_URL); safe to run again."""
    from hingecheck.jobs import store as jobs

    jobs.connect(_settings().database())
    console.print("database ready")


@app.command()
def keys(
    tenant: Annotated[str, typer.Argument(help="tenant (team) name, or its id")],
    list_keys: Annotated[bool, typer.Option("--list", help="list the tenant's keys")] = False,
    revoke: Annotated[str | None, typer.Option(help="revoke the key with this prefix")] = None,
    rotate: Annotated[str | None, typer.Option(
        help="create a new key, then revoke the key with this prefix")] = None,
    webhook_secret: Annotated[bool, typer.Option(
        "--webhook-secret", help="show the secret that signs the tenant's webhooks")] = False,
) -> None:
    """Create an API key for TENANT (created if new; the key is shown once), or list,
    revoke or rotate its keys, or show its webhook secret."""
    from hingecheck.jobs import store as jobs

    db = jobs.connect(_settings().database())
    found = jobs.find_tenant(db, tenant)
    if (list_keys or revoke or rotate or webhook_secret) and found is None:
        raise _fail(f"no tenant {tenant!r}")
    if list_keys and found is not None:
        for row in jobs.list_keys(db, found.id):
            console.print(f"{row.prefix}  created {row.created_at:%Y-%m-%d %H:%M}")
        return
    if webhook_secret and found is not None:
        console.print(found.webhook_secret)
        return
    if revoke and found is not None:
        if not jobs.revoke_key(db, found.id, revoke):
            raise _fail(f"tenant {tenant!r} has no key {revoke!r}")
        console.print(f"revoked {revoke}")
        return
    tenant_id, key = jobs.create_key(db, found.name if found else tenant)
    if rotate and found is not None and not jobs.revoke_key(db, found.id, rotate):
        raise _fail(f"new key {key} created, but tenant {tenant!r} has no key {rotate!r}")
    console.print(f"tenant {tenant} ({tenant_id}): [bold]{key}[/]"
                  + (f" (replaces {rotate}, revoked)" if rotate else ""))


@app.command()
def schema() -> None:
    """Print the JSON Schema of result.json."""
    from hingecheck.schemas import AnalysisResult

    typer.echo(json.dumps(AnalysisResult.model_json_schema(), indent=1, ensure_ascii=False))


@model_app.command("fetch")
def model_fetch(
    export: Annotated[bool, typer.Option(help="also export the OpenVINO model")] = True,
    force: Annotated[bool, typer.Option(help="fetch and export again")] = False,
    export_python: Annotated[Path | None, typer.Option(
        help="the Python (torch + ultralytics) that exports; default "
             "HINGECHECK_EXPORT_PYTHON")] = None,
) -> None:
    """Download and verify the yolo11n-pose weights, the person mask model and the test
    photos, then export OpenVINO IR with the export environment (install step; the
    runtime needs no torch)."""
    from hingecheck.pose import provision

    try:
        settings = get_settings()
        if export_python is not None:
            settings = settings.model_copy(update={"export_python": export_python})
        with console.status("fetching yolo11n-pose weights"):
            path = provision.fetch_weights(settings, force=force)
            photos = provision.fetch_photos(settings, force=force)
        with console.status("fetching the person mask model (BlazePose)"):
            mask = provision.fetch_person_mask(settings, force=force)
        console.print(f"weights: {path} (sha256 verified)")
        console.print(f"person mask: {mask} (sha256 verified)")
        console.print(f"photos: {', '.join(p.name for p in photos)} (sha256 verified)")
        if export:
            with console.status("exporting the OpenVINO model"):
                ov = provision.export_openvino(settings, force=force)
            console.print(f"openvino: {ov} (sha256s recorded)")
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
    exercise: Annotated[Exercise | None, typer.Option(
        help="exercise for the fault scenarios")] = None,
    resolution: Annotated[int, typer.Option(help="480, 720 or 1080 (short side)")] = 720,
    portrait: Annotated[bool, typer.Option(help="portrait frames")] = False,
    fps: Annotated[float, typer.Option(help="frames per second")] = 30.0,
    passer_by: Annotated[bool, typer.Option(help="a second person walks through")] = False,
    textured: Annotated[bool, typer.Option(help="a cluttered background")] = False,
    load: Annotated[str | None, typer.Option(
        help="barbell or dumbbells (default: the exercise's own load)")] = None,
) -> None:
    """Generate a lift clip with ground truth (OUT and OUT.json), or the benchmark suite."""
    from hingecheck.synth.generate import generate_clip
    from hingecheck.synth.suite import write_suite
    from hingecheck.synth.truth import ClipParams
    from pydantic import ValidationError
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

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
            "passer_by": passer_by, "textured_background": textured, "load": load,
        })
    except ValidationError as exc:
        raise _fail("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}"
                              for e in exc.errors())) from None
    out.parent.mkdir(parents=True, exist_ok=True)
    with console.status(f"rendering {scenario}"):
        truth = generate_clip(params, out)
    faults = sum(len(r.faults) for r in truth.reps)
    console.print(f"wrote [bold]{out}[/] ({truth.n_frames} frames, {truth.duration_s:.1f} s, "
                  f"{len(truth.reps)} reps, {faults} faulty) and {out.with_suffix('.json')}")


if __name__ == "__main__":
    app()
