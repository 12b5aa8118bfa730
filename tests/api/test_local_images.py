"""The local image list: every parameter's rule against a fleet where the wrong reading differs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from huaweicloudsdkhss.v5 import ListImageLocalRequest
from sqlalchemy import event, insert, select, update

from openhss.api.context import ServerContext
from openhss.store.tables import component_names, image_components, images
from tests.conftest import Account
from tests.support.fleet import FleetHost, container, container_id, digest, enroll, image, post
from tests.support.sdk import hss_client
from tests.support.server import LiveServer

SWR = "swr.cn-north-4.myhuaweicloud.com/org/app"


@dataclass
class Fleet:
    http: httpx.Client
    account: Account
    token: str
    hosts: dict[str, FleetHost]

    def names(self, **params: Any) -> set[str]:
        response = self.get(**params)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["total_num"] == len(body["data_list"])
        return {f"{r['image_name']}:{r['image_version']}" for r in body["data_list"]}

    def get(self, **params: Any) -> httpx.Response:
        params.setdefault("limit", 200)
        return self.http.get(
            f"/v5/{self.account.project_id}/image/local-repositories",
            params=params,
            headers={"X-Auth-Token": self.token},
        )

    def rows(self, **params: Any) -> dict[str, dict[str, Any]]:
        body = self.get(**params).json()
        return {f"{r['image_name']}:{r['image_version']}": r for r in body["data_list"]}


def _scan(context: ServerContext, label: str, **values: Any) -> None:
    with context.db.begin(write=True) as conn:
        conn.execute(update(images).where(images.c.config_digest == digest(label)).values(**values))


def _components(context: ServerContext, label: str, *names: str) -> None:
    with context.db.begin(write=True) as conn:
        for name in names:
            found = conn.execute(select(component_names.c.id).where(component_names.c.name == name)).scalar()
            if found is None:
                found = conn.execute(insert(component_names).values(name=name)).inserted_primary_key[0]
            conn.execute(insert(image_components).values(config_digest=digest(label), name_id=found))


@pytest.fixture
def fleet(live_server: LiveServer, account: Account, context: ServerContext) -> Iterator[Fleet]:
    ident = context.identity
    ident.create_enterprise_project(account.domain, "payments", "ep-pay")
    with live_server.client() as http:
        token = http.post(
            "/v3/auth/tokens",
            json={
                "auth": {
                    "identity": {
                        "methods": ["password"],
                        "password": {
                            "user": {
                                "name": account.user,
                                "password": account.password,
                                "domain": {"name": account.domain},
                            }
                        },
                    },
                    "scope": {"project": {"id": account.project_id}},
                }
            },
        ).headers["X-Subject-Token"]
        p = account.project_id
        h1 = enroll(
            http, context, p, "web-node-1", addresses=[("10.0.0.1", "private"), ("2001:db8::1", "public")]
        )
        h2 = enroll(http, context, p, "Web-Node-2", addresses=[("10.0.0.2", "private")])
        h3 = enroll(http, context, p, "db_node%3", addresses=[("10.0.0.3", "private")])
        h4 = enroll(http, context, p, "pay-node", ep="ep-pay", addresses=[("10.0.1.1", "private")])
        nginx125 = image(
            "A", "nginx:1.25", size=100, created_ms=1000, repo_digests=["nginx@" + digest("A-repo")]
        )
        redis = image("H", "redis:7", size=800, created_ms=8000)
        reports = {
            h1: (
                [
                    nginx125,
                    image("B", "nginx:1.24", size=200, created_ms=2000),
                    image("G", size=700, created_ms=7000),
                    redis,
                ],
                [
                    container("c1", "frontend", "nginx:1.25", "A", pod_id="pod-uid-1", pod_name="web-0"),
                    container("c2", "Backend", "nginx:1.24", "B", state="exited"),
                ],
            ),
            h2: (
                [nginx125, image("C", "my-webshell:v1", size=300, created_ms=3000)],
                [container("c3", "shell_1", "my-webshell:v1", "C", pod_id="pod-uid-3", pod_name="Web-1")],
            ),
            h3: (
                [
                    image("D", f"{SWR}:2.0", size=400, created_ms=4000),
                    image("E", "registry.local/100%_done:1", size=500, created_ms=5000),
                ],
                [],
            ),
            h4: (
                [image("F", "alpine:3.19", size=600, created_ms=6000), redis],
                [container("c4", "cache", "redis:7", "H", pod_name="pay-0", pod_id="pod-uid-4")],
            ),
        }
        for host, (imgs, ctrs) in reports.items():
            assert post(http, host, host.report(imgs, ctrs)).json()["applied"] is True
        _scan(
            context,
            "A",
            scan_status="success",
            vul_num=3,
            latest_scan_ms=10_000,
            severity_level="High",
            component_num=2,
        )
        _scan(
            context,
            "B",
            scan_status="success",
            vul_num=0,
            latest_scan_ms=20_000,
            severity_level="Security",
            component_num=1,
        )
        _scan(context, "C", scan_status="failed", scan_failed_desc="huge_image")
        _scan(context, "D", scan_status="waiting")
        _components(context, "A", "openssl", "libc6")
        _components(context, "B", "openssl")
        _components(context, "C", "php-webshell-kit")
        yield Fleet(http, account, token, {"h1": h1, "h2": h2, "h3": h3, "h4": h4})


EP0 = {
    "nginx:1.25",
    "nginx:1.24",
    "my-webshell:v1",
    f"{SWR}:2.0",
    "registry.local/100%_done:1",
    "<none>:<none>",
    "redis:7",
}


def test_default_enterprise_project_and_counts(fleet: Fleet) -> None:
    assert fleet.names() == EP0
    rows = fleet.rows()
    assert (rows["nginx:1.25"]["host_num"], rows["nginx:1.25"]["container_num"]) == (2, 1)
    assert (rows["redis:7"]["host_num"], rows["redis:7"]["container_num"]) == (1, 0)
    pay = fleet.rows(enterprise_project_id="ep-pay")
    assert set(pay) == {"alpine:3.19", "redis:7"}
    assert (pay["redis:7"]["host_num"], pay["redis:7"]["container_num"]) == (1, 1)
    everything = fleet.rows(enterprise_project_id="all_granted_eps")
    assert set(everything) == EP0 | {"alpine:3.19"}
    assert (everything["redis:7"]["host_num"], everything["redis:7"]["container_num"]) == (2, 1)
    assert fleet.names(enterprise_project_id="no-such-ep") == set()


def test_user_granted_one_enterprise_project(fleet: Fleet, context: ServerContext) -> None:
    ident = context.identity
    ident.create_user(fleet.account.domain, "bob", "bob's password")
    ident.grant(fleet.account.domain, "bob", fleet.account.project_id, "ep-pay")
    bob = Fleet(
        fleet.http,
        fleet.account,
        ident.issue_token_for("acme", "bob", fleet.account.project_id).value,
        fleet.hosts,
    )
    denied = bob.get()
    assert (denied.status_code, denied.json()["error_code"]) == (403, "HSS.0010")
    assert bob.names(enterprise_project_id="ep-pay") == {"alpine:3.19", "redis:7"}
    rows = bob.rows(enterprise_project_id="all_granted_eps")
    assert set(rows) == {"alpine:3.19", "redis:7"}
    assert rows["redis:7"]["host_num"] == 1
    assert bob.names(enterprise_project_id="all_granted_eps", host_name="web") == set()


CASES: list[tuple[dict[str, Any], set[str]]] = [
    ({"image_name": "web"}, {"my-webshell:v1"}),
    ({"image_name": "Web"}, set()),
    ({"image_name": "nginx"}, {"nginx:1.25", "nginx:1.24"}),
    ({"image_name": "%"}, {"registry.local/100%_done:1"}),
    ({"image_name": "_"}, {"registry.local/100%_done:1"}),
    ({"image_name": "0%_d"}, {"registry.local/100%_done:1"}),
    ({"image_name": "nginx", "image_version": "1.25"}, {"nginx:1.25"}),
    ({"image_version": "1.25"}, EP0),
    ({"scan_status": "success"}, {"nginx:1.25", "nginx:1.24"}),
    ({"scan_status": "failed"}, {"my-webshell:v1"}),
    ({"scan_status": "waiting_for_scan"}, {f"{SWR}:2.0"}),
    ({"scan_status": "waiting"}, set()),
    ({"scan_status": "bogus"}, set()),
    ({"scan_status": "unscan"}, {"registry.local/100%_done:1", "<none>:<none>", "redis:7"}),
    ({"local_image_type": "swr_image"}, {f"{SWR}:2.0"}),
    ({"local_image_type": "other_image"}, EP0 - {f"{SWR}:2.0"}),
    ({"local_image_type": "bogus"}, set()),
    ({"image_size": 200}, {"nginx:1.24"}),
    ({"image_size": 201}, set()),
    ({"start_latest_update_time": 1500, "end_latest_update_time": 3500}, {"nginx:1.24", "my-webshell:v1"}),
    ({"start_latest_update_time": 1000, "end_latest_update_time": 2000}, {"nginx:1.25", "nginx:1.24"}),
    ({"start_latest_update_time": 1500}, EP0),
    ({"start_latest_update_time": 3500, "end_latest_update_time": 1500}, EP0),
    ({"start_latest_update_time": 2000, "end_latest_update_time": 2000}, EP0),
    ({"start_latest_scan_time": 5000, "end_latest_scan_time": 15000}, {"nginx:1.25"}),
    ({"start_latest_scan_time": 0, "end_latest_scan_time": 99999}, {"nginx:1.25", "nginx:1.24"}),
    ({"end_latest_scan_time": 15000}, EP0),
    ({"has_vul": "true"}, {"nginx:1.25"}),
    ({"has_vul": "false"}, {"nginx:1.24"}),
    (
        {"host_name": "node"},
        {
            "nginx:1.25",
            "nginx:1.24",
            "<none>:<none>",
            "redis:7",
            f"{SWR}:2.0",
            "registry.local/100%_done:1",
        },
    ),
    ({"host_name": "Web"}, {"nginx:1.25", "my-webshell:v1"}),
    ({"host_name": "web"}, {"nginx:1.25", "nginx:1.24", "<none>:<none>", "redis:7"}),
    ({"host_name": "%"}, {f"{SWR}:2.0", "registry.local/100%_done:1"}),
    ({"host_name": "pay"}, set()),
    ({"host_ip": "10.0.0.2"}, {"nginx:1.25", "my-webshell:v1"}),
    ({"host_ip": "2001:db8::1"}, {"nginx:1.25", "nginx:1.24", "<none>:<none>", "redis:7"}),
    ({"host_ip": "10.0.0"}, set()),
    ({"host_ip": "10.0.1.1"}, set()),
    ({"container_name": "end"}, {"nginx:1.25", "nginx:1.24"}),
    ({"container_name": "back"}, set()),
    ({"container_name": "_"}, {"my-webshell:v1"}),
    ({"pod_id": "pod-uid-1"}, {"nginx:1.25"}),
    ({"pod_id": "pod-uid"}, set()),
    ({"pod_name": "web"}, {"nginx:1.25"}),
    ({"pod_name": "Web"}, {"my-webshell:v1"}),
    ({"app_name": "ssl"}, {"nginx:1.25", "nginx:1.24"}),
    ({"app_name": "SSL"}, set()),
    ({"app_name": "webshell"}, {"my-webshell:v1"}),
    ({"has_container": "true"}, {"nginx:1.25", "nginx:1.24", "my-webshell:v1"}),
    ({"has_container": "false"}, {f"{SWR}:2.0", "registry.local/100%_done:1", "<none>:<none>", "redis:7"}),
    ({"has_container": "true", "image_name": "nginx", "has_vul": "true"}, {"nginx:1.25"}),
    ({"host_name": "Web", "container_name": "shell"}, {"my-webshell:v1"}),
    ({"unknown_parameter": "x"}, EP0),
]


def test_every_filter_rule(fleet: Fleet) -> None:
    for params, expected in CASES:
        assert fleet.names(**params) == expected, params


def test_ids_and_prefixes(fleet: Fleet) -> None:
    hosts = fleet.hosts
    assert fleet.names(host_id=hosts["h2"].host_id) == {"nginx:1.25", "my-webshell:v1"}
    assert fleet.names(host_id=hosts["h2"].host_id[:8]) == set()
    assert fleet.names(host_id=hosts["h4"].host_id) == set()
    assert fleet.names(host_id=hosts["h4"].host_id, enterprise_project_id="ep-pay") == {
        "alpine:3.19",
        "redis:7",
    }
    full = container_id("c1")
    assert fleet.names(container_id=full) == {"nginx:1.25"}
    assert fleet.names(container_id=full[:12]) == {"nginx:1.25"}
    assert fleet.names(container_id=full[:11]) == set()
    assert fleet.names(container_id=container_id("c4")) == set()
    assert fleet.names(container_id=container_id("c4"), enterprise_project_id="all_granted_eps") == {
        "redis:7"
    }


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("offset", "-1"),
        ("offset", "abc"),
        ("offset", "2000001"),
        ("limit", "5"),
        ("limit", "500"),
        ("limit", "1.5"),
        ("has_vul", "maybe"),
        ("has_container", "yes"),
        ("image_size", "big"),
        ("start_latest_update_time", "yesterday"),
    ],
)
def test_malformed_values_are_400_naming_the_parameter(fleet: Fleet, param: str, value: str) -> None:
    response = fleet.get(**{param: value})
    assert response.status_code == 400
    body = response.json()
    assert body["error_code"] == "HSS.0001"
    assert param in body["error_msg"]


def test_fields_and_last_host(fleet: Fleet, context: ServerContext) -> None:
    rows = fleet.rows()
    a = rows["nginx:1.25"]
    assert a["image_digest"] == digest("A-repo")
    assert rows["nginx:1.24"]["image_digest"] == digest("B")
    assert (a["scan_status"], a["vul_num"], a["severity_level"], a["latest_scan_time"]) == (
        "success",
        3,
        "High",
        10_000,
    )
    assert a["host_name"] in {"web-node-1", "Web-Node-2"}
    assert a["host_id"] in {fleet.hosts["h1"].host_id, fleet.hosts["h2"].host_id}
    assert rows["my-webshell:v1"]["scan_failed_desc"] == "huge_image"
    assert rows["my-webshell:v1"]["host_name"] == "Web-Node-2"
    assert rows[f"{SWR}:2.0"]["scan_status"] == "waiting"
    assert rows[f"{SWR}:2.0"]["local_image_type"] == "swr_image"
    assert rows["<none>:<none>"]["latest_update_time"] == 7000
    # newest first
    body = fleet.get().json()["data_list"]
    times = [r["latest_update_time"] for r in body]
    assert times == sorted(times, reverse=True)


def test_sdk_returns_every_field_as_stored(
    fleet: Fleet, live_server: LiveServer, context: ServerContext
) -> None:
    acc = fleet.account
    client = hss_client(live_server.url, acc.ak, acc.sk, acc.project_id)
    response = client.list_image_local(
        ListImageLocalRequest(limit=200, image_name="nginx", image_version="1.25")
    )
    assert response.total_num == 1
    (info,) = response.data_list
    with context.db.begin() as conn:
        stored = conn.execute(select(images).where(images.c.config_digest == digest("A"))).one()
    assert info.image_id == stored.id
    assert info.image_name == "nginx" and info.image_version == "1.25"
    assert info.image_digest == stored.repo_digest
    assert info.local_image_type == "other_image"
    assert info.scan_status == "success"
    assert info.image_size == 100
    assert info.latest_update_time == 1000
    assert info.latest_scan_time == 10_000
    assert (info.vul_num, info.unsafe_setting_num, info.malicious_file_num) == (3, 0, 0)
    assert (info.host_num, info.container_num, info.component_num) == (2, 1, 2)
    assert info.scan_failed_desc == "" and info.non_scan_reason == ""
    assert info.severity_level == "High"
    assert info.host_name in {"web-node-1", "Web-Node-2"}
    assert info.host_id and info.agent_id
    assert response.to_dict()["data_list"][0].keys() >= {
        "image_name",
        "image_id",
        "image_digest",
        "image_version",
        "local_image_type",
        "scan_status",
        "image_size",
        "latest_update_time",
        "latest_scan_time",
        "vul_num",
        "unsafe_setting_num",
        "malicious_file_num",
        "host_num",
        "container_num",
        "component_num",
        "scan_failed_desc",
        "severity_level",
        "host_name",
        "host_id",
        "agent_id",
        "non_scan_reason",
    }
    filtered = client.list_image_local(ListImageLocalRequest(limit=10, has_vul=True, scan_status="success"))
    assert [i.image_name for i in filtered.data_list] == ["nginx"]


def test_one_connection_a_list_request(fleet: Fleet, context: ServerContext) -> None:
    # The token check, the project access and the page share one transaction: one checkout (each is
    # a liveness ping on PostgreSQL) and one snapshot. A route that checked the caller in
    # transactions of its own would check out three.
    checkouts: list[object] = []

    def count(*_: object) -> None:
        checkouts.append(1)

    event.listen(context.db.engine, "checkout", count)
    try:
        ok = fleet.get(image_name="nginx")
        scoped = fleet.get(enterprise_project_id="ep-pay", host_name="web")
        checkouts_of_two = len(checkouts)
        bad = fleet.http.get(
            f"/v5/{fleet.account.project_id}/image/local-repositories", headers={"X-Auth-Token": "OHTnope"}
        )
    finally:
        event.remove(context.db.engine, "checkout", count)
    assert ok.status_code == 200 and ok.json()["total_num"] > 0
    assert scoped.status_code == 200
    assert checkouts_of_two == 2
    assert bad.status_code == 401
