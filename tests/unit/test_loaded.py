"""A network is loaded once per process, however many threads ask for it at once."""

from __future__ import annotations

import threading
import time

from hingecheck.pose.loaded import PerProcess


def test_threads_asking_at_once_load_it_once() -> None:
    made: list[str] = []

    def slow_load(key: str) -> object:
        made.append(key)
        time.sleep(0.05)  # long enough for every other thread to ask meanwhile
        return object()

    loaded: PerProcess[str, object] = PerProcess(slow_load)
    got: list[object] = []
    threads = [threading.Thread(target=lambda: got.append(loaded.get("yolo"))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert made == ["yolo"]
    assert len(got) == 8 and all(g is got[0] for g in got)
    assert loaded.get("mask") is not got[0] and made == ["yolo", "mask"]
