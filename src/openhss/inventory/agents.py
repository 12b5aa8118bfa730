"""Agent identity: one-time enroll tokens, per-agent credentials (stored hashed), revocation, host removal."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid

from sqlalchemy import delete, insert, select, update

from openhss.inventory.counts import refresh_counts
from openhss.inventory.interface import (
    AgentIdentity,
    Enrollment,
    HostFacts,
    InvalidAgentCredential,
    UnknownHost,
)
from openhss.store import Database, now_ms
from openhss.store.counters import fold_counts
from openhss.store.tables import (
    agents,
    containers,
    enroll_tokens,
    enterprise_projects,
    hosts,
    image_hosts,
    images,
    projects,
)

_ENROLL_PREFIX = "OHE"
_SECRET_PREFIX = "OHA"


class EnrollError(InvalidAgentCredential):
    """The enroll token is unknown, used or expired."""

    code = "APIG.0307"


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


class AgentRegistry:
    """Enrollment and authentication of agents; removal of hosts."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def create_enroll_token(
        self, project_id: str, enterprise_project_id: str = "0", ttl_seconds: int = 24 * 3600
    ) -> str:
        """A one-time token that enrolls one agent into the project / enterprise project."""
        token = _ENROLL_PREFIX + secrets.token_urlsafe(32)
        with self._db.begin(write=True) as conn:
            project = conn.execute(select(projects.c.domain_id).where(projects.c.id == project_id)).first()
            if project is None:
                raise UnknownHost(f"project {project_id!r} not found")
            ep = conn.execute(
                select(enterprise_projects.c.id).where(
                    enterprise_projects.c.domain_id == project.domain_id,
                    enterprise_projects.c.id == enterprise_project_id,
                )
            ).first()
            if ep is None:
                raise UnknownHost(f"enterprise project {enterprise_project_id!r} not found")
            now = now_ms()
            conn.execute(
                insert(enroll_tokens).values(
                    token_hash=_hash(token),
                    project_id=project_id,
                    enterprise_project_id=enterprise_project_id,
                    created_ms=now,
                    expires_ms=now + ttl_seconds * 1000,
                )
            )
        return token

    def enroll(self, token: str, facts: HostFacts) -> Enrollment:
        """Spend an enroll token: a new host and the agent credential that speaks for it."""
        now = now_ms()
        agent_id, host_id = str(uuid.uuid4()), str(uuid.uuid4())
        secret = _SECRET_PREFIX + secrets.token_urlsafe(32)
        with self._db.begin(write=True) as conn:
            row = conn.execute(
                select(enroll_tokens).where(enroll_tokens.c.token_hash == _hash(token))
            ).first()
            if row is None or row.used_ms is not None or row.expires_ms <= now:
                raise EnrollError("the enroll token is invalid, used or expired")
            spent = conn.execute(
                update(enroll_tokens)
                .where(enroll_tokens.c.token_hash == row.token_hash, enroll_tokens.c.used_ms.is_(None))
                .values(used_ms=now)
            )
            if spent.rowcount != 1:
                raise EnrollError("the enroll token is invalid, used or expired")
            conn.execute(
                insert(hosts).values(
                    id=host_id,
                    project_id=row.project_id,
                    enterprise_project_id=row.enterprise_project_id,
                    name=facts.name,
                    agent_id=agent_id,
                    os=facts.os,
                    engine=facts.engine,
                    last_seen_ms=now,
                    run_id="",
                    run_started_ms=0,
                    seq=-1,
                    created_ms=now,
                )
            )
            conn.execute(
                insert(agents).values(
                    id=agent_id,
                    secret_hash=_hash(secret),
                    project_id=row.project_id,
                    host_id=host_id,
                    created_ms=now,
                )
            )
        return Enrollment(
            agent_id, f"{agent_id}.{secret}", host_id, row.project_id, row.enterprise_project_id
        )

    def authenticate(self, credential: str) -> AgentIdentity:
        """The agent behind `<agent_id>.<secret>`; AgentDenied when unknown or revoked."""
        agent_id, _, secret = credential.partition(".")
        if not secret or len(credential) > 256:
            raise InvalidAgentCredential("malformed agent credential")
        with self._db.begin() as conn:
            row = conn.execute(select(agents).where(agents.c.id == agent_id)).first()
        if row is None or not hmac.compare_digest(row.secret_hash, _hash(secret)):
            raise InvalidAgentCredential("unknown agent credential")
        if row.revoked_ms is not None:
            raise InvalidAgentCredential("the agent has been revoked")
        return AgentIdentity(agent_id=row.id, project_id=row.project_id, host_id=row.host_id)

    def heartbeat(self, agent: AgentIdentity) -> None:
        """Record that the agent's host is alive."""
        with self._db.begin(write=True) as conn:
            conn.execute(update(hosts).where(hosts.c.id == agent.host_id).values(last_seen_ms=now_ms()))

    def holds_image(self, host_id: str, config_digest: str) -> bool:
        """Whether the host's latest snapshot holds an image with this image ID."""
        with self._db.begin() as conn:
            found = conn.execute(
                select(image_hosts.c.image_id)
                .join(images, images.c.id == image_hosts.c.image_id)
                .where(image_hosts.c.host_id == host_id, images.c.config_digest == config_digest)
                .limit(1)
            ).first()
        return found is not None

    def revoke(self, agent_id: str) -> None:
        """Refuse the agent's credential from now on (its host's last state stays)."""
        with self._db.begin(write=True) as conn:
            done = conn.execute(
                update(agents)
                .where(agents.c.id == agent_id, agents.c.revoked_ms.is_(None))
                .values(revoked_ms=now_ms())
            )
            if done.rowcount == 0:
                raise UnknownHost(f"agent {agent_id!r} not found or already revoked")

    def delete_host(self, host_id: str) -> None:
        """Remove a host with its images' presence and containers; its agents are revoked."""
        with self._db.begin(write=True) as conn:
            project_id = conn.execute(select(hosts.c.project_id).where(hosts.c.id == host_id)).scalar()
            if project_id is None:
                raise UnknownHost(f"host {host_id!r} not found")
            affected = set(
                conn.execute(select(image_hosts.c.image_id).where(image_hosts.c.host_id == host_id)).scalars()
            )
            affected |= {
                i
                for i in conn.execute(
                    select(containers.c.image_id).where(containers.c.host_id == host_id)
                ).scalars()
                if i is not None
            }
            conn.execute(delete(containers).where(containers.c.host_id == host_id))
            conn.execute(delete(image_hosts).where(image_hosts.c.host_id == host_id))
            conn.execute(delete(hosts).where(hosts.c.id == host_id))
            conn.execute(update(agents).where(agents.c.host_id == host_id).values(revoked_ms=now_ms()))
            refresh_counts(conn, affected)
        fold_counts(self._db, project_id)
