"""A synthetic fleet shaped like real ones: rows for every inventory table, built in memory."""

from __future__ import annotations

import gzip
import hashlib
import itertools
import random
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ID = "0b7c6e1f4d2a4c19a0f3b5d6e7f80912"
DOMAIN, USER, PASSWORD, PROJECT = "bench", "bench", "bench-password-1", "cn-north-4"
# Enterprise projects and the share of hosts in each ("0" is the default one).
ENTERPRISE_PROJECTS = {"0": 0.55, "ep-prod": 0.20, "ep-dev": 0.12, "ep-pay": 0.08, "ep-data": 0.05}
NOW_MS = 1_764_201_600_000  # 2025-11-27, fixed so that every run builds the same fleet
DAY_MS = 86_400_000

_BASE = [
    "nginx",
    "redis",
    "postgres",
    "alpine",
    "ubuntu",
    "debian",
    "busybox",
    "python",
    "node",
    "golang",
    "openjdk",
    "eclipse-temurin",
    "mysql",
    "mariadb",
    "mongo",
    "httpd",
    "traefik",
    "memcached",
    "rabbitmq",
    "elasticsearch",
    "kibana",
    "logstash",
    "grafana/grafana",
    "prom/prometheus",
    "prom/node-exporter",
    "prom/alertmanager",
    "fluent/fluent-bit",
    "fluent/fluentd",
    "envoyproxy/envoy",
    "haproxy",
    "consul",
    "vault",
    "registry",
    "centos",
    "rockylinux",
    "amazonlinux",
    "php",
    "ruby",
    "wordpress",
    "tomcat",
    "jenkins/jenkins",
    "sonarqube",
    "nextcloud",
    "zookeeper",
    "bitnami/kafka",
    "bitnami/redis",
    "bitnami/postgresql",
    "registry.k8s.io/pause",
    "registry.k8s.io/kube-proxy",
    "registry.k8s.io/coredns/coredns",
    "registry.k8s.io/etcd",
    "registry.k8s.io/kube-apiserver",
    "registry.k8s.io/metrics-server/metrics-server",
    "quay.io/calico/node",
    "quay.io/calico/cni",
    "quay.io/cilium/cilium",
    "quay.io/prometheus/node-exporter",
    "docker.elastic.co/beats/filebeat",
    "gcr.io/distroless/static-debian12",
    "gcr.io/distroless/base-debian12",
    "mcr.microsoft.com/dotnet/aspnet",
    "mcr.microsoft.com/dotnet/runtime",
    "hashicorp/terraform",
    "minio/minio",
]
_SWR_REGIONS = [
    "cn-north-4",
    "cn-east-3",
    "cn-south-1",
    "cn-north-1",
    "ap-southeast-1",
    "ap-southeast-3",
    "la-south-2",
]
_REGISTRIES = [
    "harbor.corp.example:5000",
    "registry.gitlab.example.com",
    "ghcr.io",
    "quay.io",
    "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
    "acr-prod.azurecr.io",
    "docker.io",
    "localhost:5000",
]
_TEAMS = [
    "payments",
    "checkout",
    "search",
    "identity",
    "platform",
    "data",
    "ml",
    "infra",
    "mobile",
    "web",
    "billing",
    "risk",
    "ads",
    "growth",
    "sre",
    "security",
    "iot",
    "logistics",
    "crm",
    "erp",
]
_WORDS = [
    "order",
    "user",
    "cart",
    "gateway",
    "auth",
    "report",
    "notify",
    "ledger",
    "invoice",
    "stock",
    "price",
    "feed",
    "ranker",
    "indexer",
    "crawler",
    "etl",
    "sync",
    "worker",
    "api",
    "web",
    "admin",
    "portal",
    "profile",
    "session",
    "media",
    "upload",
    "thumb",
    "geo",
    "route",
    "fraud",
    "score",
    "audit",
    "event",
    "stream",
    "batch",
    "cron",
    "proxy",
    "cache",
    "config",
    "shell",
    "metrics",
]
_SUFFIX = [
    "service",
    "svc",
    "server",
    "worker",
    "job",
    "consumer",
    "frontend",
    "backend",
    "operator",
    "agent",
]
_NAMESPACES = [
    "default",
    "kube-system",
    "monitoring",
    "logging",
    "ingress-nginx",
    "prod",
    "staging",
    "payments",
    "data",
    "istio-system",
    "cert-manager",
    "argocd",
]
_ADJ = [
    "admiring",
    "brave",
    "clever",
    "dreamy",
    "eager",
    "focused",
    "gallant",
    "happy",
    "jolly",
    "keen",
    "loving",
    "modest",
    "nifty",
    "optimistic",
    "quirky",
    "relaxed",
    "sharp",
    "tender",
    "vibrant",
    "zealous",
]
_NAMES = [
    "turing",
    "hopper",
    "lovelace",
    "knuth",
    "ritchie",
    "thompson",
    "torvalds",
    "wozniak",
    "curie",
    "noether",
    "euler",
    "gauss",
    "babbage",
    "dijkstra",
    "hamilton",
    "liskov",
    "lamport",
    "shannon",
]
_FAILED = [
    "unknown_error",
    "failed_to_match_agent",
    "create_container_failed",
    "docker_offline",
    "get_docker_root_failed",
    "image_not_exist_or_docker_api_fault",
    "huge_image",
    "response_timed_out",
]


def _hex(rng: random.Random, n: int) -> str:
    return f"{rng.getrandbits(4 * n):0{n}x}"


def _digest(rng: random.Random) -> str:
    return "sha256:" + _hex(rng, 64)


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


@dataclass
class Fleet:
    """Every row, as tuples in each table's column order (see `COLUMNS`)."""

    rows: dict[str, list[tuple[object, ...]]] = field(default_factory=dict)


COLUMNS = {
    "hosts": (
        "id",
        "project_id",
        "enterprise_project_id",
        "name",
        "agent_id",
        "os",
        "engine",
        "last_seen_ms",
        "run_id",
        "run_started_ms",
        "seq",
        "created_ms",
    ),
    "agents": ("id", "secret_hash", "project_id", "host_id", "created_ms", "revoked_ms"),
    "image_names": ("id", "name"),
    "host_addresses": ("host_id", "address", "kind"),
    "images": (
        "id",
        "project_id",
        "image_name",
        "image_version",
        "config_digest",
        "repo_digest",
        "image_size",
        "created_ms",
        "local_image_type",
        "scan_status",
        "latest_scan_ms",
        "vul_num",
        "unsafe_setting_num",
        "malicious_file_num",
        "component_num",
        "scan_failed_desc",
        "severity_level",
        "non_scan_reason",
        "name_id",
    ),
    "image_hosts": ("image_id", "host_id", "enterprise_project_id", "created_ms"),
    "containers": (
        "host_id",
        "container_id",
        "project_id",
        "enterprise_project_id",
        "image_id",
        "name",
        "state",
        "image_ref",
        "config_digest",
        "pod_id",
        "pod_name",
        "pod_namespace",
        "created_ms",
        "image_created_ms",
    ),
    "component_names": ("id", "name"),
    "image_components": ("config_digest", "name_id"),
    "image_scopes": (
        "image_id",
        "enterprise_project_id",
        "project_id",
        "created_ms",
        "host_num",
        "container_num",
        "scan_status",
        "local_image_type",
        "image_size",
        "latest_scan_ms",
        "vul_num",
        "name_id",
    ),
}
ORDER = list(COLUMNS)


def vocabulary() -> list[str]:
    """Package names: Debian's, then the most used PyPI and npm ones (bench/fleet/package-names.txt.gz)."""
    with gzip.open(Path(__file__).with_name("package-names.txt.gz"), "rt") as f:
        return [line.rstrip("\n") for line in f if line.strip()]


def _repositories(rng: random.Random, count: int) -> list[str]:
    repos = list(_BASE)
    seen = set(repos)
    while len(repos) < count:
        team, word, suffix = rng.choice(_TEAMS), rng.choice(_WORDS), rng.choice(_SUFFIX)
        app = f"{word}-{suffix}" if rng.random() < 0.7 else f"{word}-{rng.choice(_WORDS)}-{suffix}"
        kind = rng.random()
        if kind < 0.30:
            name = f"swr.{rng.choice(_SWR_REGIONS)}.myhuaweicloud.com/{team}-{rng.randrange(40)}/{app}"
        elif kind < 0.85:
            name = f"{rng.choice(_REGISTRIES)}/{team}/{app}"
        else:
            name = f"{team}{rng.randrange(100)}/{app}"
        if name not in seen:
            seen.add(name)
            repos.append(name)
    return repos


def _tag(rng: random.Random, n: int) -> str:
    kind = rng.random()
    if kind < 0.45:
        return f"{1 + n // 100}.{(n // 10) % 10}.{n % 10}"
    if kind < 0.65:
        return f"v{1 + n // 50}.{n % 50}.{rng.randrange(10)}" + ("-rc1" if rng.random() < 0.1 else "")
    if kind < 0.85:
        return f"{2022 + n % 4}.{1 + n % 12:02d}.{1 + n % 28:02d}-{_hex(rng, 7)}"
    return f"main-{_hex(rng, 7)}-{n}"


def build(hosts: int, images: int, presence: int, containers: int, seed: int = 1) -> Fleet:
    """The whole fleet; every count the list shows is computed from the rows, as ingestion does."""
    rng = random.Random(seed)
    p = PROJECT_ID
    out = Fleet()

    # hosts, agents, addresses
    eps = list(ENTERPRISE_PROJECTS)
    host_rows, host_ep, addresses, agent_rows = [], [], [], []
    for n in range(hosts):
        hid, aid = _uuid(rng), _uuid(rng)
        ep = rng.choices(eps, weights=list(ENTERPRISE_PROJECTS.values()))[0]
        style = rng.random()
        if style < 0.4:
            name = f"k8s-node-{rng.choice(['prod', 'stg', 'dev'])}-{rng.choice('abc')}{n:05d}"
        elif style < 0.6:
            name = f"ecs-{rng.choice(_TEAMS)}-{n:05d}"
        elif style < 0.75:
            name = f"ip-10-{n // 65536 % 256}-{n // 256 % 256}-{n % 256}.ec2.internal"
        elif style < 0.9:
            name = f"cce-{rng.choice(_TEAMS)}-{_hex(rng, 5)}-{n:05d}"
        else:
            name = f"Worker{n:05d}.DC{1 + n % 4}.corp"
        created = NOW_MS - rng.randrange(900) * DAY_MS
        host_rows.append(
            (
                hid,
                p,
                ep,
                name,
                aid,
                rng.choice(
                    [
                        "Ubuntu 22.04.4 LTS",
                        "EulerOS 2.0 (SP10)",
                        "Debian GNU/Linux 12",
                        "CentOS Linux 7",
                        "Rocky Linux 9.3",
                    ]
                ),
                rng.choice(["docker 24.0.7", "containerd 1.6.28", "docker 20.10.24", "podman 4.9.3"]),
                NOW_MS - rng.randrange(3_600_000),
                uuid.UUID(int=rng.getrandbits(128)).hex,
                created,
                rng.randrange(1, 500),
                created,
            )
        )
        host_ep.append(ep)
        agent_rows.append((aid, _hex(rng, 64), p, hid, created, None))
        addresses.append((hid, f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}", "private"))
        if rng.random() < 0.3:
            addresses.append(
                (hid, f"{100 + n % 100}.{n // 256 % 256}.{n % 256}.{rng.randrange(1, 255)}", "public")
            )
        if rng.random() < 0.15:
            addresses.append(
                (hid, f"2001:db8:{n // 65536:x}:{n % 65536:x}::{rng.randrange(1, 65535):x}", "public")
            )
    out.rows["hosts"], out.rows["agents"], out.rows["host_addresses"] = host_rows, agent_rows, addresses

    # images: a Zipf-like number of tags per repository, a few tags aliasing the same image ID
    repos = _repositories(rng, max(1, images // 8))
    repo_weights = [1 / (r + 5) ** 0.9 for r in range(len(repos))]
    picked = rng.choices(range(len(repos)), cum_weights=list(itertools.accumulate(repo_weights)), k=images)
    picked[: len(repos)] = range(min(len(repos), images))  # every repository at least once
    tags_of: Counter[int] = Counter()
    image_rows: list[tuple[object, ...]] = []
    digest_of: list[str] = []
    previous: dict[int, tuple[str, int, int]] = {}
    for r in picked:
        name = repos[r]
        tags_of[r] += 1
        if rng.random() < 0.03:
            name, version = "<none>", "<none>"
        else:
            version = "latest" if tags_of[r] == 2 else _tag(rng, tags_of[r])
        if version == "latest" and r in previous:
            config, size, created = previous[r]  # `latest` is another tag of the newest version
        else:
            config = _digest(rng)
            size = int(min(8e9, rng.lognormvariate(18.5, 1.2)))
            created = NOW_MS - int(rng.expovariate(1 / 200) * DAY_MS) - rng.randrange(DAY_MS)
            previous[r] = (config, size, created)
        swr = name.startswith("swr.") and ".myhuaweicloud.com/" in name
        status = rng.choices(
            ["success", "unscan", "failed", "waiting", "scanning"], weights=[55, 25, 8, 7, 5]
        )[0]
        scan_ms = vul = unsafe = malware = 0
        failed, severity = "", ""
        if status == "success":
            scan_ms = created + rng.randrange(1, 60) * DAY_MS // 10
            vul = 0 if rng.random() < 0.35 else int(rng.lognormvariate(2.5, 1.4)) + 1
            unsafe = rng.choice([0, 0, 0, 1, 2, 3])
            malware = 1 if rng.random() < 0.002 else 0
            worst = vul + unsafe * 2 + malware * 100
            severity = (
                "Security" if worst == 0 else "Low" if worst < 5 else "Medium" if worst < 40 else "High"
            )
        elif status == "failed":
            failed = rng.choice(_FAILED)
        repo_digest = _digest(rng) if name != "<none>" and rng.random() < 0.6 else ""
        image_rows.append(
            [
                _uuid(rng),
                p,
                name,
                version,
                config,
                repo_digest,
                size,
                created,
                "swr_image" if swr else "other_image",
                status,
                scan_ms,
                vul,
                unsafe,
                malware,
                0,
                failed,
                severity,
                "",
            ]
        )
        digest_of.append(config)

    # components for every successfully scanned image ID, interned names
    vocab = vocabulary()
    debian = vocab[:900]
    pypi, npm = vocab[900:15900], vocab[15900:]
    pypi_cum = list(itertools.accumulate(1 / (r + 3) for r in range(len(pypi))))
    npm_cum = list(itertools.accumulate(1 / (r + 3) for r in range(len(npm))))
    name_ids: dict[str, int] = {}
    links: list[tuple[object, ...]] = []
    components_of: dict[str, int] = {}
    for row in image_rows:
        config = str(row[4])
        if row[9] != "success" or config in components_of:
            continue
        family = rng.random()
        core = 8 if family < 0.15 else 15 if family < 0.45 else 45
        names = set(debian[: core // 2]) | set(rng.sample(debian, core - core // 2))
        if rng.random() < 0.25:
            names |= set(rng.choices(pypi, cum_weights=pypi_cum, k=rng.randrange(5, 40)))
        if rng.random() < 0.15:
            names |= set(rng.choices(npm, cum_weights=npm_cum, k=rng.randrange(10, 90)))
        components_of[config] = len(names)
        for n in names:
            nid = name_ids.setdefault(n, len(name_ids) + 1)
            links.append((config, nid))
    for row in image_rows:
        row[14] = components_of.get(str(row[4]), 0)
    # interned image names (as ingestion interns them), numbered in name order as migration 0008 does
    image_name_ids = {n: i for i, n in enumerate(sorted({str(r[2]) for r in image_rows}), start=1)}
    for row in image_rows:
        row.append(image_name_ids[str(row[2])])
    out.rows["image_names"] = [(i, n) for n, i in image_name_ids.items()]
    out.rows["images"] = [tuple(r) for r in image_rows]
    out.rows["component_names"] = [(i, n) for n, i in name_ids.items()]
    out.rows["image_components"] = links

    # presence: each image on one host at least, base images on most hosts, a long Zipf tail
    pairs: set[tuple[int, int]] = {(i, rng.randrange(hosts)) for i in range(images)}
    popular = min(40, images)
    for i in range(popular):
        share = 0.85 / (1 + i * 0.25)
        for h in rng.sample(range(hosts), int(hosts * share)):
            pairs.add((i, h))
    tail_cum = list(itertools.accumulate(1 / (r + 10) for r in range(images)))
    host_cum = list(itertools.accumulate(rng.paretovariate(2.0) for _ in range(hosts)))
    while len(pairs) < presence:
        need = presence - len(pairs)
        for i, h in zip(
            rng.choices(range(images), cum_weights=tail_cum, k=need),
            rng.choices(range(hosts), cum_weights=host_cum, k=need),
            strict=True,
        ):
            pairs.add((i, h))
    ordered = sorted(pairs)[:presence] if len(pairs) > presence else sorted(pairs)
    # The image's created_ms on its presence and container rows, as migration 0014's triggers keep it.
    out.rows["image_hosts"] = [
        (image_rows[i][0], host_rows[h][0], host_ep[h], image_rows[i][7]) for i, h in ordered
    ]

    # containers: sampled from presence (an image with many hosts runs in many containers)
    container_rows = []
    for n, (i, h) in enumerate(rng.choices(ordered, k=containers)):
        img = image_rows[i]
        ref = f"{img[2]}:{img[3]}" if img[2] != "<none>" else str(img[4])
        pod_id = pod_name = namespace = ""
        if n % 3 == 0:
            pod_id, namespace = _uuid(rng), rng.choice(_NAMESPACES)
            pod_name = f"{rng.choice(_WORDS)}-{rng.choice(_SUFFIX)}-{_hex(rng, 10)}-{_hex(rng, 5)}"
            name = f"k8s_{rng.choice(_WORDS)}_{pod_name}_{namespace}_{pod_id}_{rng.randrange(3)}"
        elif rng.random() < 0.5:
            name = f"{rng.choice(_ADJ)}_{rng.choice(_NAMES)}{rng.randrange(100)}"
        else:
            name = f"{rng.choice(_WORDS)}-{rng.choice(_SUFFIX)}-{n}"
        state = rng.choices(["running", "exited", "created", "paused"], weights=[70, 24, 5, 1])[0]
        container_rows.append(
            (
                host_rows[h][0],
                hashlib.sha256(f"{seed}:{n}".encode()).hexdigest(),
                p,
                host_ep[h],
                img[0],
                name,
                state,
                ref,
                img[4],
                pod_id,
                pod_name,
                namespace,
                int(img[7]) + rng.randrange(1, 100) * DAY_MS // 7,
                img[7],
            )
        )
    out.rows["containers"] = container_rows

    # image_scopes: what counts.refresh_counts computes, from the rows above
    host_num: Counter[tuple[object, object]] = Counter((r[0], r[2]) for r in out.rows["image_hosts"])
    cont_num: Counter[tuple[object, object]] = Counter((r[4], r[3]) for r in container_rows)
    by_id = {r[0]: r for r in out.rows["images"]}
    scopes = []
    for (iid, ep), hn in sorted(host_num.items(), key=lambda kv: (str(kv[0][0]), str(kv[0][1]))):
        img = by_id[iid]
        scopes.append(
            (
                iid,
                ep,
                p,
                img[7],
                hn,
                cont_num.get((iid, ep), 0),
                img[9],
                img[8],
                img[6],
                img[10],
                img[11],
                img[18],
            )
        )
    # ... and the whole-project row of each present image: the sums over its enterprise projects
    whole: dict[object, list[object]] = {}
    for row in scopes:
        total = whole.setdefault(row[0], [row[0], "*", *row[2:4], 0, 0, *row[6:]])
        total[4] = int(str(total[4])) + int(str(row[4]))
        total[5] = int(str(total[5])) + int(str(row[5]))
    out.rows["image_scopes"] = scopes + [tuple(r) for r in whole.values()]
    return out
