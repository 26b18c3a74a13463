"""Moved to ``hingecheck.analysis.back`` (the background model, the outline's sources and
the back's profile); these names stay for callers of the old path."""

from hingecheck.analysis.back.background import (
    BACKGROUND_NEAREST_K,
    BODY_CLEARANCE,
    DIFF_THRESHOLD,
    INPAINTED_DIFF_THRESHOLD,
    MAX_CAMERA_MOTION,
    SKELETON_LINES,
    Background,
    FloatArray,
    ImageArray,
    build_background,
    chord_length,
    foreground,
)
from hingecheck.analysis.back.outline import FUSE_MARGIN_PX, outline_mask
from hingecheck.analysis.back.profile import (
    MIN_BACK_DEPTH,
    MIN_PROFILE_COVERAGE,
    PROFILE_INSIDE,
    PROFILE_OUTSIDE,
    PROFILE_START,
    PROFILE_STEPS,
    BackProfile,
    back_profile,
    dorsal_normal,
    median_profile_bulge,
    outline_points,
    profile_positions,
)

__all__ = ["BACKGROUND_NEAREST_K", "BODY_CLEARANCE", "DIFF_THRESHOLD", "FUSE_MARGIN_PX",
           "INPAINTED_DIFF_THRESHOLD", "MAX_CAMERA_MOTION", "MIN_BACK_DEPTH",
           "MIN_PROFILE_COVERAGE", "PROFILE_INSIDE", "PROFILE_OUTSIDE", "PROFILE_START",
           "PROFILE_STEPS", "SKELETON_LINES", "BackProfile", "Background", "FloatArray",
           "ImageArray", "back_profile", "build_background", "chord_length",
           "dorsal_normal", "foreground", "median_profile_bulge", "outline_mask",
           "outline_points", "profile_positions"]
