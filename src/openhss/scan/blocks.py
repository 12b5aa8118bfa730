"""Where the tar reader gets its bytes: a forward-only stream, or positional reads of a range of a file.

A stream must be read through (its bytes are hashed as they pass); a file range skips unread bytes
by moving an offset, while a second thread hashes the whole range with `os.preadv` and hashlib,
which both release the GIL, so the layer's diff_id costs no time on the parsing thread.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable

from openhss.scan.stream import CHUNK, Budget, Readable

_READ_AHEAD = 64 * 1024
_HASH_CHUNK = 8 * 1024 * 1024


class StreamSource:
    """A forward-only stream read in large chunks; skipped bytes are still read (and so hashed)."""

    def __init__(self, inner: Readable) -> None:
        self._inner = inner
        self._buffer = b""
        self._pos = 0

    def read(self, n: int, /) -> bytes:
        pos, end = self._pos, self._pos + n
        if end <= len(self._buffer):
            self._pos = end
            return self._buffer[pos:end]
        parts = [self._buffer[pos:]]
        have = len(parts[0])
        self._buffer, self._pos = b"", 0
        while have < n:
            chunk = self._inner.read(CHUNK)
            if not chunk:
                break
            want = n - have
            if len(chunk) > want:
                parts.append(chunk[:want])
                self._buffer, self._pos = chunk, want
                have = n
            else:
                parts.append(chunk)
                have += len(chunk)
        return b"".join(parts)

    def skip(self, n: int, /) -> int:
        left = len(self._buffer) - self._pos
        if n <= left:
            self._pos += n
            return n
        skipped = left
        self._buffer, self._pos = b"", 0
        while skipped < n:
            chunk = self._inner.read(CHUNK)
            if not chunk:
                break
            want = n - skipped
            if len(chunk) > want:
                self._buffer, self._pos = chunk, want
                skipped = n
            else:
                skipped += len(chunk)
        return skipped


def pread_exactly(fd: int, n: int, offset: int) -> bytes:
    """`n` bytes at `offset` (fewer only at the end of the file)."""
    data = os.pread(fd, n, offset)
    if len(data) == n or not data:
        return data
    parts = [data]
    have = len(data)
    while have < n:
        more = os.pread(fd, n - have, offset + have)
        if not more:
            break
        parts.append(more)
        have += len(more)
    return b"".join(parts)


class FileRangeSource:
    """Bytes `start`..`start + length` of an open file, by positional reads: skipping reads nothing.

    Everything passed (read or skipped) is charged to `budget` and reported to `progress`, as a
    stream would have read it."""

    def __init__(
        self,
        fd: int,
        start: int,
        length: int,
        *,
        budget: Budget | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        self._fd = fd
        self._pos = start
        # A file cut short ends the range where the file ends, as a stream would end.
        self._end = max(start, min(start + length, os.fstat(fd).st_size))
        self._budget = budget
        self._progress = progress
        self._ahead = b""
        self._ahead_at = start

    def read(self, n: int, /) -> bytes:
        n = min(n, self._end - self._pos)
        if n <= 0:
            return b""
        offset = self._pos - self._ahead_at
        if offset >= 0 and offset + n <= len(self._ahead):
            data = self._ahead[offset : offset + n]
        elif n >= _READ_AHEAD:
            data = pread_exactly(self._fd, n, self._pos)
        else:
            # Headers and small files sit next to each other: one read serves several of them.
            self._ahead = pread_exactly(self._fd, min(_READ_AHEAD, self._end - self._pos), self._pos)
            self._ahead_at = self._pos
            data = self._ahead[:n]
        self._passed(len(data))
        return data

    def skip(self, n: int, /) -> int:
        n = max(0, min(n, self._end - self._pos))
        if n:
            self._passed(n)
        return n

    def _passed(self, n: int) -> None:
        self._pos += n
        if self._budget is not None:
            self._budget.spend(n)
        if self._progress is not None:
            self._progress(n)


class FileRangeReader:
    """A range of an open file as a `Readable` (for blobs that must be decompressed as a stream)."""

    def __init__(self, fd: int, start: int, length: int) -> None:
        self._fd = fd
        self._pos = start
        self._end = start + length

    def read(self, n: int = -1, /) -> bytes:
        n = CHUNK if n is None or n < 0 else n
        n = min(n, self._end - self._pos)
        if n <= 0:
            return b""
        data = os.pread(self._fd, n, self._pos)
        self._pos += len(data)
        return data


class RangeHasher:
    """SHA-256 of a file range, computed on its own thread while the caller parses the same bytes."""

    def __init__(self, fd: int, start: int, length: int) -> None:
        self._fd = fd
        self._start = start
        self._length = length
        self._stop = threading.Event()
        self._error: OSError | None = None
        self.count = 0
        self._sha256 = hashlib.sha256()
        self._thread = threading.Thread(target=self._run, name="openhss-layer-hash", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        buffer = bytearray(min(_HASH_CHUNK, max(self._length, 1)))
        view = memoryview(buffer)
        pos, end = self._start, self._start + self._length
        try:
            while pos < end and not self._stop.is_set():
                got = os.preadv(self._fd, [view[: min(len(buffer), end - pos)]], pos)
                if got == 0:
                    break
                self._sha256.update(view[:got])
                pos += got
        except OSError as exc:
            self._error = exc
        self.count = pos - self._start

    def digest(self) -> str:
        """Waits for the hash of the whole range: `sha256:<hex>`."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        return "sha256:" + self._sha256.hexdigest()

    def cancel(self) -> None:
        """Stops early and waits, so the file is never read after its owner closes it."""
        self._stop.set()
        self._thread.join()
