"""A live OpenHSS API server (uvicorn on a free port, in a thread) for real HTTP clients."""

from __future__ import annotations

import threading
import time

import httpx
import uvicorn

from openhss.api.app import create_app
from openhss.api.context import ServerContext
from tests.support.postgres import free_port


class LiveServer:
    """Serves `context` until `stop()`."""

    def __init__(self, context: ServerContext) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            create_app(context), host="127.0.0.1", port=self.port, log_level="warning", lifespan="off"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)

    def client(self) -> httpx.Client:
        """An HTTP client for this server."""
        return httpx.Client(base_url=self.url, timeout=10)

    def stop(self) -> None:
        """Stop serving."""
        self._server.should_exit = True
        self._thread.join(timeout=10)
