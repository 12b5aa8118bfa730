"""Forward-only byte streams: counting and hashing what passes, peeking at magic, decompressing layers."""

from __future__ import annotations

import gzip
import hashlib
import io
import zlib
from collections.abc import Callable
from typing import Protocol

import zstandard

from openhss.scan.interface import HugeImageError, ScanError

CHUNK = 1024 * 1024

GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


class Readable(Protocol):
    """Anything with `read(n)`: a file, a pipe, a tar member, an HTTP body."""

    def read(self, n: int = -1, /) -> bytes: ...


class Budget:
    """A byte count shared by several streams that raises HugeImageError when it goes over."""

    def __init__(self, limit: int, what: str, unit: str = "bytes") -> None:
        self.limit = limit
        self.used = 0
        self.what = what
        self.unit = unit

    def spend(self, n: int) -> None:
        self.used += n
        if self.used > self.limit:
            raise HugeImageError(f"{self.what} exceeds the limit of {self.limit} {self.unit}")


class MeteredReader(io.RawIOBase):
    """Passes bytes through, hashing them, charging them to a budget and reporting progress."""

    def __init__(
        self,
        inner: Readable,
        *,
        budget: Budget | None = None,
        progress: Callable[[int], None] | None = None,
        hashing: bool = True,
    ) -> None:
        self._inner = inner
        self._budget = budget
        self._progress = progress
        self.sha256 = hashlib.sha256() if hashing else None
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def read(self, n: int = -1, /) -> bytes:
        # Never ask the inner stream for everything at once: a bomb would be allocated before counting.
        data = self._inner.read(CHUNK if n is None or n < 0 else min(n, CHUNK))
        if data:
            self.count += len(data)
            if self.sha256 is not None:
                self.sha256.update(data)
            if self._budget is not None:
                self._budget.spend(len(data))
            if self._progress is not None:
                self._progress(len(data))
        return data

    def drain(self) -> None:
        """Read to the end so the hash covers everything (tar readers stop at the end-of-archive mark)."""
        while self.read(CHUNK):
            pass

    def digest(self) -> str:
        if self.sha256 is None:
            raise ValueError("this stream is not hashed")
        return "sha256:" + self.sha256.hexdigest()


class PeekedReader(io.RawIOBase):
    """A stream whose first bytes were already read to look at, served again before the rest."""

    def __init__(self, inner: Readable, head: bytes) -> None:
        self._inner = inner
        self._head = head

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def read(self, n: int = -1, /) -> bytes:
        if n is None or n < 0:
            n = CHUNK
        if self._head:
            data, self._head = self._head[:n], self._head[n:]
            return data
        return self._inner.read(n)


def peek(stream: Readable, n: int) -> tuple[bytes, PeekedReader]:
    """The first `n` bytes (fewer at the end) and a stream that still starts at the beginning."""
    head = b""
    while len(head) < n:
        more = stream.read(n - len(head))
        if not more:
            break
        head += more
    return head, PeekedReader(stream, head)


def looks_like_tar(head: bytes) -> bool:
    """A POSIX/GNU tar header (magic at 257), or an all-zero block (an empty tar)."""
    if len(head) >= 263 and head[257:262] == b"ustar":
        return True
    return len(head) >= 512 and head[:512] == bytes(512)


def compression_of(head: bytes) -> str | None:
    """`gzip`, `zstd`, `tar` (uncompressed) or None, from a blob's first 512 bytes."""
    if head.startswith(GZIP_MAGIC):
        return "gzip"
    if head.startswith(ZSTD_MAGIC):
        return "zstd"
    if looks_like_tar(head):
        return "tar"
    return None


class _ZstdReader(io.RawIOBase):
    """zstandard's stream reader with corrupt input turned into ScanError."""

    def __init__(self, inner: Readable) -> None:
        self._reader = zstandard.ZstdDecompressor().stream_reader(
            inner,  # type: ignore[arg-type]
            read_across_frames=True,
            closefd=False,
        )

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1, /) -> bytes:
        try:
            data: bytes = self._reader.read(CHUNK if n is None or n < 0 else min(n, CHUNK))
        except zstandard.ZstdError as exc:
            raise ScanError(f"corrupt zstd layer: {exc}") from None
        return data


class _GzipReader(io.RawIOBase):
    """gzip (multi-member) with corrupt or truncated input turned into ScanError."""

    def __init__(self, inner: Readable) -> None:
        self._reader = gzip.GzipFile(fileobj=inner, mode="rb")  # type: ignore[call-overload]

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1, /) -> bytes:
        try:
            data: bytes = self._reader.read(CHUNK if n is None or n < 0 else min(n, CHUNK))
        except (OSError, EOFError, zlib.error) as exc:
            raise ScanError(f"corrupt or truncated gzip layer: {exc}") from None
        return data


def decompressed(stream: Readable, kind: str) -> Readable:
    """The uncompressed bytes of a blob whose compression `compression_of` named."""
    if kind == "gzip":
        return _GzipReader(stream)
    if kind == "zstd":
        return _ZstdReader(stream)
    return stream
