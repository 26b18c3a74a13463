"""What runs around the pose network (pose/inference.py): letterbox, NMS, decoding."""

import numpy as np
import pytest
from hingecheck.pose.inference import Letterbox, decode_pose, nms, to_input_tensor


def test_a_16_by_9_frame_gets_the_smallest_stride_aligned_input() -> None:
    box = Letterbox.plan((540, 960), 640)
    assert box.resized_wh == (640, 360)
    assert box.input_hw == (384, 640)  # 360 padded to the next multiple of 32
    assert (box.top, box.bottom, box.left, box.right) == (12, 12, 0, 0)
    image = np.zeros((540, 960, 3), np.uint8)
    padded = box.apply(image)
    assert padded.shape == (384, 640, 3)
    assert (padded[:12] == 114).all() and (padded[12:372] == 0).all()


def test_a_portrait_frame_pads_the_sides() -> None:
    box = Letterbox.plan((1920, 1080), 640)
    assert box.resized_wh == (360, 640) and box.input_hw == (640, 384)
    assert box.left == box.right == 12


def test_points_map_back_to_the_source_and_are_clipped() -> None:
    box = Letterbox.plan((540, 960), 640)
    source = np.array([[0.0, 0.0], [960.0, 540.0], [480.0, 270.0]])
    scale = 640 / 960
    network = source * scale + [box.left, box.top]
    np.testing.assert_allclose(box.to_source(network), source, atol=1e-9)
    outside = box.to_source(np.array([[-50.0, 500.0]]))
    assert outside[0, 0] == 0.0 and outside[0, 1] == 540.0


def test_letterbox_refuses_an_image_of_another_size() -> None:
    with pytest.raises(ValueError, match="planned for"):
        Letterbox.plan((540, 960), 640).apply(np.zeros((100, 100, 3), np.uint8))


def test_input_tensor_is_rgb_nchw_in_unit_range() -> None:
    image = np.zeros((4, 6, 3), np.uint8)
    image[..., 0] = 255  # blue in BGR
    tensor = to_input_tensor([image, image])
    assert tensor.shape == (2, 3, 4, 6) and tensor.dtype == np.float32
    assert (tensor[:, 2] == 1.0).all() and (tensor[:, :2] == 0.0).all()


def test_nms_keeps_the_best_of_overlapping_boxes_and_separate_ones() -> None:
    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [50, 50, 60, 60], [0, 0, 10, 5.0]])
    scores = np.array([0.8, 0.9, 0.5, 0.7])
    keep = nms(boxes, scores, 0.7)
    # 1 beats 0 (IoU 0.68 is not above 0.7: both stay); 3 overlaps 0 by 0.5: stays.
    assert list(keep) == [1, 0, 3, 2]
    assert list(nms(boxes, scores, 0.6)) == [1, 3, 2]


def test_decode_turns_anchors_into_persons_in_source_pixels() -> None:
    box = Letterbox.plan((540, 960), 640)
    anchors = np.zeros((56, 5), np.float32)
    # Anchor 0: a person centred at network (320, 192), 100×200, score 0.9, keypoint 0
    # at the centre with visibility 0.8. Anchor 1: the same person, lower score. Anchor
    # 2: below the person threshold.
    for a, score in ((0, 0.9), (1, 0.6), (2, 0.1)):
        anchors[:5, a] = [320, 192, 100, 200, score]
        anchors[5:8, a] = [320, 192, 0.8]
    found = decode_pose(anchors, box, conf_threshold=0.25)
    assert found.scores.tolist() == pytest.approx([0.9])
    np.testing.assert_allclose(found.keypoints[0, 0], [480, 270, 0.8], atol=1e-5)
    np.testing.assert_allclose(found.boxes[0], [405, 120, 555, 420], atol=1e-4)
    empty = decode_pose(anchors, box, conf_threshold=0.95)
    assert empty.boxes.shape == (0, 4) and empty.keypoints.shape == (0, 17, 3)
