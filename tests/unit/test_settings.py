"""Bad settings fail fast, naming the variable."""

import pytest
from hingecheck.settings import SettingsError, get_settings


def test_bad_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HINGECHECK_IMGSZ", "500")  # not a multiple of 32
    get_settings.cache_clear()
    try:
        with pytest.raises(SettingsError, match="HINGECHECK_IMGSZ"):
            get_settings()
    finally:
        get_settings.cache_clear()


def test_defaults_are_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HINGECHECK_IMGSZ", "HINGECHECK_BACKEND"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    try:
        settings = get_settings()
        assert settings.backend == "openvino" and settings.max_frames == 36_000
    finally:
        get_settings.cache_clear()


def test_reading_the_settings_loads_no_numpy_and_sets_no_pose_variables() -> None:
    """The settings come first in every process: they must stay light (no numpy) and leave
    ultralytics' environment alone (pose/ sets it)."""
    import os
    import subprocess
    import sys

    code = ("import os, sys\n"
            "import hingecheck.settings\n"
            "print('numpy' in sys.modules, 'YOLO_OFFLINE' in os.environ)\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("YOLO_")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, check=True).stdout.split()
    assert out == ["False", "False"]
