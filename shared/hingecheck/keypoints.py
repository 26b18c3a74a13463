"""The one keypoint vocabulary: COCO-17, as the pose model, the track, the analysis, the
renderer, the generator and result.json all name and number the joints."""

from __future__ import annotations

COCO_KEYPOINTS: tuple[str, ...] = (
    "nose", "left_eye", "right_eye", "left_ear", "right_ear",
    "left_shoulder", "right_shoulder", "left_elbow", "right_elbow",
    "left_wrist", "right_wrist", "left_hip", "right_hip",
    "left_knee", "right_knee", "left_ankle", "right_ankle",
)
INDEX: dict[str, int] = {name: i for i, name in enumerate(COCO_KEYPOINTS)}

NOSE = INDEX["nose"]
L_EAR, R_EAR = INDEX["left_ear"], INDEX["right_ear"]
L_SHOULDER, R_SHOULDER = INDEX["left_shoulder"], INDEX["right_shoulder"]
L_ELBOW, R_ELBOW = INDEX["left_elbow"], INDEX["right_elbow"]
L_WRIST, R_WRIST = INDEX["left_wrist"], INDEX["right_wrist"]
L_HIP, R_HIP = INDEX["left_hip"], INDEX["right_hip"]
L_KNEE, R_KNEE = INDEX["left_knee"], INDEX["right_knee"]
L_ANKLE, R_ANKLE = INDEX["left_ankle"], INDEX["right_ankle"]

# Left/right pairs of the joints the analysis reads (left first).
PAIRS: dict[str, tuple[int, int]] = {
    "ear": (L_EAR, R_EAR), "shoulder": (L_SHOULDER, R_SHOULDER), "hip": (L_HIP, R_HIP),
    "knee": (L_KNEE, R_KNEE), "ankle": (L_ANKLE, R_ANKLE),
}
# The body's points from the shoulders down (what keypoint error is measured on).
BODY = tuple(range(L_SHOULDER, len(COCO_KEYPOINTS)))
# The skeleton's bones: limbs, the shoulder and hip girdles, the trunk's sides.
BONES: tuple[tuple[int, int], ...] = (
    (L_SHOULDER, L_ELBOW), (L_ELBOW, L_WRIST), (R_SHOULDER, R_ELBOW), (R_ELBOW, R_WRIST),
    (L_SHOULDER, R_SHOULDER), (L_HIP, R_HIP), (L_SHOULDER, L_HIP), (R_SHOULDER, R_HIP),
    (L_HIP, L_KNEE), (L_KNEE, L_ANKLE), (R_HIP, R_KNEE), (R_KNEE, R_ANKLE),
)
