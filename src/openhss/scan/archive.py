"""Image sources: docker-archive and oci-archive tars (by path or forward-only stream), OCI layout dirs."""

from __future__ import annotations

import json
import os
import posixpath
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from openhss.scan.blocks import FileRangeReader, FileRangeSource, StreamSource, pread_exactly
from openhss.scan.interface import HugeImageError, ScanError
from openhss.scan.layer import LayerAnalysis, LayerWalker, normalise
from openhss.scan.limits import Limits
from openhss.scan.stream import Budget, MeteredReader, Readable, compression_of, decompressed, peek
from openhss.scan.tar import TarMember, TarReader

_INDEX_TYPES = {
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
}


@dataclass
class ArchiveContents:
    """What streamed past: every layer analysed (by blob name and digests) and the small JSON documents."""

    layers: dict[str, LayerAnalysis] = field(default_factory=dict)
    """Blob member name, blob digest and diff_id -> the layer's analysis."""
    documents: dict[str, bytes] = field(default_factory=dict)
    """Member name -> bytes of each small JSON document (manifest.json, index.json, configs, manifests)."""
    aliases: dict[str, str] = field(default_factory=dict)
    """Member name -> the member it links to (docker save links repeated layers)."""
    unreadable: dict[str, str] = field(default_factory=dict)
    """Member name -> why a blob that looked like a layer could not be read."""

    def document(self, name: str) -> Any:
        name = self.follow(name)
        if name not in self.documents:
            raise ScanError(f"the archive has no {name}")
        try:
            return json.loads(self.documents[name])
        except ValueError as exc:
            raise ScanError(f"{name} is not valid JSON: {exc}") from None

    def layer(self, name: str) -> LayerAnalysis | None:
        return self.layers.get(self.follow(name))

    def follow(self, name: str) -> str:
        for _ in range(40):
            if name not in self.aliases:
                break
            name = self.aliases[name]
        return name


@dataclass(frozen=True)
class ImageRef:
    """The image an archive holds: its config, its layers bottom first, its tags."""

    config_name: str
    """Archive member holding the config JSON."""
    layer_names: tuple[str, ...]
    """Archive members holding the layers, bottom first."""
    repo_tags: tuple[str, ...]
    """Tags recorded for the image."""


class _Reader:
    """Sorts an archive's members as they come: layers are walked at once, JSON documents kept."""

    def __init__(self, walker: LayerWalker, limits: Limits, notes: list[str]) -> None:
        self.walker = walker
        self.limits = limits
        self.notes = notes
        self.metadata_left = limits.max_metadata_bytes
        self.contents = ArchiveContents()
        self._pending = 0

    def blob(self, name: str, stream: Readable, size: int) -> None:
        """One regular member of the archive: a layer (by magic), a JSON document, or ignored."""
        head, rest = peek(stream, 512)
        kind = compression_of(head)
        if kind is not None:
            self._pending += 1
            # An uncompressed blob's digest is its diff_id: hash it once, not twice.
            raw = MeteredReader(rest, hashing=kind != "tar")
            try:
                layer = self.walker.walk(raw, kind, f"pending:{self._pending}", name)
            except HugeImageError:
                raise
            except ScanError as exc:
                # Maybe not a layer of the chosen image at all: an error only if the image needs it.
                self.contents.unreadable[name] = str(exc)
                return
            raw.drain()
            layer.blob_digest = layer.diff_id if kind == "tar" else raw.digest()
            self._keep(name, layer)
        elif head.lstrip()[:1] in (b"{", b"["):
            self.document(name, size, lambda: _read_all(rest))

    def blob_at(
        self, fd: int, name: str, start: int, size: int, progress: Callable[[int], None] | None = None
    ) -> None:
        """A regular member stored at `start` of an open file: an uncompressed layer is read in place."""
        head = pread_exactly(fd, min(512, size), start)
        if compression_of(head) != "tar":
            stream = FileRangeReader(fd, start, size)
            self.blob(name, MeteredReader(stream, progress=progress, hashing=False), size)
            return
        self._pending += 1
        try:
            layer = self.walker.walk_file(fd, start, size, f"pending:{self._pending}", name, progress)
        except HugeImageError:
            raise
        except ScanError as exc:
            self.contents.unreadable[name] = str(exc)
            return
        layer.blob_digest = layer.diff_id
        self._keep(name, layer)

    def _keep(self, name: str, layer: LayerAnalysis) -> None:
        for key in (name, layer.blob_digest, layer.diff_id):
            self.contents.layers.setdefault(key, layer)

    def document(self, name: str, size: int, read: Callable[[], bytes]) -> None:
        """Keeps a JSON document while the metadata allowance lasts; past it, notes and skips it."""
        if size > self.metadata_left:
            self.walker.note(f"skipped {name}: {size} bytes of JSON is over the metadata limit")
            return
        self.metadata_left -= size
        self.contents.documents[name] = read()


def _read_all(stream: Readable) -> bytes:
    parts = []
    while chunk := stream.read(1024 * 1024):
        parts.append(chunk)
    return b"".join(parts)


def read_archive(
    stream: Readable,
    walker: LayerWalker,
    limits: Limits,
    notes: list[str],
    progress: Callable[[int], None] | None,
) -> ArchiveContents:
    """Reads a docker-archive or oci-archive tar (optionally gzip/zstd compressed) in one forward pass."""
    source = MeteredReader(stream, progress=progress, hashing=False)
    head, rest = peek(source, 512)
    kind = compression_of(head)
    if kind is None:
        raise ScanError("not an image archive: expected a tar (docker-archive or oci-archive)")
    outer = MeteredReader(
        decompressed(rest, kind), budget=Budget(limits.max_image_bytes, "image archive"), hashing=False
    )
    reader = _Reader(walker, limits, notes)
    tar = TarReader(StreamSource(outer), "image archive")
    for member, name in _members(tar, reader.contents):
        reader.blob(name, _MemberData(tar), member.size)
    return reader.contents


def read_archive_file(
    handle: BinaryIO,
    walker: LayerWalker,
    limits: Limits,
    notes: list[str],
    progress: Callable[[int], None] | None,
) -> ArchiveContents:
    """An archive in a regular file: uncompressed, it is read in place (unclaimed bytes skipped, not read)."""
    fd = handle.fileno()
    if compression_of(pread_exactly(fd, 512, 0)) != "tar":
        return read_archive(handle, walker, limits, notes, progress)
    size = os.fstat(fd).st_size
    budget = Budget(limits.max_image_bytes, "image archive")
    tar = TarReader(FileRangeSource(fd, 0, size, budget=budget, progress=progress), "image archive")
    reader = _Reader(walker, limits, notes)
    for member, name in _members(tar, reader.contents):
        # The source starts at the file's start, so the reader's offset is where the member's data is.
        reader.blob_at(fd, name, tar.offset, member.size)
    return reader.contents


def _members(tar: TarReader, contents: ArchiveContents) -> Iterator[tuple[TarMember, str]]:
    """The archive's regular members with their normalised names; links recorded as aliases on the way."""
    for member in tar.members():
        name = normalise(member.name)
        if not name:
            continue
        if member.issym():
            target = normalise(posixpath.join(posixpath.dirname(name), member.linkname))
            if target:
                contents.aliases[name] = target
        elif member.islnk():
            target = normalise(member.linkname)
            if target:
                contents.aliases[name] = target
        elif member.isreg():
            yield member, name


class _MemberData:
    """The current member's data as a stream."""

    def __init__(self, tar: TarReader) -> None:
        self._tar = tar

    def read(self, n: int = -1, /) -> bytes:
        return self._tar.read_data(1024 * 1024 if n is None or n < 0 else n)


def read_layout(
    root: Path, walker: LayerWalker, limits: Limits, notes: list[str], progress: Callable[[int], None] | None
) -> tuple[ArchiveContents, ImageRef]:
    """Reads an OCI image layout directory: its JSON documents, then only the chosen image's layers."""
    if not (root / "index.json").is_file():
        raise ScanError(f"{root} is not an OCI image layout (no index.json)")
    reader = _Reader(walker, limits, notes)
    blobs = root / "blobs"
    candidates = [root / "index.json"]
    if blobs.is_dir():
        candidates += [p for p in sorted(blobs.glob("*/*")) if p.is_file()]
    for path in candidates:
        if path.is_symlink() and not path.resolve().is_relative_to(root.resolve()):
            walker.note(f"skipped {path.relative_to(root)}: a symlink out of the layout")
            continue
        with path.open("rb") as handle:
            if handle.read(1) in (b"{", b"["):
                reader.document(path.relative_to(root).as_posix(), path.stat().st_size, path.read_bytes)
    ref = choose_image(reader.contents, notes)
    for name in ref.layer_names:
        path = root / name
        if not path.is_file() or (path.is_symlink() and not path.resolve().is_relative_to(root.resolve())):
            raise ScanError(f"layer blob {name} is missing from the OCI layout")
        with path.open("rb") as handle:
            reader.blob_at(handle.fileno(), name, 0, os.fstat(handle.fileno()).st_size, progress)
    return reader.contents, ref


def choose_image(contents: ArchiveContents, notes: list[str]) -> ImageRef:
    """The image in the archive: docker-archive's manifest.json, else the OCI index (linux/amd64 first)."""
    if "manifest.json" in contents.documents:
        entries = contents.document("manifest.json")
        if not isinstance(entries, list) or not entries or not isinstance(entries[0], dict):
            raise ScanError("manifest.json lists no image")
        if len(entries) > 1:
            notes.append(f"the archive holds {len(entries)} images; scanned the first")
        first = entries[0]
        return ImageRef(
            config_name=normalise(str(first.get("Config", ""))) or "",
            layer_names=tuple(normalise(str(n)) or "" for n in first.get("Layers") or ()),
            repo_tags=tuple(str(t) for t in first.get("RepoTags") or ()),
        )
    if "index.json" in contents.documents:
        return _from_index(contents, contents.document("index.json"), (), notes, 0)
    raise ScanError("not an image archive: no manifest.json (docker-archive) or index.json (OCI)")


def _blob_name(descriptor: Any) -> str:
    digest = str(descriptor.get("digest", "")) if isinstance(descriptor, dict) else ""
    algorithm, _, hexpart = digest.partition(":")
    if not algorithm or not hexpart or "/" in digest:
        raise ScanError(f"bad descriptor digest {digest!r}")
    return f"blobs/{algorithm}/{hexpart}"


def _from_index(
    contents: ArchiveContents, index: Any, tags: tuple[str, ...], notes: list[str], depth: int
) -> ImageRef:
    if depth > 4 or not isinstance(index, dict):
        raise ScanError("unreadable OCI index")
    manifests = [m for m in index.get("manifests") or () if isinstance(m, dict)]
    if not manifests:
        raise ScanError("the OCI index lists no image")

    def rank(m: dict[str, Any]) -> int:
        platform = m.get("platform") or {}
        return (
            0
            if platform.get("architecture", "amd64") == "amd64" and platform.get("os", "linux") == "linux"
            else 1
        )

    chosen = sorted(manifests, key=rank)[0]
    if len(manifests) > 1 and depth == 0:
        notes.append(f"the archive holds {len(manifests)} manifests; scanned {chosen.get('digest')}")
    annotations = chosen.get("annotations") or {}
    name = annotations.get("io.containerd.image.name") or annotations.get("org.opencontainers.image.ref.name")
    if name:
        tags = (*tags, str(name))
    document = contents.document(_blob_name(chosen))
    if chosen.get("mediaType") in _INDEX_TYPES or document.get("manifests") is not None:
        return _from_index(contents, document, tags, notes, depth + 1)
    if not isinstance(document, dict) or "config" not in document:
        raise ScanError("unreadable OCI manifest")
    return ImageRef(
        config_name=_blob_name(document["config"]),
        layer_names=tuple(_blob_name(layer) for layer in document.get("layers") or ()),
        repo_tags=tags,
    )
