"""The `openhss` command: one group, one module per subcommand, errors as one line and a non-zero exit."""

from __future__ import annotations

import importlib
import sys

import click

# Each module defines `command`, a click command or group; listed here so `--help` is stable.
_SUBCOMMANDS = ("server", "up", "agent", "scan", "db", "admin")


class OpenHSSGroup(click.Group):
    """Loads subcommands lazily and turns any OpenHSS error into one line on stderr."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name in _SUBCOMMANDS if self._load(name) is not None]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return self._load(cmd_name) if cmd_name in _SUBCOMMANDS else None

    @staticmethod
    def _load(name: str) -> click.Command | None:
        try:
            module = importlib.import_module(f"openhss.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"openhss.cli.{name}":
                return None
            raise
        command = getattr(module, "command", None)
        return command if isinstance(command, click.Command) else None


@click.group(cls=OpenHSSGroup)
@click.version_option(package_name="openhss")
def cli() -> None:
    """OpenHSS: container-image security with the provider's API."""


def main() -> None:
    """Entry point: click's own usage errors stay as they are; anything else is one line, exit 1."""
    try:
        # Without standalone mode click returns (not raises) the code of a click.exceptions.Exit.
        code = cli(standalone_mode=False)
        if isinstance(code, int) and code:
            sys.exit(code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.UsageError as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        click.echo(f"openhss: error: {exc.format_message()}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # the CLI never shows a traceback, and says what went wrong in one line
        lines = str(exc).strip().splitlines()
        click.echo(f"openhss: error: {lines[0] if lines else type(exc).__name__}", err=True)
        sys.exit(1)
