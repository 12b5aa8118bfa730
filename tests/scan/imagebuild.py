"""Builds test images: layer tars with Python's tarfile, archives around them, real images via umoci."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import re
import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import zstandard

DPKG_STATUS = Path(__file__).parent / "catalog" / "testdata" / "dpkg" / "var" / "lib" / "dpkg" / "status"
OS_RELEASE = (
    'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\n'
    'VERSION="12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\n'
)


@dataclass(frozen=True)
class Member:
    """One tar entry to write: kind is file, dir, symlink, hardlink or char."""

    name: str
    kind: str = "file"
    data: bytes = b""
    link: str = ""
    mode: int = 0o644
    size: int | None = None


def reg(name: str, data: bytes | str, mode: int = 0o644) -> Member:
    return Member(name, "file", data.encode() if isinstance(data, str) else data, mode=mode)


def sym(name: str, target: str) -> Member:
    return Member(name, "symlink", link=target, mode=0o777)


def hard(name: str, target: str) -> Member:
    return Member(name, "hardlink", link=target)


def layer_tar(*members: Member) -> bytes:
    """An uncompressed layer tar holding exactly these entries, in order (duplicates allowed)."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for m in members:
            info = tarfile.TarInfo(m.name)
            info.mode = m.mode
            info.mtime = 1_700_000_000
            if m.kind == "file":
                info.size = len(m.data) if m.size is None else m.size
                tar.addfile(info, io.BytesIO(m.data))
                continue
            info.type = {
                "dir": tarfile.DIRTYPE,
                "symlink": tarfile.SYMTYPE,
                "hardlink": tarfile.LNKTYPE,
                "char": tarfile.CHRTYPE,
            }[m.kind]
            info.linkname = m.link
            tar.addfile(info)
    return out.getvalue()


def stanzas(*names: str, versions: dict[str, str] | None = None) -> str:
    """A dpkg status file from the real stanzas in the fixture, all installed, some versions changed."""
    found = {}
    for text in DPKG_STATUS.read_text().split("\n\n"):
        match = re.match(r"Package: (\S+)", text)
        if match:
            found[match[1]] = text.strip("\n").replace("deinstall ok config-files", "install ok installed")
    out = []
    for name in names:
        text = found[name]
        if versions and name in versions:
            text = re.sub(r"(?m)^Version: .*$", f"Version: {versions[name]}", text)
        out.append(text)
    return "\n\n".join(out) + "\n"


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def compress(data: bytes, kind: str | None) -> bytes:
    if kind == "gzip":
        return gzip.compress(data, mtime=0)
    if kind == "zstd":
        return zstandard.ZstdCompressor().compress(data)
    return data


def image_config(layers: list[bytes], **config: Any) -> bytes:
    doc = {
        "architecture": "amd64",
        "os": "linux",
        "created": "2024-01-01T00:00:00Z",
        "config": config,
        "rootfs": {"type": "layers", "diff_ids": [sha256(layer) for layer in layers]},
        "history": [{"created_by": f"layer {i}"} for i in range(len(layers))],
    }
    return json.dumps(doc).encode()


def docker_archive(
    layers: list[bytes], config: bytes | None = None, tags: tuple[str, ...] = ("t:1",)
) -> bytes:
    """A `docker save` style tar: layer dirs first, then the config, then manifest.json last."""
    config = config if config is not None else image_config(layers)
    files: list[tuple[str, bytes]] = []
    names = []
    for index, data in enumerate(layers):
        name = f"{index:064x}/layer.tar"
        files.append((name, data))
        names.append(name)
    config_name = sha256(config).split(":")[1] + ".json"
    files.append((config_name, config))
    manifest = [{"Config": config_name, "RepoTags": list(tags), "Layers": names}]
    files.append(("manifest.json", json.dumps(manifest).encode()))
    return layer_tar(*(reg(n, d) for n, d in files))


def oci_files(
    layers: list[bytes], config: bytes | None = None, compression: str | None = "gzip"
) -> list[tuple[str, bytes]]:
    config = config if config is not None else image_config(layers)
    blobs = [compress(data, compression) for data in layers]
    media = {"gzip": "+gzip", "zstd": "+zstd", None: ""}[compression]
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": sha256(config),
                "size": len(config),
            },
            "layers": [
                {
                    "mediaType": "application/vnd.oci.image.layer.v1.tar" + media,
                    "digest": sha256(b),
                    "size": len(b),
                }
                for b in blobs
            ],
        }
    ).encode()
    index = json.dumps(
        {
            "schemaVersion": 2,
            "manifests": [
                {
                    "mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "digest": sha256(manifest),
                    "size": len(manifest),
                    "annotations": {"org.opencontainers.image.ref.name": "t:1"},
                }
            ],
        }
    ).encode()
    files = [("oci-layout", b'{"imageLayoutVersion": "1.0.0"}'), ("index.json", index)]
    for blob in [*blobs, config, manifest]:
        files.append(("blobs/sha256/" + sha256(blob).split(":")[1], blob))
    return files


def oci_archive(layers: list[bytes], config: bytes | None = None, compression: str | None = "gzip") -> bytes:
    return layer_tar(*(reg(n, d) for n, d in oci_files(layers, config, compression)))


def run(*argv: str | Path) -> None:
    subprocess.run([str(a) for a in argv], check=True, capture_output=True)


@dataclass(frozen=True)
class BuiltImage:
    """One image in the three forms the scanner reads."""

    layout: Path
    docker_archive: Path
    oci_archive: Path


def dpkg_layers() -> list[bytes]:
    """Debian-like layers: a package installed in 1, upgraded in 2, removed in 3 (real dpkg stanzas)."""
    base = ("base-files", "bzip2", "libbz2-1.0", "hostname", "zlib1g")
    return [
        layer_tar(
            Member("etc", "dir", mode=0o755),
            reg("usr/lib/os-release", OS_RELEASE),
            sym("etc/os-release", "../usr/lib/os-release"),
            reg("etc/debian_version", "12.5\n"),
            reg("var/lib/dpkg/status", stanzas(*base)),
            reg("usr/share/doc/bzip2/copyright", "bzip2 licence\n"),
            reg("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"),
        ),
        layer_tar(
            reg("var/lib/dpkg/status", stanzas(*base, "sed", versions={"zlib1g": "1:1.3.dfsg-3"})),
            reg("usr/bin/sed", b"\x7fELF", mode=0o755),
        ),
        layer_tar(
            reg(
                "var/lib/dpkg/status",
                stanzas(
                    "base-files", "bzip2", "libbz2-1.0", "zlib1g", "sed", versions={"zlib1g": "1:1.3.dfsg-3"}
                ),
            ),
            reg("usr/share/doc/.wh.bzip2", ""),
        ),
    ]


def need(tool: str) -> None:
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} is not installed")
