"""The int8 pose network provisioned beside the f32 one: really quantized, the head kept in
f32, checked like the f32 export, and close to f32's keypoints on real people."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest
from hingecheck import errors
from hingecheck.pose import provision
from hingecheck.pose.calibration import clip_params
from hingecheck.pose.model import ModelSpec, PoseModel, get_pose_model
from hingecheck.settings import Settings
from hingecheck.synth.photo_clip import shipped_photo
from hingecheck.synth.truth import SCENARIOS


def _int8(settings: Settings) -> Settings:
    return settings.model_copy(update={"inference_precision": "int8"})


@pytest.fixture(scope="module")
def int8_model(settings: Settings) -> PoseModel:
    return get_pose_model(_int8(settings))


def test_the_int8_ir_is_quantized_with_the_head_in_f32(settings: Settings) -> None:
    import openvino as ov

    xml = provision.verify_openvino_int8(settings)
    model = ov.Core().read_model(str(xml))
    fake_quantized = {op.input_value(0).get_node().get_friendly_name()
                      for op in model.get_ops() if op.get_type_name() == "FakeQuantize"}
    convolutions = [op for op in model.get_ops() if op.get_type_name() == "Convolution"]
    assert len(fake_quantized) > len(convolutions) // 2  # the backbone runs in int8
    head = [op for op in model.get_ops()
            if op.get_type_name() in ("Multiply", "Subtract", "Sigmoid")
            and "model.23/" in op.get_friendly_name()]
    assert head, "the pose head's decoding ops were not found by name"
    for op in head:  # none of the head's decoding reads a quantized input
        for value in op.inputs():
            assert value.get_source_output().get_node().get_type_name() != "FakeQuantize", \
                op.get_friendly_name()
    record = json.loads((xml.parent / provision.EXPORT_STAMP).read_text())
    assert record["calibration_frames"] >= 100


def test_int8_is_chosen_by_the_precision_setting(settings: Settings,
                                                 int8_model: PoseModel) -> None:
    spec = ModelSpec.from_settings(_int8(settings))
    assert spec.path == provision.int8_path(settings) / provision.IR_NAME
    assert int8_model.describe()["precision"].startswith("int8")
    assert ModelSpec.from_settings(settings).path != spec.path


def test_int8_finds_the_people_f32_finds_on_the_photos(pose_model: PoseModel,
                                                        int8_model: PoseModel) -> None:
    """Same persons; body keypoints within 4% of each person's height of f32's (measured
    on these photos: a median of about 1% — see docs/speed.md for real lift frames)."""
    for name in ("bus.jpg", "zidane.jpg"):
        image = cv2.imread(str(shipped_photo(name)))
        assert image is not None
        (ref,) = pose_model.predict([image])
        (q,) = int8_model.predict([image])
        ref_people, q_people = ref.scores >= 0.5, q.scores >= 0.5
        assert ref_people.sum() == q_people.sum(), name
        a = np.argsort(ref.boxes[ref_people, 0])
        b = np.argsort(q.boxes[q_people, 0])
        ref_kp, q_kp = ref.keypoints[ref_people][a], q.keypoints[q_people][b]
        height = (ref.boxes[ref_people, 3] - ref.boxes[ref_people, 1])[a]
        seen = (ref_kp[..., 2] >= 0.5) & (q_kp[..., 2] >= 0.5)
        dev = np.linalg.norm(ref_kp[..., :2] - q_kp[..., :2], axis=-1) / height[:, None]
        assert np.median(dev[seen]) < 0.04, name


def test_a_changed_int8_export_is_refused(tmp_path: Path, settings: Settings) -> None:
    local = settings.model_copy(update={"model_dir": tmp_path})
    shutil.copytree(provision.openvino_path(settings), provision.openvino_path(local))
    shutil.copytree(provision.int8_path(settings), provision.int8_path(local))
    with (provision.int8_path(local) / "yolo11n-pose.bin").open("r+b") as fh:
        fh.seek(4096)
        fh.write(b"\xff" * 16)
    with pytest.raises(errors.ModelError, match="corrupt"):
        ModelSpec.from_settings(_int8(Settings(model_dir=tmp_path)))


def test_an_int8_ir_from_another_export_is_refused(tmp_path: Path, settings: Settings) -> None:
    """After the f32 IR is exported again, the int8 IR quantized from the old one is stale."""
    local = settings.model_copy(update={"model_dir": tmp_path})
    shutil.copytree(provision.openvino_path(settings), provision.openvino_path(local))
    shutil.copytree(provision.int8_path(settings), provision.int8_path(local))
    stamp = provision.int8_path(local) / provision.EXPORT_STAMP
    record = json.loads(stamp.read_text())
    record["f32_files"]["yolo11n-pose.bin"] = "0" * 64
    stamp.write_text(json.dumps(record))
    with pytest.raises(errors.ModelError, match="another export"):
        ModelSpec.from_settings(_int8(Settings(model_dir=tmp_path)))


def test_a_missing_int8_export_names_the_fetch_command(tmp_path: Path,
                                                       settings: Settings) -> None:
    local = settings.model_copy(update={"model_dir": tmp_path})
    shutil.copytree(provision.openvino_path(settings), provision.openvino_path(local))
    with pytest.raises(errors.ModelError, match="hingecheck model fetch"):
        ModelSpec.from_settings(_int8(Settings(model_dir=tmp_path)))


def test_calibration_covers_every_generated_scenario() -> None:
    params = clip_params()
    assert {p["scenario"] for p in params} == set(SCENARIOS)
    assert {p["facing"] for p in params} == {"left", "right"}
