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
from typing import TYPE_CHECKING

import click

from openhss.cli._vulnerabilities import with_vulnerabilities
from openhss.config import Settings
from openhss.scan.inspect import inspect_image
from openhss.scan.interface import ScanError, ScanResult
from openhss.scan.limits import Limits, parse_size
from openhss.scan.malware import BlocklistError, MalwareConfig, RuleError
from openhss.scan.report import FORMAT_NAMES, ReportError, format_class
from openhss.scan.scanner import Source

if TYPE_CHECKING:
    # Imported where used: httpx only for an engine image, rich only once a bar is shown; both
    # cost start-up time that every `openhss scan` of a file would otherwise pay.
    import httpx
    from rich.progress import Progress, TaskID

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
    import httpx

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
    import httpx

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
            from rich.console import Console
            from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn

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


def _scan(
    image: str, limits: Limits, quiet: bool, baseline: bool, malware: MalwareConfig | None
) -> ScanResult:
    interactive = sys.stderr.isatty() and not quiet

    def run(source: Source, bar: ProgressBar) -> ScanResult:
        return inspect_image(source, limits=limits, baseline=baseline, malware=malware, progress=bar)

    if image == "-":
        with ProgressBar(None, interactive) as bar:
            return run(sys.stdin.buffer, bar)
    path = Path(image)
    if path.exists():
        total = path.stat().st_size if path.is_file() else None
        with ProgressBar(total, interactive) as bar:
            return run(path, bar)
    if image.startswith(("/", ".", "~")) or image.endswith((".tar", ".tar.gz", ".tgz")):
        raise click.ClickException(f"{image}: no such file or directory")
    with engine_image(image) as stream, ProgressBar(None, interactive) as bar:
        return run(stream, bar)


_SEVERITIES = ("CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN")


def _severities(_ctx: click.Context, _param: click.Parameter, value: str) -> frozenset[str]:
    chosen = frozenset(v.strip().upper() for v in value.split(",") if v.strip())
    unknown = chosen - set(_SEVERITIES)
    if unknown or not chosen:
        raise click.BadParameter(f"use a comma-separated list of {','.join(_SEVERITIES)}")
    return chosen


def _malware_config(
    skip: bool, rules: tuple[Path, ...], hashes: Path | None, clamd: str | None
) -> MalwareConfig | None:
    if skip:
        return None
    try:
        return MalwareConfig(rule_dirs=rules, blocklist=hashes, clamd_socket=Path(clamd) if clamd else None)
    except (RuleError, BlocklistError) as exc:
        # yara-x explains a rule error over several lines; its first line names the file and the error.
        raise click.ClickException(str(exc).strip().splitlines()[0]) from None


def exit_status(
    result: ScanResult, exit_code: int, fail_on_malware: bool, fail_on_unsafe_settings: bool
) -> int:
    """Trivy's convention: `--exit-code N` when a shown vulnerability (after `--severity`) is found;
    `--fail-on-malware` / `--fail-on-unsafe-settings` fail with N too (1 when N is 0)."""
    if (fail_on_malware and result.malicious_files) or (fail_on_unsafe_settings and result.unsafe_settings):
        return exit_code or 1
    return exit_code if result.vulnerabilities else 0


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
@click.option(
    "--severity",
    default=",".join(_SEVERITIES),
    show_default=True,
    callback=_severities,
    help="Vulnerability severities to show and to fail on.",
)
@click.option(
    "--exit-code", type=click.IntRange(0, 255), default=0, show_default=True, help="Exit code when findings."
)
@click.option("--fail-on-malware", is_flag=True, help="Exit non-zero when a malicious file is found.")
@click.option("--fail-on-unsafe-settings", is_flag=True, help="Exit non-zero when a baseline check fails.")
@click.option("--skip-vulnerabilities", is_flag=True, help="Do not match against the vulnerability database.")
@click.option("--skip-baseline", is_flag=True, help="Do not run the baseline (unsafe settings, build risks).")
@click.option("--skip-malware", is_flag=True, help="Do not run the malware rules.")
@click.option(
    "--malware-rules",
    multiple=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A directory of extra YARA rules (repeatable).",
)
@click.option(
    "--malware-hashes",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A SHA-256 blocklist (`sha256 [name]` lines or CSV).",
)
@click.option("--clamd-socket", envvar="OPENHSS_CLAMD_SOCKET", help="Also send files to this clamd socket.")
def command(
    image: str,
    output_format: str,
    output: str | None,
    max_image_size: int | None,
    max_files: int | None,
    max_file_size: int | None,
    quiet: bool,
    severity: frozenset[str],
    exit_code: int,
    fail_on_malware: bool,
    fail_on_unsafe_settings: bool,
    skip_vulnerabilities: bool,
    skip_baseline: bool,
    skip_malware: bool,
    malware_rules: tuple[Path, ...],
    malware_hashes: Path | None,
    clamd_socket: str | None,
) -> None:
    """Scan IMAGE: a docker-archive or oci-archive tar, an OCI layout dir, `-` for stdin, or a local image.

    Shows the components, their known vulnerabilities (from the local database: `openhss db update`),
    unsafe settings, build risks and malicious files.
    """
    malware = _malware_config(skip_malware, malware_rules, malware_hashes, clamd_socket)
    try:
        limits = Limits.from_env()
        overrides = {
            "max_image_bytes": max_image_size,
            "max_files": max_files,
            "max_file_bytes": max_file_size,
        }
        limits = replace(limits, **{k: v for k, v in overrides.items() if v is not None})
        result = _scan(image, limits, quiet, not skip_baseline, malware)
        if not skip_vulnerabilities:
            result, warnings = with_vulnerabilities(result, Settings.from_env())
            for warning in warnings:
                click.echo(f"openhss: warning: {warning}", err=True)
            shown = tuple(v for v in result.vulnerabilities if v.severity.upper() in severity)
            result = replace(result, vulnerabilities=shown)
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
    else:
        try:
            Path(output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise click.ClickException(f"cannot write {output}: {exc.strerror or exc}") from None
    status = exit_status(result, exit_code, fail_on_malware, fail_on_unsafe_settings)
    if status:
        raise click.exceptions.Exit(status)
