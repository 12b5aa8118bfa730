"""Domains, users, projects, grants, access keys and tokens in the store: the provider's IAM, self-hosted."""

from __future__ import annotations

import hashlib
import re
import secrets
import string
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Connection, Row, Table, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from openhss.identity.interface import (
    ALL_ENTERPRISE_PROJECTS,
    DEFAULT_ENTERPRISE_PROJECT,
    AccessDenied,
    Conflict,
    Domain,
    InvalidCredentials,
    InvalidToken,
    NotFound,
    Principal,
    Project,
    ProjectAccess,
    User,
)
from openhss.identity.passwords import hash_password, verify_password
from openhss.identity.secrets_box import SecretBox
from openhss.store import Database, now_ms
from openhss.store.tables import access_keys, domains, enterprise_projects, grants, projects, tokens, users

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")
_PROJECT_ID = re.compile(r"^[0-9a-f]{32}$")
_AK_ALPHABET = string.ascii_uppercase + string.digits
_SK_ALPHABET = string.ascii_letters + string.digits
# Tokens are long random strings; only their SHA-256 is stored.
_TOKEN_PREFIX = "OHT"


@dataclass(frozen=True)
class IssuedToken:
    """A token just issued; the only moment its value is known."""

    value: str
    """The token, sent as `X-Auth-Token`."""
    user: User
    """Whose token."""
    project: Project
    """The project it is scoped to."""
    issued_ms: int
    """Issue time."""
    expires_ms: int
    """Expiry time."""


class IdentityDirectory:
    """Every identity operation, over the store; SKs are encrypted with the server key."""

    def __init__(self, db: Database, box: SecretBox, token_ttl_seconds: int = 24 * 3600) -> None:
        self._db = db
        self._box = box
        self._ttl_ms = token_ttl_seconds * 1000

    @contextmanager
    def _reading(self, conn: Connection | None) -> Iterator[Connection]:
        """`conn` when the caller reads inside its own transaction, else a transaction of our own.

        A request checks its caller and then reads its answer: doing both on one connection saves
        PostgreSQL a checkout (with its liveness ping) and a BEGIN/COMMIT round trip per check.
        """
        if conn is not None:
            yield conn
            return
        with self._db.begin() as own:
            yield own

    # --- accounts -------------------------------------------------------------------------

    def create_domain(self, name: str) -> Domain:
        """A new domain, with its default enterprise project `0`."""
        _check_name("domain", name)
        domain = Domain(id=uuid.uuid4().hex, name=name)
        with self._db.begin(write=True) as conn:
            _insert_unique(
                conn, f"domain {name!r}", domains, {"id": domain.id, "name": name, "created_ms": now_ms()}
            )
            conn.execute(
                insert(enterprise_projects).values(
                    domain_id=domain.id, id=DEFAULT_ENTERPRISE_PROJECT, name="default", created_ms=now_ms()
                )
            )
        return domain

    def create_user(self, domain_name: str, name: str, password: str) -> User:
        """A new user of `domain_name`."""
        _check_name("user", name)
        _check_password(password)
        with self._db.begin(write=True) as conn:
            domain = _domain(conn, domain_name)
            user = User(id=uuid.uuid4().hex, name=name, domain=domain)
            now = now_ms()
            _insert_unique(
                conn,
                f"user {name!r}",
                users,
                {
                    "id": user.id,
                    "domain_id": domain.id,
                    "name": name,
                    "password_hash": hash_password(password),
                    "password_changed_ms": now,
                    "created_ms": now,
                },
            )
        return user

    def create_project(self, domain_name: str, name: str, project_id: str | None = None) -> Project:
        """A new project; its id is 32 hex characters, as the provider's are."""
        _check_name("project", name)
        pid = project_id or uuid.uuid4().hex
        if not _PROJECT_ID.match(pid):
            raise Conflict(f"project id {pid!r} is not 32 lower-case hex characters")
        with self._db.begin(write=True) as conn:
            domain = _domain(conn, domain_name)
            _insert_unique(
                conn,
                f"project {name!r}",
                projects,
                {"id": pid, "domain_id": domain.id, "name": name, "created_ms": now_ms()},
            )
        return Project(id=pid, name=name, domain_id=domain.id)

    def create_enterprise_project(self, domain_name: str, name: str, ep_id: str | None = None) -> str:
        """A new enterprise project of the domain; returns its id (a UUID unless given)."""
        _check_name("enterprise project", name)
        eid = ep_id or str(uuid.uuid4())
        with self._db.begin(write=True) as conn:
            domain = _domain(conn, domain_name)
            _insert_unique(
                conn,
                f"enterprise project {eid!r}",
                enterprise_projects,
                {"domain_id": domain.id, "id": eid, "name": name, "created_ms": now_ms()},
            )
        return eid

    def grant(
        self,
        domain_name: str,
        user_name: str,
        project: str,
        enterprise_project: str = ALL_ENTERPRISE_PROJECTS,
    ) -> None:
        """Let the user see `project` (id or name): all of it, or one enterprise project of it."""
        with self._db.begin(write=True) as conn:
            user = _user(conn, domain_name, user_name)
            proj = _project(conn, user.domain.id, project)
            if enterprise_project != ALL_ENTERPRISE_PROJECTS:
                found = conn.execute(
                    select(enterprise_projects.c.id).where(
                        enterprise_projects.c.domain_id == user.domain.id,
                        enterprise_projects.c.id == enterprise_project,
                    )
                ).first()
                if found is None:
                    raise NotFound(f"enterprise project {enterprise_project!r} not found")
            exists = conn.execute(
                select(grants.c.user_id).where(
                    grants.c.user_id == user.id,
                    grants.c.project_id == proj.id,
                    grants.c.enterprise_project_id == enterprise_project,
                )
            ).first()
            if exists is None:
                conn.execute(
                    insert(grants).values(
                        user_id=user.id, project_id=proj.id, enterprise_project_id=enterprise_project
                    )
                )

    def set_password(self, domain_name: str, user_name: str, password: str) -> None:
        """Change a password; every token the user holds is revoked."""
        _check_password(password)
        with self._db.begin(write=True) as conn:
            user = _user(conn, domain_name, user_name)
            conn.execute(
                update(users)
                .where(users.c.id == user.id)
                .values(password_hash=hash_password(password), password_changed_ms=now_ms())
            )
            conn.execute(delete(tokens).where(tokens.c.user_id == user.id))

    def find_project(self, domain_name: str, project: str) -> Project:
        """A project of the domain, by id or name."""
        with self._db.begin() as conn:
            return _project(conn, _domain(conn, domain_name).id, project)

    # --- access keys ----------------------------------------------------------------------

    def create_access_key(self, domain_name: str, user_name: str, description: str = "") -> tuple[str, str]:
        """A new AK/SK pair for the user; the SK is returned once and stored only encrypted."""
        ak = "".join(secrets.choice(_AK_ALPHABET) for _ in range(20))
        sk = "".join(secrets.choice(_SK_ALPHABET) for _ in range(40))
        with self._db.begin(write=True) as conn:
            user = _user(conn, domain_name, user_name)
            conn.execute(
                insert(access_keys).values(
                    ak=ak,
                    user_id=user.id,
                    sk_encrypted=self._box.encrypt(sk),
                    description=description,
                    created_ms=now_ms(),
                )
            )
        return ak, sk

    def delete_access_key(self, ak: str) -> None:
        """Remove an access key; requests signed with it fail from now on."""
        with self._db.begin(write=True) as conn:
            if conn.execute(delete(access_keys).where(access_keys.c.ak == ak)).rowcount == 0:
                raise NotFound(f"access key {ak!r} not found")

    def access_key_secret(self, ak: str, *, conn: Connection | None = None) -> tuple[User, str]:
        """The user and decrypted SK of an access key; InvalidCredentials when unknown."""
        with self._reading(conn) as conn:
            row = conn.execute(
                select(access_keys.c.user_id, access_keys.c.sk_encrypted).where(access_keys.c.ak == ak)
            ).first()
            if row is None:
                raise InvalidCredentials("unknown access key")
            user = _user_by_id(conn, row.user_id)
        return user, self._box.decrypt(row.sk_encrypted)

    # --- tokens ---------------------------------------------------------------------------

    def issue_token(self, domain_name: str, user_name: str, password: str, project: str) -> IssuedToken:
        """A token for the user scoped to `project` (id or name), after checking the password."""
        with self._db.begin() as conn:
            try:
                user = _user(conn, domain_name, user_name)
            except NotFound as exc:
                raise InvalidCredentials("the user name, password or domain is wrong") from exc
            stored = conn.execute(select(users.c.password_hash).where(users.c.id == user.id)).scalar_one()
        if not verify_password(password, stored):
            raise InvalidCredentials("the user name, password or domain is wrong")
        try:
            return self.issue_token_for(domain_name, user_name, project)
        except NotFound as exc:
            raise AccessDenied(f"no access to project {project!r}") from exc

    def issue_token_for(self, domain_name: str, user_name: str, project: str) -> IssuedToken:
        """A token without a password check (the admin CLI's `create-token`)."""
        value = _TOKEN_PREFIX + secrets.token_urlsafe(48)
        issued = now_ms()
        with self._db.begin(write=True) as conn:
            user = _user(conn, domain_name, user_name)
            proj = _project(conn, user.domain.id, project)
            _access(conn, user, proj)
            conn.execute(
                insert(tokens).values(
                    token_hash=_token_hash(value),
                    user_id=user.id,
                    project_id=proj.id,
                    issued_ms=issued,
                    expires_ms=issued + self._ttl_ms,
                )
            )
        return IssuedToken(value, user, proj, issued, issued + self._ttl_ms)

    def authenticate_token(self, value: str, *, conn: Connection | None = None) -> Principal:
        """The principal of a valid token; InvalidToken when malformed, unknown, expired or revoked."""
        if not value.startswith(_TOKEN_PREFIX) or len(value) > 256:
            raise InvalidToken("the token is malformed")
        # One statement (token, user, domain and the user's password time): a request pays this
        # before anything else, and on PostgreSQL each statement is a round trip.
        with self._reading(conn) as conn:
            row = conn.execute(
                select(
                    tokens.c.project_id,
                    tokens.c.issued_ms,
                    tokens.c.expires_ms,
                    users.c.id.label("uid"),
                    users.c.name.label("uname"),
                    users.c.password_changed_ms,
                    domains.c.id.label("did"),
                    domains.c.name.label("dname"),
                )
                .join(users, users.c.id == tokens.c.user_id)
                .join(domains, domains.c.id == users.c.domain_id)
                .where(tokens.c.token_hash == _token_hash(value))
            ).first()
        if row is None:
            raise InvalidToken("the token is invalid or has been revoked")
        if row.expires_ms <= now_ms():
            raise InvalidToken("the token has expired")
        if row.password_changed_ms > row.issued_ms:
            raise InvalidToken("the token has been revoked")
        user = User(id=row.uid, name=row.uname, domain=Domain(id=row.did, name=row.dname))
        return Principal(user=user, method="token", scoped_project_id=row.project_id)

    # --- authorisation --------------------------------------------------------------------

    def project_access(
        self, principal: Principal, project_id: str, *, conn: Connection | None = None
    ) -> ProjectAccess:
        """What `principal` may see in `project_id`; AccessDenied when nothing (or unknown project)."""
        if principal.scoped_project_id is not None and principal.scoped_project_id != project_id:
            raise AccessDenied(f"the token is not valid for project {project_id}")
        # One statement: the project with the user's grants in it (none: a row with a NULL grant).
        with self._reading(conn) as conn:
            rows = conn.execute(
                select(projects, grants.c.enterprise_project_id.label("granted"))
                .outerjoin(
                    grants, (grants.c.project_id == projects.c.id) & (grants.c.user_id == principal.user.id)
                )
                .where(projects.c.id == project_id)
            ).all()
        if not rows or rows[0].domain_id != principal.user.domain.id:
            raise AccessDenied(f"no access to project {project_id}")
        return _granted(_project_of(rows[0]), {r.granted for r in rows if r.granted is not None})


def _access(conn: Connection, user: User, project: Project) -> ProjectAccess:
    granted = set(
        conn.execute(
            select(grants.c.enterprise_project_id).where(
                grants.c.user_id == user.id, grants.c.project_id == project.id
            )
        ).scalars()
    )
    return _granted(project, granted)


def _granted(project: Project, granted: set[str]) -> ProjectAccess:
    if not granted:
        raise AccessDenied(f"no access to project {project.id}")
    eps = None if ALL_ENTERPRISE_PROJECTS in granted else frozenset(granted)
    return ProjectAccess(project=project, enterprise_projects=eps)


def _token_hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _check_name(kind: str, name: str) -> None:
    if not _NAME.match(name):
        raise Conflict(f"{kind} name {name!r} must be 1-64 letters, digits, '_', '.', '@' or '-'")


def _check_password(password: str) -> None:
    if len(password) < 8:
        raise Conflict("a password must be at least 8 characters")


def _insert_unique(conn: Connection, what: str, table: Table, values: dict[str, object]) -> None:
    try:
        with conn.begin_nested():
            conn.execute(insert(table).values(**values))
    except IntegrityError as exc:
        raise Conflict(f"{what} already exists") from exc


def _domain(conn: Connection, name: str) -> Domain:
    row = conn.execute(select(domains.c.id, domains.c.name).where(domains.c.name == name)).first()
    if row is None:
        raise NotFound(f"domain {name!r} not found")
    return Domain(id=row.id, name=row.name)


def _user(conn: Connection, domain_name: str, name: str) -> User:
    domain = _domain(conn, domain_name)
    row = conn.execute(
        select(users.c.id, users.c.name).where(users.c.domain_id == domain.id, users.c.name == name)
    ).first()
    if row is None:
        raise NotFound(f"user {name!r} not found in domain {domain_name!r}")
    return User(id=row.id, name=row.name, domain=domain)


def _user_by_id(conn: Connection, user_id: str) -> User:
    row = conn.execute(
        select(users.c.id, users.c.name, domains.c.id.label("did"), domains.c.name.label("dname"))
        .join(domains, domains.c.id == users.c.domain_id)
        .where(users.c.id == user_id)
    ).one()
    return User(id=row.id, name=row.name, domain=Domain(id=row.did, name=row.dname))


def _project(conn: Connection, domain_id: str, id_or_name: str) -> Project:
    row = conn.execute(
        select(projects).where(
            projects.c.domain_id == domain_id,
            (projects.c.id == id_or_name) | (projects.c.name == id_or_name),
        )
    ).first()
    if row is None:
        raise NotFound(f"project {id_or_name!r} not found")
    return _project_of(row)


def _project_of(row: Row[tuple[object, ...]]) -> Project:
    return Project(id=str(row.id), name=str(row.name), domain_id=str(row.domain_id))
