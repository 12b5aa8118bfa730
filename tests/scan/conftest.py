"""Image fixtures shared by the scan tests."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

# Test helpers are imported as `tests.scan...`; the repository root must be importable whichever
# import mode pytest runs in.
_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from tests.scan.imagebuild import BuiltImage, dpkg_layers, run  # noqa: E402


@pytest.fixture(scope="session")
def dpkg_image(tmp_path_factory: pytest.TempPathFactory) -> BuiltImage:
    """The dpkg layers as a real image: umoci builds the OCI layout, skopeo converts it."""
    root = tmp_path_factory.mktemp("dpkg-image")
    layout = root / "layout"
    run("umoci", "init", "--layout", layout)
    run("umoci", "new", "--image", f"{layout}:1")
    for index, data in enumerate(dpkg_layers()):
        path = root / f"layer{index}.tar"
        path.write_bytes(data)
        run("umoci", "raw", "add-layer", "--image", f"{layout}:1", path)
    run(
        "umoci", "config", "--image", f"{layout}:1",
        "--config.user", "1000", "--config.env", "LANG=C.UTF-8", "--config.cmd", "/bin/sh",
        "--config.exposedports", "8080/tcp", "--config.label", "org.example=demo",
        "--history.created_by", "configured by umoci",
    )  # fmt: skip
    docker = root / "image-docker.tar"
    oci = root / "image-oci.tar"
    run("skopeo", "copy", "--quiet", f"oci:{layout}:1", f"docker-archive:{docker}:localhost/demo:1")
    run("skopeo", "copy", "--quiet", f"oci:{layout}:1", f"oci-archive:{oci}:localhost/demo:1")
    return BuiltImage(layout, docker, oci)


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, bytes], Path]:
    def _write(name: str, data: bytes) -> Path:
        path = tmp_path / name
        path.write_bytes(data)
        return path

    return _write
