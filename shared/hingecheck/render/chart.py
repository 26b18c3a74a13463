"""``angles.png``: hip and knee flexion over time, reps shaded, faults marked."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: no display on a server

import matplotlib.pyplot as plt
import numpy as np

from hingecheck.analysis.catalogue import FAULT_COLOURS, FAULT_LABELS
from hingecheck.render.scene import series_array
from hingecheck.schemas.result import AnalysisResult


def render_chart(result: AnalysisResult, out: str | Path) -> None:
    """Draw the hip/knee flexion chart of ``result`` into ``out`` (PNG)."""
    t = np.asarray(result.pose.times_s, dtype=float)
    fig, ax = plt.subplots(figsize=(10, 3.6), dpi=110)
    try:
        ax.plot(t, series_array(result.series.hip_flexion_deg), color="#1f77b4", lw=2,
                label="hip flexion")
        ax.plot(t, series_array(result.series.knee_flexion_deg), color="#2ca02c", lw=2,
                label="knee flexion")
        for span in result.series.low_confidence_spans:
            ax.axvspan(span[0], span[1], color="#bbbbbb", alpha=0.25, lw=0)
        seen: set[str] = set()
        for rep in result.reps:
            ax.axvspan(rep.start_s, rep.end_s, color="#1f77b4", alpha=0.07, lw=0)
            said = f"{rep.index + 1}" if rep.score is None else f"{rep.index + 1}: {rep.score:.0f}"
            ax.text((rep.start_s + rep.end_s) / 2, 1.02, said,
                    transform=ax.get_xaxis_transform(), ha="center", fontsize=9)
            for fault in rep.faults:
                name = FAULT_LABELS[fault.name]
                ax.axvspan(fault.start_s, fault.end_s, ymin=0, ymax=0.06,
                           color=FAULT_COLOURS[fault.name],
                           label=name if name not in seen else None)
                seen.add(name)
        ax.set_xlabel("time (s)")
        ax.set_ylabel("degrees")
        ax.set_xlim(0, max(result.video.duration_s, float(t[-1]) if t.size else 1.0))
        ax.grid(alpha=0.3)
        ax.legend(loc="upper right", fontsize=8, ncol=3, framealpha=0.85)
        title = result.summary.reason if result.summary.score is None else (
            f"{result.exercise.label}: {result.summary.score:.0f}/100 ({result.summary.grade})")
        ax.set_title(title, fontsize=10, loc="left", pad=16)
        fig.tight_layout()
        fig.savefig(str(out))
    finally:
        plt.close(fig)
