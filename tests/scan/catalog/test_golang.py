"""golang cataloger over a Go binary the test builds with Debian's Go (offline, vendored modules).

`testdata/golang/app` requires a vendored module at a `+incompatible` version, one replaced by
another version (`rsc.io/quote v1.5.1 => v1.5.2`) and one replaced by a local directory. The pre-1.18
pointer format is hand-written by `go_buildinfo.py` around the real build's module info.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from openhss.scan.catalog.golang import CATALOGER, read_buildinfo
from tests.scan.catalog.catalog_files import TESTDATA, as_layer_file
from tests.scan.catalog.go_buildinfo import pointer_format_elf

pytestmark = pytest.mark.skipif(shutil.which("go") is None, reason="needs Debian's golang-go")

EXPECTED = [
    ("example.com/app", "(devel)"),
    ("example.com/localdep", "(devel)"),
    ("github.com/openhss-fixture/greet", "v1.4.2+incompatible"),
    ("rsc.io/quote", "v1.5.2"),
]


@pytest.fixture(scope="session")
def go_binary(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    root = tmp_path_factory.mktemp("go")
    shutil.copytree(TESTDATA / "golang", root, dirs_exist_ok=True)
    env = {
        **os.environ,
        "GOFLAGS": "-mod=vendor",
        "GOPROXY": "off",
        "GOTOOLCHAIN": "local",
        "CGO_ENABLED": "0",
    }
    subprocess.run(
        ["go", "build", "-buildvcs=false", "-o", str(root / "app.bin"), "."],
        cwd=root / "app",
        env=env,
        check=True,
        capture_output=True,
    )
    return (root / "app.bin").read_bytes()


def go_version_m(binary: bytes, tmp_path: Path) -> str:
    (tmp_path / "bin").write_bytes(binary)
    (tmp_path / "bin").chmod(0o755)
    return subprocess.run(
        ["go", "version", "-m", str(tmp_path / "bin")], check=True, capture_output=True, text=True
    ).stdout


def test_claims_executables_and_bin_dirs() -> None:
    assert CATALOGER.claims("app/server", 0o755, 4096)
    assert CATALOGER.claims("usr/local/bin/tool", 0o644, 4096)
    assert not CATALOGER.claims("etc/passwd", 0o644, 4096)
    assert not CATALOGER.claims("usr/local/bin/tiny", 0o755, 10)


def test_inline_format_of_a_real_build(go_binary: bytes, tmp_path: Path) -> None:
    found = CATALOGER.analyze(as_layer_file("usr/local/bin/app", go_binary, 0o755))
    modules = [(c.name, c.version) for c in found if c.name != "stdlib"]
    assert modules == EXPECTED
    (stdlib,) = (c for c in found if c.name == "stdlib")
    assert f"{stdlib.version}\n" in go_version_m(go_binary, tmp_path)
    assert stdlib.purl == f"pkg:golang/stdlib@{stdlib.version}"
    by_name = {c.name: c for c in found}
    assert by_name["github.com/openhss-fixture/greet"].purl == (
        "pkg:golang/github.com/openhss-fixture/greet@v1.4.2%2Bincompatible"
    )
    assert by_name["rsc.io/quote"].purl == "pkg:golang/rsc.io/quote@v1.5.2"
    assert all(c.path == "usr/local/bin/app" and c.ecosystem == "golang" for c in found)


@pytest.mark.parametrize(("wide", "big_endian"), [(True, False), (False, True)])
def test_pointer_format(go_binary: bytes, wide: bool, big_endian: bool) -> None:
    real = read_buildinfo(go_binary)
    assert real is not None
    modinfo = go_binary[go_binary.index(b"0w\xaf\x0c\x92t\x08\x02A\xe1\xc1\x07\xe6\xd6\x18\xe6") :]
    modinfo = modinfo[: modinfo.index(b"\xf92C1\x86\x18 r\x00\x82B\x10A\x16\xd8\xf2") + 16]
    old = pointer_format_elf("go1.16.15", modinfo, wide=wide, big_endian=big_endian)
    found = CATALOGER.analyze(as_layer_file("bin/old", old, 0o755))
    assert [(c.name, c.version) for c in found] == [*EXPECTED, ("stdlib", "go1.16.15")]


def test_non_go_and_damaged_files(go_binary: bytes) -> None:
    assert CATALOGER.analyze(as_layer_file("bin/sh", b"#!/bin/sh\necho hi\n" * 100, 0o755)) == []
    assert CATALOGER.analyze(as_layer_file("bin/x", b"\x7fELF" + b"\x00" * 2000, 0o755)) == []
    header = go_binary.index(b"\xff Go buildinf:")
    for cut in (header + 20, header + 40, header + 200):
        assert isinstance(CATALOGER.analyze(as_layer_file("bin/x", go_binary[:cut], 0o755)), list)
    broken = bytearray(pointer_format_elf("go1.16", b"path\tx\nmod\tx\t(devel)\t\n"))
    broken[128 + 16 : 128 + 24] = b"\xff" * 8
    assert CATALOGER.analyze(as_layer_file("bin/x", bytes(broken), 0o755)) == []
