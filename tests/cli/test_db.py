"""`openhss db update | import | status` as a user runs them, against a local HTTP server serving OSV zips."""

from __future__ import annotations

import io
import json
import threading
import zipfile
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.support.process import run_openhss


def _zip(records: list[dict[str, object]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for record in records:
            z.writestr(f"{record['id']}.json", json.dumps(record))
    return out.getvalue()


def _record(rid: str, name: str, modified: str = "2024-05-01T00:00:00Z") -> dict[str, object]:
    return {
        "id": rid,
        "modified": modified,
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": name},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.0"}]}],
            }
        ],
    }


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def mirror(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    root = tmp_path / "mirror"
    (root / "PyPI").mkdir(parents=True)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(root)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", root
    httpd.shutdown()


def test_update_status_and_not_modified(mirror: tuple[str, Path], tmp_path: Path) -> None:
    url, root = mirror
    home = tmp_path / "home"
    env = {"OPENHSS_VULNDB_URLS": f"{url}/PyPI/all.zip"}
    empty = run_openhss(home, "db", "status")
    assert "empty" in empty.stdout
    (root / "PyPI" / "all.zip").write_bytes(_zip([_record("GHSA-1", "a"), _record("GHSA-2", "b")]))
    first = run_openhss(home, "db", "update", env=env)
    assert first.returncode == 0, first.stderr
    assert "2 added" in first.stdout
    # the server's Last-Modified has not changed: nothing downloaded, nothing imported
    second = run_openhss(home, "db", "update", env=env)
    assert second.returncode == 0 and "not modified" in second.stdout
    status = run_openhss(home, "db", "status")
    assert status.returncode == 0
    (row,) = [line for line in status.stdout.splitlines() if line.startswith("PyPI")]
    assert row.split()[1:3] == ["2", "2"] and "2024-05-01" in row


def test_import_sources_and_bad_input(tmp_path: Path) -> None:
    home = tmp_path / "home"
    archive = tmp_path / "all.zip"
    archive.write_bytes(_zip([_record("GHSA-1", "a")]))
    ok = run_openhss(home, "db", "import", str(archive))
    assert ok.returncode == 0 and "1 added" in ok.stdout
    again = run_openhss(home, "db", "import", str(archive))
    assert "0 added, 0 updated, 1 unchanged" in again.stdout
    garbage = tmp_path / "garbage.json"
    garbage.write_text("not json")
    bad = run_openhss(home, "db", "import", str(garbage))
    assert bad.returncode == 1 and bad.stderr.startswith("openhss: error: no advisory could be read")
    missing = run_openhss(home, "db", "import", str(tmp_path / "nope"))
    assert missing.returncode == 1 and "no such file or directory" in missing.stderr
    refused = run_openhss(home, "db", "update", "--url", "http://127.0.0.1:9/PyPI/all.zip")
    assert refused.returncode == 1 and len(refused.stderr.strip().splitlines()) == 1
