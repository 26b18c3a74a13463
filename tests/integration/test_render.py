"""The annotated clip, poster and chart, decoded back and checked pixel by pixel."""

from __future__ import annotations

from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from hingecheck.pipeline import analyze_video
from hingecheck.pose.model import PoseModel
from hingecheck.render import RenderStats, render_chart, render_clip, render_poster
from hingecheck.render.overlay import GREEN, RED
from hingecheck.render.scene import Scene
from hingecheck.schemas import AnalysisResult
from hingecheck.settings import Settings
from hingecheck.synth.generate import generate_clip
from hingecheck.synth.truth import ClipParams, ClipTruth
from hingecheck.video.encode import write_h264
from hingecheck.vocab import FaultName

pytestmark = pytest.mark.model

# The clip's folder, its truth, its analysis, the render's stats and the poster's time.
Rendered = tuple[Path, ClipTruth, AnalysisResult, RenderStats, float | None]


@pytest.fixture(scope="module")
def rounded(tmp_path_factory: pytest.TempPathFactory, settings: Settings,
            pose_model: PoseModel) -> Rendered:
    """A generated clip with severely rounded reps, analysed and rendered once."""
    root = tmp_path_factory.mktemp("render")
    clip = root / "rounded.mp4"
    truth = generate_clip(ClipParams(scenario=FaultName.LUMBAR_ROUNDING, grade="severe", reps=2,
                                     seed=5), clip)
    result = analyze_video(clip, settings, exercise="rdl", model=pose_model)
    stats = render_clip(clip, result, root / "annotated.mp4", settings)
    poster_time = render_poster(clip, result, root / "poster.jpg", settings)
    render_chart(result, root / "angles.png")
    return root, truth, result, stats, poster_time


def _frames(path: Path) -> tuple[list[np.ndarray], list[float], av.video.stream.VideoStream]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames, times = [], []
        for frame in container.decode(stream):
            frames.append(frame.to_ndarray(format="bgr24"))
            times.append(float(frame.time))
        return frames, times, stream


def test_clip_is_browser_playable_h264_with_every_frame(rounded: Rendered) -> None:
    root, truth, result, stats, _ = rounded
    with av.open(str(root / "annotated.mp4")) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert stream.codec_context.pix_fmt == "yuv420p"
        assert (stream.width, stream.height) == (truth.width, truth.height)
        assert stream.width % 2 == 0 and stream.height % 2 == 0
    frames, times, _ = _frames(root / "annotated.mp4")
    assert len(frames) == stats.frames == truth.n_frames == result.video.frames_decoded
    assert times[-1] == pytest.approx((truth.n_frames - 1) / truth.fps, abs=0.05)
    # +faststart: the index (moov) comes before the media data (mdat).
    head = (root / "annotated.mp4").read_bytes()[:200_000]
    assert 0 <= head.find(b"moov") < head.find(b"mdat")


def _outline_colour(frame: np.ndarray, outline: list[tuple[float, float]]) -> np.ndarray:
    pts = np.array(outline)
    samples = [frame[int(y), int(x)].astype(float) for x, y in pts[1:-1]]
    return np.asarray(np.median(samples, axis=0))


def test_back_outline_is_red_when_rounded_and_green_when_neutral(rounded: Rendered) -> None:
    root, _, result, _, _ = rounded
    frames, _, _ = _frames(root / "annotated.mp4")
    bulges = result.series.back_bulge
    red = [i for i, b in enumerate(bulges) if b is not None and b >= 0.09
           and result.series.back_outline[i]]
    green = [i for i, b in enumerate(bulges) if b is not None and b <= 0.03
             and result.series.back_outline[i]]
    assert red and green, "the clip shows both a rounded and a neutral back"
    for pick, want in ((red[len(red) // 2], RED), (green[len(green) // 2], GREEN)):
        frame = frames[result.pose.frame_indices[pick]]
        outline = result.series.back_outline[pick]
        assert outline is not None
        colour = _outline_colour(frame, outline)
        assert np.abs(colour - np.array(want)).max() < 60, (colour, want)


def test_skeleton_is_drawn_on_the_lifter(rounded: Rendered) -> None:
    root, _, result, _, _ = rounded
    frames, _, _ = _frames(root / "annotated.mp4")
    source, _, _ = _frames(root / "rounded.mp4")
    i = len(result.pose.times_s) // 3
    frame_index = result.pose.frame_indices[i]
    knee = result.pose.keypoints[i][13]
    assert knee is not None
    x, y = int(knee[0]), int(knee[1])
    patch = np.abs(frames[frame_index][y - 3:y + 4, x - 3:x + 4].astype(int)
                   - source[frame_index][y - 3:y + 4, x - 3:x + 4].astype(int))
    assert patch.mean() > 30, "the knee joint marker is drawn where the knee is"


def test_poster_is_the_worst_reps_bottom(rounded: Rendered) -> None:
    root, truth, result, _, poster_time = rounded
    worst = min(result.reps, key=lambda r: (r.score, r.index))
    assert poster_time == pytest.approx(worst.bottom_s, abs=1.0 / truth.fps + 1e-6)
    poster = cv2.imread(str(root / "poster.jpg"))
    assert poster is not None and poster.shape[:2] == (truth.height, truth.width)


def test_angle_chart_is_a_picture(rounded: Rendered) -> None:
    root, *_ = rounded
    chart = cv2.imread(str(root / "angles.png"))
    assert chart is not None and chart.shape[1] > 800
    assert (chart < 200).any(), "lines and text are drawn, not a blank page"


def test_a_reps_score_banner_never_shows_during_the_next_rep(rounded: Rendered) -> None:
    _, _, result, _, _ = rounded
    scene = Scene(result)
    shown = set()
    for t in np.arange(0.0, result.video.duration_s, 1 / 30):
        state = scene.state(float(t))
        if state.banner is not None:
            assert state.current_rep is None, (t, state.banner.index, state.current_rep.index)
            shown.add(state.banner.index)
    assert len(result.reps) - 1 in shown  # the last rep's score shows after its lockout


def test_rotated_phone_clip_renders_upright_without_a_rotation_flag(
        tmp_path: Path, settings: Settings, pose_model: PoseModel) -> None:
    """A phone stores portrait video as landscape pixels plus a display rotation."""
    upright = tmp_path / "upright.mp4"
    generate_clip(ClipParams(scenario="good_hinge", reps=1, seed=2, orientation="portrait",
                             resolution=480), upright)
    frames, times, _ = _frames(upright)
    stored = tmp_path / "phone.mp4"
    write_h264(stored, [np.ascontiguousarray(np.rot90(f, k=-1)) for f in frames], fps=30.0,
               times_s=times, rotation_deg=90)
    result = analyze_video(stored, settings, exercise="rdl", model=pose_model)
    out = tmp_path / "annotated.mp4"
    render_clip(stored, result, out, settings)
    with av.open(str(out)) as container:
        stream = container.streams.video[0]
        assert stream.height > stream.width  # upright, as filmed
        first = next(container.decode(stream))
        assert not first.rotation


def test_a_clip_without_a_score_still_renders_with_its_reason(tmp_path: Path, settings: Settings,
                                                             pose_model: PoseModel) -> None:
    # Squats filmed from the front: refused for the view, so nothing on the clip may judge
    # them (no fault label, no rep score, no rounded-back colour), only the reason.
    clip = tmp_path / "front.mp4"
    generate_clip(ClipParams(scenario=FaultName.SQUAT_SUBSTITUTION, reps=2, seed=3, view_deg=60.0,
                             resolution=480), clip)
    result = analyze_video(clip, settings, exercise="rdl", model=pose_model)
    assert result.summary.score is None and not result.summary.judged
    assert result.reps, "the reps are still measured and shown"
    scene = Scene(result)
    for t in np.arange(0.0, result.video.duration_s, 0.1):
        state = scene.state(float(t))
        assert state.labels == [] and state.back_rounded == 0.0
        assert state.banner is None or state.banner.score is None
    stats = render_clip(clip, result, tmp_path / "annotated.mp4", settings)
    assert stats.frames == result.video.frames_decoded
    frames, _, _ = _frames(tmp_path / "annotated.mp4")
    source, _, _ = _frames(clip)
    h = frames[0].shape[0]
    # The reason sits in a dark box at the bottom left of every frame.
    box = frames[5][int(h * 0.85):, : frames[5].shape[1] // 3].astype(int)
    under = source[5][int(h * 0.85):, : frames[5].shape[1] // 3].astype(int)
    changed = np.abs(box - under).max(axis=2) > 60
    assert changed.mean() > 0.05
    # No skeleton, angle or outline drawn from a view that was not judged: around the
    # knees and hips the frame is the source's (the encoder's noise aside).
    for i in range(0, len(result.pose.times_s), 7):
        frame_index = result.pose.frame_indices[i]
        for k in (11, 12, 13, 14):  # hips, knees
            joint = result.pose.keypoints[i][k]
            if joint is None:
                continue
            x, y = int(joint[0]), int(joint[1])
            patch = np.abs(frames[frame_index][y - 3:y + 4, x - 3:x + 4].astype(int)
                           - source[frame_index][y - 3:y + 4, x - 3:x + 4].astype(int))
            assert patch.mean() < 15, f"something drawn on joint {k} at frame {frame_index}"


def test_the_clip_pass_writes_the_poster_render_poster_draws(rounded: Rendered, settings: Settings,
                                                              tmp_path: Path) -> None:
    """One decoding for the clip and the poster: the same frame, drawn the same."""
    root, _, result, _, poster_time = rounded
    stats = render_clip(root / "rounded.mp4", result, tmp_path / "a.mp4", settings,
                        poster=tmp_path / "poster.jpg")
    assert stats.poster_time_s == poster_time is not None
    one_pass = cv2.imread(str(tmp_path / "poster.jpg"))
    alone = cv2.imread(str(root / "poster.jpg"))
    assert one_pass is not None and alone is not None
    assert one_pass.shape == alone.shape and np.array_equal(one_pass, alone)


def test_the_clip_is_drawn_at_most_render_max_side(rounded: Rendered, settings: Settings,
                                                    tmp_path: Path) -> None:
    root, truth, result, _, _ = rounded
    small = settings.model_copy(update={"render_max_side": 320})
    stats = render_clip(root / "rounded.mp4", result, tmp_path / "a.mp4", small,
                        poster=tmp_path / "poster.jpg")
    assert max(stats.width, stats.height) <= 320 and stats.frames == truth.n_frames
    with av.open(str(tmp_path / "a.mp4")) as container:
        stream = container.streams.video[0]
        assert (stream.width, stream.height) == (stats.width, stats.height)
    poster = cv2.imread(str(tmp_path / "poster.jpg"))
    assert poster is not None and poster.shape[:2] == (stats.height, stats.width)
