"""A writer for the rpm database format nothing on Debian writes: NDB (`Packages.db`, SUSE's default).

Hand-written from rpm's `lib/backend/ndb/rpmpkg.c` (database header, slot pages, blob blocks with
header and tail); it lays out real package header blobs exactly where rpm's reader looks for them.
"""

from __future__ import annotations

import struct
import zlib


def ndb_packages_db(blobs: list[bytes]) -> bytes:
    """An NDB `Packages.db`: one slot page (its first two slots hold the header), then 16-byte blocks."""
    slot_page = bytearray(4096)
    struct.pack_into("<4sIII", slot_page, 0, b"RpmP", 0, 1, 1)
    blocks = bytearray()
    first_block = 4096 // 16
    for slot, blob in enumerate(blobs, start=2):
        package = slot - 1
        start = first_block + len(blocks) // 16
        tail = struct.pack("<II4s", zlib.adler32(blob), len(blob), b"BlbE")
        record = struct.pack("<4sIII", b"BlbS", package, zlib.adler32(blob), len(blob)) + blob + tail
        record = record.ljust(-(-len(record) // 16) * 16, b"\x00")
        struct.pack_into("<4sIII", slot_page, slot * 16, b"Slot", package, start, len(record) // 16)
        blocks += record
    for slot in range(len(blobs) + 2, 4096 // 16):
        struct.pack_into("<4sIII", slot_page, slot * 16, b"Slot", 0, 0, 0)
    return bytes(slot_page) + bytes(blocks)
