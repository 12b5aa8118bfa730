"""Ingesting agents' snapshots over the real agent routes: replay, removal, moves, sharing, refusals."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from openhss.api.context import ServerContext
from openhss.inventory import ImageQuery, list_local_images
from openhss.store.tables import WHOLE_PROJECT, containers, image_hosts, image_names, image_scopes, images
from tests.conftest import Account
from tests.support.fleet import FleetHost, container, enroll, image, post
from tests.support.process import run_openhss
from tests.support.server import LiveServer


def _counts(context: ServerContext) -> dict[str, tuple[int, int]]:
    with context.db.begin() as conn:
        rows = conn.execute(
            select(
                images.c.image_name,
                images.c.image_version,
                image_scopes.c.host_num,
                image_scopes.c.container_num,
            )
            .join(image_scopes, image_scopes.c.image_id == images.c.id)
            .where(image_scopes.c.enterprise_project_id != WHOLE_PROJECT)
        ).all()
    return {f"{r.image_name}:{r.image_version}": (r.host_num, r.container_num) for r in rows}


def _table_size(context: ServerContext, table: Any) -> int:
    with context.db.begin() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _host(
    live_server: LiveServer, context: ServerContext, account: Account, name: str
) -> tuple[httpx.Client, FleetHost]:
    http = live_server.client()
    return http, enroll(http, context, account.project_id, name)


def test_two_hosts_share_one_image_row(
    live_server: LiveServer, context: ServerContext, account: Account
) -> None:
    http, h1 = _host(live_server, context, account, "n1")
    h2 = enroll(http, context, account.project_id, "n2")
    nginx = image("A", "nginx:1.25")
    post(http, h1, h1.report([nginx], [container("c1", "a", "nginx:1.25", "A")]))
    post(
        http,
        h2,
        h2.report(
            [nginx], [container("c2", "b", "nginx:1.25", "A"), container("c3", "c", "nginx:1.25", "A")]
        ),
    )
    assert _counts(context) == {"nginx:1.25": (2, 3)}
    assert _table_size(context, images) == 1


def test_replayed_and_older_snapshots_change_nothing(
    live_server: LiveServer, context: ServerContext, account: Account
) -> None:
    http, h = _host(live_server, context, account, "n1")
    first = h.report([image("A", "nginx:1.25"), image("B", "redis:7")])
    assert post(http, h, first).json()["applied"] is True
    second = h.report([image("A", "nginx:1.25")])
    assert post(http, h, second).json()["applied"] is True
    assert set(_counts(context)) == {"nginx:1.25"}
    # the first snapshot again (replay, lower seq) and the second again (same seq)
    assert post(http, h, first).json() == {"applied": False, "images": 0, "containers": 0}
    assert post(http, h, second).json()["applied"] is False
    assert set(_counts(context)) == {"nginx:1.25"}
    # an older run of the agent (started before the current one) is ignored whatever its seq
    stale = dict(first, run_id="older-run", run_started_ms=h.run_started_ms - 1, seq=999)
    assert post(http, h, stale).json()["applied"] is False
    # a new run (agent restarted) starts its seq again and is applied
    h.run_id, h.run_started_ms, h.seq = "new-run", h.run_started_ms + 10, 0
    assert post(http, h, h.report([image("B", "redis:7")])).json()["applied"] is True
    assert set(_counts(context)) == {"redis:7"}


def test_removed_image_and_moved_container(
    live_server: LiveServer, context: ServerContext, account: Account
) -> None:
    http, h = _host(live_server, context, account, "n1")
    imgs = [image("A", "nginx:1.25"), image("B", "nginx:1.24")]
    post(http, h, h.report(imgs, [container("c1", "web", "nginx:1.25", "A")]))
    assert _counts(context) == {"nginx:1.25": (1, 1), "nginx:1.24": (1, 0)}
    # the container is re-created from the other image (same container id, new image)
    post(http, h, h.report(imgs, [container("c1", "web", "nginx:1.24", "B")]))
    assert _counts(context) == {"nginx:1.25": (1, 0), "nginx:1.24": (1, 1)}
    # nginx:1.25 is removed from the host: its row leaves the list
    post(http, h, h.report([imgs[1]], [container("c1", "web", "nginx:1.24", "B")]))
    assert _counts(context) == {"nginx:1.24": (1, 1)}
    # and the container too
    post(http, h, h.report([imgs[1]], []))
    assert _counts(context) == {"nginx:1.24": (1, 0)}
    assert _table_size(context, containers) == 0


def test_tags_of_one_image_and_container_attribution(
    live_server: LiveServer, context: ServerContext, account: Account
) -> None:
    http, h = _host(live_server, context, account, "n1")
    both = image("A", "nginx:1.25", "nginx:latest", "mirror.local/nginx:1.25")
    post(
        http,
        h,
        h.report(
            [both], [container("c1", "x", "nginx:latest", "A"), container("c2", "y", "sha256:abc", "A")]
        ),
    )
    counts = _counts(context)
    assert counts["nginx:latest"] == (1, 1)
    # a container created by ID counts for the first row of its image (by name, then tag)
    assert counts["mirror.local/nginx:1.25"] == (1, 1)
    assert counts["nginx:1.25"] == (1, 0)


def test_agent_refused_for_other_project_or_host(
    live_server: LiveServer, context: ServerContext, account: Account
) -> None:
    http, h = _host(live_server, context, account, "n1")
    other_project = context.identity.create_project(account.domain, "eu-west-0")
    other = enroll(http, context, other_project.id, "n2")
    foreign = h.report([image("A", "nginx:1.25")])
    foreign["project_id"] = other_project.id
    response = post(http, h, foreign)
    assert (response.status_code, response.json()["error_code"]) == (403, "HSS.0010")
    foreign_host = h.report([image("A", "nginx:1.25")])
    foreign_host["host_id"] = other.host_id
    assert post(http, h, foreign_host).status_code == 403
    assert _table_size(context, images) == 0


def test_bad_credentials_and_bad_reports(
    live_server: LiveServer, context: ServerContext, account: Account
) -> None:
    http, h = _host(live_server, context, account, "n1")
    ok = h.report([image("A", "nginx:1.25")])
    assert http.post("/agent/v1/inventory", json=ok).status_code == 401
    wrong = http.post(
        "/agent/v1/inventory", json=ok, headers={"Authorization": "Bearer " + h.credential + "x"}
    )
    assert (wrong.status_code, wrong.json()["error_code"]) == (401, "APIG.0301")
    user_token = context.identity.issue_token_for(account.domain, account.user, account.project_id).value
    as_user = http.post("/agent/v1/inventory", json=ok, headers={"X-Auth-Token": user_token})
    assert as_user.status_code == 401
    bad = dict(ok, images=[{"id": "sha256:nothex", "repo_tags": [], "size": 1, "created_ms": 1}])
    response = post(http, h, bad)
    assert (response.status_code, response.json()["error_code"]) == (400, "HSS.0001")
    assert "images/0/id" in response.json()["error_msg"]
    not_json = http.post(
        "/agent/v1/inventory", content=b"{oops", headers={"Authorization": f"Bearer {h.credential}"}
    )
    assert not_json.status_code == 400
    bad_ip = dict(ok, host={"name": "n1", "addresses": [{"address": "10.0.0.999", "kind": "private"}]})
    assert post(http, h, bad_ip).status_code == 400
    # Numbers the store's 64-bit columns cannot hold, and an image ID with a newline after it.
    for huge in (dict(ok, seq=2**63), dict(ok, images=[dict(ok["images"][0], size=10**30)])):
        response = post(http, h, huge)
        assert (response.status_code, response.json()["error_code"]) == (400, "HSS.0001")
    newline = dict(ok, images=[dict(ok["images"][0], id=ok["images"][0]["id"] + "\n")])
    response = post(http, h, newline)
    assert (response.status_code, response.json()["error_code"]) == (400, "HSS.0001")
    assert "images/0/id" in response.json()["error_msg"]
    assert _table_size(context, images) == 0


def test_enroll_token_is_single_use(
    live_server: LiveServer, context: ServerContext, account: Account
) -> None:
    token = context.agents.create_enroll_token(account.project_id)
    with live_server.client() as http:
        assert http.post("/agent/v1/enroll", json={"token": token, "host": {"name": "a"}}).status_code == 201
        again = http.post("/agent/v1/enroll", json={"token": token, "host": {"name": "b"}})
        assert (again.status_code, again.json()["error_code"]) == (401, "APIG.0307")
        assert (
            http.post("/agent/v1/enroll", json={"token": "OHEnope", "host": {"name": "b"}}).status_code == 401
        )


def test_revoke_agent_and_delete_host(
    live_server: LiveServer, context: ServerContext, account: Account
) -> None:
    http, h1 = _host(live_server, context, account, "n1")
    h2 = enroll(http, context, account.project_id, "n2")
    post(http, h1, h1.report([image("A", "nginx:1.25")], [container("c1", "x", "nginx:1.25", "A")]))
    post(http, h2, h2.report([image("A", "nginx:1.25")]))
    agent_id = h1.credential.split(".")[0]
    context.agents.revoke(agent_id)
    refused = post(http, h1, h1.report([]))
    assert (refused.status_code, refused.json()["error_code"]) == (401, "APIG.0301")
    assert _counts(context) == {"nginx:1.25": (2, 1)}  # the revoked host keeps its last known state
    context.agents.delete_host(h1.host_id)
    assert _counts(context) == {"nginx:1.25": (1, 0)}
    with context.db.begin() as conn:
        assert conn.execute(select(image_hosts.c.host_id)).scalars().all() == [h2.host_id]


def test_admin_ingest_feeds_the_same_code(
    tmp_path: Path, live_server: LiveServer, context: ServerContext, account: Account
) -> None:
    _, h = _host(live_server, context, account, "n1")
    report_file = tmp_path / "report.json"
    report_file.write_text(json.dumps(h.report([image("A", "nginx:1.25")])))
    home = Path(context.settings.home)
    env = {"OPENHSS_DATABASE_URL": context.settings.database_url}
    first = run_openhss(home, "admin", "ingest", str(report_file), env=env)
    assert first.returncode == 0, first.stderr
    assert "applied: 1 images" in first.stdout
    again = run_openhss(home, "admin", "ingest", str(report_file), env=env)
    assert "not applied" in again.stdout
    report_file.write_text("{}")
    bad = run_openhss(home, "admin", "ingest", str(report_file), env=env)
    assert bad.returncode == 1 and bad.stderr.startswith("openhss: error: invalid inventory report")
    assert _counts(context) == {"nginx:1.25": (1, 0)}


scoped = image_names.alias("scoped")
"""The interned name a scope row carries (a second join of image_names)."""


def _names(context: ServerContext) -> set[tuple[str, str, str]]:
    """(image_name, interned name, scope rows' name) per image row and scope row."""
    with context.db.begin() as conn:
        rows = conn.execute(
            select(images.c.image_name, image_names.c.name, scoped.c.name)
            .join(image_names, image_names.c.id == images.c.name_id, isouter=True)
            .join(image_scopes, image_scopes.c.image_id == images.c.id, isouter=True)
            .join(scoped, scoped.c.id == image_scopes.c.name_id, isouter=True)
        ).all()
    return {(r[0], r[1], r[2]) for r in rows}


def test_image_names_are_interned_once_and_follow_every_row(
    live_server: LiveServer, context: ServerContext, account: Account
) -> None:
    http, h1 = _host(live_server, context, account, "n1")
    h2 = enroll(http, context, account.project_id, "n2")
    post(http, h1, h1.report([image("A", "nginx:1.25", "nginx:latest"), image("B", "redis:7")]))
    post(
        http,
        h2,
        h2.report([image("C", "nginx:1.26"), image("D", "swr.cn-north-4.myhuaweicloud.com/o/nginx:1")]),
    )
    # an image without tags, and a removed image whose name stays interned
    post(http, h1, h1.report([image("A", "nginx:1.25", "nginx:latest"), image("E")]))
    names = _names(context)
    assert all(row[0] == row[1] for row in names)
    # scope rows exist for images still present, and carry their image's name
    present = {row for row in names if row[2] is not None}
    assert all(row[0] == row[2] for row in present)
    assert {row[0] for row in present} == {"nginx", "swr.cn-north-4.myhuaweicloud.com/o/nginx", "<none>"}
    assert _table_size(context, image_names) == 4  # nginx, redis, the swr name, <none>
    with context.db.begin() as conn:
        listed = list_local_images(conn, account.project_id, ImageQuery(image_name="nginx"), None)
    assert sorted((r.image_name, r.image_version) for r in listed.rows) == [
        ("nginx", "1.25"),
        ("nginx", "1.26"),
        ("nginx", "latest"),
        ("swr.cn-north-4.myhuaweicloud.com/o/nginx", "1"),
    ]
    assert listed.total_num == 4
