"""Shared fixtures: settings, the real pose model, the real lift footage beside the repo."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hingecheck.pose.model import PoseModel
from hingecheck.settings import Settings, get_settings

REAL_FOOTAGE = Path(__file__).resolve().parents[1].parent / "shared" / "real"


@pytest.fixture(scope="session")
def settings() -> Settings:
    return get_settings()


@pytest.fixture(scope="session")
def pose_model(settings: Settings) -> PoseModel:
    """The real yolo11n-pose model, loaded once for the whole session."""
    from hingecheck.pose.model import get_pose_model

    return get_pose_model(settings)


@pytest.fixture(scope="session")
def real_footage() -> Path:
    """The labelled real deadlift clips (../shared/real); skipped where absent."""
    if not (REAL_FOOTAGE / "LABELS.md").is_file():
        if os.environ.get("HINGECHECK_REQUIRE_REAL_FOOTAGE") == "1":
            pytest.fail(f"real footage required but not found at {REAL_FOOTAGE}")
        pytest.skip(f"real lift footage not found at {REAL_FOOTAGE} (team folder absent)")
    return REAL_FOOTAGE
