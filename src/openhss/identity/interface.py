"""Values and errors of identity: who is calling, and what they may see."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_ENTERPRISE_PROJECT = "0"
"""The provider's id of the default enterprise project."""
ALL_ENTERPRISE_PROJECTS = "*"
"""A grant of this enterprise project id covers every enterprise project of the project."""


class IdentityError(Exception):
    """Base of identity errors; `code` is the provider's error code the API answers with."""

    code = "HSS.0001"


class NotFound(IdentityError):
    """A domain, user, project or key does not exist."""

    code = "HSS.0011"


class Conflict(IdentityError):
    """A name is already taken."""

    code = "HSS.0001"


class InvalidCredentials(IdentityError):
    """A password, AK/SK signature or request date did not verify (APIG.0301)."""

    code = "APIG.0301"


class InvalidToken(IdentityError):
    """A token is malformed, unknown, expired or revoked (APIG.0307)."""

    code = "APIG.0307"


class AccessDenied(IdentityError):
    """The credential is valid but not for this project or enterprise project (HSS.0010)."""

    code = "HSS.0010"


@dataclass(frozen=True)
class Domain:
    """An account (the provider's domain)."""

    id: str
    """32-hex id."""
    name: str
    """Unique name."""


@dataclass(frozen=True)
class User:
    """A user of a domain."""

    id: str
    """32-hex id."""
    name: str
    """Name, unique within the domain."""
    domain: Domain
    """The user's domain."""


@dataclass(frozen=True)
class Project:
    """A project (the provider's region project) of a domain."""

    id: str
    """32-hex id, as the provider's are."""
    name: str
    """Name, unique within the domain (the provider uses region names: `cn-north-4`)."""
    domain_id: str
    """Owning domain."""


@dataclass(frozen=True)
class Principal:
    """An authenticated caller."""

    user: User
    """Who is calling."""
    method: str
    """`token` or `aksk`."""
    scoped_project_id: str | None = None
    """For tokens: the only project the token is valid for."""


@dataclass(frozen=True)
class ProjectAccess:
    """What a principal may see in one project."""

    project: Project
    """The project."""
    enterprise_projects: frozenset[str] | None
    """Enterprise project ids the caller may see; None means all of them."""

    def allows(self, enterprise_project_id: str) -> bool:
        """Whether the caller may see hosts of `enterprise_project_id`."""
        return self.enterprise_projects is None or enterprise_project_id in self.enterprise_projects
