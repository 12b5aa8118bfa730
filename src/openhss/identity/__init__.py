"""Identity the provider's way: domains, users, projects, grants, tokens, access keys, request signatures."""

from openhss.identity.directory import IdentityDirectory, IssuedToken
from openhss.identity.interface import (
    ALL_ENTERPRISE_PROJECTS,
    DEFAULT_ENTERPRISE_PROJECT,
    AccessDenied,
    Conflict,
    Domain,
    IdentityError,
    InvalidCredentials,
    InvalidToken,
    NotFound,
    Principal,
    Project,
    ProjectAccess,
    User,
)
from openhss.identity.secrets_box import SecretBox, SecretKeyError

__all__ = [
    "ALL_ENTERPRISE_PROJECTS",
    "DEFAULT_ENTERPRISE_PROJECT",
    "AccessDenied",
    "Conflict",
    "Domain",
    "IdentityDirectory",
    "IdentityError",
    "InvalidCredentials",
    "InvalidToken",
    "IssuedToken",
    "NotFound",
    "Principal",
    "Project",
    "ProjectAccess",
    "SecretBox",
    "SecretKeyError",
    "User",
]
