"""The tar reader against Python's tarfile: the same members and data, and an error wherever tarfile fails."""

from __future__ import annotations

import io
import os
import random
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from openhss.scan.blocks import FileRangeSource, StreamSource
from openhss.scan.interface import ScanError
from openhss.scan.tar import Source, TarReader

Outcome = list[tuple[str, str, bytes, int, int, bytes | None]] | str

_TYPES = [
    tarfile.REGTYPE,
    tarfile.DIRTYPE,
    tarfile.SYMTYPE,
    tarfile.LNKTYPE,
    tarfile.FIFOTYPE,
    tarfile.CHRTYPE,
]
_NAME_PARTS = st.text(alphabet="ab._-é", min_size=1, max_size=40)
_NAMES = st.lists(_NAME_PARTS, min_size=1, max_size=9).map("/".join)


def reference(data: bytes) -> Outcome:
    """What the scanner used to do with tarfile's stream mode: members, then a zero block where it stopped."""
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r|") as tar:
            out: Outcome = []
            for m in tar:
                if m.size < 0 or m.type == tarfile.GNUTYPE_SPARSE:
                    return "error"  # refused on purpose: see openhss.scan.tar
                content = None
                if m.isreg():
                    handle = tar.extractfile(m)
                    content = handle.read() if handle is not None else b""
                out.append((m.name, m.linkname, m.type, m.mode, m.size, content))
            end = tar.offset
        block = data[end : end + 512]
        if len(block) < 512 or block.strip(b"\0"):
            return "error"
        return out
    except Exception:
        return "error"


def ours(source: Source) -> Outcome:
    reader = TarReader(source, "test")
    out: Outcome = []
    try:
        for m in reader.members():
            content = None
            if m.isreg():
                content = reader.read_data(m.size)
                if len(content) != m.size:
                    return "error"  # the walker refuses a file cut short
            out.append((m.name, m.linkname, m.type, m.mode, m.size, content))
    except ScanError:
        return "error"
    return out


class Trickle:
    """A pipe-like stream: reads return at most a few bytes more or less at random."""

    def __init__(self, data: bytes, seed: int) -> None:
        self._data = io.BytesIO(data)
        self._random = random.Random(seed)

    def read(self, n: int = -1, /) -> bytes:
        return self._data.read(min(n, self._random.choice((1, 7, 512, 513, 4000, 1 << 20))))


def every_source(data: bytes, check: Callable[[Outcome], None], seed: int = 0) -> None:
    check(ours(StreamSource(io.BytesIO(data))))
    check(ours(StreamSource(Trickle(data, seed))))
    with tempfile.TemporaryFile() as handle:
        handle.write(b"junk before" + data + b"junk after")
        handle.flush()
        check(ours(FileRangeSource(handle.fileno(), len(b"junk before"), len(data))))


@st.composite
def archives(draw: st.DrawFn) -> bytes:
    fmt = draw(st.sampled_from([tarfile.USTAR_FORMAT, tarfile.GNU_FORMAT, tarfile.PAX_FORMAT]))
    out = io.BytesIO()
    tar = tarfile.open(fileobj=out, mode="w", format=fmt)  # noqa: SIM115 (closed below, after the draws)
    for _ in range(draw(st.integers(0, 6))):
        info = tarfile.TarInfo(draw(_NAMES))
        info.type = draw(st.sampled_from(_TYPES))
        info.mode = draw(st.sampled_from([0o644, 0o755, 0o4755, 0o777]))
        # Past 8**7 GNU writes base-256 numbers and PAX writes records.
        info.uid = draw(st.sampled_from([0, 1000, 8**7 + 5]))
        info.mtime = draw(st.sampled_from([0, 1_700_000_000, 8**11 + 3]))
        data = b""
        if info.type == tarfile.REGTYPE:
            data = draw(st.binary(max_size=1500))
            info.size = len(data)
        else:
            info.linkname = draw(_NAMES) if info.type in (tarfile.SYMTYPE, tarfile.LNKTYPE) else ""
        if fmt == tarfile.PAX_FORMAT and draw(st.booleans()):
            info.pax_headers = {"comment": draw(st.text(max_size=30))}
        try:
            tar.addfile(info, io.BytesIO(data))
        except ValueError:
            assume(False)  # a name ustar cannot hold
    if fmt == tarfile.PAX_FORMAT and draw(st.booleans()):
        tar.pax_headers = {"comment": "global"}
    tar.close()
    return out.getvalue()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(archives(), st.integers(0, 2**16))
def test_same_members_as_tarfile(data: bytes, seed: int) -> None:
    expected = reference(data)
    assert expected != "error"

    def check(got: Outcome) -> None:
        assert got == expected

    every_source(data, check, seed)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(archives(), st.data())
def test_damaged_archives_fail_where_tarfile_fails(data: bytes, draw: st.DataObject) -> None:
    damaged = bytearray(data)
    how = draw.draw(st.sampled_from(["cut", "flip", "field"]))
    if how == "cut":
        damaged = damaged[: draw.draw(st.integers(0, len(damaged)))]
    elif how == "flip":
        for _ in range(draw.draw(st.integers(1, 4))):
            damaged[draw.draw(st.integers(0, len(damaged) - 1))] = draw.draw(st.integers(0, 255))
    else:
        # Rewrite a header field and fix the checksum, so the damage is read rather than refused early.
        headers = [
            i for i in range(0, len(damaged) - 511, 512) if bytes(damaged[i + 257 : i + 262]) == b"ustar"
        ]
        assume(headers)
        at = draw.draw(st.sampled_from(headers))
        start = draw.draw(st.sampled_from([0, 100, 124, 156, 157, 345, 482]))
        junk = draw.draw(st.binary(min_size=1, max_size=12))
        damaged[at + start : at + start + len(junk)] = junk
        damaged[at + 148 : at + 156] = b"        "
        damaged[at + 148 : at + 156] = b"%06o\0 " % sum(damaged[at : at + 512])
    expected = reference(bytes(damaged))

    def check(got: Outcome) -> None:
        assert got == expected

    every_source(bytes(damaged), check)


def test_empty_and_zero_archives() -> None:
    assert ours(StreamSource(io.BytesIO(bytes(1024)))) == []
    assert ours(StreamSource(io.BytesIO(b""))) == "error"
    with pytest.raises(ScanError, match="empty file"):
        list(TarReader(StreamSource(io.BytesIO(b"")), "x").members())


def test_data_left_unread_is_skipped_and_trailing_bytes_are_read() -> None:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tar:
        for name in ("a", "b"):
            info = tarfile.TarInfo(name)
            info.size = 3000
            tar.addfile(info, io.BytesIO(name.encode() * 3000))
    data = out.getvalue() + b"trailing"
    seen = io.BytesIO(data)
    reader = TarReader(StreamSource(seen), "x")
    names = []
    for m in reader.members():
        names.append(m.name)
        if m.name == "b":
            assert reader.read_data(10) == b"b" * 10
    assert names == ["a", "b"] and seen.tell() == len(data)


def test_a_huge_extended_header_is_refused_unread() -> None:
    info = tarfile.TarInfo("././@LongLink")
    info.type = tarfile.GNUTYPE_LONGNAME
    info.size = 2 * 1024**2
    with pytest.raises(ScanError, match="extended header"):
        list(TarReader(StreamSource(io.BytesIO(info.tobuf(format=tarfile.USTAR_FORMAT))), "x").members())


def test_real_tars_read_the_same(tmp_path: Path) -> None:
    """tar as GNU tar writes it (long names, links) over a real tree."""
    tree = tmp_path / "tree"
    deep = tree / ("d" * 90) / ("e" * 90)
    deep.mkdir(parents=True)
    (deep / ("f" * 120)).write_bytes(os.urandom(5000))
    (tree / "link").symlink_to(deep.relative_to(tree) / ("f" * 120))
    os.link(deep / ("f" * 120), tree / "hard")
    for fmt in ("gnu", "posix", "ustar"):
        archive = tmp_path / f"{fmt}.tar"
        result = os.system(f"tar --format={fmt} -C {tree} -cf {archive} . 2>/dev/null")
        if result != 0 and fmt == "ustar":
            continue  # ustar cannot hold the 300-byte path
        assert result == 0, fmt
        data = archive.read_bytes()
        expected = reference(data)
        assert expected != "error" and len(expected) == 6

        def check(got: Outcome, expected: Outcome = expected) -> None:
            assert got == expected

        every_source(data, check)


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=512, max_size=512))
def test_block_sum_shortcut(block: bytes) -> None:
    from openhss.scan.tar import _byte_sum

    # Each block also as ASCII (the shortcut's case), masked rather than drawn as a list of 512
    # small integers: generating those took Hypothesis ~60 ms an example.
    ascii_block = bytes(b & 0x7F for b in block)
    assert _byte_sum(block) == sum(block)
    assert _byte_sum(ascii_block) == sum(ascii_block)
    # The largest ASCII sum, 512 * 127, is just under Adler-32's modulus 65521.
    assert _byte_sum(b"\x7f" * 512) == 127 * 512
