import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from openhss.scan.report import cyclonedx
from tests.scan.imagebuild import BuiltImage

SRC = Path(__file__).resolve().parents[2] / "src"


def openhss(
    *args: str | Path, stdin: bytes | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    # The vulnerability database lives in OPENHSS_HOME: a fresh (empty) one per run, never the user's.
    home = tempfile.mkdtemp(prefix="openhss-home-")
    environ = {**os.environ, "PYTHONPATH": str(SRC), "OPENHSS_HOME": home, **(env or {})}
    environ.pop("OPENHSS_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "openhss", "scan", *map(str, args)],
        input=stdin,
        capture_output=True,
        env=environ,
        timeout=60,
    )


def test_json_to_a_file_and_cyclonedx_from_stdin(dpkg_image: BuiltImage, tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    done = openhss("--format", "json", "-o", out, dpkg_image.layout)
    assert done.returncode == 0, done.stderr
    assert {c["name"] for c in json.loads(out.read_text())["components"]} >= {"sed", "zlib1g"}
    done = openhss("-f", "cyclonedx", "-", stdin=dpkg_image.docker_archive.read_bytes())
    assert done.returncode == 0, done.stderr
    cyclonedx.validate(done.stdout.decode())


def test_table_by_default(dpkg_image: BuiltImage) -> None:
    done = openhss(dpkg_image.oci_archive)
    assert done.returncode == 0 and b"zlib1g" in done.stdout
    # the only thing on stderr: the (empty, fresh) vulnerability database, said in one line
    assert done.stderr.decode().strip().splitlines() == [
        "openhss: warning: the vulnerability database is empty: run `openhss db update` "
        "(or `openhss db import`); no vulnerabilities are reported"
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("/no/such/image.tar",), "no such file or directory"),
        (("{hostname}",), "not an image archive"),
        (("--max-files", "3", "{image}"), "exceeds the limit of 3 entries"),
        (("{truncated}",), "truncated"),
        (("localhost/none:1",), "no container engine answered"),
    ],
)
def test_bad_input_is_one_line_and_exit_1(
    dpkg_image: BuiltImage, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    truncated = tmp_path / "cut.tar"
    truncated.write_bytes(dpkg_image.oci_archive.read_bytes()[:3000])
    hostname = tmp_path / "hostname"
    hostname.write_text("box\n")
    values = {"image": str(dpkg_image.docker_archive), "truncated": str(truncated), "hostname": str(hostname)}
    done = openhss(*(a.format(**values) for a in args), env={"DOCKER_HOST": f"unix://{tmp_path}/none.sock"})
    assert done.returncode == 1
    lines = done.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and message in lines[0], done.stderr
    assert "Traceback" not in done.stderr.decode()


def test_unknown_format_is_a_usage_error(dpkg_image: BuiltImage) -> None:
    assert openhss("-f", "xml", dpkg_image.layout).returncode == 2


def test_progress_bar_appears_only_after_a_second(monkeypatch: pytest.MonkeyPatch) -> None:
    from openhss.cli import scan as scan_command

    now = [100.0]
    monkeypatch.setattr(scan_command.time, "monotonic", lambda: now[0])
    with scan_command.ProgressBar(1000, enabled=True) as bar:
        bar(10)
        assert bar._progress is None
        now[0] += 1.5
        bar(10)
        assert bar._progress is not None
    with scan_command.ProgressBar(None, enabled=False) as quiet:
        now[0] += 5
        quiet(10)
        assert quiet._progress is None
