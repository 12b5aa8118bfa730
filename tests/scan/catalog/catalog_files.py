"""Shared by the cataloger tests: real files from `testdata/`, handed over as the layer walk would."""

from __future__ import annotations

from pathlib import Path

from openhss.scan.interface import LayerFile

TESTDATA = Path(__file__).parent / "testdata"
LAYER = "sha256:" + "ab" * 32


def as_layer_file(path: str, content: bytes, mode: int = 0o644) -> LayerFile:
    """A file as the layer walk hands it to a cataloger."""
    return LayerFile(path=path, layer=LAYER, size=len(content), mode=mode, content=content)


def fixture_file(relative: str) -> LayerFile:
    """`testdata/<cataloger>/<image path>` as a LayerFile whose path is `<image path>`."""
    source = TESTDATA / relative
    return as_layer_file(relative.split("/", 1)[1], source.read_bytes(), source.stat().st_mode & 0o7777)
