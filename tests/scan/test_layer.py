"""Hostile and odd layer tars: each is scanned without touching the host, or refused with a clear error."""

import io
import tarfile
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

import pytest

from openhss.scan.catalog.dpkg import CATALOGER as DPKG
from openhss.scan.interface import Analyzer, HugeImageError, LayerFile, ScanError
from openhss.scan.limits import Limits
from openhss.scan.scanner import ImageScan, read_image, scan_image
from tests.scan.imagebuild import (
    OS_RELEASE,
    Member,
    docker_archive,
    hard,
    image_config,
    layer_tar,
    oci_files,
    reg,
    stanzas,
    sym,
)


class Everything(Analyzer[LayerFile]):
    """Keeps every file it sees."""

    name: ClassVar[str] = "everything"

    def claims(self, path: str, mode: int, size: int) -> bool:
        return True

    def analyze(self, file: LayerFile) -> Sequence[LayerFile]:
        return (file,)


class Broken(Analyzer[str]):
    name: ClassVar[str] = "broken"

    def claims(self, path: str, mode: int, size: int) -> bool:
        return path == "etc/passwd"

    def analyze(self, file: LayerFile) -> Sequence[str]:
        raise RuntimeError("bug in analyzer")


def scan(tmp_path: Path, *layers: bytes, limits: Limits | None = None) -> ImageScan:
    path = tmp_path / "image.tar"
    path.write_bytes(docker_archive(list(layers)))
    return read_image(path, analyzers=[DPKG, Everything()], limits=limits)


def files(result: ImageScan) -> dict[str, bytes]:
    return {path: found[0].content for path, found in result.findings_by_path("everything").items()}


def test_traversal_is_skipped_and_absolute_paths_stay_inside(tmp_path: Path) -> None:
    result = scan(
        tmp_path, layer_tar(reg("../../evil", "x"), reg("a/../../../evil2", "x"), reg("/etc/passwd", "r"))
    )
    assert files(result) == {"etc/passwd": b"r"}
    assert any("../../evil" in note for note in result.notes)
    assert any("a/../../../evil2" in note for note in result.notes)


def test_symlinks_resolve_inside_the_image_only(tmp_path: Path) -> None:
    escaping = layer_tar(sym("etc/os-release", "../../../../../../../etc/os-release"))
    assert scan(tmp_path, escaping).distro is None  # the host's own /etc/os-release is never read
    absolute = layer_tar(
        reg("usr/lib/os-release", OS_RELEASE), sym("etc/os-release", "/../../usr/lib/os-release")
    )
    result = scan(tmp_path, absolute)
    assert result.distro is not None and result.distro.id == "debian"
    assert result.resolve("etc/os-release") == "usr/lib/os-release"


def test_symlink_loops_end(tmp_path: Path) -> None:
    loop = layer_tar(
        sym("etc/os-release", "../usr/lib/os-release"), sym("usr/lib/os-release", "/etc/os-release")
    )
    result = scan(tmp_path, loop, layer_tar(sym("self", "self")))
    assert result.distro is None
    assert result.resolve("etc/os-release") is None
    assert result.resolve("self/x") is None


def test_decompression_bomb_is_stopped_by_counting(tmp_path: Path) -> None:
    header = tarfile.TarInfo("zeros")
    header.size = 512 * 1024**2
    squeeze = zlib.compressobj(1, zlib.DEFLATED, 31)
    bomb = [squeeze.compress(header.tobuf(format=tarfile.PAX_FORMAT))]
    zeros = bytes(1024**2)
    bomb += [squeeze.compress(zeros) for _ in range(512)]
    bomb.append(squeeze.flush())
    blob = b"".join(bomb)
    assert len(blob) < 4 * 1024**2
    path = tmp_path / "bomb.tar"
    path.write_bytes(_oci_with_raw_blob(blob))  # the diff_id never matters: the limit stops the read first
    with pytest.raises(HugeImageError) as caught:
        scan_image(path, limits=Limits(max_image_bytes=32 * 1024**2))
    assert caught.value.reason == "huge_image"


def _oci_with_raw_blob(blob: bytes) -> bytes:
    placeholder = layer_tar(reg("placeholder", "p"))
    files = oci_files([placeholder], compression=None)
    return layer_tar(*(reg(name, blob if data == placeholder else data) for name, data in files))


def test_too_many_files(tmp_path: Path) -> None:
    many = layer_tar(*(reg(f"f{i}", "") for i in range(30)))
    with pytest.raises(HugeImageError, match="number of entries"):
        scan(tmp_path, many, limits=Limits(max_files=20))


def test_claimed_file_over_the_per_file_limit(tmp_path: Path) -> None:
    big = layer_tar(reg("var/lib/dpkg/status", "x" * 5000))
    with pytest.raises(HugeImageError, match="per-file limit"):
        scan(tmp_path, big, limits=Limits(max_file_bytes=4096))


def test_truncated_archive(tmp_path: Path) -> None:
    whole = docker_archive([layer_tar(reg("var/lib/dpkg/status", stanzas("sed")), reg("big", "y" * 20000))])
    end = len(whole.rstrip(b"\0"))  # the tar's end-of-archive padding is not content
    for cut in (len(whole) // 2, end - 10, 700):
        path = tmp_path / "cut.tar"
        path.write_bytes(whole[:cut])
        with pytest.raises(ScanError):
            scan_image(path)


def test_truncated_layer_inside_a_whole_archive(tmp_path: Path) -> None:
    layer = layer_tar(reg("a", "1" * 600), reg("b", "2" * 600))
    cut = layer[: 512 + 1024]  # header and data of `a`, then nothing: no end-of-archive blocks
    path = tmp_path / "img.tar"
    path.write_bytes(docker_archive([cut]))
    with pytest.raises(ScanError, match="truncated tar"):
        scan_image(path)


def test_garbage_and_diff_id_mismatch(tmp_path: Path) -> None:
    path = tmp_path / "junk"
    path.write_bytes(b"hello, not an image" * 100)
    with pytest.raises(ScanError, match="not an image archive"):
        scan_image(path)
    layer = layer_tar(reg("a", "1"))
    path.write_bytes(docker_archive([layer], image_config([layer_tar(reg("a", "2"))])))
    with pytest.raises(ScanError, match="digests to"):
        scan_image(path)
    with pytest.raises(ScanError, match="no such file"):
        scan_image(tmp_path / "missing.tar")


def test_duplicate_entries_last_wins(tmp_path: Path) -> None:
    result = scan(
        tmp_path,
        layer_tar(reg("var/lib/dpkg/status", stanzas("sed")), reg("var/lib/dpkg/status", stanzas("bzip2"))),
    )
    assert [c.name for c in result.components()] == ["bzip2"]


def test_hard_links_share_content_and_devices_are_ignored(tmp_path: Path) -> None:
    layer = layer_tar(
        reg("var/lib/dpkg/status.d/base", stanzas("base-files")),
        hard("var/lib/dpkg/status.d/copy", "var/lib/dpkg/status.d/base"),
        hard("escape", "../../etc/shadow"),
        Member("dev/null", "char"),
    )
    result = scan(tmp_path, layer)
    assert [c.path for c in result.components()] == [
        "var/lib/dpkg/status.d/base",
        "var/lib/dpkg/status.d/copy",
    ]
    assert "dev/null" not in files(result)
    assert "escape" not in files(result)


def test_whiteouts_delete_lower_layers_only(tmp_path: Path) -> None:
    lower = layer_tar(
        reg("var/lib/dpkg/status", stanzas("sed")),
        reg("opt/app/a", "a"),
        reg("opt/app/sub/b", "b"),
        reg("srv/keep", "k"),
        reg("srv/old", "o"),
    )
    upper = layer_tar(
        reg("var/lib/dpkg/.wh.status", ""),
        reg("var/lib/dpkg/status", stanzas("bzip2")),  # added by the whiteout's own layer: stays
        reg("opt/.wh.app", ""),
        reg("srv/.wh..wh..opq", ""),
        reg("srv/new", "n"),
    )
    result = scan(tmp_path, lower, upper)
    assert sorted(files(result)) == ["srv/new", "var/lib/dpkg/status"]
    assert [c.name for c in result.components()] == ["bzip2"]
    readded = layer_tar(reg("opt/app/c", "c"))
    assert sorted(files(scan(tmp_path, lower, upper, readded))) == [
        "opt/app/c",
        "srv/new",
        "var/lib/dpkg/status",
    ]


def test_a_failing_analyzer_is_a_note_not_a_failure(tmp_path: Path) -> None:
    path = tmp_path / "img.tar"
    path.write_bytes(docker_archive([layer_tar(reg("etc/passwd", "root:x:0:0::/:/bin/sh\n"))]))
    result = read_image(path, analyzers=[Broken()])
    assert result.findings("broken") == ()
    assert any("bug in analyzer" in note for note in result.notes)


def test_limits_from_environment() -> None:
    limits = Limits.from_env({"OPENHSS_SCAN_MAX_IMAGE_BYTES": "2G", "OPENHSS_SCAN_MAX_FILES": "1000"})
    assert limits.max_image_bytes == 2 * 1024**3 and limits.max_files == 1000
    with pytest.raises(ScanError):
        Limits.from_env({"OPENHSS_SCAN_MAX_FILE_BYTES": "lots"})


def test_empty_outer_stream() -> None:
    with pytest.raises(ScanError):
        scan_image(io.BytesIO(b""))


def test_absurd_extended_header_is_refused_before_it_is_read(tmp_path: Path) -> None:
    header = tarfile.TarInfo("././@PaxHeader")
    header.type = tarfile.XHDTYPE
    header.size = 4 * 1024**3
    layer = header.tobuf(format=tarfile.USTAR_FORMAT) + bytes(4096)
    with pytest.raises(ScanError, match="extended header"):
        scan(tmp_path, layer)


def test_long_trailing_padding_after_the_end_of_archive_is_fine(tmp_path: Path) -> None:
    padded = layer_tar(reg("var/lib/dpkg/status", stanzas("sed"))) + bytes(3 * 1024**2)
    assert [c.name for c in scan(tmp_path, padded).components()] == ["sed"]


def test_a_failing_read_is_a_scan_error() -> None:
    class Failing(io.RawIOBase):
        def read(self, n: int = -1, /) -> bytes:
            raise OSError(5, "Input/output error")

    with pytest.raises(ScanError, match="Input/output error"):
        scan_image(Failing())


def test_whiteouts_naming_dot_or_dotdot_delete_nothing(tmp_path: Path) -> None:
    lower = layer_tar(reg("a/keep", "k"), reg("b", "b"))
    upper = layer_tar(reg("a/.wh..", ""), reg("a/.wh...", ""), reg(".wh...", ""))
    assert sorted(files(scan(tmp_path, lower, upper))) == ["a/keep", "b"]
