"""Scan results reach the server, are matched, and the list shows it; an import re-matches stored SBOMs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from openhss.api.context import ServerContext
from openhss.vulndb.rematching import rematch
from tests.conftest import Account
from tests.support.fleet import FleetHost, digest, enroll, image, post
from tests.support.osv import import_osv, osv_record
from tests.support.server import LiveServer

CVSS_HIGH = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"
CVSS_MEDIUM = "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:L/A:N"


def _osv(rid: str, ecosystem: str, name: str, fixed: str, **extra: Any) -> dict[str, Any]:
    return osv_record(rid, name, fixed, ecosystem=ecosystem, schema_version="1.6.0", **extra)


def _component(name: str, version: str, ecosystem: str, **extra: str) -> dict[str, str]:
    return {
        "name": name,
        "version": version,
        "ecosystem": ecosystem,
        "purl": f"pkg:{ecosystem}/{name}@{version}",
        "path": "x",
        **extra,
    }


def _upload(http: httpx.Client, host: FleetHost, label: str, **fields: Any) -> httpx.Response:
    body = {
        "schema": "openhss.scan-result/v1",
        "project_id": host.project_id,
        "host_id": host.host_id,
        "image_id": digest(label),
        "status": "success",
        **fields,
    }
    return http.post(
        "/agent/v1/scan-results", json=body, headers={"Authorization": f"Bearer {host.credential}"}
    )


def _listed(
    http: httpx.Client, context: ServerContext, account: Account, **params: Any
) -> dict[str, dict[str, Any]]:
    token = context.identity.issue_token_for(account.domain, account.user, account.project_id).value
    body = http.get(
        f"/v5/{account.project_id}/image/local-repositories", params=params, headers={"X-Auth-Token": token}
    ).json()
    return {r["image_name"]: r for r in body["data_list"]}


def _import(context: ServerContext, tmp_path: Path, records: list[dict[str, Any]], name: str) -> None:
    stats = import_osv(context.db, tmp_path / f"{name}.json", records, name)
    rematch(context.db, stats.changed_packages)


@pytest.fixture
def http(live_server: LiveServer) -> httpx.Client:
    return live_server.client()


def test_upload_match_and_rematch(
    http: httpx.Client, context: ServerContext, account: Account, tmp_path: Path
) -> None:
    host = enroll(http, context, account.project_id, "n1")
    other = enroll(http, context, account.project_id, "n2")
    post(http, host, host.report([image("A", "app:1"), image("B", "base:1")]))
    post(http, other, other.report([image("A", "app:1")]))
    _import(
        context,
        tmp_path,
        [
            _osv(
                "GHSA-j8r2-6x86-q33q",
                "PyPI",
                "requests",
                "2.31.0",
                aliases=["CVE-2023-32681"],
                severity=[{"type": "CVSS_V3", "score": CVSS_MEDIUM}],
            ),
            _osv(
                "PYSEC-2023-74",
                "PyPI",
                "requests",
                "2.31.0",
                aliases=["CVE-2023-32681", "GHSA-j8r2-6x86-q33q"],
            ),
            _osv(
                "DEBIAN-CVE-2023-5678",
                "Debian:12",
                "openssl",
                "3.0.13-1~deb12u1",
                upstream=["CVE-2023-5678"],
                severity=[{"type": "CVSS_V3", "score": CVSS_HIGH}],
            ),
            _osv("GHSA-other", "npm", "lodash", "4.17.21"),
        ],
        "first",
    )
    components = [
        _component("requests", "2.28.0", "pypi"),
        _component("libssl3", "3.0.11-1~deb12u2", "deb", source_name="openssl", distro="debian:12"),
        _component("openssl", "3.0.11-1~deb12u2", "deb", distro="debian:12"),
        _component("lodash", "4.17.21", "npm"),
    ]
    response = _upload(http, host, "A", components=components, distro="debian:12")
    assert response.status_code == 200, response.text
    # requests: one vulnerability under two ids; openssl: one, found through two binaries
    assert response.json() == {
        "image_id": digest("A"),
        "scan_status": "success",
        "vul_num": 2,
        "severity_level": "High",
    }
    rows = _listed(http, context, account)
    assert (rows["app"]["vul_num"], rows["app"]["component_num"], rows["app"]["severity_level"]) == (
        2,
        4,
        "High",
    )
    assert rows["app"]["scan_status"] == "success" and rows["app"]["latest_scan_time"] > 0
    assert set(_listed(http, context, account, has_vul="true")) == {"app"}
    assert set(_listed(http, context, account, app_name="libssl")) == {"app"}
    # the fix is published in Debian: a newer record, re-matched without any re-scan
    _import(
        context,
        tmp_path,
        [
            _osv(
                "DEBIAN-CVE-2023-5678",
                "Debian:12",
                "openssl",
                "3.0.11-1~deb12u2",
                modified="2024-03-01T00:00:00Z",
                upstream=["CVE-2023-5678"],
            )
        ],
        "second",
    )
    rows = _listed(http, context, account)
    assert (rows["app"]["vul_num"], rows["app"]["severity_level"]) == (1, "Medium")
    # the requests advisories are withdrawn: nothing left
    _import(
        context,
        tmp_path,
        [
            _osv(
                "GHSA-j8r2-6x86-q33q",
                "PyPI",
                "requests",
                "2.31.0",
                modified="2024-04-01T00:00:00Z",
                withdrawn="2024-04-01T00:00:00Z",
            ),
            _osv(
                "PYSEC-2023-74",
                "PyPI",
                "requests",
                "2.31.0",
                modified="2024-04-01T00:00:00Z",
                withdrawn="2024-04-01T00:00:00Z",
            ),
        ],
        "third",
    )
    rows = _listed(http, context, account)
    assert (rows["app"]["vul_num"], rows["app"]["severity_level"]) == (0, "Security")
    assert set(_listed(http, context, account, has_vul="false")) == {"app"}


def test_failures_and_refusals(http: httpx.Client, context: ServerContext, account: Account) -> None:
    host = enroll(http, context, account.project_id, "n1")
    post(http, host, host.report([image("A", "app:1")]))
    failed = _upload(http, host, "A", status="failed", failed_reason="huge_image")
    assert failed.status_code == 200
    rows = _listed(http, context, account)
    assert (rows["app"]["scan_status"], rows["app"]["scan_failed_desc"], rows["app"]["severity_level"]) == (
        "failed",
        "huge_image",
        "",
    )
    not_held = _upload(http, host, "Z")
    assert (not_held.status_code, not_held.json()["error_code"]) == (404, "HSS.0011")
    project_b = context.identity.create_project(account.domain, "eu-west-0")
    foreign = _upload(http, host, "A", project_id=project_b.id)
    assert (foreign.status_code, foreign.json()["error_code"]) == (403, "HSS.0010")
    bad = _upload(http, host, "A", components=[{"name": "x"}])
    assert (bad.status_code, bad.json()["error_code"]) == (400, "HSS.0001")
    assert "components/0" in bad.json()["error_msg"]


def test_unsafe_settings_and_malware_drive_severity(
    http: httpx.Client, context: ServerContext, account: Account
) -> None:
    host = enroll(http, context, account.project_id, "n1")
    post(http, host, host.report([image("A", "app:1"), image("B", "web:1")]))
    one = _upload(
        http,
        host,
        "A",
        unsafe_settings=[
            {"check_id": "ACCT-UID0", "risk_level": "High"},
            {"check_id": "X", "risk_level": "Low"},
        ],
    )
    assert one.json()["severity_level"] == "Medium"
    two = _upload(
        http,
        host,
        "B",
        malicious_files=[
            {"path": "var/www/shell.php", "rule": "php_webshell", "family": "webshell", "sha256": "0" * 64}
        ],
    )
    assert two.json()["severity_level"] == "High"
    rows = _listed(http, context, account)
    assert (rows["app"]["unsafe_setting_num"], rows["web"]["malicious_file_num"]) == (2, 1)


def test_a_new_tag_of_a_scanned_image_needs_no_scan(
    http: httpx.Client, context: ServerContext, account: Account
) -> None:
    host = enroll(http, context, account.project_id, "n1")
    other = enroll(http, context, account.project_id, "n2")
    post(http, host, host.report([image("A", "app:1")]))
    response = _upload(
        http, host, "A", malicious_files=[{"path": "x", "rule": "r", "family": "miner", "sha256": "1" * 64}]
    )
    assert response.json()["severity_level"] == "High"
    # the same image ID appears under another name on another host: it is not scanned again
    post(http, other, other.report([image("A", "mirror.local/app:1")]))
    rows = _listed(http, context, account)
    assert rows["mirror.local/app"]["scan_status"] == "success"
    assert (rows["mirror.local/app"]["malicious_file_num"], rows["mirror.local/app"]["severity_level"]) == (
        1,
        "High",
    )
    assert rows["mirror.local/app"]["latest_scan_time"] == rows["app"]["latest_scan_time"]
