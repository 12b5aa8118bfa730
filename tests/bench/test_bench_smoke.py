"""The benchmark scripts run end to end at a tiny size, so a change that breaks one fails CI.

The figures in bench/README.md come from these scripts; a script that no longer starts (an import
moved, an option renamed) would only be found the next time somebody measures. These runs check
that each still works and still checks its own answers (load.py and cpu.py compare every
`total_num` with an independent count and exit non-zero on a wrong one; run.py compares its bulk
store with `record_scan` row for row). They time nothing.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def _run(*args: str, timeout: float = 240) -> str:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    done = subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-4000:]
    assert "Traceback" not in output, output[-4000:]
    return output


@pytest.mark.parametrize(
    "script",
    [
        "bench/fleet/generate.py",
        "bench/fleet/load.py",
        "bench/fleet/cpu.py",
        "bench/fleet/writes.py",
        "bench/vulndb/run.py",
        "bench/scan/scan_vs_peers.py",
    ],
)
def test_every_script_starts(script: str) -> None:
    assert "usage:" in _run(script, "--help")


def test_fleet_generate_then_list_on_both_databases(database_url: str) -> None:
    out = _run(
        "bench/fleet/generate.py", database_url, "--hosts", "60", "--images", "600", "--presence", "3000",
        "--containers", "1200",
    )  # fmt: skip
    # generate.py ends with the consistency queries; each must find nothing.
    checks = [line for line in out.splitlines() if line.startswith("check:")]
    assert checks, out[-2000:]
    assert all(line.rstrip().endswith(": 0") for line in checks), checks
    listed = _run(
        "bench/fleet/load.py", database_url, "--requests", "2", "--seconds", "0.2", "--only", "image_name"
    )
    assert "WRONG" not in listed
    assert "| image_name=nginx |" in listed
    timed = _run("bench/fleet/cpu.py", database_url, "--runs", "1", "--only", "scan_status")
    assert "WRONG" not in timed
    # Rolled back: the store is left as generated (the checks would say otherwise on the next run).
    writes = _run("bench/fleet/writes.py", database_url, "--images", "5", "--digests", "2", "--runs", "1")
    assert "| refresh_counts of " in writes and "| scan of " in writes


def test_vulndb_bench_end_to_end(tmp_path: Path) -> None:
    out = _run(
        "bench/vulndb/run.py", "--db", "sqlite", "--advisories", "1200", "--sboms", "5", "--sbom-size", "60",
        "--runs", "2", "--cold-runs", "1", "--work", str(tmp_path),
    )  # fmt: skip
    assert "every table equal" in out
    assert "rematch() 5 SBOMs" in out
