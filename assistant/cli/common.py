"""What every command shares: the Typer apps, consoles, options and small helpers."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
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

# No emoji codes: ":x: alerte.md" is a file name, not a picture. Markup stays for our own
# templates; text from documents, files, settings and users goes through ``safe``.
out = Console(emoji=False)
err = Console(stderr=True, emoji=False)

EXIT_CODES = {RunStatus.SUCCESS: 0, RunStatus.FAILURE: 1, RunStatus.PARTIAL: 3}
KindOption = Annotated[
    str | None,
    typer.Option("--kind", help="procedure, catalogue ou convention (défaut : selon le dossier)"),
]
ModeOption = Annotated[SearchMode | None, typer.Option("--mode", help="hybrid, dense ou sparse")]
GroupsOption = Annotated[
    str, typer.Option("--groups", help="Groupes d'accès, séparés par des virgules")
]


def group_list(text: str) -> list[str]:
    """The groups of a ``--groups a,b`` option, blanks dropped."""
    return [group.strip() for group in text.split(",") if group.strip()]


def groups_label(groups: Sequence[str]) -> str:
    """Groups as people read them: a reader of no group sees public documents only."""
    return ", ".join(groups) or "public seulement"


def setting_file(path: Path | None, what: str, setting: str) -> Path:
    """The file a setting names, or an error saying which setting (and variable) to give."""
    if path is None:
        variable = "BOUSSOLE_" + setting.upper().replace(".", "__")
        raise ConfigurationError(
            f"Aucun fichier {what} : donnez-le dans le réglage {setting} (ou {variable})."
        )
    return path


def current_settings() -> Settings:
    """Settings from settings.yaml and the environment, read when a command runs."""
    return load_settings()


def safe(value: object) -> str:
    """Text from outside (a file name, a passage, a setting) as it reads, never as markup.

    A passage holding ``[/partage/compta]`` would otherwise close a tag that is not open
    and crash the command, and ``[bold]`` would vanish from the file name it belongs to.
    """
    return escape(str(value))


def fmt(value: float | None, digits: int = 3) -> str:
    """A figure for a table; a dash when there is none."""
    return "—" if value is None else f"{value:.{digits}f}"


def titled_table(title: str, columns: tuple[str, ...], rows: list[list[str]]) -> Table:
    """A rich table from rows of plain text: cells are shown as they read, never as markup."""
    table = Table(title=safe(title))
    for column in columns:
        table.add_column(safe(column))
    for row in rows:
        table.add_row(*(safe(cell) for cell in row))
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
    """A progress bar on the terminal only (silent when piped or in a job).

    Its ``current`` field is a template: pass it through :func:`safe`.
    """
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


PLAIN_PROGRESS_EVERY_S = 10.0


@contextmanager
def plain_progress(progress: Progress) -> Iterator[None]:
    """Where ``progress`` stands, as a plain line on stderr every few seconds, off a terminal.

    The bar is off in a cron job or a redirected run; without these lines a run that takes
    minutes says nothing and looks hung. No file name: it may name a person.
    """
    if err.is_terminal:
        yield
        return
    started, stop = time.monotonic(), threading.Event()

    def report() -> None:
        elapsed = int(time.monotonic() - started)
        for task in progress.tasks:
            err.print(
                f"{task.description} : {task.completed:.0f} sur {task.total or 0:.0f}, "
                f"{elapsed // 60} min {elapsed % 60:02d} s écoulées",
                markup=False,
                highlight=False,
            )

    def beat() -> None:
        while not stop.wait(PLAIN_PROGRESS_EVERY_S):
            report()

    beating = threading.Thread(target=beat, name="plain-progress", daemon=True)
    beating.start()
    try:
        yield
    finally:
        stop.set()
        beating.join(timeout=5)
        report()  # where it ended, however short the run


@app.callback()
def _main(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Journal détaillé")] = False,
) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.ERROR,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
