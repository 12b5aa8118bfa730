"""Latency of `GET /v5/{project_id}/image/local-repositories` over a generated fleet, over real HTTP.

    python bench/fleet/load.py sqlite:////tmp/fleet.db
    python bench/fleet/load.py postgresql+psycopg://postgres@127.0.0.1:5432/fleet [--url http://127.0.0.1:8080]

Starts `openhss server` on a free loopback port over that store (or uses `--url`), takes a token
with the password of the `bench` user (generate.py), and for each case sends requests one after
another (at most --requests, at most --seconds) and prints p50/p99 latency and requests per second.
Each case's `total_num` is checked against an independent COUNT written here in plain SQL
(instr/strpos: no trigram index, no copied columns), so a fast wrong answer fails loudly.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fleet as shape

P = shape.PROJECT_ID


def _cases(conn: Any) -> list[tuple[str, dict[str, Any]]]:
    """The cases, with real ids/values picked from the store (the fleet is deterministic)."""

    def one(sql: str) -> Any:
        return conn.execute(text(sql)).scalar()

    busy_host = one(
        "SELECT h.id FROM hosts h JOIN image_hosts ih ON ih.host_id = h.id WHERE h.enterprise_project_id = '0' "
        "GROUP BY h.id ORDER BY count(*) DESC, h.id LIMIT 1"
    )
    ip4 = one(
        f"SELECT address FROM host_addresses WHERE host_id = '{busy_host}' AND kind = 'private' LIMIT 1"
    )
    ip6 = one(
        "SELECT a.address FROM host_addresses a JOIN hosts h ON h.id = a.host_id "
        "WHERE a.address LIKE '2001:%' AND h.enterprise_project_id = '0' ORDER BY a.address LIMIT 1"
    )
    cont = conn.execute(
        text(
            "SELECT container_id, pod_id FROM containers WHERE enterprise_project_id = '0' AND pod_id <> '' "
            "ORDER BY container_id LIMIT 1"
        )
    ).first()
    size = one(
        "SELECT i.image_size FROM images i JOIN image_scopes s ON s.image_id = i.id "
        "WHERE s.enterprise_project_id = '0' ORDER BY i.id LIMIT 1"
    )
    now = shape.NOW_MS
    day = shape.DAY_MS
    return [
        ("no filter", {}),
        ("no filter, offset 1000", {"offset": 1000}),
        ("no filter, offset 100000 (deep)", {"offset": 100000}),
        ("no filter, limit 200", {"limit": 200}),
        ("all_granted_eps", {"enterprise_project_id": "all_granted_eps"}),
        (
            "all_granted_eps + scan_status=failed",
            {"enterprise_project_id": "all_granted_eps", "scan_status": "failed"},
        ),
        ("image_name=nginx", {"image_name": "nginx"}),
        ("image_name=payments", {"image_name": "payments"}),
        ("image_name=redis + image_version=latest", {"image_name": "redis", "image_version": "latest"}),
        ("image_name=myhuaweicloud (unselective)", {"image_name": "myhuaweicloud"}),
        ("image_name=e (1 char, plain scan)", {"image_name": "e"}),
        ("image_name=er (2 chars, plain scan)", {"image_name": "er"}),
        ("image_name=100% (literal %)", {"image_name": "100%"}),
        ("image_name=_svc (literal _)", {"image_name": "_svc"}),
        ("scan_status=success", {"scan_status": "success"}),
        ("scan_status=failed", {"scan_status": "failed"}),
        ("scan_status=waiting_for_scan", {"scan_status": "waiting_for_scan"}),
        ("local_image_type=swr_image", {"local_image_type": "swr_image"}),
        ("local_image_type=other_image", {"local_image_type": "other_image"}),
        ("image_size (exact)", {"image_size": size}),
        (
            "latest_update_time last 30 days",
            {"start_latest_update_time": now - 30 * day, "end_latest_update_time": now},
        ),
        (
            "latest_scan_time last 7 days",
            {"start_latest_scan_time": now - 7 * day, "end_latest_scan_time": now},
        ),
        ("has_vul=true", {"has_vul": "true"}),
        ("has_vul=false", {"has_vul": "false"}),
        ("has_container=true", {"has_container": "true"}),
        ("has_container=false", {"has_container": "false"}),
        ("host_name=k8s-node-prod-a", {"host_name": "k8s-node-prod-a"}),
        ("host_name=payments", {"host_name": "payments"}),
        ("host_name=ec2 (unselective)", {"host_name": "ec2"}),
        ("host_name=k8 (2 chars)", {"host_name": "k8"}),
        ("host_id (busiest host)", {"host_id": busy_host}),
        ("host_ip IPv4", {"host_ip": ip4}),
        ("host_ip IPv6", {"host_ip": ip6}),
        ("container_id (full)", {"container_id": cont.container_id}),
        ("container_id (12-char prefix)", {"container_id": cont.container_id[:12]}),
        ("container_name=gateway", {"container_name": "gateway"}),
        ("container_name=turing", {"container_name": "turing"}),
        ("pod_id", {"pod_id": cont.pod_id}),
        ("pod_name=ranker-agent", {"pod_name": "ranker-agent"}),
        ("app_name=requests", {"app_name": "requests"}),
        ("app_name=lodash", {"app_name": "lodash"}),
        ("app_name=webpack-cli", {"app_name": "webpack-cli"}),
        ("app_name=lib (unselective)", {"app_name": "lib"}),
        (
            "success + has_vul + swr_image",
            {"scan_status": "success", "has_vul": "true", "local_image_type": "swr_image"},
        ),
        ("image_name=swr + scan_status=failed", {"image_name": "swr", "scan_status": "failed"}),
        (
            "host_name=k8s-node-prod + has_container=true",
            {"host_name": "k8s-node-prod", "has_container": "true"},
        ),
        ("app_name=requests + has_vul=true", {"app_name": "requests", "has_vul": "true"}),
        ("scan_status=success, offset 50000 (deep)", {"scan_status": "success", "offset": 50000}),
        ("image_name=gateway, offset 2000", {"image_name": "gateway", "offset": 2000}),
    ]


def expected_total(conn: Any, params: dict[str, Any]) -> int:
    """COUNT of matching images, from the rows themselves (no copied columns, no search index)."""
    pg = conn.dialect.name == "postgresql"

    def has(column: str, key: str) -> str:
        return f"strpos({column}, :{key}) > 0" if pg else f"instr({column}, :{key}) > 0"

    ep = params.get("enterprise_project_id", "0")
    eps = "AND {col} <> '*'" if ep == "all_granted_eps" else "AND {col} = :ep"
    where = ["s.project_id = :p", eps.format(col="s.enterprise_project_id").removeprefix("AND ")]
    bind: dict[str, Any] = {"p": P, "ep": ep}
    having = ""
    if "image_name" in params:
        where.append(has("i.image_name", "image_name"))
        if "image_version" in params:
            where.append("i.image_version = :image_version")
    statuses = {"waiting_for_scan": "waiting"}
    if "scan_status" in params:
        bind["status"] = statuses.get(params["scan_status"], params["scan_status"])
        where.append("i.scan_status = :status")
    for key in ("local_image_type", "image_size"):
        if key in params:
            where.append(f"i.{key} = :{key}")
    if "start_latest_update_time" in params:
        where.append("i.created_ms BETWEEN :start_latest_update_time AND :end_latest_update_time")
    if "start_latest_scan_time" in params:
        where.append(
            "i.scan_status = 'success' AND i.latest_scan_ms BETWEEN :start_latest_scan_time AND :end_latest_scan_time"
        )
    if "has_vul" in params:
        where.append(
            "i.scan_status = 'success' AND i.vul_num " + ("> 0" if params["has_vul"] == "true" else "= 0")
        )
    if "has_container" in params:
        having = "HAVING sum(s.container_num) " + ("> 0" if params["has_container"] == "true" else "= 0")
    host = []
    if "host_name" in params:
        host.append(has("h.name", "host_name"))
    if "host_id" in params:
        host.append("h.id = :host_id")
    if "host_ip" in params:
        host.append("h.id IN (SELECT host_id FROM host_addresses WHERE address = :host_ip)")
    if host:
        where.append(
            "EXISTS (SELECT 1 FROM image_hosts ih JOIN hosts h ON h.id = ih.host_id WHERE ih.image_id = i.id "
            f"{eps.format(col='h.enterprise_project_id')} AND " + " AND ".join(host) + ")"
        )
    cont = []
    if "container_id" in params:
        cont.append(
            "c.container_id = :container_id"
            if len(params["container_id"]) == 64
            else "c.container_id LIKE :container_id || '%'"
        )
    if "container_name" in params:
        cont.append(has("c.name", "container_name"))
    if "pod_id" in params:
        cont.append("c.pod_id = :pod_id")
    if "pod_name" in params:
        cont.append(has("c.pod_name", "pod_name"))
    if cont:
        where.append(
            f"EXISTS (SELECT 1 FROM containers c WHERE c.image_id = i.id {eps.format(col='c.enterprise_project_id')} AND "
            + " AND ".join(cont)
            + ")"
        )
    if "app_name" in params:
        where.append(
            "EXISTS (SELECT 1 FROM image_components ic JOIN component_names n ON n.id = ic.name_id "
            "WHERE ic.config_digest = i.config_digest AND " + has("n.name", "app_name") + ")"
        )
    sql = (
        "SELECT count(*) FROM (SELECT i.id FROM images i JOIN image_scopes s ON s.image_id = i.id WHERE "
        + " AND ".join(w for w in where if w)
        + f" GROUP BY i.id {having}) x"
    )
    return int(conn.execute(text(sql), {**bind, **params}).scalar_one())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _start_server(database_url: str) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENHSS_")}
    env.update(
        OPENHSS_HOME=tempfile.mkdtemp(prefix="openhss-load-"),
        OPENHSS_DATABASE_URL=database_url,
        PYTHONPATH=str(Path(__file__).resolve().parents[2] / "src"),
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "openhss", "server", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(url + "/", timeout=1)
            return server, url
        except httpx.TransportError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.terminate()
                raise SystemExit("the server did not start") from None
            time.sleep(0.2)


def _token(http: httpx.Client) -> str:
    user = {"name": shape.USER, "password": shape.PASSWORD, "domain": {"name": shape.DOMAIN}}
    body = {
        "auth": {
            "identity": {"methods": ["password"], "password": {"user": user}},
            "scope": {"project": {"id": P}},
        }
    }
    response = http.post("/v3/auth/tokens", json=body)
    response.raise_for_status()
    return response.headers["X-Subject-Token"]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("database", help="the store generate.py filled (SQLAlchemy URL or SQLite file)")
    parser.add_argument("--url", help="a running server over that store (default: start one)")
    parser.add_argument("--requests", type=int, default=200, help="at most this many requests per case")
    parser.add_argument("--seconds", type=float, default=8.0, help="at most this long per case")
    parser.add_argument("--only", help="run the cases whose label contains this")
    args = parser.parse_args()
    database = args.database if "://" in args.database else f"sqlite:///{Path(args.database).resolve()}"
    engine = create_engine(database)
    with engine.connect() as conn:
        cases = [(label, p) for label, p in _cases(conn) if not args.only or args.only in label]
        expected = {label: expected_total(conn, params) for label, params in cases}
    engine.dispose()
    server, url = (None, args.url) if args.url else _start_server(database)
    failures = 0
    try:
        with httpx.Client(base_url=url, timeout=30) as http:
            headers = {"X-Auth-Token": _token(http)}
            path = f"/v5/{P}/image/local-repositories"
            print("| case | total_num | p50 ms | p99 ms | req/s | n |")
            print("|---|---:|---:|---:|---:|---:|")
            for label, params in cases:
                http.get(path, params=params, headers=headers)  # warm: first-touch pages, plan caches
                times: list[float] = []
                totals: set[int] = set()
                begun = time.perf_counter()
                while len(times) < args.requests and time.perf_counter() - begun < args.seconds:
                    t0 = time.perf_counter()
                    response = http.get(path, params=params, headers=headers)
                    times.append(time.perf_counter() - t0)
                    response.raise_for_status()
                    totals.add(response.json()["total_num"])
                elapsed = time.perf_counter() - begun
                ok = totals == {expected[label]}
                failures += not ok
                q = statistics.quantiles(times, n=100, method="inclusive") if len(times) > 1 else times * 99
                mark = "" if ok else f" **WRONG: got {sorted(totals)}, expected {expected[label]}**"
                print(
                    f"| {label}{mark} | {expected[label]} | {q[49] * 1000:.1f} | {q[98] * 1000:.1f} "
                    f"| {len(times) / elapsed:.0f} | {len(times)} |",
                    flush=True,
                )
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
