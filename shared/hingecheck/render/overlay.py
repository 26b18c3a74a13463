"""Drawing one annotated frame with OpenCV: skeleton, angle arcs, back outline, hip path,
rep counter, banners and fault labels. Sizes scale with the frame so a phone can read it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from hingecheck.analysis.catalogue import FAULT_LABELS
from hingecheck.analysis.scoring import grade
from hingecheck.keypoints import BONES, L_EAR, L_SHOULDER, R_EAR, R_SHOULDER
from hingecheck.render.scene import FaultLabel, SceneState

WHITE, BLACK = (255, 255, 255), (0, 0, 0)
GREEN, RED, AMBER = (90, 200, 60), (50, 50, 230), (0, 170, 255)
CYAN, PANEL = (230, 200, 40), (25, 25, 25)
GRADE_COLOURS = {"A": GREEN, "B": (60, 200, 170), "C": AMBER, "D": RED}
LIMBS = (*BONES, (L_EAR, L_SHOULDER), (R_EAR, R_SHOULDER))
FONT = cv2.FONT_HERSHEY_DUPLEX


@dataclass(frozen=True)
class Look:
    """Sizes for a frame: everything is proportional to its shorter side."""

    unit: float

    @classmethod
    def for_frame(cls, width: int, height: int) -> Look:
        return cls(unit=min(width, height) / 720.0)

    @property
    def font(self) -> float:
        return 0.75 * self.unit

    @property
    def line(self) -> int:
        return max(1, round(3 * self.unit))

    @property
    def thin(self) -> int:
        return max(1, round(2 * self.unit))


def _pt(p: np.ndarray) -> tuple[int, int]:
    return int(round(float(p[0]))), int(round(float(p[1])))


def _mid(kp: np.ndarray, a: int, b: int) -> np.ndarray | None:
    pts = kp[[a, b], :2]
    pts = pts[~np.isnan(pts[:, 0])]
    return None if len(pts) == 0 else pts.mean(axis=0)


def text_box(img: np.ndarray, text: str, org: tuple[int, int], look: Look, *,
             colour: tuple[int, int, int] = WHITE, scale: float = 1.0,
             fill: tuple[int, int, int] = PANEL, alpha: float = 0.72) -> tuple[int, int]:
    """White (or coloured) text on a dark translucent box with its top-left at ``org``;
    the box is kept inside the frame. Returns the box's (width, height)."""
    size = look.font * scale
    thick = max(1, round(1.6 * look.unit * scale))
    (tw, th), base = cv2.getTextSize(text, FONT, size, thick)
    pad = max(3, round(8 * look.unit * scale))
    w, h = tw + 2 * pad, th + base + 2 * pad
    x = int(np.clip(org[0], 0, max(0, img.shape[1] - w)))
    y = int(np.clip(org[1], 0, max(0, img.shape[0] - h)))
    roi = img[y:y + h, x:x + w]
    roi[:] = (alpha * np.array(fill) + (1 - alpha) * roi).astype(np.uint8)
    cv2.putText(img, text, (x + pad, y + pad + th), FONT, size, colour, thick, cv2.LINE_AA)
    return w, h


def draw_skeleton(img: np.ndarray, kp: np.ndarray, look: Look) -> None:
    for a, b in LIMBS:
        if np.isnan(kp[[a, b], 0]).any():
            continue
        cv2.line(img, _pt(kp[a]), _pt(kp[b]), BLACK, look.line + 2, cv2.LINE_AA)
        cv2.line(img, _pt(kp[a]), _pt(kp[b]), WHITE, look.line, cv2.LINE_AA)
    for k in range(5, 17):
        if not np.isnan(kp[k, 0]):
            cv2.circle(img, _pt(kp[k]), look.line + 2, BLACK, -1, cv2.LINE_AA)
            cv2.circle(img, _pt(kp[k]), look.line, CYAN, -1, cv2.LINE_AA)


def _arc(img: np.ndarray, centre: np.ndarray, a: np.ndarray, b: np.ndarray, value: float,
         label: str, look: Look) -> None:
    """An arc at ``centre`` between the directions to ``a`` and ``b``, with its value."""
    ang_a = math.degrees(math.atan2(a[1] - centre[1], a[0] - centre[0]))
    ang_b = math.degrees(math.atan2(b[1] - centre[1], b[0] - centre[0]))
    sweep = (ang_b - ang_a + 540) % 360 - 180
    radius = int(38 * look.unit)
    cv2.ellipse(img, _pt(centre), (radius, radius), 0, ang_a, ang_a + sweep, AMBER, look.thin,
                cv2.LINE_AA)
    mid = math.radians(ang_a + sweep / 2)
    # The label goes on the open side of the angle, away from the limbs.
    at = centre - 1.9 * radius * np.array([math.cos(mid), math.sin(mid)])
    text_box(img, f"{label} {value:.0f}\N{DEGREE SIGN}", _pt(at - [20 * look.unit, 14 * look.unit]),
             look, scale=0.8, colour=AMBER)


def draw_angles(img: np.ndarray, kp: np.ndarray, state: SceneState, look: Look) -> None:
    shoulder, hip = _mid(kp, 5, 6), _mid(kp, 11, 12)
    knee, ankle = _mid(kp, 13, 14), _mid(kp, 15, 16)
    dash = int(70 * look.unit)
    for base, top in ((hip, shoulder), (ankle, knee)):
        if base is None or top is None:
            continue
        # The segment against a vertical reference from its lower joint.
        for y in range(0, dash, max(4, dash // 8)):
            y0 = int(base[1]) - y
            cv2.line(img, (int(base[0]), y0), (int(base[0]), y0 - dash // 16), WHITE,
                     max(1, look.thin - 1), cv2.LINE_AA)
    if hip is not None and knee is not None and shoulder is not None \
            and state.hip_flexion_deg is not None:
        _arc(img, hip, knee, shoulder, state.hip_flexion_deg, "hip", look)
    if knee is not None and hip is not None and ankle is not None \
            and state.knee_flexion_deg is not None:
        _arc(img, knee, hip, ankle, state.knee_flexion_deg, "knee", look)


def back_colour(rounded: float) -> tuple[int, int, int]:
    """Green (neutral) through amber to red (clearly rounded)."""
    if rounded <= 0.5:
        w = rounded / 0.5
        return tuple(int((1 - w) * g + w * a) for g, a in zip(GREEN, AMBER, strict=True))  # type: ignore[return-value]
    w = (rounded - 0.5) / 0.5
    return tuple(int((1 - w) * a + w * r) for a, r in zip(AMBER, RED, strict=True))  # type: ignore[return-value]


def draw_back_and_path(img: np.ndarray, state: SceneState, look: Look) -> None:
    if len(state.hip_path) > 1:
        cv2.polylines(img, [np.round(state.hip_path).astype(np.int32)], False, CYAN,
                      look.thin, cv2.LINE_AA)
    if state.back_outline is not None and len(state.back_outline) >= 3:
        pts = np.round(state.back_outline).astype(np.int32)
        cv2.polylines(img, [pts], False, BLACK, look.line + 4, cv2.LINE_AA)
        cv2.polylines(img, [pts], False, back_colour(state.back_rounded), look.line + 2,
                      cv2.LINE_AA)


def _anchor_point(kp: np.ndarray, label: FaultLabel) -> np.ndarray | None:
    if label.anchor == "knee":
        return _mid(kp, 13, 14)
    if label.anchor == "back":
        s, h = _mid(kp, 5, 6), _mid(kp, 11, 12)
        return None if s is None or h is None else (s + h) / 2
    return _mid(kp, 11, 12)


def draw_labels(img: np.ndarray, state: SceneState, look: Look) -> None:
    """Each fault's name and cue, placed above its body part (kept in the frame)."""
    kp = state.keypoints
    top = _top_of_body(kp) if kp is not None else img.shape[0] * 0.2
    y = int(max(top - 150 * look.unit * len(state.labels), 90 * look.unit))
    for label in state.labels[:3]:
        anchor = _anchor_point(kp, label) if kp is not None else None
        x = int(anchor[0] - 160 * look.unit) if anchor is not None else int(20 * look.unit)
        name = f"Rep {label.rep_index + 1}: {FAULT_LABELS[label.fault.name]}"
        w, h = text_box(img, name, (x, y), look, colour=RED, fill=(245, 245, 245), alpha=0.88)
        if label.fault.cue:
            _, h2 = text_box(img, label.fault.cue, (x, y + h), look, scale=0.75)
            h += h2
        if anchor is not None:
            cv2.line(img, (int(np.clip(x + w // 2, 0, img.shape[1] - 1)), y + h),
                     _pt(anchor), RED, look.thin, cv2.LINE_AA)
        y += h + int(10 * look.unit)


def _top_of_body(kp: np.ndarray) -> float:
    ys = kp[:, 1][~np.isnan(kp[:, 1])]
    return float(ys.min()) if ys.size else 0.0


def draw_hud(img: np.ndarray, state: SceneState, look: Look, exercise: str,
             no_score_reason: str | None) -> None:
    pad = int(14 * look.unit)
    shown = min(state.reps_done + (state.current_rep is not None), state.rep_total)
    # Before the first rep begins there is no rep to count: "rep 0/5" reads as a verdict.
    reps = f"{state.rep_total} rep{'s' if state.rep_total != 1 else ''}"
    counter = f"{exercise}  \N{MIDDLE DOT}  " + (f"rep {shown}/{state.rep_total}" if shown
                                                  else reps)
    text_box(img, counter, (pad, pad), look)
    if state.banner is not None and state.banner.score is not None:
        rep = state.banner
        text = f"Rep {rep.index + 1}: {rep.score:.0f}/100"
        (tw, _), _ = cv2.getTextSize(text, FONT, look.font * 1.6, 2)
        text_box(img, text, ((img.shape[1] - tw) // 2, pad), look, scale=1.6,
                 colour=GRADE_COLOURS[grade(rep.score or 0.0)])
    if no_score_reason:
        text_box(img, no_score_reason, (pad, img.shape[0] - int(60 * look.unit)), look,
                 scale=0.8, colour=AMBER)


def draw_frame(img: np.ndarray, state: SceneState, scale: float, exercise: str,
               no_score_reason: str | None, judged: bool = True) -> np.ndarray:
    """Draw every annotation onto ``img`` (display pixels × ``scale``) and return it.

    A clip that was not judged (filmed too far from the side) gets no skeleton, angles or
    back outline: read from that view they would be wrong, and drawn they would look like
    a verdict. Only the rep counter and the reason are drawn."""
    look = Look.for_frame(img.shape[1], img.shape[0])
    kp = None if state.keypoints is None else state.keypoints.copy()
    if kp is not None:
        kp[:, :2] *= scale
    scaled = SceneState(**{**state.__dict__, "keypoints": kp,
                           "back_outline": None if state.back_outline is None
                           else state.back_outline * scale,
                           "hip_path": state.hip_path * scale})
    if judged:
        draw_back_and_path(img, scaled, look)
        if kp is not None:
            draw_skeleton(img, kp, look)
            draw_angles(img, kp, scaled, look)
        draw_labels(img, scaled, look)
    draw_hud(img, scaled, look, exercise, no_score_reason)
    return img
