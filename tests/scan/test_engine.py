"""The scanner reading an image from a real Docker daemon's export stream (`GET /images/{name}/get`)."""

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import click
import httpx
import pytest

from openhss.cli.scan import engine_image
from openhss.scan.scanner import scan_image
from tests.scan.imagebuild import BuiltImage

pytestmark = pytest.mark.engine


def _existing(*paths: str) -> set[str]:
    return {p for p in paths if os.path.exists(p)}


@pytest.fixture
def dockerd() -> Iterator[str]:
    """A private dockerd (vfs, data-root in a temp dir) as ENGINES.md starts it; its DOCKER_HOST."""
    if shutil.which("dockerd") is None:
        pytest.skip("dockerd is not installed")
    before = _existing("/etc/docker/key.json", "/run/docker", "/run/containerd")
    base = Path(tempfile.mkdtemp(prefix="openhss-dockerd-"))
    (base / "daemon.json").write_text("{}")
    socket = base / "docker.sock"
    log = (base / "dockerd.log").open("wb")
    daemon = subprocess.Popen(
        [
            "dockerd", "--config-file", str(base / "daemon.json"), "--data-root", str(base / "docker"),
            "--exec-root", str(base / "dexec"), "--pidfile", str(base / "dockerd.pid"),
            "-H", f"unix://{socket}", "--storage-driver=vfs",
            "--iptables=false", "--ip6tables=false", "--ip-masq=false", "--bridge=none",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        client = httpx.Client(transport=httpx.HTTPTransport(uds=str(socket)))
        deadline = time.monotonic() + 30
        while True:
            try:
                if client.get("http://d/_ping").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if daemon.poll() is not None or time.monotonic() > deadline:
                pytest.fail("dockerd did not start: " + (base / "dockerd.log").read_text()[-2000:])
            time.sleep(0.2)
        client.close()
        yield f"unix://{socket}"
    finally:
        daemon.terminate()
        try:
            daemon.wait(timeout=20)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait()
        log.close()
        shutil.rmtree(base, ignore_errors=True)
        for path in {"/etc/docker/key.json", "/run/docker", "/run/containerd"} - before:
            if os.path.isfile(path):
                os.remove(path)
            elif os.path.isdir(path):
                _remove_empty_dirs(Path(path))


def _remove_empty_dirs(root: Path) -> None:
    """Only empty directories go: another engine started meanwhile may be using the same /run paths."""
    for here, _dirs, _files in sorted(os.walk(root), key=lambda entry: -len(entry[0])):
        with contextlib.suppress(OSError):
            os.rmdir(here)


def test_engine_export_stream_gives_the_tarball_result(
    dockerd: str, dpkg_image: BuiltImage, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DOCKER_HOST", dockerd)
    subprocess.run(
        ["docker", "load", "-i", str(dpkg_image.docker_archive)], check=True, capture_output=True, timeout=60
    )
    with engine_image("localhost/demo:1") as stream:
        from_engine = scan_image(stream)
    assert from_engine == scan_image(dpkg_image.docker_archive)
    assert {c.name for c in from_engine.components} == {"base-files", "bzip2", "libbz2-1.0", "sed", "zlib1g"}

    with (
        pytest.raises(click.ClickException, match="no such file, directory or image"),
        engine_image("nope:1"),
    ):
        pass
    done = subprocess.run(
        [sys.executable, "-m", "openhss", "scan", "-f", "json", "localhost/demo:1"],
        capture_output=True,
        # Its own OPENHSS_HOME: the vulnerability database of the user running the tests is not ours.
        env={
            **os.environ,
            "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src"),
            "OPENHSS_HOME": str(tmp_path / "home"),
        },
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["config"]["image_id"] == from_engine.config.image_id
