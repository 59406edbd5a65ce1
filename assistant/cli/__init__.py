"""The ``boussole`` command line: one module per group of commands, registered on import.

``serve`` (the API with the chat) is added by ``ui/cli.py``, the console script's entry.
"""

from __future__ import annotations

import sys

from assistant.cli.common import app, err, safe
from connectors.errors import BoussoleError

# isort: off
# Commands are listed in the help in the order their modules register them.
from assistant.cli import indexing, reindexing, querying, evaluation, pii, injection
from assistant.cli import conventions, keys, users

# isort: on

__all__ = [
    "app",
    "conventions",
    "evaluation",
    "indexing",
    "injection",
    "keys",
    "main",
    "pii",
    "querying",
    "reindexing",
    "users",
]


def main() -> None:
    """Console-script entry point: domain errors become a French message and exit code 1."""
    try:
        app()
    except BoussoleError as exc:
        err.print(f"[red]Erreur[/red] : {safe(exc.message)}")  # it names files
        sys.exit(1)
