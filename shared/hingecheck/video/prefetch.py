"""Decode ahead in a thread while the model works on the previous batch.

PyAV and OpenVINO both release the GIL in their native code, so on two cores decoding the
next frames overlaps inference instead of waiting for it.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Generator, Iterator
from typing import TypeVar

T = TypeVar("T")
_DONE = object()


def prefetch(items: Iterator[T], depth: int = 16) -> Generator[T, None, None]:
    """Yield from ``items``, produced by a background thread up to ``depth`` ahead.

    An exception raised by the producer is re-raised here, in the consumer. Closing the
    returned generator early stops the producer.
    """
    buffer: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        buffer.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            buffer.put(_DONE)
        except BaseException as exc:  # handed to the consumer, not lost in the thread
            buffer.put(exc)

    worker = threading.Thread(target=produce, name="hingecheck-decode", daemon=True)
    worker.start()
    try:
        while True:
            item = buffer.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        worker.join(timeout=5)
