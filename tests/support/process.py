"""Running the `openhss` command as a user would: a real subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import httpx


def openhss_env(home: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a command whose state lives in `home`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENHSS_")}
    src = str(Path(__file__).resolve().parents[2] / "src")
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    env["OPENHSS_HOME"] = str(home)
    env.update(extra or {})
    return env


def run_openhss(
    home: Path, *args: str, stdin: str | None = None, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`openhss ARGS` to completion."""
    return subprocess.run(
        [sys.executable, "-m", "openhss", *args],
        env=openhss_env(home, env),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def start_openhss(home: Path, *args: str, env: Mapping[str, str] | None = None) -> subprocess.Popen[str]:
    """`openhss ARGS` in the background (stop it with `.terminate()`)."""
    return subprocess.Popen(
        [sys.executable, "-m", "openhss", *args],
        env=openhss_env(home, env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_http(url: str, seconds: float = 30, verify: bool = True) -> None:
    """Wait until `url` answers at all."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            httpx.get(url, verify=verify, timeout=1)
            return
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
