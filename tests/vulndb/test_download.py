"""`db update`'s fetch: a local HTTP server with ETag and Last-Modified; unchanged dumps are skipped."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from openhss.store import Database
from openhss.vulndb.download import fetch, remember
from openhss.vulndb.interface import SourceError


class _Dump(BaseHTTPRequestHandler):
    body = b"zip bytes"
    etag = '"v1"'
    seen: ClassVar[list[dict[str, str]]] = []

    def do_GET(self) -> None:
        _Dump.seen.append({k.lower(): v for k, v in self.headers.items()})
        if self.path != "/PyPI/all.zip":
            self.send_response(404)
            self.end_headers()
            return
        if self.headers.get("If-None-Match") == _Dump.etag:
            self.send_response(304)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("ETag", _Dump.etag)
        self.send_header("Last-Modified", "Wed, 01 May 2024 00:00:00 GMT")
        self.send_header("Content-Length", str(len(_Dump.body)))
        self.end_headers()
        self.wfile.write(_Dump.body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Dump)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_fetch_uses_validators_once_remembered(server: str, tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path}/x.db")
    db.migrate()
    url = f"{server}/PyPI/all.zip"
    first = fetch(db, url, tmp_path / "cache")
    assert first.path is not None and first.path.read_bytes() == b"zip bytes"
    # not remembered yet (say the import failed): fetched again, unconditionally
    second = fetch(db, url, tmp_path / "cache")
    assert second.path is not None and "if-none-match" not in _Dump.seen[-1]
    remember(db, second)
    third = fetch(db, url, tmp_path / "cache")
    assert third.path is None
    assert _Dump.seen[-1]["if-none-match"] == '"v1"'
    assert _Dump.seen[-1]["if-modified-since"] == "Wed, 01 May 2024 00:00:00 GMT"
    _Dump.etag, _Dump.body = '"v2"', b"new zip"
    fourth = fetch(db, url, tmp_path / "cache")
    assert fourth.path is not None and fourth.path.read_bytes() == b"new zip"
    with pytest.raises(SourceError, match="HTTP 404"):
        fetch(db, f"{server}/nothing/all.zip", tmp_path / "cache")
    with pytest.raises(SourceError):
        fetch(db, "http://127.0.0.1:9/all.zip", tmp_path / "cache", timeout=2)
    assert not list((tmp_path / "cache").glob("*.part"))
