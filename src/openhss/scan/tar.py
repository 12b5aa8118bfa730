"""Forward-only tar reading: headers parsed as Python's `tarfile` parses them, member data read or skipped.

`tarfile`'s stream mode spends most of a scan in per-header Python overhead; this reads the same
headers (ustar prefix, PAX local and global records, GNU long names and links, base-256 numbers,
signed and unsigned checksums) from a `Source` that can skip unread data cheaply. GNU sparse files,
which no image builder writes, are refused rather than half-read.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator
from typing import NamedTuple, Protocol

from openhss.scan.interface import ScanError

BLOCK = 512
_ZERO_BLOCK = bytes(BLOCK)

REGTYPE = b"0"
AREGTYPE = b"\0"
LNKTYPE = b"1"
SYMTYPE = b"2"
CHRTYPE = b"3"
BLKTYPE = b"4"
DIRTYPE = b"5"
FIFOTYPE = b"6"
CONTTYPE = b"7"
GNU_LONGNAME = b"L"
GNU_LONGLINK = b"K"
GNU_SPARSE = b"S"
PAX_LOCAL = b"x"
PAX_GLOBAL = b"g"
SOLARIS_PAX = b"X"

REGULAR_TYPES = frozenset({REGTYPE, AREGTYPE, CONTTYPE, GNU_SPARSE})
_GNU_TYPES = frozenset({GNU_LONGNAME, GNU_LONGLINK, GNU_SPARSE})
_SUPPORTED_TYPES = REGULAR_TYPES | {LNKTYPE, SYMTYPE, DIRTYPE, FIFOTYPE, CHRTYPE, BLKTYPE} | _GNU_TYPES
_EXTENDED_TYPES = frozenset({PAX_LOCAL, PAX_GLOBAL, SOLARIS_PAX, GNU_LONGNAME, GNU_LONGLINK})
MAX_EXTENDED_HEADER = 1024 * 1024
"""An extended header is read into memory whole: bigger ones are refused before they are read."""

_SPARSE_KEYS = ("GNU.sparse.map", "GNU.sparse.size", "GNU.sparse.name", "GNU.sparse.realsize")
_PAX_RECORD = re.compile(rb"(\d+) ([^=]+)=")
_PAX_CHARSET = re.compile(rb"\d+ hdrcharset=([^\n]+)\n")
_HIGH_BYTES = bytes(range(128, 256))
_OCTAL_FIELDS = re.compile(rb"(?:[0-7]{7}[\0 ]){3}(?:[0-7]{11}[\0 ]){2}[0-7]{6}\0 ")
"""mode, uid, gid, size, mtime and checksum (bytes 100-156) as writers usually fill them."""
_DEVICE_FIELDS = re.compile(rb"(?:[0-7]{7}[\0 ]|\0{8}){2}")
_NUMBERS: dict[bytes, int] = {}
_NUMBERS_KEPT = 65536


class Source(Protocol):
    """Bytes in order: `read` returns fewer than asked only at the end; `skip` passes bytes unread."""

    def read(self, n: int, /) -> bytes: ...

    def skip(self, n: int, /) -> int: ...


class TarMember(NamedTuple):
    """One archive member as `tarfile.TarInfo` would describe it (the fields a scan uses)."""

    name: str
    linkname: str
    type: bytes
    mode: int
    size: int

    def isreg(self) -> bool:
        return self.type in REGULAR_TYPES

    def islnk(self) -> bool:
        return self.type == LNKTYPE

    def issym(self) -> bool:
        return self.type == SYMTYPE

    def isdir(self) -> bool:
        return self.type == DIRTYPE


class _HeaderError(Exception):
    """A block that is not a member header; where it happens decides whether that ends the archive."""


class _EmptyHeader(_HeaderError):
    pass


class _TruncatedHeader(_HeaderError):
    pass


class _EndOfArchive(_HeaderError):
    pass


class _InvalidHeader(_HeaderError):
    pass


class _SubsequentHeaderError(_HeaderError):
    """A header after an extended header is unreadable: always corruption, never the end."""


class _Header:
    """A header while it is being completed by extended headers."""

    __slots__ = ("linkname", "mode", "name", "size", "skip", "type")

    def __init__(self, name: str, linkname: str, kind: bytes, mode: int, size: int) -> None:
        self.name = name
        self.linkname = linkname
        self.type = kind
        self.mode = mode
        self.size = size
        self.skip = 0


def padded(size: int) -> int:
    """Bytes a member's data occupies: its size rounded up to whole blocks (tarfile's `_block`)."""
    blocks, remainder = divmod(size, BLOCK)
    return (blocks + 1) * BLOCK if remainder else blocks * BLOCK


def _nts(field: bytes) -> str:
    end = field.find(b"\0")
    return (field if end == -1 else field[:end]).decode("utf-8", "surrogateescape")


def _nti(field: bytes) -> int:
    """A numeric field: octal text, or GNU base-256 (tarfile's `nti`); repeated values are remembered."""
    known = _NUMBERS.get(field)
    if known is not None:
        return known
    if field[0] in (0o200, 0o377):
        value = int.from_bytes(field[1:], "big")
        if field[0] == 0o377:
            value = -(256 ** (len(field) - 1) - value)
    else:
        end = field.find(b"\0")
        try:
            text = (field if end == -1 else field[:end]).decode("ascii")
            value = int(text.strip() or "0", 8)
        except ValueError:
            raise _InvalidHeader("invalid header") from None
    if len(_NUMBERS) < _NUMBERS_KEPT:
        _NUMBERS[field] = value
    return value


def _byte_sum(block: bytes) -> int:
    """The sum of a block's bytes; summing 512 ints in Python was a third of reading a header.

    Adler-32's low half is 1 + that sum modulo 65521, and an ASCII block sums to at most
    512 * 127 = 65024, so for the usual all-ASCII header the modulo loses nothing."""
    if block.isascii():
        return ((zlib.adler32(block) & 0xFFFF) - 1) % 65521
    return sum(block)


def _parse(block: bytes) -> _Header:
    if len(block) != BLOCK:
        raise _EmptyHeader("empty header") if not block else _TruncatedHeader("truncated header")
    if block == _ZERO_BLOCK:
        raise _EndOfArchive("end of file header")
    # What every common writer emits (octal digits and a terminator in each number) is valid as is.
    usual = _OCTAL_FIELDS.match(block, 100) is not None and _DEVICE_FIELDS.match(block, 329) is not None
    checksum = int(block[148:154], 8) if usual else _nti(block[148:156])
    # The checksum field counts as eight spaces (8 * 32 = 256); some old tars summed signed chars.
    unsigned = _byte_sum(block) - sum(block[148:156]) + 256
    if checksum != unsigned:
        low = len(block[:148].translate(None, _HIGH_BYTES)) + len(block[156:].translate(None, _HIGH_BYTES))
        high = BLOCK - 8 - low
        if checksum != unsigned - 256 * high:
            raise _InvalidHeader("bad checksum")
    if usual:
        mode, size = int(block[100:107], 8), int(block[124:135], 8)
    else:
        mode = _nti(block[100:108])
        _nti(block[108:116])  # uid, gid, mtime and device numbers: unused, but tarfile refuses bad ones
        _nti(block[116:124])
        size = _nti(block[124:136])
        _nti(block[136:148])
        _nti(block[329:337])
        _nti(block[337:345])
    name = _nts(block[0:100])
    kind = block[156:157]
    linkname = _nts(block[157:257]) if block[157] else ""
    prefix = _nts(block[345:500]) if block[345] else ""
    if kind == AREGTYPE and name.endswith("/"):
        kind = DIRTYPE  # V7 tar wrote directories as regular files with a trailing slash
    if kind == DIRTYPE:
        name = name.rstrip("/")
    if prefix and kind not in _GNU_TYPES:
        name = prefix + "/" + name
    return _Header(name, linkname, kind, mode, size)


def _pax_text(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


class TarReader:
    """Iterates a tar's members; the current member's data can be read before moving on, or is skipped."""

    def __init__(self, source: Source, what: str) -> None:
        self._source = source
        self._what = what
        self._offset = 0
        self._left = 0
        self._to_skip = 0
        self._globals: dict[str, str] = {}
        self._stop_block = b""
        self._stop_offset = 0

    @property
    def offset(self) -> int:
        """Bytes of the source consumed so far (at a yielded member: where its data starts)."""
        return self._offset

    def members(self) -> Iterator[TarMember]:
        """Members in archive order, then the end checked: a tar must end with a zero block."""
        while True:
            self._pass_data()
            start = self._offset
            try:
                header = self._next()
            except _SubsequentHeaderError as exc:
                raise ScanError(f"{self._what}: corrupt or truncated tar ({exc})") from None
            except _HeaderError as exc:
                if start == 0 and not isinstance(exc, _EndOfArchive):
                    why = "empty file" if isinstance(exc, _EmptyHeader) else str(exc)
                    raise ScanError(f"{self._what}: corrupt or truncated tar ({why})") from None
                self._stop_offset = start
                break
            if header.size < 0:
                raise ScanError(f"{self._what}: corrupt tar (negative size for {header.name!r})")
            self._left = header.size if header.type in REGULAR_TYPES else 0
            self._to_skip = header.skip
            yield TarMember(header.name, header.linkname, header.type, header.mode, header.size)
        self._check_end()

    def read_data(self, n: int) -> bytes:
        """Up to `n` more bytes of the current member's data (fewer at its end or a truncated tar)."""
        n = min(n, self._left)
        if n <= 0:
            return b""
        data = self._source.read(n)
        self._left -= len(data)
        self._to_skip -= len(data)
        self._offset += len(data)
        return data

    def _pass_data(self) -> None:
        if self._to_skip > 0:
            self._offset += self._source.skip(self._to_skip)
        self._to_skip = 0
        self._left = 0

    def _read(self, n: int) -> bytes:
        data = self._source.read(n) if n > 0 else b""
        self._offset += len(data)
        return data

    def _check_end(self) -> None:
        """Where reading stopped must be the zero end-of-archive block; then the rest is read too."""
        if len(self._stop_block) < BLOCK:
            raise ScanError(f"{self._what}: truncated tar (no end-of-archive block)")
        if self._stop_block.strip(b"\0"):
            raise ScanError(f"{self._what}: corrupt tar (unreadable header at offset {self._stop_offset})")
        while self._source.skip(1 << 20):
            pass

    def _next(self) -> _Header:
        block = self._read(BLOCK)
        self._stop_block = block
        return self._complete(_parse(block))

    def _following(self) -> _Header:
        try:
            return self._complete(_parse(self._read(BLOCK)))
        except _HeaderError as exc:
            raise _SubsequentHeaderError(str(exc)) from None

    def _complete(self, header: _Header) -> _Header:
        """Applies what a header means: extended headers read and folded into the member they describe."""
        kind = header.type
        if kind in _EXTENDED_TYPES and header.size > MAX_EXTENDED_HEADER:
            raise ScanError(f"corrupt tar: a {header.size}-byte extended header for {header.name!r}")
        if kind in (GNU_LONGNAME, GNU_LONGLINK):
            data = self._read(padded(header.size))
            following = self._following()
            if kind == GNU_LONGNAME:
                following.name = _nts(data)
            else:
                following.linkname = _nts(data)
            if following.type == DIRTYPE:
                following.name = following.name.removesuffix("/")
            return following
        if kind in (PAX_LOCAL, PAX_GLOBAL, SOLARIS_PAX):
            return self._pax(header)
        if kind == GNU_SPARSE:
            raise ScanError(f"{self._what}: unsupported tar: GNU sparse file {header.name!r}")
        if kind in REGULAR_TYPES or kind not in _SUPPORTED_TYPES:
            header.skip = padded(header.size)
        if self._globals:
            _apply(header, self._globals)
        if header.type == DIRTYPE:
            header.name = header.name.rstrip("/")
        return header

    def _pax(self, header: _Header) -> _Header:
        data = self._read(padded(header.size))
        records = self._globals if header.type == PAX_GLOBAL else dict(self._globals)
        charset = _PAX_CHARSET.search(data)
        if charset is not None:
            try:
                records["hdrcharset"] = charset.group(1).decode("utf-8")
            except UnicodeDecodeError:
                raise _InvalidHeader("invalid hdrcharset") from None
        pos = 0
        while (record := _PAX_RECORD.match(data, pos)) is not None:
            length = int(record.group(1))
            if length == 0:
                raise _InvalidHeader("invalid header")
            value = data[record.end(2) + 1 : record.start(1) + length - 1]
            records[_pax_text(record.group(2))] = _pax_text(value)
            pos += length
        following = self._following()
        if any(key in records for key in _SPARSE_KEYS) or (
            records.get("GNU.sparse.major") == "1" and records.get("GNU.sparse.minor") == "0"
        ):
            raise ScanError(f"{self._what}: unsupported tar: GNU sparse file {following.name!r}")
        if header.type != PAX_GLOBAL:
            _apply(following, records)
            if "size" in records:
                kind = following.type
                following.skip = (
                    padded(following.size) if kind in REGULAR_TYPES or kind not in _SUPPORTED_TYPES else 0
                )
        return following


def _apply(header: _Header, records: dict[str, str]) -> None:
    """PAX records override the header's path, link target and size (later records win)."""
    for keyword, value in records.items():
        if keyword == "path":
            header.name = value.rstrip("/")
        elif keyword == "linkpath":
            header.linkname = value
        elif keyword == "size":
            try:
                header.size = int(value)
            except ValueError:
                header.size = 0
