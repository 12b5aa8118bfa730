"""`openhss scan` shows vulnerabilities (local database), unsafe settings, build risks and malware,
and its exit code fails a pipeline the way Trivy users expect."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.scan.imagebuild import docker_archive, image_config, layer_tar, reg, stanzas
from tests.scan.malware.malware_samples import EICAR
from tests.support.process import run_openhss

OS_RELEASE = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n'
PASSWD = (
    "root:x:0:0:root:/root:/bin/bash\ntoor:x:0:0::/root:/bin/sh\nwww:x:33:33::/var/www:/usr/sbin/nologin\n"
)
GROUP = "root:x:0:\nwww-data:x:33:\n"
SHADOW = "root:*:19000:0:99999:7:::\ntoor:*:19000:0:99999:7:::\nwww:*:19000:0:99999:7:::\n"
WEBSHELL = b'<?php if(isset($_POST["c"])){ eval(base64_decode($_POST["c"])); } ?>\n'
ZLIB_ADVISORY = {
    "schema_version": "1.6.0",
    "id": "DEBIAN-CVE-2023-45853",
    "modified": "2024-09-01T00:00:00Z",
    "upstream": ["CVE-2023-45853"],
    "summary": "MiniZip integer overflow",
    "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
    "affected": [
        {
            "package": {"ecosystem": "Debian:12", "name": "zlib"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1:1.2.13.dfsg-2"}]}],
        }
    ],
}


@pytest.fixture
def image(tmp_path: Path) -> Path:
    base = layer_tar(
        reg("etc/os-release", OS_RELEASE),
        reg("var/lib/dpkg/status", stanzas("zlib1g")),
        reg("etc/passwd", PASSWD),
        reg("etc/group", GROUP),
        reg("etc/shadow", SHADOW, mode=0o640),
    )
    app = layer_tar(reg("var/www/html/cmd.php", WEBSHELL), reg("tmp/eicar.com", EICAR))
    layers = [base, app]
    path = tmp_path / "image.tar"
    path.write_bytes(docker_archive(layers, image_config(layers, User="www"), tags=("app:1",)))
    return path


def _scan(home: Path, image: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    done = run_openhss(home, "scan", "--format", "json", "-q", *args, str(image))
    assert "Traceback" not in done.stderr
    return done.returncode, json.loads(done.stdout) if done.stdout.strip() else {}, done.stderr


def test_everything_shown_and_exit_codes(tmp_path: Path, image: Path) -> None:
    home = tmp_path / "home"
    status, result, stderr = _scan(home, image)
    assert status == 0 and "vulnerability database is empty" in stderr
    assert result["vulnerabilities"] == []
    assert {c["name"] for c in result["components"]} == {"zlib1g"}
    assert {u["account"] for u in result["unsafe_settings"] if u["risk_level"] == "High"} >= {"toor"}
    assert {m["family"] for m in result["malicious_files"]} == {"webshell", "test_file"}

    advisory = tmp_path / "zlib.json"
    advisory.write_text(json.dumps(ZLIB_ADVISORY))
    imported = run_openhss(home, "db", "import", str(advisory))
    assert imported.returncode == 0, imported.stderr
    status, result, stderr = _scan(home, image)
    assert status == 0 and stderr == ""
    (vuln,) = result["vulnerabilities"]
    assert (vuln["id"], vuln["severity"], vuln["package"]) == ("DEBIAN-CVE-2023-45853", "Critical", "zlib1g")
    assert (vuln["installed_version"], vuln["fixed_version"]) == ("1:1.2.13.dfsg-1", "1:1.2.13.dfsg-2")
    assert (vuln["repair_necessity"], vuln["path"]) == ("immediate_repair", "var/lib/dpkg/status")
    assert vuln["layer"].startswith("sha256:")

    assert _scan(home, image, "--exit-code", "3", "--severity", "HIGH,CRITICAL")[0] == 3
    status, result, _ = _scan(home, image, "--exit-code", "3", "--severity", "low,medium")
    assert status == 0 and result["vulnerabilities"] == []
    assert _scan(home, image, "--fail-on-malware")[0] == 1
    assert _scan(home, image, "--fail-on-malware", "--exit-code", "5", "--severity", "LOW")[0] == 5
    assert _scan(home, image, "--fail-on-malware", "--skip-malware")[0] == 0
    assert _scan(home, image, "--fail-on-unsafe-settings")[0] == 1
    assert _scan(home, image, "--fail-on-unsafe-settings", "--skip-baseline")[0] == 0
    status, result, _ = _scan(home, image, "--skip-vulnerabilities", "--exit-code", "4")
    assert status == 0 and result["vulnerabilities"] == []


def test_table_summary_lines(tmp_path: Path, image: Path) -> None:
    done = run_openhss(tmp_path / "home", "scan", "-q", "--skip-vulnerabilities", str(image))
    assert done.returncode == 0
    lines = done.stdout.splitlines()
    assert "Components: 1" in lines and "Vulnerabilities: 0" in lines and "Malicious files: 2" in lines
    assert any(line.startswith("Unsafe settings: ") and "High" in line for line in lines)


def test_bad_options_are_one_line(tmp_path: Path, image: Path) -> None:
    bad = run_openhss(tmp_path / "home", "scan", "--severity", "SEVERE", str(image))
    assert bad.returncode == 2 and "SEVERE" not in bad.stdout
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "broken.yar").write_text("rule x { condition: nope }")
    broken = run_openhss(tmp_path / "home", "scan", "--malware-rules", str(rules), str(image))
    assert broken.returncode == 1 and "broken.yar" in broken.stderr
    assert len(broken.stderr.strip().splitlines()) == 1 and "Traceback" not in broken.stderr
