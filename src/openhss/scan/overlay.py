"""Layers merged as overlayfs merges them: later files replace earlier ones, whiteouts delete lower ones."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator, Sequence

from openhss.scan.layer import FILE, SYMLINK, Entry, LayerAnalysis

_MAX_SYMLINK_HOPS = 40


def _ancestors(path: str) -> Iterator[str]:
    """`a/b/c` -> ``, `a`, `a/b` (the image root first)."""
    yield ""
    index = path.find("/")
    while index != -1:
        yield path[:index]
        index = path.find("/", index + 1)


def _deleted(path: str, whiteouts: set[str], opaque_dirs: set[str]) -> bool:
    if path in whiteouts:
        return True
    return any(a in opaque_dirs or a in whiteouts for a in _ancestors(path))


_FEW_PREFIXES = 64


def _deleted_paths(paths: Iterable[str], whiteouts: set[str], opaque_dirs: set[str]) -> list[str]:
    """The paths `_deleted` is true of, found without walking each path's ancestors in Python.

    Paths are normalised, so an ancestor `a` of `p` is exactly a prefix `a + "/"` of `p`."""
    if "" in whiteouts or "" in opaque_dirs:
        return list(paths)
    roots = whiteouts | opaque_dirs
    if len(roots) > _FEW_PREFIXES:
        return [p for p in paths if _deleted(p, whiteouts, opaque_dirs)]
    prefixes = tuple(root + "/" for root in roots)
    return [p for p in paths if p in whiteouts or p.startswith(prefixes)]


class MergedTree:
    """The image's filesystem after every layer, with each surviving file's run of versions."""

    def __init__(self, layers: Sequence[LayerAnalysis]) -> None:
        # path -> consecutive versions (layer index, entry) of the file, ending with the one that survives;
        # a run is kept only while every version had findings, for attributing components to layers.
        self._paths: dict[str, list[tuple[int, Entry]]] = {}
        self._with_findings: list[str] | None = None
        for index, layer in enumerate(layers):
            if layer.whiteouts or layer.opaque_dirs:
                for path in _deleted_paths(self._paths, layer.whiteouts, layer.opaque_dirs):
                    del self._paths[path]
            for path, entry in layer.entries.items():
                run = self._paths.get(path)
                if run and entry.findings and run[-1][1].findings and entry.kind == FILE:
                    run.append((index, entry))
                else:
                    self._paths[path] = [(index, entry)]

    def __contains__(self, path: str) -> bool:
        return path in self._paths

    def entry(self, path: str) -> Entry | None:
        run = self._paths.get(path)
        return run[-1][1] if run else None

    def versions(self, path: str) -> list[tuple[int, Entry]]:
        """The surviving file's consecutive versions (layer index, entry), oldest first."""
        return list(self._paths.get(path, ()))

    def paths(self) -> list[str]:
        return sorted(self._paths)

    def with_findings(self) -> list[str]:
        """Sorted paths whose surviving file has findings (computed once: the tree no longer changes)."""
        if self._with_findings is None:
            self._with_findings = sorted(p for p, run in self._paths.items() if run[-1][1].findings)
        return self._with_findings

    def resolve(self, path: str) -> str | None:
        """The path with every symlink followed inside the image (`..` stops at the root); None on a loop."""
        pending = deque(path.split("/"))
        resolved: list[str] = []
        hops = 0
        while pending:
            part = pending.popleft()
            if part in ("", "."):
                continue
            if part == "..":
                if resolved:
                    resolved.pop()
                continue
            candidate = "/".join([*resolved, part])
            entry = self.entry(candidate)
            if entry is not None and entry.kind == SYMLINK:
                hops += 1
                if hops > _MAX_SYMLINK_HOPS:
                    return None
                if entry.target.startswith("/"):
                    resolved = []
                pending.extendleft(reversed(entry.target.split("/")))
                continue
            resolved.append(part)
        return "/".join(resolved)
