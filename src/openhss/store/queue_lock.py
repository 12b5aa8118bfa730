"""A lock that goes to its waiters in the order they came: SQLite's one writer, taken in turns."""

from __future__ import annotations

import threading
from collections import deque


class QueueLock:
    """Mutual exclusion handed from each holder to the longest waiter (first come, first served).

    `threading.Lock` lets the thread that releases take it straight back (an agent's ingest then its
    counter fold, then its next report) while others sleep: with eight agents writing at once, one
    of them waited 2.9 s (p99) for turns of 30 ms. Here a release wakes the first waiter and the
    lock is already its own; a newcomer queues behind. Not reentrant.
    """

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._held = False
        self._waiting: deque[threading.Event] = deque()

    def acquire(self, timeout: float) -> bool:
        """True once the lock is this thread's; False if `timeout` seconds passed first."""
        with self._mutex:
            if not self._held and not self._waiting:
                self._held = True
                return True
            turn = threading.Event()
            self._waiting.append(turn)
        if turn.wait(timeout):
            return True
        with self._mutex:
            if turn.is_set():  # handed over between the timeout and this check: it is ours
                return True
            self._waiting.remove(turn)
            return False

    def release(self) -> None:
        """Hand the lock to the first waiter, or free it."""
        with self._mutex:
            if not self._held:
                raise RuntimeError("release of a QueueLock that is not held")
            if self._waiting:
                self._waiting.popleft().set()  # stays held: the waiter owns it now
            else:
                self._held = False
