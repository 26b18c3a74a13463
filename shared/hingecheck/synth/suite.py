"""The fixed benchmark suite: every scenario, crossed with every nuisance, from one seed.

76 clips: 64 of every scenario under rotating nuisances, then 12 cases those miss
(``EXTRA_CASES``). Each scenario appears under several nuisances, and each nuisance (camera angle,
facing, portrait, resolution, frame rate, pauses, partial reps, compression, blur,
lighting, textured background, a passer-by) appears in several scenarios; half the
Romanian deadlift clips hold dumbbells instead of a barbell. The camera
angles include views beyond 35° off the side, which hingecheck must refuse to score.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from hingecheck.synth.generate import generate_clip
from hingecheck.synth.truth import ClipParams, ClipTruth
from hingecheck.vocab import Exercise, FaultName

_SQUAT = FaultName.SQUAT_SUBSTITUTION
_ROUNDING = FaultName.LUMBAR_ROUNDING

SUITE_SCENARIOS: list[dict[str, object]] = [
    {"scenario": "good_hinge"}, {"scenario": "good_hinge"}, {"scenario": "good_hinge"},
    {"scenario": _SQUAT}, {"scenario": _SQUAT}, {"scenario": _SQUAT},
    {"scenario": _ROUNDING, "grade": "mild"},
    {"scenario": _ROUNDING, "grade": "clear"},
    {"scenario": _ROUNDING, "grade": "severe"},
    {"scenario": "mixed", "reps": 5},
    {"scenario": Exercise.DEADLIFT}, {"scenario": Exercise.KETTLEBELL_SWING, "reps": 5},
    {"scenario": Exercise.WALL_DRILL}, {"scenario": Exercise.GOOD_MORNING},
    {"scenario": _SQUAT, "exercise": Exercise.DEADLIFT},
    {"scenario": _ROUNDING, "exercise": Exercise.DEADLIFT, "grade": "clear"},
]

# Romanian deadlift scenarios: held with a barbell in rounds 0 and 2, dumbbells in 1 and 3.
RDL_SCENARIOS = ("good_hinge", _SQUAT, _ROUNDING, "mixed")

# Nuisances, applied in turn: each clip gets one or two besides its random draws.
NUISANCES: list[dict[str, object]] = [
    {},
    {"facing": "left"},
    {"view_deg": 15.0},
    {"view_deg": 30.0, "facing": "left"},
    {"orientation": "portrait"},
    {"resolution": 480, "crf": 32},
    {"fps": 60.0},
    {"fps": 24.0, "pause_s": 1.5},
    {"partial_every": 3, "reps": 3},
    {"blur_sigma": 2.0, "noise_sigma": 6.0},
    {"brightness": 0.6},
    {"textured_background": True},
    {"passer_by": True},
    {"resolution": 1080},
    {"view_deg": 45.0},
    {"view_deg": 60.0, "facing": "left"},
]


# Cases the rotation misses: good and rounded backs facing both ways with the light from
# the lifter's front and from behind; a bar on the upper back facing both ways; sets that
# end with the lifter walking to the camera and crouching to stop the recording.
_LIGHT_CASES: list[dict[str, object]] = [
    {"scenario": scenario, "facing": facing, "light_from": light}
    for scenario in ("good_hinge", _ROUNDING)
    for facing in ("right", "left") for light in ("front", "behind")
]
EXTRA_CASES: list[dict[str, object]] = [*_LIGHT_CASES,
    {"scenario": Exercise.GOOD_MORNING, "load": "barbell_back", "facing": "right"},
    {"scenario": Exercise.GOOD_MORNING, "load": "barbell_back", "facing": "left"},
    {"scenario": "good_hinge", "walk_off": True},
    {"scenario": _SQUAT, "walk_off": True, "facing": "left"},
]


def suite_params(seed: int) -> list[ClipParams]:
    """The suite's clip parameter sets: 4 × 16 scenarios with nuisances rotating, then the
    extra cases (their seeds drawn after the others', so the first 64 stay as they were)."""
    rng = np.random.default_rng(seed)
    out = []
    for round_ in range(4):
        for k, scenario in enumerate(SUITE_SCENARIOS):
            nuisance = NUISANCES[(k + 5 * round_) % len(NUISANCES)]
            fields: dict[str, object] = {"reps": 3, **scenario, **nuisance}
            if round_ % 2 == 1 and "exercise" not in scenario and \
                    scenario["scenario"] in RDL_SCENARIOS:
                fields["load"] = "dumbbells"  # the Romanian deadlift with dumbbells
            fields["seed"] = int(rng.integers(0, 2**31))
            out.append(ClipParams.model_validate(fields))
    for case in EXTRA_CASES:
        out.append(ClipParams.model_validate({"reps": 3, **case,
                                              "seed": int(rng.integers(0, 2**31))}))
    return out


def clip_name(index: int, params: ClipParams) -> str:
    tag = params.scenario if params.exercise is None else f"{params.scenario}-{params.exercise}"
    return f"{index:03d}_{tag}.mp4"


def write_suite(directory: str | Path, seed: int,
                progress: Callable[[int, int, str], None] | None = None) -> list[Path]:
    """Write every suite clip (MP4 + JSON) into ``directory``; return the MP4 paths.

    A clip already there with the same parameters is kept (the same parameters give the
    same bytes), so a suite that grew is completed, not rewritten.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    params = suite_params(seed)
    paths = []
    for i, p in enumerate(params):
        path = directory / clip_name(i, p)
        if not (path.is_file() and path.with_suffix(".json").is_file()
                and load_truth(path).params == p):
            generate_clip(p, path)
        paths.append(path)
        if progress:
            progress(i + 1, len(params), path.name)
    return paths


def load_truth(clip: Path) -> ClipTruth:
    return ClipTruth.model_validate_json(clip.with_suffix(".json").read_text())
