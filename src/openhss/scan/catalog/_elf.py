"""Just enough ELF for the catalogers that read executables: which files to open, sections, addresses."""

from __future__ import annotations

import struct

ELF_MAGIC = b"\x7fELF"
_MIN_EXECUTABLE = 1024
_PT_LOAD = 1


def is_executable_candidate(path: str, mode: int, size: int) -> bool:
    """An executable regular file, or any file in a `bin`/`sbin` directory (layers lose modes on copy)."""
    if size < _MIN_EXECUTABLE:
        return False
    if mode & 0o111:
        return True
    directory = "/" + path.rpartition("/")[0] + "/"
    return "/bin/" in directory or "/sbin/" in directory


class Elf:
    """An ELF file's header fields, read lazily; damaged headers raise struct.error, callers catch it."""

    def __init__(self, content: bytes) -> None:
        self.content = content
        self.wide = content[4] == 2
        self.order = ">" if content[5] == 2 else "<"
        self._segments: list[tuple[int, int, int]] | None = None

    def section(self, wanted: bytes, max_size: int) -> bytes:
        """The bytes of the section named `wanted` (empty when absent or larger than `max_size`)."""
        content, order = self.content, self.order
        if self.wide:
            (table,) = struct.unpack_from(order + "Q", content, 0x28)
            entry_size, count, names_index = struct.unpack_from(order + "HHH", content, 0x3A)
            layout = order + "II8xQQQ"
        else:
            (table,) = struct.unpack_from(order + "I", content, 0x20)
            entry_size, count, names_index = struct.unpack_from(order + "HHH", content, 0x2E)
            layout = order + "II4xIII"
        if not table or names_index >= count or table + count * entry_size > len(content):
            return b""
        sections = [struct.unpack_from(layout, content, table + i * entry_size) for i in range(count)]
        _, _, _, names_offset, names_size = sections[names_index]
        names = content[names_offset : names_offset + names_size]
        for name, _kind, _address, offset, size in sections:
            end = names.find(b"\x00", name)
            if names[name:end] == wanted:
                return content[offset : offset + size] if size <= max_size else b""
        return b""

    def segments(self) -> list[tuple[int, int, int]]:
        """(virtual address, file offset, file size) of each loadable segment."""
        content, order = self.content, self.order
        if self.wide:
            (table,) = struct.unpack_from(order + "Q", content, 0x20)
            entry_size, count = struct.unpack_from(order + "HH", content, 0x36)
            layout = order + "I4xQQ8xQ"
        else:
            (table,) = struct.unpack_from(order + "I", content, 0x1C)
            entry_size, count = struct.unpack_from(order + "HH", content, 0x2A)
            layout = order + "III4xI"
        found: list[tuple[int, int, int]] = []
        for index in range(count):
            at = table + index * entry_size
            if at + entry_size > len(content):
                break
            kind, offset, address, size = struct.unpack_from(layout, content, at)
            if kind == _PT_LOAD:
                found.append((address, offset, size))
        return found

    def read(self, address: int, size: int) -> bytes:
        """`size` bytes at virtual `address`, when one loadable segment holds them all."""
        if self._segments is None:
            self._segments = self.segments()
        for start_address, offset, file_size in self._segments:
            if start_address <= address and address + size <= start_address + file_size:
                start = offset + address - start_address
                return self.content[start : start + size]
        return b""
