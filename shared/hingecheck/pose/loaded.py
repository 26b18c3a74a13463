"""One loaded network per process: made on first use, shared by every thread after."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class PerProcess(Generic[K, V]):
    """``get(key)`` makes ``make(key)`` once per key (under a lock: two threads asking at
    once load it once) and hands the same object out after."""

    def __init__(self, make: Callable[[K], V]) -> None:
        self._make = make
        self._made: dict[K, V] = {}
        self._lock = threading.Lock()

    def get(self, key: K) -> V:
        with self._lock:
            if key not in self._made:
                self._made[key] = self._make(key)
            return self._made[key]
