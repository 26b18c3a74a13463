"""The silhouette stage: decode the clip again and measure the back's shape per frame.

The outline is taken from the lifter's person mask (``pose.personmask``, BlazePose's
segmentation on a crop placed by the track), from a still camera's background model, or
from both: ``Settings.back_outline`` picks one source class of ``analysis.back.outline``
(``OUTLINES``). The pose stage keeps a few small frames while it
runs (``BackgroundSampler``); once the lifter's keypoints are known, their bodies are
masked out of those frames to build the background (``analysis.back.background``), which also
tells whether the camera stood still. The dorsal contour is then measured in every
analysed frame, on the frames the pose stage kept at the silhouette's working size (about
0.4 MB each: 63 MB for an 11 s clip), so that the clip is not decoded a second time; a
clip whose small frames would pass ``KEPT_FRAMES_MAX_BYTES`` keeps none and is decoded
again here instead (the same frames: the same decoder, size and resize).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np

from hingecheck.analysis.back import background as backdrop
from hingecheck.analysis.back import profile as silhouette
from hingecheck.analysis.back.outline import (
    BackgroundOutline,
    FusedOutline,
    OutlineSource,
    PersonOutline,
)
from hingecheck.pose.personmask import BODY_LANDMARKS, PersonMasker, crop_for, get_masker
from hingecheck.pose.track import PoseTrack
from hingecheck.settings import BackOutline, Settings
from hingecheck.video import VideoInfo, VideoLimits, decode_frames
from hingecheck.video.prefetch import prefetch

# Working resolution of the silhouette (longer side, pixels): the back is hundreds of
# pixels long at 720p; a third of that is plenty for a contour and keeps the median fast.
WORK_MAX_SIDE = 480
BACKGROUND_SAMPLES = 40
# The most the pose stage keeps of small frames for this pass: about 34 s of 16:9 video at
# 15 analysed frames a second. Longer clips are decoded a second time instead (the time
# saved is about a quarter of a second per second of 1080p video; docs/speed.md).
KEPT_FRAMES_MAX_BYTES = 200 * 1024**2
# Each outline setting's source: the pure geometry of each lives in analysis/back/.
OUTLINES: dict[BackOutline, type[OutlineSource]] = {
    BackOutline.PERSON: PersonOutline,
    BackOutline.BACKGROUND: BackgroundOutline,
    BackOutline.FUSED: FusedOutline,
}
_SOURCE_NAMES = {cls: name for name, cls in OUTLINES.items()}


def _work_image(image: np.ndarray) -> tuple[np.ndarray, float]:
    """The frame at working resolution and the factor from the decoded frame to it."""
    f = min(1.0, WORK_MAX_SIDE / max(image.shape[:2]))
    if f >= 1.0:
        return image, 1.0
    size = (max(2, int(round(image.shape[1] * f))), max(2, int(round(image.shape[0] * f))))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA), f


class BackgroundSampler:
    """Keeps every k-th analysed frame, small, for the background model, and (within
    ``max_bytes``) every analysed frame, small, for the back's pass."""

    def __init__(self, expected_frames: int, max_bytes: int = KEPT_FRAMES_MAX_BYTES) -> None:
        self.stride = max(1, expected_frames // BACKGROUND_SAMPLES)
        self.frames: list[np.ndarray] = []
        self.positions: list[int] = []
        self.scales: list[float] = []
        # Every analysed frame at working size and its factor to display pixels; None once
        # they would pass max_bytes (the back's pass then decodes the clip again).
        self.kept: list[tuple[np.ndarray, float]] | None = [] if max_bytes > 0 else None
        self._kept_bytes = 0
        self._max_bytes = max_bytes
        self._seen = 0

    def offer(self, image: np.ndarray, display_scale: float) -> None:
        sampled = (self._seen % self.stride == 0
                   and len(self.frames) < 2 * BACKGROUND_SAMPLES)
        if sampled or self.kept is not None:
            small, f = _work_image(image)
            if sampled:
                self.frames.append(small)
                self.positions.append(self._seen)
                self.scales.append(display_scale * f)
            if self.kept is not None:
                self._kept_bytes += small.nbytes
                if self._kept_bytes > self._max_bytes:
                    self.kept = None
                else:
                    self.kept.append((small, display_scale * f))
        self._seen += 1

    def take_kept(self) -> list[tuple[np.ndarray, float]] | None:
        """The kept frames, handed over once (the sampler forgets them)."""
        kept, self.kept = self.kept, None
        return kept


@dataclass
class BackShape:
    """Per analysed frame: the back's bulge (chord lengths, NaN unmeasured) and coverage."""

    bulge: np.ndarray
    coverage: np.ndarray
    heights: np.ndarray
    outline: np.ndarray  # (n, steps, 2) the back's surface in display pixels, NaN unseen
    camera_motion: float
    still_camera: bool
    note: str | None
    source: BackOutline | None = None  # what the outline was traced on


def _pair_mean(xy: np.ndarray, a: int, b: int) -> np.ndarray:
    return np.asarray(np.nanmean(xy[[a, b]], axis=0)) if not np.isnan(xy[[a, b]]).all() \
        else np.full(2, np.nan)


@dataclass
class SecondPass:
    """What the second decoding pass found: the back's shape for each profile end asked
    for, and BlazePose's landmarks where its network ran (None otherwise)."""

    backs: dict[float, BackShape]
    landmarks: np.ndarray | None  # (n, 17, 3) COCO order, display pixels, visibility
    # (n, 33, 5) BlazePose's world landmarks (metres, image axes, visibility, presence;
    # analysis.world), NaN where the network did not run; None where it never runs.
    world: np.ndarray | None = None


def _unmeasured(n: int, ends: tuple[float, ...], motion: float, note: str) -> SecondPass:
    steps = silhouette.PROFILE_STEPS
    return SecondPass({end: BackShape(np.full(n, np.nan), np.zeros(n),
                                      np.full((n, steps), np.nan),
                                      np.full((n, steps, 2), np.nan), motion, False, note)
                       for end in ends}, None)


def measure_back_shape(info: VideoInfo, settings: Settings, track: PoseTrack,
                       sampler: BackgroundSampler, facing_sign: float,
                       ends: tuple[float, ...] = (1.0,)) -> SecondPass:
    """Build the background, then measure the dorsal contour in every analysed frame, with
    the profile ending at each of ``ends`` (the exercise is decided after this pass; the
    mask, not the profile, is what costs)."""
    n = track.n_frames
    usable = [i for i, p in enumerate(sampler.positions) if p < n]
    if len(usable) < 5:
        return _unmeasured(n, ends, float("nan"),
                           "the back's shape was not measured: the clip is too short")
    kps = [track.xy[sampler.positions[i]] * sampler.scales[i] for i in usable]
    chords = [backdrop.chord_length(k) for k in kps]
    chord_px = float(np.nanmedian(chords)) if not np.isnan(chords).all() else float("nan")
    if not chord_px > 0:
        return _unmeasured(n, ends, float("nan"),
                           "the back's shape was not measured: shoulders and hips not seen")
    background = backdrop.build_background([sampler.frames[i] for i in usable], kps,
                                           chord_px)
    outline = OUTLINES[settings.back_outline]().for_camera(background.still)
    if outline is None:
        return _unmeasured(n, ends, background.camera_motion,
                           "the back's shape was not measured: the camera moves (rounding "
                           "needs a still camera)")
    source = _SOURCE_NAMES[type(outline)]
    # The person mask's network also gives the second opinion's landmarks.
    run_mask = outline.needs_person or settings.second_opinion
    masker: PersonMasker | None = get_masker(settings) if run_mask else None
    model = background if outline.needs_still_camera else None
    steps = silhouette.PROFILE_STEPS
    bulge = {end: np.full(n, np.nan) for end in ends}
    coverage = {end: np.zeros(n) for end in ends}
    heights = {end: np.full((n, steps), np.nan) for end in ends}
    surfaces = {end: np.full((n, steps, 2), np.nan) for end in ends}
    landmarks = np.full((n, 17, 3), np.nan) if masker is not None else None
    world = np.full((n, BODY_LANDMARKS, 5), np.nan) if masker is not None else None
    for pos, (small, to_display) in enumerate(_small_frames(info, settings, sampler, n)):
        xy = track.xy[pos] * to_display
        hip, shoulder = _pair_mean(xy, 11, 12), _pair_mean(xy, 5, 6)
        if np.isnan(hip).any() or np.isnan(shoulder).any():
            continue
        person = None
        if masker is not None:
            crop = crop_for(xy)
            if crop is None and outline.needs_person:
                continue
            if crop is not None:
                reading = masker.read_all(small, crop)
                person = reading.mask
                assert landmarks is not None and world is not None
                landmarks[pos] = reading.landmarks
                landmarks[pos, :, :2] /= to_display
                world[pos] = reading.world  # metres: the same at any image scale
        if not outline.needs_person:
            person = None  # read for its landmarks only
        for end in ends:
            profile = silhouette.back_profile(small, model, hip, shoulder, facing_sign,
                                              end=end, person=person, source=outline)
            bulge[end][pos] = profile.bulge
            coverage[end][pos] = profile.coverage
            heights[end][pos] = profile.heights
            surfaces[end][pos] = silhouette.outline_points(profile, hip, shoulder,
                                                          facing_sign, end) / to_display
    return SecondPass({end: BackShape(bulge[end], coverage[end], heights[end], surfaces[end],
                                      background.camera_motion, background.still, None,
                                      source) for end in ends}, landmarks, world)


def _small_frames(info: VideoInfo, settings: Settings, sampler: BackgroundSampler,
                  n: int) -> Iterator[tuple[np.ndarray, float]]:
    """The first ``n`` analysed frames at working size, each with its factor to display
    pixels: the pose stage's kept frames, or (where it kept none) a second decoding."""
    kept = sampler.take_kept()
    if kept is not None:
        del kept[n:]
        kept.reverse()  # popped from the end: each frame is freed once measured
        while kept:
            yield kept.pop()
        return
    # Decoded a frame ahead in a thread of its own, as in the pose stage: the decoder and
    # the person mask's network then share the two cores instead of taking turns.
    frames = prefetch(decode_frames(info, analysis_fps=settings.analysis_fps,
                                    max_side=settings.decode_side(),
                                    limits=VideoLimits.from_settings(settings)))
    for pos, frame in enumerate(frames):
        if pos >= n:
            frames.close()  # stops the decoding thread
            return
        small, f = _work_image(frame.image)
        yield small, frame.scale * f
