"""What every command shares: the Typer apps, consoles, options and small helpers."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from assistant import factory, users
from assistant.search import SearchService
from assistant.security import load_api_keys
from assistant.settings import SearchMode, Settings, load_settings
from connectors.errors import ConfigurationError
from guardrails.access import Reader
from indexing.pipeline import RunStatus

app = typer.Typer(
    help="Boussole : indexer et interroger les documents de la DSIN.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
models_app = typer.Typer(help="Modèles d'embedding locaux.", no_args_is_help=True)
app.add_typer(models_app, name="models")
pii_app = typer.Typer(help="Garde des données personnelles.", no_args_is_help=True)
app.add_typer(pii_app, name="pii")
conventions_app = typer.Typer(
    help="Registre des conventions d'échange de données.", no_args_is_help=True
)
app.add_typer(conventions_app, name="conventions")

out = Console()
err = Console(stderr=True)

EXIT_CODES = {RunStatus.SUCCESS: 0, RunStatus.FAILURE: 1, RunStatus.PARTIAL: 3}
KindOption = Annotated[
    str | None,
    typer.Option("--kind", help="procedure, catalogue ou convention (défaut : selon le dossier)"),
]
ModeOption = Annotated[SearchMode | None, typer.Option("--mode", help="hybrid, dense ou sparse")]


def current_settings() -> Settings:
    """Settings from settings.yaml and the environment, read when a command runs."""
    return load_settings()


def fmt(value: float | None, digits: int = 3) -> str:
    """A figure for a table; a dash when there is none."""
    return "—" if value is None else f"{value:.{digits}f}"


def titled_table(title: str, columns: tuple[str, ...], rows: list[list[str]]) -> Table:
    """A rich table from rows of text."""
    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*row)
    return table


AsUserOption = Annotated[
    str | None,
    typer.Option(
        "--as-user",
        help="Ne voir que ce que voit cet utilisateur (compte du chat ou nom de clé d'API) ; "
        "sans cette option : tout (opérateur du serveur)",
    ),
]


def reader_for(settings: Settings, as_user: str | None) -> Reader:
    """The reader a command runs as: the operator, or the user ``--as-user`` names."""
    if as_user is None:
        return Reader.operator()
    found = users.reader_named(settings.ui.users_file, as_user)
    if found is not None:
        return found
    keys_file = settings.security.api_keys_file
    for key in load_api_keys(keys_file) if keys_file else []:
        if key.name == as_user:
            return Reader.of(f"cle:{key.name}", key.groups)
    raise ConfigurationError(
        f"--as-user : « {as_user} » n'est ni un compte de ui.users_file ni une clé de "
        "security.api_keys_file."
    )


@contextmanager
def search_service(settings: Settings, reader: Reader) -> Iterator[SearchService]:
    """The search service over the index for ``reader``; the index is closed afterwards."""
    store = factory.open_store(settings)
    try:
        embedder = factory.load_embedder(settings)
        yield factory.make_search_service(settings, embedder, store, reader)
    finally:
        store.close()


def write_json(path: Path, data: Any) -> Path:
    """Write a report as indented UTF-8 JSON, creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), "utf-8")
    return path


def progress_bar() -> Progress:
    """A progress bar on the terminal only (silent when piped or in a job)."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[current]}", style="dim"),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )


@app.callback()
def _main(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Journal détaillé")] = False,
) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.ERROR,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
