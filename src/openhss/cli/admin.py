"""`openhss admin`: accounts, projects, grants, keys, tokens, agents and hosts, from the command line."""

from __future__ import annotations

from typing import BinaryIO

import click

from openhss.cli._context import open_context
from openhss.identity import ALL_ENTERPRISE_PROJECTS
from openhss.inventory import apply_report, parse_report


@click.group("admin")
def command() -> None:
    """Manage domains, users, projects, grants, access keys and tokens."""


def _password_option(func: click.decorators.FC) -> click.decorators.FC:
    return click.option(
        "--password",
        prompt=True,
        hide_input=True,
        confirmation_prompt=True,
        help="The password (prompted for when not given).",
    )(func)


@command.command("create-domain")
@click.argument("name")
def create_domain(name: str) -> None:
    """Create a domain (an account)."""
    domain = open_context().identity.create_domain(name)
    click.echo(f"domain {domain.name} {domain.id}")


@command.command("create-user")
@click.option("--domain", required=True, help="Domain name.")
@click.argument("name")
@_password_option
def create_user(domain: str, name: str, password: str) -> None:
    """Create a user in a domain."""
    user = open_context().identity.create_user(domain, name, password)
    click.echo(f"user {user.name} {user.id}")


@command.command("create-project")
@click.option("--domain", required=True, help="Domain name.")
@click.option("--id", "project_id", help="32 hex characters (default: random).")
@click.argument("name")
def create_project(domain: str, project_id: str | None, name: str) -> None:
    """Create a project; prints its id."""
    project = open_context().identity.create_project(domain, name, project_id)
    click.echo(project.id)


@command.command("create-enterprise-project")
@click.option("--domain", required=True, help="Domain name.")
@click.option("--id", "ep_id", help="Id (default: a random UUID).")
@click.argument("name")
def create_enterprise_project(domain: str, ep_id: str | None, name: str) -> None:
    """Create an enterprise project; prints its id."""
    click.echo(open_context().identity.create_enterprise_project(domain, name, ep_id))


@command.command("grant")
@click.option("--domain", required=True, help="Domain name.")
@click.option("--user", "user", required=True, help="User name.")
@click.option("--project", required=True, help="Project id or name.")
@click.option(
    "--enterprise-project",
    default=ALL_ENTERPRISE_PROJECTS,
    show_default=True,
    help="One enterprise project id, or * for all of the project.",
)
def grant(domain: str, user: str, project: str, enterprise_project: str) -> None:
    """Let a user see a project (or one enterprise project of it)."""
    open_context().identity.grant(domain, user, project, enterprise_project)
    click.echo("granted")


@command.command("create-access-key")
@click.option("--domain", required=True, help="Domain name.")
@click.option("--user", "user", required=True, help="User name.")
@click.option("--description", default="", help="A note kept with the key.")
def create_access_key(domain: str, user: str, description: str) -> None:
    """Create an AK/SK pair; the SK is shown this once."""
    ak, sk = open_context().identity.create_access_key(domain, user, description)
    click.echo(f"AK {ak}\nSK {sk}")


@command.command("delete-access-key")
@click.argument("ak")
def delete_access_key(ak: str) -> None:
    """Delete an access key."""
    open_context().identity.delete_access_key(ak)
    click.echo("deleted")


@command.command("set-password")
@click.option("--domain", required=True, help="Domain name.")
@click.option("--user", "user", required=True, help="User name.")
@_password_option
def set_password(domain: str, user: str, password: str) -> None:
    """Change a user's password; revokes every token the user holds."""
    open_context().identity.set_password(domain, user, password)
    click.echo("password changed; the user's tokens are revoked")


@command.command("create-token")
@click.option("--domain", required=True, help="Domain name.")
@click.option("--user", "user", required=True, help="User name.")
@click.option("--project", required=True, help="Project id or name.")
def create_token(domain: str, user: str, project: str) -> None:
    """Print a token for scripts (valid 24 h), without a password."""
    click.echo(open_context().identity.issue_token_for(domain, user, project).value)


@command.command("create-enroll-token")
@click.option("--project", required=True, help="Project id.")
@click.option("--enterprise-project", default="0", show_default=True, help="Enterprise project of the host.")
@click.option(
    "--ttl-hours", default=24, show_default=True, type=click.IntRange(1, 24 * 365), help="Validity."
)
def create_enroll_token(project: str, enterprise_project: str, ttl_hours: int) -> None:
    """Print a one-time token that enrolls one agent (one host)."""
    click.echo(open_context().agents.create_enroll_token(project, enterprise_project, ttl_hours * 3600))


@command.command("revoke-agent")
@click.argument("agent_id")
def revoke_agent(agent_id: str) -> None:
    """Refuse an agent's credential from now on (its host keeps its last state)."""
    open_context().agents.revoke(agent_id)
    click.echo("revoked")


@command.command("delete-host")
@click.argument("host_id")
def delete_host(host_id: str) -> None:
    """Remove a host, its images' presence and its containers; revoke its agent."""
    open_context().agents.delete_host(host_id)
    click.echo("deleted")


@command.command("ingest")
@click.argument("report", type=click.File("rb"))
def ingest(report: BinaryIO) -> None:
    """Apply an inventory report (openhss.inventory/v1 JSON; `-` for stdin) as the agent would."""
    context = open_context()
    parsed = parse_report(report.read())
    result = apply_report(context.db, parsed, None, context.settings.swr_hosts)
    if result.applied:
        click.echo(
            f"applied: {result.images} images, {result.containers} containers on host {parsed.host_id}"
        )
    else:
        click.echo("not applied: the store already holds this snapshot or a newer one")
