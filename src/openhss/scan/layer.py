"""One layer tar, read once as a stream: each file handed to the analyzers that claim it, plus whiteouts."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, is_dataclass, replace

from openhss.scan.blocks import FileRangeSource, RangeHasher, StreamSource
from openhss.scan.dispatch import AnalyzerIndex
from openhss.scan.interface import Analyzer, HugeImageError, LayerFile, ScanError
from openhss.scan.limits import Limits
from openhss.scan.stream import Budget, MeteredReader, Readable, decompressed
from openhss.scan.tar import DIRTYPE, LNKTYPE, REGULAR_TYPES, SYMTYPE, TarMember, TarReader

FILE = "file"
SYMLINK = "symlink"
DIR = "dir"
OTHER = "other"

WHITEOUT_PREFIX = ".wh."
OPAQUE_MARKER = ".wh..wh..opq"
_HARDLINK_CACHE_BYTES = 64 * 1024**2
_MAX_NOTES = 50


@dataclass(frozen=True)
class Entry:
    """What one layer puts at one path."""

    kind: str
    """file, symlink, dir or other (devices, fifos)."""
    findings: Mapping[str, tuple[object, ...]] = field(default_factory=dict)
    """Analyzer name -> what it found in this file (only analyzers that found something)."""
    target: str = ""
    """Symlinks: the link target exactly as recorded."""


_PLAIN_FILE = Entry(FILE)
_DIR = Entry(DIR)
_OTHER = Entry(OTHER)


@dataclass
class LayerAnalysis:
    """Everything kept of one layer once its bytes have streamed past."""

    diff_id: str
    """sha256 of the uncompressed tar, `sha256:<hex>`."""
    blob_digest: str
    """sha256 of the blob as stored (compressed or not)."""
    size: int
    """Uncompressed bytes."""
    files: int
    """Regular files (hard links included)."""
    entries: dict[str, Entry]
    """Path -> what this layer puts there; later duplicates replace earlier ones."""
    whiteouts: set[str]
    """Paths this layer deletes from lower layers (with everything below them)."""
    opaque_dirs: set[str]
    """Directories this layer empties of lower layers' content."""


_ODD_NAME = re.compile(r"(?:^|/)\.{1,2}(?:/|$)|//|^/|/$")
"""What normalising would change: `.` or `..` parts, empty parts, a leading or trailing slash."""


def normalise(name: str) -> str | None:
    """A tar member name as a path relative to the image root; None when `..` would leave the root."""
    if not _ODD_NAME.search(name):
        return name  # most names are already clean: the split below would rebuild the same string
    parts: list[str] = []
    for part in name.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                return None
            parts.pop()
        else:
            parts.append(part)
    return "/".join(parts)


class LayerWalker:
    """Walks layers of one image, sharing the image's byte and entry budgets and its notes."""

    def __init__(
        self,
        analyzers: Sequence[Analyzer[object]],
        limits: Limits,
        image_bytes: Budget,
        notes: list[str],
    ) -> None:
        self._index = AnalyzerIndex(analyzers)
        self._limits = limits
        self._image_bytes = image_bytes
        self._entries = Budget(limits.max_files, "number of entries in the image", "entries")
        self._notes = notes
        self._dropped_notes = 0
        self._cached = 0

    def note(self, text: str) -> None:
        if len(self._notes) < _MAX_NOTES:
            self._notes.append(text)
        else:
            self._dropped_notes += 1

    def finish_notes(self) -> None:
        if self._dropped_notes:
            self._notes.append(f"... and {self._dropped_notes} more notes")
            self._dropped_notes = 0

    def walk(self, blob: Readable, compression: str, label: str, shown: str = "") -> LayerAnalysis:
        """Reads one layer blob to its end; findings carry `label` until the diff_id replaces it.

        `shown` names the blob in notes and errors (its name in the archive)."""
        shown = shown or label
        plain = MeteredReader(decompressed(blob, compression), budget=self._image_bytes)
        layer = self._walk_tar(TarReader(StreamSource(plain), f"layer {shown}"), label, shown)
        layer.diff_id = plain.digest()
        layer.size = plain.count
        _relabel(layer, label, layer.diff_id)
        return layer

    def walk_file(
        self,
        fd: int,
        start: int,
        length: int,
        label: str,
        shown: str = "",
        progress: Callable[[int], None] | None = None,
    ) -> LayerAnalysis:
        """Reads an uncompressed layer stored at `start` of an open file, skipping what no analyzer claims.

        The diff_id is hashed on a second thread over the same range while this one parses it."""
        shown = shown or label
        hasher = RangeHasher(fd, start, length)
        try:
            source = FileRangeSource(fd, start, length, budget=self._image_bytes, progress=progress)
            layer = self._walk_tar(TarReader(source, f"layer {shown}"), label, shown)
            layer.diff_id = hasher.digest()
        finally:
            hasher.cancel()
        layer.size = hasher.count
        _relabel(layer, label, layer.diff_id)
        return layer

    def _walk_tar(self, reader: TarReader, label: str, shown: str) -> LayerAnalysis:
        self._cached = 0
        layer = LayerAnalysis("", "", 0, 0, {}, set(), set())
        cache: dict[str, bytes] = {}
        for member in reader.members():
            self._entries.spend(1)
            self._add(reader, member, layer, cache, label, shown)
        return layer

    def _add(
        self,
        reader: TarReader,
        member: TarMember,
        layer: LayerAnalysis,
        cache: dict[str, bytes],
        label: str,
        shown: str,
    ) -> None:
        path = normalise(member.name)
        if path is None:
            self.note(f"layer {shown}: skipped entry outside the image root: {member.name!r}")
            return
        if not path:
            return
        slash = path.rfind("/")
        base = path[slash + 1 :]
        if base.startswith(WHITEOUT_PREFIX):
            parent = path[:slash] if slash != -1 else ""
            if base == OPAQUE_MARKER:
                layer.opaque_dirs.add(parent)
            elif not base.startswith(WHITEOUT_PREFIX * 2):
                hidden = base[len(WHITEOUT_PREFIX) :]
                if hidden not in ("", ".", ".."):  # those name no entry of the directory
                    layer.whiteouts.add(posixpath.join(parent, hidden))
            return
        kind = member.type
        if kind in REGULAR_TYPES:
            layer.files += 1
            layer.entries[path] = self._analyze(path, member.mode, member.size, label, shown, cache, reader)
        elif kind == LNKTYPE:
            layer.files += 1
            layer.entries[path] = self._hardlink(path, member, label, shown, cache)
        elif kind == SYMTYPE:
            layer.entries[path] = Entry(SYMLINK, target=member.linkname)
        elif kind == DIRTYPE:
            layer.entries[path] = _DIR
        else:
            layer.entries[path] = _OTHER

    def _analyze(
        self,
        path: str,
        mode: int,
        size: int,
        label: str,
        shown: str,
        cache: dict[str, bytes],
        reader: TarReader | None,
        content: bytes | None = None,
    ) -> Entry:
        claiming = self._index.claiming(path, mode, size)
        if not claiming:
            return _PLAIN_FILE
        if content is None:
            if size > self._limits.max_file_bytes:
                raise HugeImageError(
                    f"{path} ({size} bytes) exceeds the per-file limit of {self._limits.max_file_bytes} bytes"
                )
            assert reader is not None
            content = reader.read_data(size)
            if len(content) != size:
                raise ScanError(f"layer {shown}: truncated tar (file {path} is cut short)")
            if self._cached + size <= _HARDLINK_CACHE_BYTES:
                self._cached += size
                cache[path] = content
        file = LayerFile(path=path, layer=label, size=size, mode=mode, content=content)
        findings: dict[str, tuple[object, ...]] = {}
        for analyzer in claiming:
            try:
                found = tuple(analyzer.analyze(file))
            except Exception as exc:  # one analyzer's bug must not lose the whole scan
                self.note(f"analyzer {analyzer.name} failed on {path}: {exc}")
                continue
            if found:
                findings[analyzer.name] = found
        return Entry(FILE, findings)

    def _hardlink(
        self,
        path: str,
        member: TarMember,
        label: str,
        shown: str,
        cache: dict[str, bytes],
    ) -> Entry:
        target = normalise(member.linkname)
        if target is None:
            self.note(f"layer {shown}: skipped hard link outside the image root: {member.linkname!r}")
            return _OTHER
        content = cache.get(target)
        if content is None:
            if self._index.claiming(path, member.mode, 0):
                self.note(
                    f"layer {shown}: hard link {path} -> {target}: target content not kept, not analyzed"
                )
            return _PLAIN_FILE
        return self._analyze(path, member.mode, len(content), label, shown, cache, None, content)


def _relabel(layer: LayerAnalysis, pending: str, diff_id: str) -> None:
    """Findings made mid-layer carry a placeholder layer; once the diff_id is known it replaces it."""
    for path, entry in layer.entries.items():
        if entry.findings:
            layer.entries[path] = Entry(
                entry.kind,
                {
                    name: tuple(_with_layer(f, pending, diff_id) for f in found)
                    for name, found in entry.findings.items()
                },
                entry.target,
            )


def _with_layer(finding: object, pending: str, diff_id: str) -> object:
    if is_dataclass(finding) and not isinstance(finding, type) and getattr(finding, "layer", None) == pending:
        return replace(finding, layer=diff_id)  # type: ignore[type-var]
    return finding
