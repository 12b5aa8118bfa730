"""Every finding of a full scan (components, malware, baseline, notes) of the bench images, as one JSON dump.

    /work/venv/bin/python bench/scan/dump_findings.py OUT.json [--workdir /tmp/openhss-bench] [--image NAME ...]

A speed change to the scanner must leave this dump byte-identical: run it before and after, then
`cmp` the two files. Besides the bench images (built by scan_vs_peers.py, reused from the work
dir), it scans a `samples` image built here: every malicious sample and benign look-alike of the
malware tests, each at its own path and again in a temp dir, a start-up dir, as an executable and
inside a zip and a tar, on top of account files that fail most baseline checks. The bench images
hold no malware, so without it the dump would not show a changed verdict.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import io
import json
import sys
import tarfile
import zipfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path[:0] = [
    str(HERE),
    str(REPO / "src"),
    str(REPO / "tests" / "scan"),
    str(REPO / "tests" / "scan" / "malware"),
]

import images  # noqa: E402

SAMPLE_PLACES = ("tmp/s/", "usr/local/bin/", "opt/tool/", "home/u/.cache/")
"""Where each sample is put again besides its own path (opt/tool/ as an executable)."""

ACCOUNT_FILES = {
    "etc/passwd": "root:x:0:0:root:/root:/bin/bash\ntoor:x:0:0::/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n"
    "app:x:1001:27::/home/app2:/bin/sh\n+::::::\n",
    "etc/shadow": "root:$1$salt$qJH7.N4xYta3aEG/dfqo/0:19000:0:99999:7:::\ntoor::19000:0:99999:7:::\n"
    "app:$1$salt$qJH7.N4xYta3aEG/dfqo/0:99999::::::\n",
    "etc/group": "root:x:0:\nsudo:x:27:app\nshadow:x:42:app\nsudo:x:28:\n",
    "etc/gshadow": "root:*::\nshadow:*::app\n",
    "etc/hosts.equiv": "+\n",
    "root/.ssh/authorized_keys": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB bench@example\n",
    "home/app/.rhosts": "+ +\n",
    "root/.aws/credentials": "[default]\naws_secret_access_key = abc\n",
    "var/lib/apt/lists/deb_Packages": "Package: x\n",
}


def samples_image(out: Path) -> Path:
    """A docker-archive holding the malware tests' samples and failing account files (built once)."""
    if out.exists():
        return out
    from imagebuild import Member, docker_archive, image_config, layer_tar, reg
    from malware_samples import BENIGN, MALICIOUS

    members: list[Member] = []
    zipped, tarred = io.BytesIO(), io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as zip_file, tarfile.open(fileobj=tarred, mode="w") as tar_file:
        for kind, samples in (("bad", MALICIOUS), ("good", BENIGN)):
            for index, (key, (path, content)) in enumerate(sorted(samples.items())):
                name = f"{kind}{index}-{path.rpartition('/')[2]}"
                members.append(reg(path, content))
                for place in SAMPLE_PLACES:
                    members.append(reg(place + name, content, 0o755 if place == "opt/tool/" else 0o644))
                zip_file.writestr(f"inner/{name}", content)
                info = tarfile.TarInfo(f"./inner/{name}")
                info.size = len(content)
                tar_file.addfile(info, io.BytesIO(content))
                del key
    members += [reg("var/www/html/upload.zip", zipped.getvalue()), reg("tmp/drop.tar", tarred.getvalue())]
    members += [reg(path, text) for path, text in ACCOUNT_FILES.items()]
    members += [reg("usr/bin/su", b"\x7fELF not really", 0o4755), reg("usr/bin/wall", b"x", 0o2755)]
    layers = [layer_tar(*members)]
    config = image_config(layers, User="", Env=["DB_PASSWORD=hunter2", "PATH=/usr/bin"])
    out.write_bytes(docker_archive(layers, config, tags=("samples:latest",)))
    return out


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, bytes):
        return "sha256:" + hashlib.sha256(value).hexdigest()
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def dump(tarball: Path) -> dict[str, Any]:
    """What one full scan of `tarball` finds, every field, in a stable order."""
    import datetime

    from openhss.scan.baseline import AccountFilesAnalyzer, BuildFilesAnalyzer, evaluate
    from openhss.scan.catalog import all_catalogers
    from openhss.scan.malware import MalwareAnalyzer, MalwareConfig
    from openhss.scan.scanner import read_image

    malware, accounts, build = MalwareAnalyzer(MalwareConfig()), AccountFilesAnalyzer(), BuildFilesAnalyzer()
    scan = read_image(tarball, analyzers=[*all_catalogers(), malware, accounts, build])
    files = {**scan.findings_by_path(accounts), **scan.findings_by_path(build)}
    baseline = evaluate(
        {p: f[0] for p, f in files.items() if f}, scan.config, today=datetime.date(2026, 11, 27)
    )
    return {
        "components": _plain(scan.components()),
        "malicious_files": _plain(sorted(scan.findings(malware), key=repr)),
        "baseline_files": {p: _plain(f) for p, f in sorted(files.items())},
        "unsafe_settings": _plain(baseline.unsafe_settings),
        "build_risks": _plain(baseline.build_risks),
        "notes": [*scan.notes, *malware.notes, *baseline.notes],
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("out", type=Path)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/openhss-bench"))
    parser.add_argument("--image", action="append", choices=[*sorted(images.IMAGES), "samples"])
    args = parser.parse_args()
    names = args.image or [*images.IMAGES, "samples"]
    document = {}
    for name in names:
        if name == "samples":
            tarball = samples_image(args.workdir / "images" / "samples.tar")
        else:
            tarball = images.build_image(args.workdir, name)
        document[name] = dump(tarball)
        found = document[name]
        print(
            f"{name}: {len(found['components'])} components, {len(found['malicious_files'])} malicious files, "
            f"{len(found['unsafe_settings'])} unsafe settings, {len(found['build_risks'])} build risks",
            file=sys.stderr,
        )
    args.out.write_text(json.dumps(document, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
