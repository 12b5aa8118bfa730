import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

import pytest

from openhss.scan.interface import Analyzer, Distro, LayerFile, ScanError
from openhss.scan.scanner import read_image, scan_image
from tests.scan.imagebuild import (
    BuiltImage,
    Member,
    docker_archive,
    dpkg_layers,
    layer_tar,
    oci_archive,
    oci_files,
    reg,
    stanzas,
)


class PasswdFiles(Analyzer[LayerFile]):
    """Returns the file itself, as the baseline analyzer will."""

    name: ClassVar[str] = "passwd"

    def claims(self, path: str, mode: int, size: int) -> bool:
        return path == "etc/passwd"

    def analyze(self, file: LayerFile) -> Sequence[LayerFile]:
        return (file,)


def test_package_installed_upgraded_and_removed_across_layers(dpkg_image: BuiltImage) -> None:
    result = scan_image(dpkg_image.docker_archive)
    diff_ids = result.config.diff_ids
    assert len(diff_ids) == 3
    found = {c.name: c for c in result.components}
    assert sorted(found) == ["base-files", "bzip2", "libbz2-1.0", "sed", "zlib1g"]  # hostname removed in 3
    assert found["zlib1g"].version == "1:1.3.dfsg-3"  # upgraded in layer 2
    assert found["zlib1g"].layer == diff_ids[1]
    assert found["sed"].layer == diff_ids[1]
    assert found["bzip2"].layer == diff_ids[0]  # the status file was rewritten twice since
    assert found["libbz2-1.0"].source_name == "bzip2"
    assert found["libbz2-1.0"].source_version == "1.0.8-5"
    assert all(c.distro == "debian:12" for c in result.components)
    assert found["sed"].purl == "pkg:deb/debian/sed@4.9-1?arch=amd64&distro=debian-12"
    assert result.distro == Distro("debian", "12", "Debian GNU/Linux 12 (bookworm)")


def test_config_metadata(dpkg_image: BuiltImage) -> None:
    config = scan_image(dpkg_image.docker_archive).config
    assert (config.os, config.architecture, config.user) == ("linux", "amd64", "1000")
    assert "LANG=C.UTF-8" in config.env
    assert config.cmd == ("/bin/sh",)
    assert config.exposed_ports == ("8080/tcp",)
    assert ("org.example", "demo") in config.labels
    assert config.history[-1] == "configured by umoci"
    assert config.repo_tags == ("localhost/demo:1",)
    assert config.image_id.startswith("sha256:")


def test_three_sources_and_a_pipe_give_the_same_result(dpkg_image: BuiltImage) -> None:
    docker = scan_image(dpkg_image.docker_archive)
    layout = scan_image(dpkg_image.layout)
    oci = scan_image(dpkg_image.oci_archive)
    read_fd, write_fd = os.pipe()
    feeder = threading.Thread(target=_feed, args=(dpkg_image.docker_archive, write_fd))
    feeder.start()
    with os.fdopen(read_fd, "rb", buffering=0) as pipe:
        piped = scan_image(pipe)
    feeder.join()
    for other in (layout, oci, piped):
        assert other.components == docker.components
        assert other.distro == docker.distro
        assert other.size == docker.size and other.files == docker.files
        assert other.config.diff_ids == docker.config.diff_ids
        assert other.config.env == docker.config.env
    assert piped == docker


def _feed(path: Path, fd: int) -> None:
    with os.fdopen(fd, "wb") as out:
        out.write(path.read_bytes())


def test_surviving_files_of_any_analyzer(dpkg_image: BuiltImage) -> None:
    scan = read_image(dpkg_image.oci_archive, analyzers=[PasswdFiles()])
    (passwd,) = scan.findings("passwd")
    assert passwd.content.startswith(b"root:x:0:0")
    assert passwd.layer == scan.config.diff_ids[0]
    assert scan.findings_by_path(PasswdFiles()) == {"etc/passwd": (passwd,)}
    assert scan.resolve("etc/os-release") == "usr/lib/os-release"
    assert scan.result().components == ()  # no cataloger was given


def test_compressed_layers_and_progress(write) -> None:  # type: ignore[no-untyped-def]
    layers = dpkg_layers()
    seen: list[int] = []
    for compression in ("gzip", "zstd", None):
        path = write(f"oci-{compression}.tar", oci_archive(layers, compression=compression))
        seen.clear()
        result = scan_image(path, progress=seen.append)
        assert len(result.components) == 5
        assert sum(seen) == path.stat().st_size


def test_outer_archive_may_be_gzipped(write) -> None:  # type: ignore[no-untyped-def]
    import gzip

    path = write("img.tar.gz", gzip.compress(docker_archive(dpkg_layers())))
    assert len(scan_image(path).components) == 5


def test_manifest_after_layers_in_docker_save_order(write) -> None:  # type: ignore[no-untyped-def]
    data = docker_archive([layer_tar(reg("etc/alpine-release", "3.19.1\n"))])
    result = scan_image(write("a.tar", data))
    assert result.distro == Distro("alpine", "3.19.1")
    assert result.config.repo_tags == ("t:1",)


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"etc/debian_version": "11.9\n"}, Distro("debian", "11.9")),
        (
            {"etc/redhat-release": "Red Hat Enterprise Linux release 9.3 (Plow)\n"},
            Distro("rhel", "9.3", "Red Hat Enterprise Linux release 9.3 (Plow)"),
        ),
        (
            {"usr/lib/os-release": 'ID=ubuntu\nVERSION_ID="22.04"\nPRETTY_NAME="Ubuntu 22.04.4 LTS"\n'},
            Distro("ubuntu", "22.04", "Ubuntu 22.04.4 LTS"),
        ),
        ({"bin/sh": "x"}, None),
    ],
)
def test_os_detection_fallbacks(write, files: dict[str, str], expected: Distro | None) -> None:  # type: ignore[no-untyped-def]
    result = scan_image(write("x.tar", docker_archive([layer_tar(*(reg(p, t) for p, t in files.items()))])))
    assert result.distro == expected


def _versions_of(tmp_path: Path, *layers: bytes) -> dict[str, tuple[str, str]]:
    path = tmp_path / "img.tar"
    path.write_bytes(docker_archive(list(layers)))
    result = scan_image(path)
    index = {d: i for i, d in enumerate(result.config.diff_ids)}
    assert len(index) == len(layers)
    return {c.name: (c.version, f"layer{index[c.layer]}") for c in result.components}


def test_one_package_installed_upgraded_removed_and_reinstalled(tmp_path: Path) -> None:
    status = "var/lib/dpkg/status"
    made = iter(range(100))

    def layer(*members: Member) -> bytes:  # every layer distinct, so diff_ids tell them apart
        return layer_tar(reg(f"marker{next(made)}", ""), *members)

    v1 = layer(reg(status, stanzas("sed", "bzip2")))
    v2 = layer(reg(status, stanzas("sed", "bzip2", versions={"sed": "4.9-2"})))
    gone = layer(reg(status, stanzas("bzip2")))
    back = layer(reg(status, stanzas("sed", "bzip2")))
    assert _versions_of(tmp_path, v1)["sed"] == ("4.9-1", "layer0")
    assert _versions_of(tmp_path, v1, v2)["sed"] == ("4.9-2", "layer1")
    assert "sed" not in _versions_of(tmp_path, v1, v2, gone)
    assert _versions_of(tmp_path, v1, v2, gone)["bzip2"] == ("1.0.8-5+b1", "layer0")
    # Reinstalled: from the layer that brought it back, not layer 0, since it went away between.
    assert _versions_of(tmp_path, v1, v2, gone, back)["sed"] == ("4.9-1", "layer3")
    downgraded = layer(reg(status, stanzas("sed", "bzip2")))
    assert _versions_of(tmp_path, v1, v2, downgraded)["sed"] == ("4.9-1", "layer2")
    whiteout = layer(reg("var/lib/dpkg/.wh.status", ""))
    readded = layer(reg(status, stanzas("bzip2")))
    assert _versions_of(tmp_path, v1, whiteout, readded)["bzip2"] == ("1.0.8-5+b1", "layer2")
    untouched = layer(reg("etc/motd", "hi"))
    assert _versions_of(tmp_path, v1, untouched)["sed"] == ("4.9-1", "layer0")


class Counting(Analyzer[str]):
    name: ClassVar[str] = "counting"

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    def claims(self, path: str, mode: int, size: int) -> bool:
        return True

    def analyze(self, file: LayerFile) -> Sequence[str]:
        self.seen.append((file.layer, file.path))
        return (file.path,)


def test_one_walk_hands_each_file_to_each_claiming_analyzer_once(dpkg_image: BuiltImage) -> None:
    counting = Counting()
    scan = read_image(dpkg_image.docker_archive, analyzers=[counting, PasswdFiles()])
    assert len(counting.seen) == len(set(counting.seen)) == scan.files == 8
    assert "usr/share/doc/bzip2/copyright" not in scan.findings_by_path(counting)  # whited out in layer 3
    assert scan.findings("passwd")[0].path == "etc/passwd"


def test_multi_platform_index_picks_linux_amd64(tmp_path: Path) -> None:
    import json

    arm = oci_files([layer_tar(reg("etc/alpine-release", "3.18.0\n"))])
    amd = oci_files([layer_tar(reg("etc/alpine-release", "3.19.1\n"))])
    attestation = oci_files([b'{"_type": "https://in-toto.io/Statement/v0.1"}'], compression=None)
    unrelated = oci_files([b"not a tar, but gzip-compressed"], compression="gzip")

    def descriptor(files: list[tuple[str, bytes]], arch: str) -> dict[str, object]:
        (manifest,) = json.loads(dict(files)["index.json"])["manifests"]
        return {
            **manifest,
            "platform": {"architecture": arch, "os": "unknown" if arch == "unknown" else "linux"},
        }

    index = {
        "schemaVersion": 2,
        "manifests": [descriptor(attestation, "unknown"), descriptor(arm, "arm64"), descriptor(amd, "amd64")],
    }
    blobs = {
        name: data
        for files in (arm, amd, attestation, unrelated)
        for name, data in files
        if name.startswith("blobs/")
    }
    path = tmp_path / "multi.tar"
    path.write_bytes(layer_tar(reg("index.json", json.dumps(index)), *(reg(n, d) for n, d in blobs.items())))
    result = scan_image(path)
    assert result.distro == Distro("alpine", "3.19.1")
    assert any("3 manifests" in note for note in result.notes)


def test_an_unreadable_layer_the_image_needs_is_an_error(tmp_path: Path) -> None:
    import gzip

    files = oci_files([layer_tar(reg("a", "1"))], compression="gzip")
    layer_name = next(n for n, d in files if d[:2] == b"\x1f\x8b")
    broken = [(n, gzip.compress(b"garbage" * 100) if n == layer_name else d) for n, d in files]
    path = tmp_path / "broken.tar"
    path.write_bytes(layer_tar(*(reg(n, d) for n, d in broken)))
    with pytest.raises(ScanError, match="corrupt or truncated tar"):
        scan_image(path)


def test_ubuntu_packages_get_the_ubuntu_namespace_and_release(tmp_path: Path) -> None:
    os_release = 'ID=ubuntu\nVERSION_ID="22.04"\nPRETTY_NAME="Ubuntu 22.04.4 LTS"\n'
    layer = layer_tar(reg("usr/lib/os-release", os_release), reg("var/lib/dpkg/status", stanzas("sed")))
    path = tmp_path / "ubuntu.tar"
    path.write_bytes(docker_archive([layer]))
    (sed,) = scan_image(path).components
    assert sed.distro == "ubuntu:22.04"
    assert sed.purl == "pkg:deb/ubuntu/sed@4.9-1?arch=amd64&distro=ubuntu-22.04"


def test_docker_save_links_a_repeated_layer(tmp_path: Path) -> None:
    import json

    from tests.scan.imagebuild import image_config, sym

    layer = layer_tar(reg("var/lib/dpkg/status", stanzas("sed")))
    config = image_config([layer, layer])
    manifest = [{"Config": "c.json", "RepoTags": [], "Layers": ["a/layer.tar", "b/layer.tar"]}]
    archive = layer_tar(
        reg("a/layer.tar", layer),
        sym("b/layer.tar", "../a/layer.tar"),
        reg("c.json", config),
        reg("manifest.json", json.dumps(manifest)),
    )
    path = tmp_path / "linked.tar"
    path.write_bytes(archive)
    result = scan_image(path)
    assert len(result.config.diff_ids) == 2 and [c.name for c in result.components] == ["sed"]
