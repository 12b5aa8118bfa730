"""ListImageRiskConfigs / ListImageRiskConfigRules for local images: uploaded scans, read back through
the official SDK and plain HTTP, against a fleet where choosing the wrong image or scope differs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkhss.v5 import ListImageRiskConfigRulesRequest, ListImageRiskConfigsRequest
from sqlalchemy import select

from openhss.api.context import ServerContext
from openhss.baseline_rules import RULES
from openhss.store.tables import images
from tests.conftest import Account
from tests.support.fleet import FleetHost, digest, enroll, image, post
from tests.support.sdk import hss_client
from tests.support.server import LiveServer

RISK_CONFIGS = "/v5/{}/image/baseline/risk-configs"


@dataclass
class Fleet:
    http: httpx.Client
    account: Account
    token: str
    row_ids: dict[str, str]
    """Label -> the list's image_id of that image's row."""

    def get(self, path: str = "", **params: Any) -> httpx.Response:
        params.setdefault("image_type", "local_image")
        return self.http.get(
            RISK_CONFIGS.format(self.account.project_id) + path,
            params={k: v for k, v in params.items() if v is not None},
            headers={"X-Auth-Token": self.token},
        )

    def configs(self, **params: Any) -> dict[str, dict[str, Any]]:
        response = self.get(**params)
        assert response.status_code == 200, response.text
        body = response.json()
        return {row["check_name"]: row for row in body["data_list"]}

    def rules(self, check_name: str, **params: Any) -> dict[str, dict[str, Any]]:
        response = self.get(f"/{check_name}/rules", **params)
        assert response.status_code == 200, response.text
        return {row["check_rule_id"]: row for row in response.json()["data_list"]}


def _upload(http: httpx.Client, host: FleetHost, label: str, **fields: Any) -> None:
    body = {
        "schema": "openhss.scan-result/v1",
        "project_id": host.project_id,
        "host_id": host.host_id,
        "image_id": digest(label),
        "status": "success",
        **fields,
    }
    response = http.post(
        "/agent/v1/scan-results", json=body, headers={"Authorization": f"Bearer {host.credential}"}
    )
    assert response.status_code == 200, response.text


def _setting(check_id: str, risk: str, account: str = "", **extra: Any) -> dict[str, Any]:
    return {"check_id": check_id, "risk_level": risk, "account": account, "title": check_id, **extra}


@pytest.fixture
def fleet(live_server: LiveServer, account: Account, context: ServerContext) -> Iterator[Fleet]:
    context.identity.create_enterprise_project(account.domain, "payments", "ep-pay")
    p = account.project_id
    with live_server.client() as http:
        h1 = enroll(http, context, p, "node-1")
        h2 = enroll(http, context, p, "node-2")
        h3 = enroll(http, context, p, "pay-node", ep="ep-pay")
        # "app:1" is two images: A pulled long ago on node-1, B (newer) on node-2.
        post(
            http,
            h1,
            h1.report(
                [
                    image("A", "app:1", created_ms=1000),
                    image("C", "never:1", created_ms=3000),
                    image("D", "broken:1", created_ms=4000),
                ]
            ),
        )
        post(http, h2, h2.report([image("B", "app:1", created_ms=2000)]))
        post(http, h3, h3.report([image("E", "pay:1", created_ms=5000)]))
        _upload(
            http,
            h1,
            "A",
            unsafe_settings=[
                _setting("ACCT-UID0", "High", "toor"),
                _setting("ACCT-UID0", "High", "admin2"),
                _setting("GRP-PRIV-MEMBER", "Medium", "bob", check_name="privileged_groups"),
                _setting("PWD-NO-EXPIRY", "Low", "bob"),
                # rules of a newer agent than this server: kept under the concern they name
                _setting("PWD-REUSE", "Medium", "bob", check_name="password_policy"),
                _setting("ZZ-ODD", "Low"),
                _setting("ZZ-ODD", "Medium", "eve", check_name="account_files"),
            ],
        )
        _upload(http, h2, "B", unsafe_settings=[_setting("TRUST-ROOT-KEYS", "Medium", "root")])
        _upload(http, h1, "D", unsafe_settings=[_setting("PWD-EMPTY", "High", "x")])
        http.post(
            "/agent/v1/scan-results",
            json={
                "schema": "openhss.scan-result/v1",
                "project_id": p,
                "host_id": h1.host_id,
                "image_id": digest("D"),
                "status": "failed",
                "failed_reason": "huge_image",
            },
            headers={"Authorization": f"Bearer {h1.credential}"},
        ).raise_for_status()
        _upload(http, h3, "E", unsafe_settings=[_setting("PWD-EMPTY", "High", "guest")])
        with context.db.begin() as conn:
            rows = conn.execute(select(images.c.id, images.c.config_digest)).all()
        by_digest = {r.config_digest: r.id for r in rows}
        token = context.identity.issue_token_for(account.domain, account.user, p).value
        yield Fleet(http, account, token, {label: by_digest[digest(label)] for label in "ABCDE"})


def _counts(rows: dict[str, dict[str, Any]]) -> dict[str, tuple[str, int, int]]:
    return {name: (r["severity"], r["check_rule_num"], r["failed_rule_num"]) for name, r in rows.items()}


def test_one_entry_per_concern_from_the_stored_findings(fleet: Fleet) -> None:
    rows = fleet.configs(image_id=fleet.row_ids["A"])
    assert _counts(rows) == {
        "account_files": ("High", 8, 1),
        "privileged_groups": ("Medium", 2, 1),
        "password_policy": ("Medium", 7, 2),
        "remote_trust": ("Security", 3, 0),
        "other": ("Medium", 1, 1),
    }
    assert list(rows) == ["account_files", "privileged_groups", "password_policy", "remote_trust", "other"]
    for name, row in rows.items():
        assert (row["check_type"], row["standard"]) == (name, "hw_standard")
    assert "UID 0" in rows["account_files"]["check_type_desc"]
    assert rows["other"]["check_type_desc"] == ""
    body = fleet.get(image_id=fleet.row_ids["A"]).json()
    assert body["total_num"] == 5
    # each failed rule is one unsafe setting: the list counts rules, not the accounts failing them
    listed = fleet.http.get(
        f"/v5/{fleet.account.project_id}/image/local-repositories",
        params={"image_name": "app", "limit": 10},
        headers={"X-Auth-Token": fleet.token},
    ).json()["data_list"]
    (row,) = [r for r in listed if r["image_id"] == fleet.row_ids["A"]]
    assert row["unsafe_setting_num"] == sum(r["failed_rule_num"] for r in rows.values()) == 5


def test_the_image_is_chosen_by_id_or_by_name_and_version(fleet: Fleet) -> None:
    # by name and version: the newest row of that name and tag (B), as the list shows first
    by_name = fleet.configs(image_name="app", image_version="1")
    assert _counts(by_name)["remote_trust"] == ("Medium", 3, 1)
    assert _counts(by_name)["account_files"] == ("Security", 8, 0)
    assert "other" not in by_name
    assert fleet.configs(image_name="app") == by_name
    # image_id wins over name and version
    assert set(fleet.configs(image_id=fleet.row_ids["A"], image_name="app", image_version="1")) >= {"other"}
    # the name is exact here (it designates one image), the version only counts with a name
    assert fleet.configs(image_name="ap", image_version="1") == {}
    assert fleet.configs(image_name="app", image_version="2") == {}
    assert fleet.configs(image_version="1") == {}
    assert fleet.configs() == {}
    assert fleet.configs(image_id="no-such-row") == {}


def test_never_scanned_failed_and_other_image_types_are_empty(fleet: Fleet) -> None:
    for label in ("C", "D"):
        body = fleet.get(image_id=fleet.row_ids[label]).json()
        assert body == {"total_num": 0, "data_list": []}, label
        assert fleet.get("/account_files/rules", image_id=fleet.row_ids[label]).json()["total_num"] == 0
    for image_type in ("private_image", "shared_image", "instance_image", "registry", "local", "bogus"):
        body = fleet.get(image_type=image_type, image_id=fleet.row_ids["A"]).json()
        assert body == {"total_num": 0, "data_list": []}, image_type


CONFIG_FILTERS: list[tuple[dict[str, Any], list[str]]] = [
    ({"check_name": "password_policy"}, ["password_policy"]),
    ({"check_name": "password"}, []),
    ({"severity": "Security"}, ["remote_trust"]),
    ({"severity": "Medium"}, ["privileged_groups", "password_policy", "other"]),
    ({"severity": "high"}, []),
    ({"severity": "Critical"}, []),
    (
        {"standard": "hw_standard"},
        ["account_files", "privileged_groups", "password_policy", "remote_trust", "other"],
    ),
    ({"standard": "cn_standard"}, []),
    ({"check_name": "account_files", "severity": "Low"}, []),
    ({"severity": ""}, ["account_files", "privileged_groups", "password_policy", "remote_trust", "other"]),
]


def test_config_filters(fleet: Fleet) -> None:
    for params, expected in CONFIG_FILTERS:
        assert list(fleet.configs(image_id=fleet.row_ids["A"], **params)) == expected, params


PASSWORD_RULES = [
    "PWD-EMPTY",
    "PWD-WEAK-HASH",
    "PWD-WEAK",
    "PWD-SHARED-HASH",
    "PWD-NO-EXPIRY",
    "PWD-FUTURE-CHANGE",
    "PWD-REUSE",
]

RULE_FILTERS: list[tuple[dict[str, Any], list[str]]] = [
    ({}, PASSWORD_RULES),
    ({"result_type": "failed"}, ["PWD-NO-EXPIRY", "PWD-REUSE"]),
    ({"result_type": "pass"}, [*PASSWORD_RULES[:4], "PWD-FUTURE-CHANGE"]),
    ({"result_type": "passed"}, []),
    ({"check_rule_name": "expires"}, ["PWD-NO-EXPIRY"]),
    ({"check_rule_name": "Expires"}, []),
    ({"check_rule_name": "common password"}, ["PWD-WEAK"]),
    ({"severity": "High"}, ["PWD-EMPTY", "PWD-WEAK-HASH", "PWD-WEAK"]),
    ({"severity": "High", "result_type": "failed"}, []),
    ({"severity": "Medium"}, ["PWD-SHARED-HASH", "PWD-REUSE"]),
    ({"severity": "Critical"}, []),
    ({"severity": "Security"}, []),
    ({"standard": "hw_standard", "result_type": "failed"}, ["PWD-NO-EXPIRY", "PWD-REUSE"]),
    ({"standard": "cn_standard"}, []),
]


def test_rule_filters(fleet: Fleet) -> None:
    for params, expected in RULE_FILTERS:
        assert list(fleet.rules("password_policy", image_id=fleet.row_ids["A"], **params)) == expected, params
    rules = fleet.rules("password_policy", image_id=fleet.row_ids["A"])
    known = {r.id: r for r in RULES}
    assert rules["PWD-NO-EXPIRY"] == {
        "severity": "Low",
        "check_name": "password_policy",
        "check_type": "password_policy",
        "standard": "hw_standard",
        "check_rule_name": known["PWD-NO-EXPIRY"].name,
        "check_rule_id": "PWD-NO-EXPIRY",
        "scan_result": "failed",
    }
    assert rules["PWD-REUSE"]["check_rule_name"] == "PWD-REUSE"
    assert list(fleet.rules("other", image_id=fleet.row_ids["A"])) == ["ZZ-ODD"]
    assert fleet.rules("no_such_concern", image_id=fleet.row_ids["A"]) == {}
    # each concern's rules are the catalogue's, in its order
    for concern in ("account_files", "privileged_groups", "remote_trust"):
        listed = list(fleet.rules(concern, image_id=fleet.row_ids["A"]))
        assert listed == [r.id for r in RULES if r.check_name == concern]


def test_paging_is_stable_and_total_exact(fleet: Fleet) -> None:
    everything = fleet.get(image_id=fleet.row_ids["A"], limit=200).json()["data_list"]
    pages = [fleet.get(image_id=fleet.row_ids["A"], limit=10, offset=o).json() for o in (0, 3, 5, 50)]
    assert [p["total_num"] for p in pages] == [5, 5, 5, 5]
    assert pages[0]["data_list"] == everything
    assert pages[1]["data_list"] == everything[3:]
    assert pages[2]["data_list"] == pages[3]["data_list"] == []
    rules = fleet.get("/password_policy/rules", image_id=fleet.row_ids["A"], offset=5).json()
    assert rules["total_num"] == 7
    assert [r["check_rule_id"] for r in rules["data_list"]] == ["PWD-FUTURE-CHANGE", "PWD-REUSE"]


MALFORMED: list[tuple[str, str | None]] = [
    ("offset", "-1"),
    ("offset", "abc"),
    ("offset", "2000001"),
    ("limit", "5"),
    ("limit", "201"),
    ("limit", "1.5"),
    ("image_type", None),
]


def test_malformed_values_are_400_naming_the_parameter(fleet: Fleet) -> None:
    for path in ("", "/account_files/rules"):
        for param, value in MALFORMED:
            response = fleet.get(path, image_id=fleet.row_ids["A"], **{param: value})
            assert response.status_code == 400, (path, param, value)
            body = response.json()
            assert body["error_code"] == "HSS.0001"
            assert param in body["error_msg"]


def test_enterprise_projects_and_other_projects(fleet: Fleet, context: ServerContext) -> None:
    e = fleet.row_ids["E"]
    assert fleet.configs(image_id=e) == {}
    assert _counts(fleet.configs(image_id=e, enterprise_project_id="ep-pay"))["password_policy"] == (
        "High",
        6,
        1,
    )
    assert set(fleet.configs(image_id=e, enterprise_project_id="all_granted_eps")) == {
        "account_files",
        "privileged_groups",
        "password_policy",
        "remote_trust",
    }
    assert fleet.configs(image_id=e, enterprise_project_id="no-such-ep") == {}
    ident = context.identity
    ident.create_user(fleet.account.domain, "bob", "bob's password")
    ident.grant(fleet.account.domain, "bob", fleet.account.project_id, "ep-pay")
    bob = Fleet(
        fleet.http,
        fleet.account,
        ident.issue_token_for(fleet.account.domain, "bob", fleet.account.project_id).value,
        fleet.row_ids,
    )
    for path in ("", "/password_policy/rules"):
        denied = bob.get(path, image_id=e)
        assert (denied.status_code, denied.json()["error_code"]) == (403, "HSS.0010")
    assert bob.configs(image_id=e, enterprise_project_id="all_granted_eps") != {}
    # bob sees only ep-pay: A, on node-1 of the default enterprise project, is not his
    assert bob.configs(image_id=fleet.row_ids["A"], enterprise_project_id="all_granted_eps") == {}
    # another project of the same domain, not granted
    other = ident.create_project(fleet.account.domain, "eu-west-0")
    for path in ("", "/password_policy/rules"):
        response = fleet.http.get(
            RISK_CONFIGS.format(other.id) + path,
            params={"image_type": "local_image", "image_id": fleet.row_ids["A"]},
            headers={"X-Auth-Token": fleet.token},
        )
        assert (response.status_code, response.json()["error_code"]) == (403, "HSS.0010")


def test_official_sdk(fleet: Fleet, live_server: LiveServer, context: ServerContext) -> None:
    acc = fleet.account
    client = hss_client(live_server.url, acc.ak, acc.sk, acc.project_id)
    response = client.list_image_risk_configs(
        ListImageRiskConfigsRequest(image_type="local_image", image_name="app", image_version="1", limit=10)
    )
    assert response.total_num == 4
    first = response.data_list[0]
    assert (first.check_name, first.check_type, first.standard, first.severity) == (
        "account_files",
        "account_files",
        "hw_standard",
        "Security",
    )
    assert (first.check_rule_num, first.failed_rule_num) == (8, 0)
    assert first.check_type_desc
    trust = next(r for r in response.data_list if r.check_name == "remote_trust")
    assert (trust.severity, trust.check_rule_num, trust.failed_rule_num) == ("Medium", 3, 1)
    filtered = client.list_image_risk_configs(
        ListImageRiskConfigsRequest(
            image_type="local_image", image_id=fleet.row_ids["A"], severity="High", standard="hw_standard"
        )
    )
    assert [r.check_name for r in filtered.data_list] == ["account_files"]
    rules = client.list_image_risk_config_rules(
        ListImageRiskConfigRulesRequest(
            check_name="remote_trust",
            image_type="local_image",
            image_name="app",
            image_version="1",
            result_type="failed",
            region="cn-north-4",
        )
    )
    assert rules.total_num == 1
    (rule,) = rules.data_list
    assert (rule.check_rule_id, rule.scan_result, rule.severity, rule.check_name, rule.check_type) == (
        "TRUST-ROOT-KEYS",
        "failed",
        "Medium",
        "remote_trust",
        "remote_trust",
    )
    assert rule.check_rule_name == "No SSH keys are preset for root"
    assert rule.standard == "hw_standard"
    passed = client.list_image_risk_config_rules(
        ListImageRiskConfigRulesRequest(
            check_name="account_files",
            image_type="local_image",
            image_id=fleet.row_ids["A"],
            check_rule_name="UID",
            offset=0,
            limit=10,
        )
    )
    assert [(r.check_rule_id, r.scan_result) for r in passed.data_list] == [
        ("ACCT-UID0", "failed"),
        ("ACCT-DUP-UID", "pass"),
    ]
    never = client.list_image_risk_configs(
        ListImageRiskConfigsRequest(image_type="local_image", image_id=fleet.row_ids["C"])
    )
    assert (never.total_num, never.data_list) == (0, [])
    other = context.identity.create_project(acc.domain, "eu-west-0")
    foreign = hss_client(live_server.url, acc.ak, acc.sk, other.id)
    with pytest.raises(ClientRequestException) as denied:
        foreign.list_image_risk_configs(
            ListImageRiskConfigsRequest(image_type="local_image", image_id=fleet.row_ids["A"])
        )
    assert (denied.value.status_code, denied.value.error_code) == (403, "HSS.0010")
