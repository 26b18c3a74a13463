"""The filming date: the video's own creation time where plausible, else the file name's."""

from __future__ import annotations

from datetime import UTC, date, datetime

from hingecheck.triage import filmed_on

UPLOADED = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def test_the_videos_creation_time_wins_over_the_file_name() -> None:
    filmed = datetime(2026, 3, 1, 23, 59, tzinfo=UTC)
    assert filmed_on("anna_2026-03-04.mp4", filmed, UPLOADED) == date(2026, 3, 1)
    assert filmed_on("IMG_0001.MOV", filmed, UPLOADED) == date(2026, 3, 1)
    assert filmed_on("IMG_0001.MOV", filmed) == date(2026, 3, 1)  # upload time unknown


def test_an_unset_camera_clock_falls_back_to_the_file_name() -> None:
    for unset in (datetime(1904, 1, 1, tzinfo=UTC), datetime(1970, 1, 1, tzinfo=UTC),
                  datetime(2026, 3, 12, tzinfo=UTC)):  # after the upload by two days
        assert filmed_on("anna_2026-03-04.mp4", unset, UPLOADED) == date(2026, 3, 4)
        assert filmed_on("IMG_0001.MOV", unset, UPLOADED) is None
    # A clock a few hours ahead (another time zone) is still that day's.
    assert filmed_on("x.mp4", datetime(2026, 3, 10, 20, tzinfo=UTC), UPLOADED) == \
        date(2026, 3, 10)
