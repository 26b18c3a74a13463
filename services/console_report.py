"""What ``hingecheck analyze`` prints: the clip's facts, a per-rep table and the verdict."""

from __future__ import annotations

from hingecheck.schemas import AnalysisResult
from rich.console import Console
from rich.table import Table

GRADE_STYLE = {"A": "bold green", "B": "green", "C": "yellow", "D": "bold red"}


def _deg(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f}°"


def _facts(result: AnalysisResult) -> Table:
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
    table.add_row("view", f"[{view_style}]{result.view.message}[/]" + _yaw_3d(result))
    exercise = result.exercise
    guessed = (f" (guessed, {exercise.guess_confidence:.0%} sure)"
               if exercise.guess_confidence is not None else "")
    table.add_row("exercise", f"{exercise.label}{guessed}")
    table.add_row("speed", f"{t.frames_per_second:.1f} frames/s, {t.realtime_factor:.1f}× "
                  f"realtime ({t.total_s:.1f} s)")
    for note in result.notes:
        table.add_row("note", note)
    return table


def _reps(result: AnalysisResult) -> Table:
    table = Table(title="repetitions", title_justify="left")
    for column in ("rep", "time", "hip", "knee", "trunk", "shin", "back", "score", "faults"):
        table.add_column(column, justify="right" if column not in ("faults", "time") else "left")
    for rep in result.reps:
        faults = ", ".join(f"{f.name.replace('_', ' ')} {f.severity:.1f}" for f in rep.faults)
        back = "–" if rep.back_bulge is None else f"{rep.back_bulge:+.2f}"
        table.add_row(
            f"{rep.index + 1}{'½' if rep.partial else ''}",
            f"{rep.start_s:.1f}–{rep.end_s:.1f} s", _deg(rep.peak_hip_flexion_deg),
            _deg(rep.knee_flexion_at_bottom_deg), _deg(rep.trunk_at_bottom_deg),
            _deg(rep.shin_at_bottom_deg), back, "–" if rep.score is None else f"{rep.score:.0f}",
            f"[red]{faults}[/]" if faults else
            ("[green]clean[/]" if result.summary.judged else "not judged"),
        )
    return table


def print_report(console: Console, result: AnalysisResult) -> None:
    """Print the facts table, the reps and the verdict with its cues."""
    console.print(_facts(result))
    if result.reps:
        console.print(_reps(result))
    for lo in result.left_out:
        console.print(f"[dim]left out {lo.start_s:.1f}–{lo.end_s:.1f} s: {lo.reason}[/]")
    summary = result.summary
    if summary.score is None:
        console.print(f"[bold yellow]{summary.reason}[/]")
    else:
        style = GRADE_STYLE.get(summary.grade or "", "bold")
        console.print(f"score [{style}]{summary.score:.0f}/100, grade {summary.grade}[/] "
                      f"— {summary.reason}")
    for cue in summary.cues:
        console.print(f"  → {cue}")


def _yaw_3d(result: AnalysisResult) -> str:
    """The camera's yaw measured in 3D, where it was read (beside the 2D reading)."""
    view = result.view
    if view.yaw_3d_deg is None:
        return ""
    return (f"; in 3D {view.yaw_3d_deg:.0f}° ± {view.yaw_3d_spread_deg or 0:.0f}° off the "
            f"side, seen from the {view.seen_from}")
