"""Shapes real phones and tools produce, made in code as real H.264: an MP4 edit list
that discards frames its header counts, raw Annex-B streams with no container timing, and
the filming date in the container's tags."""

from datetime import UTC, datetime, timedelta, timezone
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

FPS = 30
LEAD = 14  # frames before the edit list's start, as in the phone clip of issue 32
KEPT = 46


def noisy_frames(n: int, seed: int = 0) -> list[np.ndarray]:
    """Frames of noise: every frame costs about the same bytes, so cutting the file's
    bytes cuts its time in proportion."""
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 255, (64, 96, 3), dtype=np.uint8) for _ in range(n)]


def decode_all(
    path: Path, limits: VideoLimits | None = None
) -> tuple[VideoInfo, list[DecodedFrame], DecodeStats]:
    limits = limits or VideoLimits()
    info = probe(path, limits)
    stats = DecodeStats()
    frames = list(decode_frames(info, analysis_fps=1000.0, max_side=960, limits=limits,
                                stats=stats))
    return info, frames, stats


def edit_list_clip(path: Path) -> Path:
    """Frames stamped from -LEAD/FPS: the MP4 muxer keeps them in the sample table (the
    header counts them) and writes an edit list that starts the clip at 0, so the demuxer
    hands them over with negative times and the discard flag, and they never decode."""
    times = [(i - LEAD) / FPS for i in range(LEAD + KEPT)]
    write_h264(path, noisy_frames(LEAD + KEPT), fps=FPS, times_s=times)
    return path


def write_raw_h264(path: Path, n: int, fps: int = FPS) -> Path:
    """An Annex-B .h264 stream: no container, no timestamps; only the SPS knows the rate."""
    with av.open(str(path), "w", format="h264") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = 96, 64, "yuv420p"
        for i, img in enumerate(noisy_frames(n)):
            frame = av.VideoFrame.from_ndarray(img, format="bgr24")
            frame.pts = i
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


def test_the_generated_clip_has_the_phone_shape(tmp_path: Path) -> None:
    # Guards the fixture: the header over-counts and the discarded frames are there.
    path = edit_list_clip(tmp_path / "vfr_phone.mp4")
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        packets = [p for p in container.demux(stream) if p.size]
        assert stream.frames == LEAD + KEPT
        discarded = [p for p in packets if p.is_discard]
        assert len(discarded) == LEAD
        assert all(p.pts is not None and p.pts < 0 for p in discarded)


def test_an_edit_list_that_discards_counted_frames_is_a_complete_clip(tmp_path: Path) -> None:
    info, frames, stats = decode_all(edit_list_clip(tmp_path / "vfr_phone.mp4"))
    assert info.frame_count_header == LEAD + KEPT
    assert info.duration_s == pytest.approx(KEPT / FPS, abs=2e-3)
    # Fewer than 95% of the header's frames decode, yet they cover the whole clip.
    assert stats.frames_decoded == len(frames) == KEPT
    np.testing.assert_allclose([f.time_s for f in frames], np.arange(KEPT) / FPS, atol=2e-3)


@pytest.mark.parametrize("kept_fraction", [0.5, 0.8])
def test_an_edit_list_clip_cut_short_is_still_truncated(tmp_path: Path,
                                                         kept_fraction: float) -> None:
    path = edit_list_clip(tmp_path / "vfr_phone.mp4")
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * kept_fraction)])
    with pytest.raises(errors.TruncatedVideo, match=r"breaks off at [\d.]+ s of 1\.53 s"):
        decode_all(path)


def test_a_raw_stream_is_timed_at_its_own_frame_rate(tmp_path: Path) -> None:
    # FFmpeg's raw demuxer reads such a stream as 25 fps; the SPS says 30.
    info, frames, _ = decode_all(write_raw_h264(tmp_path / "clip.h264", 45))
    assert (info.container, info.duration_from) == ("h264", "frame-count")
    assert info.fps == pytest.approx(FPS)
    assert info.duration_s == pytest.approx(45 / FPS)
    np.testing.assert_allclose([f.time_s for f in frames], np.arange(45) / FPS, atol=1e-6)


def test_a_raw_stream_too_long_is_refused_at_probe(tmp_path: Path) -> None:
    path = write_raw_h264(tmp_path / "long.h264", 120)  # 4 s at 30 fps
    with pytest.raises(errors.VideoTooLong,
                       match=r"limit of 2 s \(61 frames at 30 fps; the stream stores no"):
        probe(path, VideoLimits(max_duration_s=2))


def test_a_raw_stream_too_long_is_refused_while_decoding(tmp_path: Path) -> None:
    # The probe passed under wider limits (an older probe, or limits changed since):
    # decoding stops at the limit instead of decoding the whole stream.
    path = write_raw_h264(tmp_path / "long.h264", 120)
    info = probe(path)
    limits = VideoLimits(max_duration_s=2)
    stats = DecodeStats()
    with pytest.raises(errors.VideoTooLong, match="the stream stores no timestamps"):
        for _ in decode_frames(info, analysis_fps=15, max_side=960, limits=limits,
                               stats=stats):
            pass
    assert stats.frames_decoded == 2 * FPS + 2  # the first frame past 2 s, not all 120


def test_the_filming_date_comes_from_creation_time(tmp_path: Path) -> None:
    path = tmp_path / "dated.mp4"
    filmed = datetime(2025, 3, 14, 9, 26, 53, tzinfo=timezone(timedelta(hours=2)))
    write_h264(path, noisy_frames(30), fps=FPS, created_at=filmed)
    created = probe(path).created_at
    assert created == filmed and created.tzinfo is not None
    assert created.astimezone(UTC).hour == 7


def test_apples_local_creation_date_is_preferred(tmp_path: Path) -> None:
    path = tmp_path / "iphone.mov"
    with av.open(str(path), "w", format="mov",
                 options={"movflags": "use_metadata_tags"}) as container:
        container.metadata["com.apple.quicktime.creationdate"] = "2025-03-14T09:26:53+0200"
        container.metadata["creation_time"] = "2025-03-14T07:26:53.000000Z"
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = 96, 64, "yuv420p"
        for img in noisy_frames(30):
            container.mux(stream.encode(av.VideoFrame.from_ndarray(img, format="bgr24")))
        container.mux(stream.encode(None))
    created = probe(path).created_at
    assert created is not None and created.utcoffset() == timedelta(hours=2)
    assert created.isoformat() == "2025-03-14T09:26:53+02:00"


def test_a_clip_without_a_date_has_none(tmp_path: Path) -> None:
    path = tmp_path / "undated.mp4"
    write_h264(path, noisy_frames(30), fps=FPS)
    info = probe(path)
    assert info.created_at is None and info.to_dict()["created_at"] is None
