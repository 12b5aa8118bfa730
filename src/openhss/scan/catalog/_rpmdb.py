"""rpm's databases (SQLite `rpmdb.sqlite`, BerkeleyDB `Packages`, NDB `Packages.db`) read from bytes into
their stored header blobs; layouts as in rpm's lib/backend/ and libdb's dbinc/db_page.h."""

from __future__ import annotations

import sqlite3
import struct
from collections.abc import Iterator

SQLITE_MAGIC = b"SQLite format 3\x00"
NDB_MAGIC = b"RpmP"
_NDB_SLOT_MAGIC = b"Slot"
_NDB_BLOB_MAGIC = b"BlbS"
_NDB_SLOTS_PER_PAGE = 4096 // 16
_NDB_BLOCK = 16
_NDB_MAX_SLOT_PAGES = 2048

_BDB_HASH_MAGIC = 0x061561
_BDB_PAGE_HEADER = 26
_BDB_HASH_META, _BDB_HASH_UNSORTED, _BDB_HASH, _BDB_OVERFLOW = 8, 2, 13, 7
_BDB_KEYDATA, _BDB_HOFFPAGE = 1, 3
_BDB_PAGE_SIZES = {512 << n for n in range(8)}


def header_blobs(content: bytes) -> Iterator[bytes]:
    """Every package header blob in an rpm database file, whichever backend wrote it."""
    if content.startswith(SQLITE_MAGIC):
        yield from _sqlite_blobs(content)
    elif content.startswith(NDB_MAGIC):
        yield from _ndb_blobs(content)
    elif len(content) >= 16 and _BDB_HASH_MAGIC in struct.unpack_from("<I", content, 12) + struct.unpack_from(
        ">I", content, 12
    ):
        yield from _bdb_blobs(content)


def _sqlite_blobs(content: bytes) -> Iterator[bytes]:
    # rpm keeps the database in WAL mode (header bytes 18/19 = 2), which an in-memory copy cannot open;
    # marking it as a rollback-journal database reads the same pages.
    image = bytearray(content)
    if len(image) >= 20:
        image[18:20] = b"\x01\x01"
    connection = sqlite3.connect(":memory:")
    try:
        connection.deserialize(bytes(image))
        rows = connection.execute("SELECT blob FROM Packages").fetchall()
    except sqlite3.Error:
        return
    finally:
        connection.close()
    for (blob,) in rows:
        if isinstance(blob, bytes):
            yield blob


def _ndb_blobs(content: bytes) -> Iterator[bytes]:
    if len(content) < 32:
        return
    version, _generation, slot_pages = struct.unpack_from("<III", content, 4)
    if version != 0 or not 0 < slot_pages <= _NDB_MAX_SLOT_PAGES:
        return
    # The 32-byte database header takes the place of the first two slots of the first slot page.
    end = min(slot_pages * _NDB_SLOTS_PER_PAGE * 16, len(content) - len(content) % 16)
    for offset in range(32, end, 16):
        magic, package, block, _blocks = struct.unpack_from("<4sIII", content, offset)
        if magic != _NDB_SLOT_MAGIC:
            return
        if package == 0:
            continue
        start = block * _NDB_BLOCK
        if start + 16 > len(content):
            continue
        blob_magic, blob_package, _checksum, length = struct.unpack_from("<4sIII", content, start)
        if blob_magic == _NDB_BLOB_MAGIC and blob_package == package and start + 16 + length <= len(content):
            yield content[start + 16 : start + 16 + length]


def _bdb_blobs(content: bytes) -> Iterator[bytes]:
    order = "<" if struct.unpack_from("<I", content, 12)[0] == _BDB_HASH_MAGIC else ">"
    if len(content) < 72:
        return
    page_size, encryption, page_type = struct.unpack_from(order + "IBB", content, 20)
    last_page = struct.unpack_from(order + "I", content, 32)[0]
    if page_size not in _BDB_PAGE_SIZES or encryption != 0 or page_type != _BDB_HASH_META:
        return
    last_page = min(last_page, len(content) // page_size - 1)
    for number in range(1, last_page + 1):
        page = content[number * page_size : (number + 1) * page_size]
        entries, _free, _level, kind = struct.unpack_from(order + "HHBB", page, 20)
        if kind not in (_BDB_HASH, _BDB_HASH_UNSORTED):
            continue
        entries = min(entries, (page_size - _BDB_PAGE_HEADER) // 2)
        offsets = struct.unpack_from(f"{order}{entries}H", page, _BDB_PAGE_HEADER)
        # Items come in key/value pairs, packed from the page's end: an item ends where the one before starts.
        for index in range(1, entries, 2):
            item, end = offsets[index], offsets[index - 1]
            if not _BDB_PAGE_HEADER <= item < end <= page_size:
                continue
            if page[item] == _BDB_HOFFPAGE and item + 12 <= page_size:
                first, length = struct.unpack_from(order + "II", page, item + 4)
                blob = _bdb_overflow(content, first, length, page_size, last_page, order)
            elif page[item] == _BDB_KEYDATA:
                # Headers smaller than a quarter page are stored inline on big-page databases.
                blob = page[item + 1 : end]
            else:
                continue
            if blob:
                yield blob


def _bdb_overflow(
    content: bytes, first: int, length: int, page_size: int, last_page: int, order: str
) -> bytes:
    chunks: list[bytes] = []
    gathered, number, seen = 0, first, set()
    while number and number <= last_page and number not in seen and gathered < length:
        seen.add(number)
        start = number * page_size
        next_page, _entries, used, _level, kind = struct.unpack_from(order + "IHHBB", content, start + 16)
        if kind != _BDB_OVERFLOW:
            return b""
        # On overflow pages the "free area offset" field holds the number of bytes used on the page.
        used = min(used, page_size - _BDB_PAGE_HEADER)
        chunks.append(content[start + _BDB_PAGE_HEADER : start + _BDB_PAGE_HEADER + used])
        gathered += used
        number = next_page
    return b"".join(chunks)[:length]
