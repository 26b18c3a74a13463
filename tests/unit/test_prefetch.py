"""Decoding ahead in a thread keeps order, passes errors through, and stops early."""

import threading
from collections.abc import Iterator

import pytest
from hingecheck.video.prefetch import prefetch


def test_order_is_kept() -> None:
    assert list(prefetch(iter(range(100)), depth=3)) == list(range(100))


def test_producer_error_reaches_the_consumer() -> None:
    def broken() -> Iterator[int]:
        yield 1
        raise ValueError("damaged frame")

    got = []
    with pytest.raises(ValueError, match="damaged frame"):
        for item in prefetch(broken()):
            got.append(item)
    assert got == [1]


def test_closing_early_stops_the_producer() -> None:
    produced = []

    def endless() -> Iterator[int]:
        i = 0
        while True:
            produced.append(i)
            yield i
            i += 1

    gen = prefetch(endless(), depth=2)
    assert next(gen) == 0
    gen.close()
    count = len(produced)
    assert count < 10
    assert not any(t.name == "hingecheck-decode" and t.is_alive() for t in threading.enumerate())
