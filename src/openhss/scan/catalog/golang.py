"""Go modules compiled into Go executables, from the build info the linker embeds (`go version -m`)."""

from __future__ import annotations

import struct
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from openhss.scan.catalog._elf import ELF_MAGIC, Elf, is_executable_candidate
from openhss.scan.catalog._purl import package_url
from openhss.scan.interface import Cataloger, Component, LayerFile, PathFilter

_BUILDINFO_MAGIC = b"\xff Go buildinf:"
_FLAG_BIG_ENDIAN, _FLAG_INLINE = 0x1, 0x2
_MAX_STRING = 1 << 24
# modinfo is wrapped in two 16-byte sentinels so the linker can find and rewrite it.
_SENTINEL = 16


@dataclass(frozen=True)
class Module:
    """One module line of the build info (`mod`, or `dep` with its `=>` replacement applied)."""

    path: str
    """Module path."""
    version: str
    """Module version; `(devel)` for the main module and local-directory replacements."""


@dataclass(frozen=True)
class BuildInfo:
    """What `go version -m` prints: the toolchain version, the main module and the dependencies."""

    go_version: str
    """Toolchain release, `go1.21.5`."""
    main: Module | None
    """The main module (absent for binaries built outside module mode)."""
    deps: tuple[Module, ...]
    """Dependencies, replacements applied."""


def _uvarint(data: bytes, position: int) -> tuple[int, int]:
    value, shift = 0, 0
    while position < len(data) and shift < 64:
        byte = data[position]
        position += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, position
        shift += 7
    return -1, position


def _pointer_strings(content: bytes, header: int) -> tuple[bytes, bytes]:
    size, flags = content[header + 14], content[header + 15]
    if size not in (4, 8):
        return b"", b""
    order = ">" if flags & _FLAG_BIG_ENDIAN else "<"
    word = order + ("Q" if size == 8 else "I")
    elf = Elf(content)

    def go_string(pointer_at: int) -> bytes:
        (address,) = struct.unpack_from(word, content, pointer_at)
        string_header = elf.read(address, 2 * size)
        if len(string_header) != 2 * size:
            return b""
        data, length = struct.unpack(order + word[1] * 2, string_header)
        return elf.read(data, length) if length <= _MAX_STRING else b""

    return go_string(header + 16), go_string(header + 16 + size)


def _inline_strings(content: bytes, header: int) -> tuple[bytes, bytes]:
    strings: list[bytes] = []
    position = header + 32
    for _ in range(2):
        length, position = _uvarint(content, position)
        if length < 0 or length > _MAX_STRING or position + length > len(content):
            return b"", b""
        strings.append(content[position : position + length])
        position += length
    return strings[0], strings[1]


def _buildinfo_headers(content: bytes) -> Iterator[int]:
    at = content.find(_BUILDINFO_MAGIC)
    while at >= 0:
        # The linker aligns the header to 16 bytes; unaligned hits are data that happens to match.
        if at % 16 == 0 and at + 32 <= len(content):
            yield at
        at = content.find(_BUILDINFO_MAGIC, at + 1)


def read_buildinfo(content: bytes) -> BuildInfo | None:
    """The build info of a Go ELF executable, in the inline (Go >= 1.18) or pointer (older) format."""
    if not content.startswith(ELF_MAGIC) or len(content) < 64:
        return None
    for header in _buildinfo_headers(content):
        try:
            if content[header + 15] & _FLAG_INLINE:
                go_version, modinfo = _inline_strings(content, header)
            else:
                go_version, modinfo = _pointer_strings(content, header)
        except struct.error:
            continue
        if go_version:
            return parse_modinfo(go_version, modinfo)
    return None


def parse_modinfo(go_version: bytes, modinfo: bytes) -> BuildInfo:
    """The `path`/`mod`/`dep`/`=>` lines of runtime/debug's module info text."""
    if len(modinfo) >= 2 * _SENTINEL + 1 and modinfo[-_SENTINEL - 1 : -_SENTINEL] == b"\n":
        modinfo = modinfo[_SENTINEL:-_SENTINEL]
    main: Module | None = None
    deps: list[Module] = []
    for line in modinfo.decode("utf-8", errors="replace").splitlines():
        fields = line.split("\t")
        kind = fields[0]
        if kind == "mod" and len(fields) >= 3:
            main = Module(fields[1], fields[2])
        elif kind == "dep" and len(fields) >= 3:
            deps.append(Module(fields[1], fields[2]))
        elif kind == "=>" and len(fields) >= 2 and deps:
            deps[-1] = _replaced(deps[-1], fields[1], fields[2] if len(fields) >= 3 else "")
    # `go1.20.4 X:boringcrypto`: experiments follow the release after a space.
    return BuildInfo(go_version.decode("utf-8", errors="replace").split(" ")[0], main, tuple(deps))


def _replaced(original: Module, path: str, version: str) -> Module:
    # A module replaced by a local directory keeps its identity; Go records its version as (devel).
    if path.startswith((".", "/")) or not version:
        return Module(original.path, version or "(devel)")
    return Module(path, version)


class GoBinaryCataloger(Cataloger):
    """Main module, dependencies and toolchain (`stdlib`) of every Go ELF executable."""

    name = "golang"
    ecosystem = "golang"

    def path_filter(self) -> PathFilter:
        return PathFilter(executables=True)

    def claims(self, path: str, mode: int, size: int) -> bool:
        return is_executable_candidate(path, mode, size)

    def analyze(self, file: LayerFile) -> Sequence[Component]:
        if not file.content.startswith(ELF_MAGIC):
            return []
        info = read_buildinfo(file.content)
        if info is None:
            return []
        modules = [info.main] if info.main is not None and info.main.path else []
        modules.extend(info.deps)
        found = [self._component(m.path, m.version, file) for m in modules if m.path]
        if info.go_version.startswith("go"):
            found.append(self._component("stdlib", info.go_version, file))
        return found

    def _component(self, module_path: str, version: str, file: LayerFile) -> Component:
        namespace, _, name = module_path.rpartition("/")
        return Component(
            name=module_path,
            version=version,
            ecosystem=self.ecosystem,
            purl=package_url("golang", name, version, namespace=namespace),
            path=file.path,
            layer=file.layer,
        )


CATALOGER = GoBinaryCataloger()
