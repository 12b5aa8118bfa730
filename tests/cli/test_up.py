"""`openhss up` on a fresh home: credentials made once, printed, saved 0600, and usable by the SDK."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from huaweicloudsdkhss.v5 import ListImageLocalRequest

from tests.support.postgres import free_port
from tests.support.process import start_openhss, wait_http
from tests.support.sdk import hss_client


def _up(home: Path) -> tuple[str, dict[str, str]]:
    port = free_port()
    proc = start_openhss(home, "up", "--port", str(port))
    try:
        wait_http(f"http://127.0.0.1:{port}/openapi.json")
        creds = json.loads((home / "credentials.json").read_text())
        client = hss_client(creds["endpoint"], creds["ak"], creds["sk"], creds["project_id"])
        assert client.list_image_local(ListImageLocalRequest()).total_num == 0
    finally:
        proc.terminate()
        output, _ = proc.communicate(timeout=30)
    return output, creds


def test_up_creates_credentials_once_and_serves(tmp_path: Path) -> None:
    home = tmp_path / "home"
    output, creds = _up(home)
    assert set(creds) == {"endpoint", "domain", "user", "password", "project_id", "ak", "sk"}
    mode = stat.S_IMODE((home / "credentials.json").stat().st_mode)
    assert mode == 0o600
    assert "Created a domain, user, project and access key" in output
    assert creds["ak"] in output and "curl" in output and "HssClient" in output
    assert creds["sk"] not in output
    # OpenHSS's own INFO lines reach the console beside uvicorn's, formatted alike.
    assert "INFO:     match warm-up: 0 advisory entries of 0 packages compiled" in output
    assert (home / "openhss.db").exists()
    again, creds2 = _up(home)
    assert "Using the credentials" in again
    assert (creds2["ak"], creds2["project_id"]) == (creds["ak"], creds["project_id"])
