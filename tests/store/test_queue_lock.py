"""SQLite's writers of one process take turns in the order they came, and a waiter may give up."""

from __future__ import annotations

import threading
import time

import pytest

from openhss.store.queue_lock import QueueLock


def _queued(lock: QueueLock, n: int) -> None:
    """Until `n` threads wait for `lock`."""
    deadline = time.monotonic() + 10
    while len(lock._waiting) < n:
        assert time.monotonic() < deadline, "the waiters never queued"
        time.sleep(0.001)


def test_waiters_get_the_lock_in_the_order_they_came() -> None:
    lock = QueueLock()
    assert lock.acquire(timeout=1)
    order: list[int] = []

    def waiter(k: int) -> None:
        assert lock.acquire(timeout=10)
        order.append(k)
        lock.release()

    threads = []
    for k in range(8):
        t = threading.Thread(target=waiter, args=(k,))
        t.start()
        threads.append(t)
        _queued(lock, k + 1)  # each in line before the next comes
    lock.release()
    for t in threads:
        t.join()
    assert order == list(range(8))


def test_the_releaser_cannot_take_the_lock_back_before_a_waiter() -> None:
    lock = QueueLock()
    assert lock.acquire(timeout=1)
    got: list[str] = []

    def waiter() -> None:
        assert lock.acquire(timeout=10)
        got.append("waiter")
        lock.release()

    t = threading.Thread(target=waiter)
    t.start()
    _queued(lock, 1)
    lock.release()
    assert lock.acquire(timeout=10)  # behind the waiter, who had the lock handed over
    got.append("releaser")
    lock.release()
    t.join()
    assert got == ["waiter", "releaser"]


def test_a_waiter_that_times_out_leaves_the_line() -> None:
    lock = QueueLock()
    assert lock.acquire(timeout=1)
    started = time.monotonic()
    assert not lock.acquire(timeout=0.05)
    assert time.monotonic() - started >= 0.04  # it waited (timers may wake a little early)
    assert len(lock._waiting) == 0
    lock.release()  # no one waits: the lock is free again
    assert lock.acquire(timeout=0)
    lock.release()


def test_release_of_a_free_lock_is_an_error() -> None:
    with pytest.raises(RuntimeError):
        QueueLock().release()
