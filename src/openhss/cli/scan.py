"""`openhss scan IMAGE`: an image tarball, an OCI layout dir, `-` (stdin) or an image in the local engine."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from types import TracebackType

import click
import httpx
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TaskID, TransferSpeedColumn

from openhss.scan.interface import ScanError, ScanResult
from openhss.scan.limits import Limits, parse_size
from openhss.scan.report import FORMAT_NAMES, ReportError, format_class
from openhss.scan.scanner import Source, scan_image

_DEFAULT_SOCKET = "/var/run/docker.sock"


class EngineStream:
    """An image export (`GET /images/{name}/get`) read as a forward-only stream."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._chunk = b""
        self._offset = 0

    def read(self, n: int = -1, /) -> bytes:
        """Up to `n` bytes (fewer is not the end; b"" is)."""
        while self._offset >= len(self._chunk):
            self._chunk, self._offset = next(self._chunks, b""), 0
            if not self._chunk:
                return b""
        end = len(self._chunk) if n < 0 else self._offset + n
        data = self._chunk[self._offset : end]
        self._offset += len(data)
        return data


def engine_client() -> tuple[httpx.Client, str]:
    """A client for the Docker-compatible engine of `DOCKER_HOST` (or the default socket), and where it is."""
    host = os.environ.get("DOCKER_HOST", "") or f"unix://{_DEFAULT_SOCKET}"
    if host.startswith("unix://"):
        path = host.removeprefix("unix://")
        return httpx.Client(
            transport=httpx.HTTPTransport(uds=path), base_url="http://engine", timeout=None
        ), path
    if host.startswith("tcp://"):
        return httpx.Client(base_url="http://" + host.removeprefix("tcp://"), timeout=None), host
    raise click.ClickException(f"unsupported DOCKER_HOST {host!r} (use unix:// or tcp://)")


@contextmanager
def engine_image(name: str) -> Iterator[EngineStream]:
    """Streams the engine's docker-archive export of image `name`."""
    client, where = engine_client()
    streaming = False
    with client:
        try:
            with client.stream("GET", f"/images/{name}/get") as response:
                if response.status_code == 404:
                    raise click.ClickException(f"{name}: no such file, directory or image in the engine")
                if response.status_code != 200:
                    detail = response.read().decode("utf-8", "replace").strip()[:200]
                    raise click.ClickException(
                        f"{name}: the engine refused the export ({response.status_code} {detail})"
                    )
                streaming = True
                yield EngineStream(response.iter_bytes(1024 * 1024))
        except httpx.TransportError as exc:
            if streaming:
                raise click.ClickException(f"{name}: the engine export broke off ({exc})") from None
            raise click.ClickException(
                f"{name}: not a file or directory, and no container engine answered at {where} ({exc})"
            ) from None


class ProgressBar:
    """A bytes-read progress bar on stderr, shown on a terminal once a scan has taken a second."""

    def __init__(self, total: int | None, enabled: bool) -> None:
        self._total = total
        self._enabled = enabled
        self._started = time.monotonic()
        self._done = 0
        self._progress: Progress | None = None
        self._task: TaskID | None = None

    def __call__(self, count: int) -> None:
        self._done += count
        if not self._enabled:
            return
        if self._progress is None:
            if time.monotonic() - self._started < 1.0:
                return
            self._progress = Progress(
                *Progress.get_default_columns()[:1],
                BarColumn(),
                DownloadColumn(),
                TransferSpeedColumn(),
                console=Console(file=sys.stderr),
                transient=True,
            )
            self._progress.start()
            self._task = self._progress.add_task("scanning", total=self._total)
        if self._task is not None:
            self._progress.update(self._task, completed=self._done)

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._progress is not None:
            self._progress.stop()


def _size(_ctx: click.Context, _param: click.Parameter, value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return parse_size(value)
    except ScanError as exc:
        raise click.BadParameter(str(exc)) from None


def _scan(image: str, limits: Limits, quiet: bool) -> ScanResult:
    interactive = sys.stderr.isatty() and not quiet
    if image == "-":
        with ProgressBar(None, interactive) as bar:
            return scan_image(sys.stdin.buffer, limits=limits, progress=bar)
    path = Path(image)
    if path.exists():
        total = path.stat().st_size if path.is_file() else None
        source: Source = path
        with ProgressBar(total, interactive) as bar:
            return scan_image(source, limits=limits, progress=bar)
    if image.startswith(("/", ".", "~")) or image.endswith((".tar", ".tar.gz", ".tgz")):
        raise click.ClickException(f"{image}: no such file or directory")
    with engine_image(image) as stream, ProgressBar(None, interactive) as bar:
        return scan_image(stream, limits=limits, progress=bar)


@click.command(name="scan")
@click.argument("image")
@click.option(
    "--format", "-f", "output_format", type=click.Choice(FORMAT_NAMES), default="table", show_default=True
)
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), help="Write the report here.")
@click.option("--max-image-size", callback=_size, help="Uncompressed image size limit (e.g. 20G).")
@click.option("--max-files", type=click.IntRange(min=1), help="Limit on the number of files in the image.")
@click.option("--max-file-size", callback=_size, help="Limit on one analysed file (e.g. 256M).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def command(
    image: str,
    output_format: str,
    output: str | None,
    max_image_size: int | None,
    max_files: int | None,
    max_file_size: int | None,
    quiet: bool,
) -> None:
    """Scan IMAGE: a docker-archive or oci-archive tar, an OCI layout dir, `-` for stdin, or a local image."""
    try:
        limits = Limits.from_env()
        overrides = {
            "max_image_bytes": max_image_size,
            "max_files": max_files,
            "max_file_bytes": max_file_size,
        }
        limits = replace(limits, **{k: v for k, v in overrides.items() if v is not None})
        result = _scan(image, limits, quiet)
        if output_format == "table":
            from openhss.scan.report.table import TableFormat

            text = TableFormat(color=output is None and sys.stdout.isatty()).render(result)
        else:
            text = format_class(output_format)().render(result)
    except ScanError as exc:
        raise click.ClickException(f"{image}: {exc}") from None
    except ReportError as exc:
        raise click.ClickException(str(exc)) from None
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise click.ClickException(f"cannot write {output}: {exc.strerror or exc}") from None
