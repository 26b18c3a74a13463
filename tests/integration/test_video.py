"""Probing and decoding real H.264 files written in code: each gets the right result or
the right error."""

from pathlib import Path

import av
import numpy as np
import pytest
from hingecheck import errors
from hingecheck.video import (
    DecodedFrame,
    DecodeStats,
    VideoInfo,
    VideoLimits,
    decode_frames,
    probe,
)
from hingecheck.video.encode import write_h264


def band_frames(n: int, width: int = 96, height: int = 64) -> list[np.ndarray]:
    """Dark frames with a white band down the left edge (to see rotation)."""
    frames = []
    for _ in range(n):
        img = np.full((height, width, 3), 40, np.uint8)
        img[:, :12] = 255
        frames.append(img)
    return frames


def decode_all(
    path: Path, analysis_fps: float = 1000.0, limits: VideoLimits | None = None
) -> tuple[VideoInfo, list[DecodedFrame], DecodeStats]:
    limits = limits or VideoLimits()
    info = probe(path, limits)
    stats = DecodeStats()
    frames = list(decode_frames(info, analysis_fps=analysis_fps, max_side=960, limits=limits,
                                stats=stats))
    return info, frames, stats


def test_plain_clip_decodes_every_frame(tmp_path: Path) -> None:
    path = tmp_path / "plain.mp4"
    write_h264(path, band_frames(30), fps=30)
    info, frames, stats = decode_all(path)
    assert (info.codec, info.width, info.height, info.rotation_deg) == ("h264", 96, 64, 0)
    assert info.fps == pytest.approx(30)
    assert len(frames) == stats.frames_decoded == 30
    np.testing.assert_allclose([f.time_s for f in frames], np.arange(30) / 30, atol=1e-3)


@pytest.mark.parametrize(
    ("rotation", "band_rows"),
    [(90, "bottom"), (-90, "top")],  # counter-clockwise display rotation, as phones store it
)
def test_rotation_metadata_is_honoured(tmp_path: Path, rotation: int, band_rows: str) -> None:
    path = tmp_path / "rotated.mp4"
    write_h264(path, band_frames(30), fps=30, rotation_deg=rotation)
    info, frames, _ = decode_all(path)
    assert (info.width, info.height) == (64, 96)  # displayed portrait
    assert info.rotation_deg == rotation % 360
    image = frames[0].image
    assert image.shape[:2] == (96, 64)
    rows = image[-8:] if band_rows == "bottom" else image[:8]
    other = image[:8] if band_rows == "bottom" else image[-8:]
    assert rows.mean() > 200 and other.mean() < 80


def test_variable_frame_rate_keeps_real_timestamps(tmp_path: Path) -> None:
    times = [0.0, 0.033, 0.1, 0.5, 0.52, 1.0, 1.04]
    path = tmp_path / "vfr.mp4"
    write_h264(path, band_frames(len(times)), fps=30, times_s=times)
    _, frames, _ = decode_all(path)
    np.testing.assert_allclose([f.time_s for f in frames], times, atol=2e-3)


def test_frames_are_picked_by_time_not_index(tmp_path: Path) -> None:
    path = tmp_path / "sixty.mp4"
    write_h264(path, band_frames(120), fps=60)
    _, frames, stats = decode_all(path, analysis_fps=15)
    assert stats.frames_decoded == 120
    assert [f.index for f in frames] == list(range(0, 120, 4))


def test_zero_bytes_is_not_a_video(tmp_path: Path) -> None:
    path = tmp_path / "empty.mp4"
    path.write_bytes(b"")
    with pytest.raises(errors.NotAVideo, match="empty"):
        probe(path)


def test_text_named_mp4_is_not_a_video(tmp_path: Path) -> None:
    path = tmp_path / "notes.mp4"
    path.write_text("squat day: 5x5\n" * 100)
    with pytest.raises(errors.NotAVideo, match="not a video"):
        probe(path)


def test_audio_only_file_has_no_video_stream(tmp_path: Path) -> None:
    path = tmp_path / "voice.m4a"
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("aac", rate=16000)
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp",
                                           layout="mono")
        frame.sample_rate = 16000
        for i in range(10):
            frame.pts = i * 1024
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    with pytest.raises(errors.NotAVideo, match="no video stream"):
        probe(path)


def test_missing_moov_atom_is_truncated(tmp_path: Path) -> None:
    path = tmp_path / "cut.mp4"
    write_h264(path, band_frames(30), fps=30, faststart=False)  # index written last
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(errors.TruncatedVideo, match="moov"):
        probe(path)


def test_data_cut_short_is_truncated(tmp_path: Path) -> None:
    path = tmp_path / "cut_faststart.mp4"
    rng = np.random.default_rng(0)
    noisy = [rng.integers(0, 255, (64, 96, 3), dtype=np.uint8) for _ in range(30)]
    write_h264(path, noisy, fps=30)  # index first, so only the pictures are lost
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(errors.TruncatedVideo, match="breaks off"):
        decode_all(path)


def test_oversize_picture_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.mp4"
    write_h264(path, [np.zeros((2176, 4096, 3), np.uint8)] * 2, fps=30, preset="ultrafast")
    with pytest.raises(errors.VideoTooLarge, match="4096×2176"):
        probe(path)


def test_portrait_4k_is_within_limits(tmp_path: Path) -> None:
    path = tmp_path / "portrait.mp4"
    write_h264(path, [np.zeros((2160, 1216, 3), np.uint8)] * 2, fps=30, preset="ultrafast")
    assert probe(path, VideoLimits(min_duration_s=0)).height == 2160


def test_too_long_is_refused_from_the_header(tmp_path: Path) -> None:
    path = tmp_path / "long.mp4"
    write_h264(path, band_frames(3), fps=30, times_s=[0.0, 300.0, 660.0])
    with pytest.raises(errors.VideoTooLong, match="longer than the limit of 600 s"):
        probe(path)


def test_frame_limit_from_the_header(tmp_path: Path) -> None:
    path = tmp_path / "many.mp4"
    write_h264(path, band_frames(40), fps=30)
    with pytest.raises(errors.TooManyFrames):
        probe(path, VideoLimits(max_frames=10))


def test_frame_limit_when_the_header_has_no_count(tmp_path: Path) -> None:
    # Matroska stores no frame count: only counting while decoding can catch it.
    path = tmp_path / "many.mkv"
    with av.open(str(path), "w", format="matroska") as container:
        stream = container.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = 96, 64, "yuv420p"
        for img in band_frames(40):
            container.mux(stream.encode(av.VideoFrame.from_ndarray(img, format="bgr24")))
        container.mux(stream.encode(None))
    limits = VideoLimits(max_frames=10)
    assert probe(path, limits).frame_count_header is None
    with pytest.raises(errors.TooManyFrames, match="more than 10 frames"):
        decode_all(path, limits=limits)


def _picture(kind: str) -> bytes:
    import cv2

    ok, data = cv2.imencode(f".{kind}", band_frames(1, 320, 240)[0])
    assert ok
    return bytes(data.tobytes())


@pytest.mark.parametrize("kind", ["png", "jpg"])
def test_a_picture_renamed_mp4_is_not_a_video(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "photo.mp4"
    path.write_bytes(_picture(kind))
    with pytest.raises(errors.NotAVideo, match="a single picture"):
        probe(path)


def test_a_picture_with_a_video_glued_behind_it_is_refused(tmp_path: Path) -> None:
    clip = tmp_path / "clip.mp4"
    write_h264(clip, band_frames(30), fps=30)
    path = tmp_path / "polyglot.mp4"
    path.write_bytes(_picture("jpg") + clip.read_bytes())
    with pytest.raises(errors.NotAVideo, match="a single picture"):
        probe(path)


def test_a_one_frame_clip_is_too_short_to_hold_a_rep(tmp_path: Path) -> None:
    path = tmp_path / "one.mp4"
    write_h264(path, band_frames(1), fps=30)
    with pytest.raises(errors.VideoTooShort, match=r"minimum is 0\.5 s"):
        probe(path)


def test_the_largest_moving_stream_is_analysed(tmp_path: Path) -> None:
    # A preview in stream 0, the recording in stream 1 (as some phones and editors store).
    path = tmp_path / "two.mp4"
    with av.open(str(path), "w") as container:
        small = container.add_stream("libx264", rate=30)
        small.width, small.height, small.pix_fmt = 32, 32, "yuv420p"
        large = container.add_stream("libx264", rate=30)
        large.width, large.height, large.pix_fmt = 96, 64, "yuv420p"
        for img in band_frames(30):
            for stream in (small, large):
                frame = av.VideoFrame.from_ndarray(img[:stream.height, :stream.width].copy(),
                                                   format="bgr24")
                container.mux(stream.encode(frame))
        for stream in (small, large):
            container.mux(stream.encode(None))
    info, frames, _ = decode_all(path)
    assert info.stream_index == 1 and (info.width, info.height) == (96, 64)
    assert frames[0].image.shape[:2] == (64, 96) and len(frames) == 30
