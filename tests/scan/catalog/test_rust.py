"""rust cataloger over an ELF executable carrying a cargo-auditable `.dep-v0` section.

No Rust toolchain here: the test copies a small real ELF binary (/bin/true) and adds the section with
`objcopy --add-section`. The section's JSON (`testdata/rust/dep-v0.json`) is hand-written following
cargo-auditable's format (https://github.com/rust-secure-code/cargo-auditable, the `auditable-serde`
schema: `packages` with name, version, source, kind, root, dependencies), zlib-compressed as it does.
"""

from __future__ import annotations

import shutil
import subprocess
import zlib
from pathlib import Path

import pytest

from openhss.scan.catalog.rust import CATALOGER, audit_section
from tests.scan.catalog.catalog_files import TESTDATA, as_layer_file

pytestmark = pytest.mark.skipif(shutil.which("objcopy") is None, reason="needs binutils' objcopy")


@pytest.fixture(scope="session")
def auditable_binary(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    root = tmp_path_factory.mktemp("rust")
    (root / "dep-v0").write_bytes(zlib.compress((TESTDATA / "rust" / "dep-v0.json").read_bytes()))
    shutil.copy(Path("/bin/true").resolve(), root / "plain")
    subprocess.run(
        [
            "objcopy",
            "--add-section",
            f".dep-v0={root / 'dep-v0'}",
            "--set-section-flags",
            ".dep-v0=noload,readonly",
            str(root / "plain"),
            str(root / "auditable"),
        ],
        check=True,
        capture_output=True,
    )
    return (root / "auditable").read_bytes()


def test_claims_executables_not_cargo_lock() -> None:
    assert CATALOGER.claims("usr/local/bin/rg", 0o755, 4096)
    assert CATALOGER.claims("app/server", 0o700, 4096)
    assert not CATALOGER.claims("src/app/Cargo.lock", 0o644, 4096)
    assert not CATALOGER.claims("src/app/Cargo.toml", 0o644, 4096)


def test_reads_runtime_crates(auditable_binary: bytes) -> None:
    found = CATALOGER.analyze(as_layer_file("usr/local/bin/rg-lite", auditable_binary, 0o755))
    assert [(c.name, c.version) for c in found] == [
        ("ripgrep-lite", "0.3.1"),
        ("regex", "1.10.2"),
        ("memchr", "2.6.4"),
        ("aho-corasick", "1.1.2"),
        ("serde_json", "1.0.108"),
        ("patched-log", "0.4.20"),
    ]
    assert found[1].purl == "pkg:cargo/regex@1.10.2"
    assert all(c.ecosystem == "cargo" and c.path == "usr/local/bin/rg-lite" for c in found)


def test_plain_and_damaged_binaries(auditable_binary: bytes) -> None:
    plain = Path("/bin/true").resolve().read_bytes()
    assert CATALOGER.analyze(as_layer_file("bin/true", plain, 0o755)) == []
    assert CATALOGER.analyze(as_layer_file("bin/x", b"MZ" + b"\x00" * 4096, 0o755)) == []
    section = audit_section(auditable_binary)
    broken = auditable_binary.replace(section, b"\x78\x9c" + b"\x00" * (len(section) - 2))
    assert CATALOGER.analyze(as_layer_file("bin/x", broken, 0o755)) == []
    for cut in (100, len(auditable_binary) // 2):
        assert CATALOGER.analyze(as_layer_file("bin/x", auditable_binary[:cut], 0o755)) == []
