"""The coach's web page: static files served by the results service at ``/``."""

from pathlib import Path

STATIC_DIR = Path(__file__).parent / "static"
