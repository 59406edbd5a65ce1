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

from assistant import factory
from assistant.search import SearchService
from assistant.settings import SearchMode, Settings, load_settings
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


@contextmanager
def search_service(settings: Settings) -> Iterator[SearchService]:
    """The search service over the index, which is closed afterwards (it locks in local mode)."""
    store = factory.open_store(settings)
    try:
        yield factory.make_search_service(settings, factory.load_embedder(settings), store)
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
