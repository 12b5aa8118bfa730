"""Writes the pre-Go-1.18 build info format, which the Go 1.19 toolchain here can no longer produce.

Hand-written from Go's `debug/buildinfo` reader: a 16-byte-aligned header `\\xff Go buildinf:`, pointer
size, flags (bit 0 big-endian, bit 1 clear = pointer format), then two pointers to Go string headers
(data pointer, length) for runtime.buildVersion and runtime.modinfo, all inside one PT_LOAD segment
of a minimal ELF file.
"""

from __future__ import annotations

import struct

BASE = 0x400000


def pointer_format_elf(go_version: str, modinfo: bytes, wide: bool = True, big_endian: bool = False) -> bytes:
    """A minimal ELF executable whose only content is the old-format build info."""
    order = ">" if big_endian else "<"
    word = "Q" if wide else "I"
    size = 8 if wide else 4
    header_size, phdr_size = (64, 56) if wide else (52, 32)
    buildinfo_at = 128
    strings_at = buildinfo_at + 32
    version_header_at = strings_at
    modinfo_header_at = strings_at + 2 * size
    data_at = modinfo_header_at + 2 * size
    version_bytes, modinfo_bytes = go_version.encode(), modinfo
    body = bytearray(data_at + len(version_bytes) + len(modinfo_bytes))
    ident = b"\x7fELF" + bytes([2 if wide else 1, 2 if big_endian else 1, 1]) + bytes(9)
    body[0:16] = ident
    if wide:
        struct.pack_into(order + "HHIQQQIHHHHHH", body, 16, 2, 62, 1, BASE, header_size, 0, 0,
                         header_size, phdr_size, 1, 0, 0, 0)  # fmt: skip
        struct.pack_into(
            order + "IIQQQQQQ", body, header_size, 1, 5, 0, BASE, BASE, len(body), len(body), 0x1000
        )
    else:
        struct.pack_into(order + "HHIIIIIHHHHHH", body, 16, 2, 3, 1, BASE, header_size, 0, 0,
                         header_size, phdr_size, 1, 0, 0, 0)  # fmt: skip
        struct.pack_into(
            order + "IIIIIIII", body, header_size, 1, 0, BASE, BASE, len(body), len(body), 5, 0x1000
        )
    flags = 1 if big_endian else 0
    body[buildinfo_at : buildinfo_at + 16] = b"\xff Go buildinf:" + bytes([size, flags])
    struct.pack_into(
        order + word * 2, body, buildinfo_at + 16, BASE + version_header_at, BASE + modinfo_header_at
    )
    struct.pack_into(order + word * 2, body, version_header_at, BASE + data_at, len(version_bytes))
    modinfo_data = data_at + len(version_bytes)
    struct.pack_into(order + word * 2, body, modinfo_header_at, BASE + modinfo_data, len(modinfo_bytes))
    body[data_at:modinfo_data] = version_bytes
    body[modinfo_data:] = modinfo_bytes
    return bytes(body).ljust(2048, b"\x00")
