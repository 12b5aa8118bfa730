"""`python -m openhss` runs the CLI."""

from openhss.cli import main

main()
