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
