"""Real side-view hinge clips whose publisher names the back's state, for the back's
measure (issue 30), and the command that re-extracts them from repository snapshots.

Rules (DESIGN.md, "Real footage"): the clips stay outside the project (default
/tmp/hingecheck-back-clips); the test suite never depends on them; each entry keeps its
provenance (repository, commit, path, git blob id), its label and where the label comes
from, its licence, and the view as seen by eye. The split into calibration and validation
was made when the entry was added, before any hingecheck result on it was looked at
(DESIGN.md, "How we measure judgement"): a validation clip looked at to change the method
moves to calibration, and its note says so.

A snapshot is a bare git directory under /work/.mirror/<owner>+<name>/ (the ``fetch``
tool of the working environment, or ``git clone --mirror`` of the public repository);
``extract`` reads each clip with ``git cat-file blob <id>`` and checks the id again.

    .venv/bin/python bench/back_sources.py list
    .venv/bin/python bench/back_sources.py extract [--dest DIR] [--mirrors DIR]
    .venv/bin/python bench/back_diagnostic.py --extra /tmp/hingecheck-back-clips

Repositories reserved for validation by others, never used here: see RESERVED.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

DEFAULT_DEST = Path("/tmp/hingecheck-back-clips")
DEFAULT_MIRRORS = Path("/work/.mirror")

Split = Literal["calibration", "validation"]


@dataclass(frozen=True)
class Clip:
    """One clip in one repository snapshot."""

    name: str  # file name under the destination folder
    repo: str  # owner/name on GitHub
    commit: str  # the commit the blob was read at
    path: str  # path in that commit
    blob: str  # git blob id (sha1 of the blob), checked on extraction
    exercise: str  # hingecheck exercise profile
    label: Literal["rounded", "neutral"]
    label_source: str  # where the label comes from (caption, file or folder name, README)
    licence: str  # the repository's licence, or "none stated"
    view: str  # by eye, from extracted frames
    split: Split
    doubt: str = ""  # where the label or the view is in doubt


# Repositories reserved for validation by others (issue 30): never fetched or used here.
RESERVED: tuple[str, ...] = (
    "TBY66/Intelligent-Deadlift-Diagnosis-System",
    "dillonloh/gymai",
    "SiriwanIm/AI-Based-Real-Time-Conventional-Deadlift-Posture-Correction-System-Using-MediaPipe",
    "kantesh813/AI_GYM_Trainer",
    "APKA-llc/exercise-tracking",
    "RafikHachana/virtual-trainer",
    "mattiolato98/deadlift-visual-analyzer",
    "jrplatin/FormFit",
    # BichraiX/AI-Deadlift-Analysis: only dataset/good/ and dataset/bad/, which are
    # ../shared/real/deadlift-b/ already (calibration); every other file is reserved.
)

# The clips. Empty in this round: no public repository searched holds a side-view hinge
# clip whose publisher names the back's state and that is not reserved or already in
# ../shared/real (docs/back.md, "New real backs: what was searched"). An entry is added
# with its split decided before any hingecheck result on it is read.
CLIPS: tuple[Clip, ...] = ()

# Looked at and not taken, with the reason (so the next search does not repeat them).
REJECTED: dict[str, str] = {
    "laffer-ryan/Deadlift-Feedback": "file names name faults (deadlift_good_form_side, "
    "deadlift_early_hip_ext_side, …) but only the LLM logs are committed, no video "
    "(snapshot 427a9fa)",
    "erictom97/Anomaly-Detection-in-Deadlift": "per-rep skeleton images (PNG), no video, no "
    "back label",
    "nghia17420/deadlift-analyzer": "code only",
    "yashN1246826/DeadliftAnlayser": "code and a ground-truth sheet, no video",
    "Dav-Webber/DeadliftPoseCorrection": "code only",
    "rayaroun/Kettlebell-Exercise-Analysis-with-OpenCV": "two still photos, no label",
    "sergiopesch/kettlebellform": "screenshots and voice clips, no lift video",
    "jeff-j-chen/MediaPipe-PoseReader": "videos/ is ../shared/real/deadlift-c already",
    "TheSebitzu/gym-app-ai": "videos/ is ../shared/real/deadlift-d/gymapp already "
    "(rear-oblique, no back label)",
    "mmuno/gymnai-exercise-images, saadanza12/anvoxfit-exercise-videos": "exercise-library "
    "demonstrations (videos/romanian_deadlift.mp4): the publisher does not name the back's "
    "state; not taken",
}


def mirror_dir(repo: str, mirrors: Path) -> Path:
    owner, name = repo.split("/", 1)
    base = mirrors / f"{owner}+{name}"
    return base / "repo" if (base / "repo").exists() else base


def _git(git_dir: Path, *args: str, stdin: bytes | None = None) -> bytes:
    return subprocess.run(["git", f"--git-dir={git_dir}", *args], input=stdin,
                          capture_output=True, check=True).stdout


def extract(clips: tuple[Clip, ...], dest: Path, mirrors: Path) -> list[str]:
    """Write each clip to ``dest``; return the problems (a missing snapshot or blob, an id
    that does not match)."""
    problems: list[str] = []
    dest.mkdir(parents=True, exist_ok=True)
    for c in clips:
        if c.repo in RESERVED:
            problems.append(f"{c.name}: {c.repo} is reserved for validation by others")
            continue
        git_dir = mirror_dir(c.repo, mirrors)
        if not git_dir.exists():
            problems.append(f"{c.name}: no snapshot of {c.repo} under {mirrors}")
            continue
        try:
            data = _git(git_dir, "cat-file", "blob", c.blob)
        except subprocess.CalledProcessError:
            problems.append(f"{c.name}: blob {c.blob} not in the {c.repo} snapshot")
            continue
        got = _git(git_dir, "hash-object", "--stdin", stdin=data).decode().strip()
        if got != c.blob:
            problems.append(f"{c.name}: blob id {got} is not {c.blob}")
            continue
        (dest / c.name).write_bytes(data)
    return problems


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("list", help="print the clips, their labels and splits")
    ex = sub.add_parser("extract", help="write the clips to a folder outside the repository")
    ex.add_argument("--dest", type=Path, default=DEFAULT_DEST)
    ex.add_argument("--mirrors", type=Path, default=DEFAULT_MIRRORS)
    args = ap.parse_args(argv)
    if args.cmd == "list":
        for c in CLIPS:
            print(f"{c.split:11} {c.label:8} {c.name:32} {c.repo}@{c.commit[:7]}:{c.path} "
                  f"({c.label_source}; {c.view}; {c.licence}){' — ' + c.doubt if c.doubt else ''}")
        if not CLIPS:
            print("no clips listed (docs/back.md says what was searched)")
        for repo, why in REJECTED.items():
            print(f"not taken  {repo}: {why}")
        return 0
    repo_root = Path(__file__).resolve().parents[1]
    if args.dest.resolve().is_relative_to(repo_root):
        print(f"refusing to write footage inside the repository ({args.dest})", file=sys.stderr)
        return 2
    problems = extract(CLIPS, args.dest, args.mirrors)
    for p in problems:
        print(p, file=sys.stderr)
    print(f"{len(CLIPS) - len(problems)} of {len(CLIPS)} clips in {args.dest}")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
