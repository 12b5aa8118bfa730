"""The bench's figures as Markdown: a summary table, then per image the counts, timings and differences."""

from __future__ import annotations

import datetime
import re
import statistics
from collections import Counter
from pathlib import Path
from typing import Any

import peers

SECTION = "## Scanning images (issues 4 and 6)"
_SHOWN = ("deb", "rpm", "pypi", "npm", "golang", "maven")
_PEERS = ("trivy", "cdxgen", "native")
_MAX_LISTED = 30


def _mib(kib: int) -> str:
    return f"{kib / 1024:.0f}"


def _names(keys: set[str]) -> dict[str, set[str]]:
    by_name: dict[str, set[str]] = {}
    for key in keys:
        name, _, version = key.rpartition("@")
        by_name.setdefault(_loose(name), set()).add(version)
    return by_name


def _loose(name: str) -> str:
    # The purl namespace of an OS package is the distribution's name, which tools spell differently.
    kind, _, rest = name.partition("/")
    if kind in ("deb", "rpm", "apk"):
        return f"{kind}/{rest.rsplit('/', 1)[-1]}"
    return name


def differences(ours: set[str], theirs: set[str]) -> dict[str, list[str]]:
    """Names only they find, names only we find, and names both find at different versions."""
    mine, other = _names(ours), _names(theirs)
    return {
        "they find, we miss": sorted(f"{n}@{','.join(sorted(other[n]))}" for n in other.keys() - mine.keys()),
        "we find, they miss": sorted(f"{n}@{','.join(sorted(mine[n]))}" for n in mine.keys() - other.keys()),
        "versions differ": sorted(
            f"{n}: ours {','.join(sorted(mine[n]))} / theirs {','.join(sorted(other[n]))}"
            for n in mine.keys() & other.keys()
            if mine[n] != other[n]
        ),
    }


def _pair_shares(pairs: dict[str, list[float]], key: str) -> str:
    """What the full scans add to their catalogers-only twins: median of the pairs (smallest … largest)."""
    base, full = pairs.get(f"base_{key}", []), pairs.get(f"full_{key}", [])
    shares = sorted(f / b - 1 for b, f in zip(base, full, strict=True))
    if not shares:
        return "-"
    return f"{statistics.median(shares):+.0%} ({shares[0]:+.0%} … {shares[-1]:+.0%})"


def malware_table(results: list[Any]) -> list[str]:
    """The malware + baseline share (issue 6) of each image, as a paragraph and a table."""
    lines = [
        "Malware rules and baseline (issue 6): `read_image` with the catalogers only, and with "
        "`MalwareAnalyzer(MalwareConfig())` + `AccountFilesAnalyzer` + `BuildFilesAnalyzer` and the "
        "baseline evaluation (rules compiled before the clock starts, as the agent keeps them). First "
        "columns: a warm process per mode (the agent's case; medians of the repeats), and the fresh "
        "process's added wall time. Pair columns: in one more warm process per repeat, catalogers-only "
        "and full scans in turn, each full scan judged against its twin measured moments before or "
        "after it: the median of those pairs' added shares, and their smallest and largest. "
        "Parse thread is the CPU of the thread that parses the layers and runs the analyzers (the "
        "layer hashing runs beside it): the scan's wall time when the second core is free.",
        "",
        "| image | catalogers s (CPU s) | + malware + baseline s (CPU s) | added wall | added CPU "
        "| added wall, fresh process | pairs | pairs: added wall | pairs: added CPU | pairs: added parse thread "
        "| findings |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|",
    ]
    for r in results:
        base = r.times.get("openhss-warm", r.times["openhss"])
        full = r.times.get("full-warm", r.times["full"])
        cold = r.times["full"].median / r.times["openhss"].median - 1
        found = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in r.malware.items())
        shares = [_pair_shares(r.pairs, key) for key in ("seconds", "cpu_seconds", "thread_seconds")]
        lines.append(
            f"| {r.name} | {base.median:.3f} ({base.cpu:.3f}) | {full.median:.3f} ({full.cpu:.3f}) "
            f"| {full.median / base.median - 1:+.0%} | {full.cpu / base.cpu - 1:+.0%} | {cold:+.0%} "
            f"| {len(r.pairs.get('base_seconds', []))} | " + " | ".join(shares) + f" | {found} |"
        )
    return lines


def render(results: list[Any], machine: str, command: str, load: str) -> str:
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"Measured {now} on {machine}; {load} (the machine was shared).",
        "",
        f"Command: `{command}`",
        "",
        "Medians of the repeats. `Trivy start` is `trivy --version` (its UPX unpacking) measured just "
        "before each Trivy scan; `Trivy−start` takes it off. OpenHSS CLI times include Python's start-up "
        "and imports; the in-process times are `read_image` alone, in a fresh process (first scan) and in a warm "
        "one (the same process's second scan: the agent's case). CPU is user + system of the process.",
        "",
        "| image | tar MB | OpenHSS in-process s (warm) | OpenHSS CLI s | Trivy s | Trivy start s | Trivy−start s "
        "| in-process ÷ (Trivy−start) (warm) | CLI ÷ Trivy | CPU s CLI / Trivy−start | cdxgen s "
        "| peak MiB CLI / Trivy / cdxgen |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for r in results:
        t = r.times
        trivy_net = t["trivy"].median - t["trivy-start"].median
        trivy_cpu = t["trivy"].cpu - t["trivy-start"].cpu
        cdx = t.get("cdxgen")
        warm = t.get("openhss-warm", t["openhss"])
        lines.append(
            f"| {r.name} | {r.size_mb:.0f} | {t['openhss'].median:.3f} ({warm.median:.3f}) "
            f"| {t['openhss-cli'].median:.2f} "
            f"| {t['trivy'].median:.2f} | {t['trivy-start'].median:.2f} | {trivy_net:.2f} "
            f"| {t['openhss'].median / trivy_net:.2f} ({warm.median / trivy_net:.2f}) "
            f"| {t['openhss-cli'].median / t['trivy'].median:.2f} "
            f"| {t['openhss-cli'].cpu:.2f} / {trivy_cpu:.2f} "
            f"| {f'{cdx.median:.1f}' if cdx else '-'} "
            f"| {_mib(t['openhss-cli'].peak)} / {_mib(t['trivy'].peak)} / {_mib(cdx.peak) if cdx else '-'} |"
        )
    lines += ["", *malware_table(results)]
    lines += ["", "Components found (purl keys `type/namespace/name@version`, qualifiers dropped):", ""]
    lines += [
        "| image | tool | " + " | ".join(_SHOWN) + " | other | total |",
        "|---|---|" + "--:|" * (len(_SHOWN) + 2),
    ]
    for r in results:
        for tool, keys in r.found.items():
            counts = Counter(peers.ecosystem_of(k) for k in keys)
            other = sum(v for k, v in counts.items() if k not in _SHOWN)
            lines.append(
                f"| {r.name} | {tool} | "
                + " | ".join(str(counts.get(e, 0)) for e in _SHOWN)
                + f" | {other} | {len(keys)} |"
            )
    lines += [""]
    for r in results:
        lines += [f"### {r.name}", ""]
        if r.found.get("openhss") != r.found.get("openhss-cli"):
            lines.append("**The CLI and the in-process scan disagree.**")
        for peer in _PEERS:
            if peer not in r.found:
                continue
            ours, theirs = r.found["openhss"], r.found[peer]
            if peer == "cdxgen" and "cdxgen" in r.sources:
                # cdxgen lists each Debian source package too (tagged `source`, unless it has the name and
                # version of a binary package): compare with ours plus our OS packages' sources.
                ours, theirs = ours | r.sources.get("openhss", set()), theirs | r.sources["cdxgen"]
                lines.append(
                    f"- cdxgen lists {len(r.sources['cdxgen'])} components tagged `source`; compared with "
                    "ours plus the source packages of our OS packages:"
                )
            diff = differences(ours, theirs)
            shown = [(k, v) for k, v in diff.items() if v]
            if not shown:
                lines.append(f"- {peer}: same packages and versions.")
                continue
            for kind, items in shown:
                listed = ", ".join(f"`{i}`" for i in items[:_MAX_LISTED])
                more = f" … and {len(items) - _MAX_LISTED} more" if len(items) > _MAX_LISTED else ""
                lines.append(f"- {peer} — {kind} ({len(items)}): {listed}{more}")
        lines.append("")
    return "\n".join(lines)


def render_malware_only(results: list[Any], machine: str, command: str, load: str) -> str:
    """The figures of a `--malware-only` run: the malware + baseline table alone."""
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    head = [f"Measured {now} on {machine}; {load} (the machine was shared).", "", f"Command: `{command}`", ""]
    return "\n".join([*head, *malware_table(results)])


def write_readme(path: Path, figures: str, block: str = "scan-bench") -> None:
    """Replaces the figures between the `block` markers in our section (the prose around them is kept)."""
    begin, end = f"<!-- {block} figures: begin -->", f"<!-- {block} figures: end -->"
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    if SECTION not in text:
        text = text.rstrip("\n") + f"\n\n{SECTION}\n\n{begin}\n{end}\n"
    if begin not in text:
        text = text.replace(SECTION, f"{SECTION}\n\n{begin}\n{end}", 1)
    block = f"{begin}\n{figures.rstrip()}\n{end}"
    text = re.sub(re.escape(begin) + ".*?" + re.escape(end), lambda _m: block, text, flags=re.S)
    path.write_text(text)
