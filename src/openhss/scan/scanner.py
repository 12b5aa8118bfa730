"""The scanner: one pass over an image's layers with every analyzer, merged into what the image contains."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar, overload

from packageurl import PackageURL

from openhss.scan.archive import (
    ArchiveContents,
    ImageRef,
    choose_image,
    read_archive,
    read_archive_file,
    read_layout,
)
from openhss.scan.catalog import all_catalogers
from openhss.scan.distro import ReleaseFile, ReleaseFileAnalyzer, detect, purl_distro, release_tag
from openhss.scan.image_config import parse_image_config
from openhss.scan.interface import (
    Analyzer,
    Cataloger,
    Component,
    Distro,
    ImageConfig,
    ScanError,
    ScanResult,
)
from openhss.scan.layer import FILE, LayerAnalysis, LayerWalker
from openhss.scan.limits import Limits
from openhss.scan.overlay import MergedTree
from openhss.scan.stream import Budget, Readable

T = TypeVar("T")

Source = str | os.PathLike[str] | Readable
"""A docker-archive/oci-archive tar or OCI layout dir by path, or any forward-only binary stream of a tar."""

Progress = Callable[[int], None]
"""Called with the number of bytes just read from the source."""

OS_ECOSYSTEMS = frozenset({"deb", "apk", "rpm"})


@dataclass(frozen=True)
class ImageScan:
    """An image read once: its config, its merged filesystem, and what each analyzer found that survives."""

    config: ImageConfig
    """The image config."""
    distro: Distro | None
    """The operating system, when recognised."""
    size: int
    """Uncompressed bytes over the image's layers."""
    files: int
    """Regular files over the image's layers."""
    notes: tuple[str, ...]
    """Skipped entries, analyzer failures and the like."""
    tree: MergedTree = field(repr=False, compare=False)
    """The merged filesystem (paths, symlinks, surviving findings)."""
    cataloger_names: tuple[str, ...] = ()
    """Analyzers whose findings are components."""

    @overload
    def findings(self, analyzer: Analyzer[T]) -> tuple[T, ...]: ...
    @overload
    def findings(self, analyzer: str) -> tuple[Any, ...]: ...
    def findings(self, analyzer: Analyzer[Any] | str) -> tuple[Any, ...]:
        """Every surviving finding of one analyzer (by object or name), in path order."""
        return tuple(f for found in self.findings_by_path(analyzer).values() for f in found)

    def findings_by_path(self, analyzer: Analyzer[Any] | str) -> dict[str, tuple[Any, ...]]:
        """Path -> the analyzer's findings in the surviving version of that file."""
        name = analyzer if isinstance(analyzer, str) else analyzer.name
        out: dict[str, tuple[Any, ...]] = {}
        for path in self.tree.with_findings():
            entry = self.tree.entry(path)
            if entry is not None and name in entry.findings:
                out[path] = entry.findings[name]
        return out

    def resolve(self, path: str) -> str | None:
        """`path` with symlinks followed inside the image (None on a loop); the file may not exist."""
        return self.tree.resolve(path)

    def file_findings(self, analyzer: Analyzer[Any] | str, path: str) -> tuple[Any, ...]:
        """The analyzer's findings for the file at `path`, following symlinks (e.g. `etc/os-release`)."""
        name = analyzer if isinstance(analyzer, str) else analyzer.name
        resolved = self.resolve(path)
        entry = self.tree.entry(resolved) if resolved is not None else None
        return entry.findings.get(name, ()) if entry is not None and entry.kind == FILE else ()

    def components(self) -> tuple[Component, ...]:
        """Surviving components, each attributed to the layer that introduced it at that version."""
        found: list[Component] = []
        for path in self.tree.with_findings():
            versions = self.tree.versions(path)
            for name in self.cataloger_names:
                found += self._attributed(versions, name)
        if self.distro is not None:
            found = [_with_distro(c, self.distro) for c in found]
        return tuple(sorted(found, key=lambda c: (c.ecosystem, c.name, c.version, c.path)))

    def _attributed(self, versions: list[tuple[int, Any]], name: str) -> list[Component]:
        final = versions[-1][1]
        current = [c for c in final.findings.get(name, ()) if isinstance(c, Component)]
        if not current:
            return []
        keys_by_version = [
            {(c.ecosystem, c.name, c.version) for c in e.findings.get(name, ()) if isinstance(c, Component)}
            for _, e in versions
        ]
        out = []
        for component in current:
            key = (component.ecosystem, component.name, component.version)
            origin = len(versions) - 1
            while origin > 0 and key in keys_by_version[origin - 1]:
                origin -= 1
            out.append(replace(component, layer=self.config.diff_ids[versions[origin][0]]))
        return out

    def result(self, **extra: Any) -> ScanResult:
        """The ScanResult; `extra` sets fields other analyzers fill (unsafe_settings, malicious_files...)."""
        result = ScanResult(
            config=self.config,
            distro=self.distro,
            components=self.components(),
            size=self.size,
            files=self.files,
            notes=self.notes,
        )
        return replace(result, **extra) if extra else result


def _with_distro(component: Component, distro: Distro) -> Component:
    if component.ecosystem not in OS_ECOSYSTEMS:
        return component
    purl = component.purl
    try:
        parsed = PackageURL.from_string(purl)
    except ValueError:
        parsed = None
    if parsed is not None:
        qualifiers = dict(parsed.qualifiers) if isinstance(parsed.qualifiers, dict) else {}
        qualifiers.setdefault("distro", purl_distro(distro))
        namespace = parsed.namespace
        if parsed.type == "deb" and namespace == "debian" and distro.id != "debian":
            namespace = distro.id
        purl = PackageURL(
            type=parsed.type,
            namespace=namespace,
            name=parsed.name,
            version=parsed.version,
            qualifiers=qualifiers,
            subpath=parsed.subpath,
        ).to_string()
    return replace(component, distro=component.distro or release_tag(distro), purl=purl)


def read_image(
    source: Source,
    *,
    limits: Limits | None = None,
    analyzers: Sequence[Analyzer[Any]] | None = None,
    progress: Progress | None = None,
) -> ImageScan:
    """Reads an image once, handing every file to every analyzer that claims it, and merges the layers."""
    limits = limits or Limits()
    chosen: list[Analyzer[Any]] = list(all_catalogers() if analyzers is None else analyzers)
    release_files = ReleaseFileAnalyzer()
    if all(a.name != release_files.name for a in chosen):
        chosen.append(release_files)
    names = [a.name for a in chosen]
    if len(set(names)) != len(names):
        raise ValueError(f"analyzer names must be unique: {names}")
    notes: list[str] = []
    walker = LayerWalker(chosen, limits, Budget(limits.max_image_bytes, "uncompressed image size"), notes)
    try:
        contents, ref = _read(source, walker, limits, notes, progress)
    except OSError as exc:
        raise ScanError(f"cannot read the image: {exc.strerror or exc}") from None
    walker.finish_notes()
    config_bytes = contents.documents.get(contents.follow(ref.config_name))
    if config_bytes is None:
        raise ScanError(f"the archive has no image config {ref.config_name}")
    config = parse_image_config(config_bytes, ref.repo_tags)
    layers = _ordered_layers(contents, ref, config)
    tree = MergedTree(layers)
    return ImageScan(
        config=config,
        distro=detect(lambda path: _release_text(tree, release_files.name, path)),
        size=sum(layer.size for layer in layers),
        files=sum(layer.files for layer in layers),
        notes=tuple(notes),
        tree=tree,
        cataloger_names=tuple(a.name for a in chosen if isinstance(a, Cataloger)),
    )


def scan_image(
    source: Source,
    *,
    limits: Limits | None = None,
    analyzers: Sequence[Analyzer[Any]] | None = None,
    progress: Progress | None = None,
) -> ScanResult:
    """What an image contains: its config, distro and components (the catalogers' findings by default)."""
    return read_image(source, limits=limits, analyzers=analyzers, progress=progress).result()


def _read(
    source: Source, walker: LayerWalker, limits: Limits, notes: list[str], progress: Progress | None
) -> tuple[ArchiveContents, ImageRef]:
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        if path.is_dir():
            return read_layout(path, walker, limits, notes, progress)
        if not path.is_file():
            raise ScanError(f"{path}: no such file or directory")
        with path.open("rb") as handle:
            contents = read_archive_file(handle, walker, limits, notes, progress)
    else:
        contents = read_archive(source, walker, limits, notes, progress)
    return contents, choose_image(contents, notes)


def _ordered_layers(contents: ArchiveContents, ref: ImageRef, config: ImageConfig) -> list[LayerAnalysis]:
    """The config's diff_ids, bottom first, each matched to a layer that streamed past and checked."""
    if ref.layer_names and len(ref.layer_names) != len(config.diff_ids):
        raise ScanError(
            f"the manifest lists {len(ref.layer_names)} layers "
            f"but the config has {len(config.diff_ids)} diff_ids"
        )
    layers = []
    for index, diff_id in enumerate(config.diff_ids):
        name = ref.layer_names[index] if ref.layer_names else diff_id
        layer = contents.layer(name) or contents.layers.get(diff_id)
        if layer is None:
            problem = contents.unreadable.get(contents.follow(name))
            raise ScanError(problem or f"layer {index + 1} ({name}) is missing from the archive")
        if layer.diff_id != diff_id:
            raise ScanError(
                f"layer {index + 1} ({name}) digests to {layer.diff_id}, but the config says {diff_id}"
            )
        layers.append(layer)
    return layers


def _release_text(tree: MergedTree, name: str, path: str) -> str | None:
    resolved = tree.resolve(path)
    entry = tree.entry(resolved) if resolved is not None else None
    if entry is None or entry.kind != FILE:
        return None
    found = [f for f in entry.findings.get(name, ()) if isinstance(f, ReleaseFile)]
    return found[0].text if found else None
