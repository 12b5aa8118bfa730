"""Byte sources for the tar reader: positional file ranges, budgets, progress, and the hashing thread."""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

import pytest

from openhss.scan.blocks import FileRangeReader, FileRangeSource, RangeHasher, StreamSource, pread_exactly
from openhss.scan.interface import HugeImageError
from openhss.scan.stream import Budget


def test_range_hasher_hashes_exactly_the_range(tmp_path: Path) -> None:
    data = os.urandom(3 * 1024 * 1024 + 17)
    path = tmp_path / "blob"
    path.write_bytes(data)
    with path.open("rb") as handle:
        hasher = RangeHasher(handle.fileno(), 1000, 2 * 1024 * 1024 + 5)
        assert (
            hasher.digest() == "sha256:" + hashlib.sha256(data[1000 : 1000 + 2 * 1024 * 1024 + 5]).hexdigest()
        )
        assert hasher.count == 2 * 1024 * 1024 + 5
        short = RangeHasher(handle.fileno(), len(data) - 10, 100)  # a file cut short: the hash ends with it
        assert short.digest() == "sha256:" + hashlib.sha256(data[-10:]).hexdigest() and short.count == 10
        RangeHasher(handle.fileno(), 0, len(data)).cancel()


def test_file_range_reads_skips_charges_and_reports(tmp_path: Path) -> None:
    data = bytes(range(256)) * 1000
    path = tmp_path / "blob"
    path.write_bytes(data)
    seen: list[int] = []
    with path.open("rb") as handle:
        budget = Budget(10**9, "test")
        source = FileRangeSource(handle.fileno(), 100, 200_000, budget=budget, progress=seen.append)
        assert source.read(10) == data[100:110]
        assert source.skip(70_000) == 70_000
        assert source.read(100_000) == data[70_110:170_110]
        assert source.read(5) == data[170_110:170_115]
        assert source.skip(10**6) == 200_000 - 170_015
        assert source.read(1) == b"" and source.skip(1) == 0
        assert budget.used == sum(seen) == 200_000
        beyond = FileRangeSource(handle.fileno(), len(data) - 3, 100)
        assert beyond.read(50) == data[-3:] and beyond.skip(10) == 0
        with pytest.raises(HugeImageError):
            FileRangeSource(handle.fileno(), 0, len(data), budget=Budget(1000, "test")).skip(2000)
        assert FileRangeReader(handle.fileno(), 5, 10).read() == data[5:15]
        assert pread_exactly(handle.fileno(), 10, len(data) - 4) == data[-4:]


def test_stream_source_reads_across_chunks() -> None:
    data = os.urandom(3 * 1024 * 1024)
    source = StreamSource(io.BytesIO(data))
    assert source.read(5) == data[:5]
    assert source.skip(1024 * 1024) == 1024 * 1024
    assert source.read(1024 * 1024 + 10) == data[1024 * 1024 + 5 : 2 * 1024 * 1024 + 15]
    assert source.skip(10**9) == len(data) - 2 * 1024 * 1024 - 15
    assert source.read(1) == b""
