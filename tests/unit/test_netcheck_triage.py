"""The callback address check (hingecheck.netcheck) and the coach's rules served on every
job view (hingecheck.triage): pure functions, checked against the forms they must see."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hingecheck.analysis.catalogue import FAULT_WEIGHTS
from hingecheck.netcheck import is_inner_text
from hingecheck.triage import (
    Clip,
    athlete_from_file_name,
    counted_under,
    filmed_on,
    urgency,
    urgency_key,
)
from hingecheck.vocab import FaultName


@pytest.mark.parametrize("address", [
    "::7f00:1", "::127.0.0.1",                      # IPv4-compatible
    "64:ff9b::7f00:1", "64:ff9b::a9fe:a9fe",        # NAT64 well-known prefix
    "64:ff9b:1::a9fe:a9fe", "64:ff9b:1::a00:1",     # NAT64 local-use prefix
    "::ffff:127.0.0.1", "::ffff:10.0.0.1",          # IPv4-mapped
    "2002:7f00:1::", "2002:a9fe:a9fe::1",           # 6to4
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",          # Teredo (client 192.0.2.45)
    "::1", "::", "fe80::1", "fe80::1%eth0", "fc00::1", "ff02::1",
    "127.0.0.1", "10.1.2.3", "100.64.0.1", "169.254.169.254", "0.0.0.0", "224.0.0.1",
    "not an address"])
def test_every_address_that_reaches_inside_is_inner(address: str) -> None:
    assert is_inner_text(address)


@pytest.mark.parametrize("address", ["8.8.8.8", "2606:4700::1111", "64:ff9b::808:808",
                                     "::ffff:8.8.8.8", "2002:808:808::1"])
def test_public_addresses_are_not(address: str) -> None:
    assert not is_inner_text(address)


def test_urgency_is_the_worst_weight_times_severity() -> None:
    faults = [{"name": FaultName.LUMBAR_ROUNDING, "worst_severity": 0.5},
              {"name": FaultName.LOCKED_KNEES, "worst_severity": 1.0}]
    expected = max(FAULT_WEIGHTS[FaultName.LUMBAR_ROUNDING] * 0.5,
                   FAULT_WEIGHTS[FaultName.LOCKED_KNEES] * 1.0)
    assert urgency("succeeded", 70.0, faults) == pytest.approx(expected)
    assert urgency("succeeded", 100.0, []) == 0.0
    assert urgency("succeeded", None, faults) is None     # not judged
    assert urgency("failed", None, []) is None
    ordered = sorted([(None, None), (0.0, 95.0), (5.0, 80.0), (5.0, 60.0), (1.0, 90.0)],
                     key=lambda p: urgency_key(*p))
    assert ordered == [(5.0, 60.0), (5.0, 80.0), (1.0, 90.0), (0.0, 95.0), (None, None)]


def test_file_names_give_the_filming_date_and_the_athlete() -> None:
    assert filmed_on("anna_rdl_2026-11-20.mp4") == date(2026, 11, 20)
    assert filmed_on("VID_20261120_101010.mp4") == date(2026, 11, 20)
    assert filmed_on("anna_2026-02-31.mp4") is None and filmed_on("lift.mp4") is None
    assert athlete_from_file_name("anna_rdl_2026-11-20.mp4") == "Anna"
    assert athlete_from_file_name("BEN-deadlift.mov") == "Ben"
    for camera in ("IMG_1234.MOV", "PXL_20261120_101010.mp4", "VID_20261120.mp4",
                   "DSC_0001.MOV", "MOV_0042.mp4", "Screen Recording 2026-11-20.mov",
                   "WhatsApp Video 2026-11-20.mp4", "1234.mp4", ""):
        assert athlete_from_file_name(camera) is None, camera


def test_a_clip_uploaded_again_counts_once_under_its_newest_success() -> None:
    t = datetime(2026, 11, 20, tzinfo=UTC)
    jobs = [Clip("a1", "Anna", "set1.mp4", "succeeded", t),
            Clip("a2", "Anna", "set1.mp4", "succeeded", t + timedelta(minutes=1)),
            Clip("a3", "Anna", "set1.mp4", "failed", t + timedelta(minutes=2)),
            Clip("b1", "Ben", "set1.mp4", "succeeded", t),      # another athlete's clip
            Clip("c1", "Anna", "set2.mp4", "queued", t),
            Clip("c2", "Anna", "set2.mp4", "failed", t + timedelta(minutes=1))]
    assert counted_under(jobs) == {"a1": "a2", "a3": "a2", "c1": "c2"}
