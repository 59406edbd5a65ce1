"""Commands of the personal-data guard: preview a file's redaction, score the guard."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from assistant import factory
from assistant.cli.common import (
    current_settings,
    err,
    fmt,
    out,
    pii_app,
    safe,
    titled_table,
    write_json,
)
from connectors.base import SkippedDocument
from connectors.errors import ConfigurationError


@pii_app.command("check")
def pii_check(
    file: Annotated[
        Path, typer.Argument(help="Fichier à prévisualiser (document ou fichier de catalogue)")
    ],
) -> None:
    """Afficher un fichier tel qu'il serait indexé, données personnelles remplacées."""
    from connectors.files import FilesConnector

    if not file.is_file():
        raise ConfigurationError(f"Fichier introuvable : {file}")
    settings = current_settings()
    items = FilesConnector(file.parent).read(file)
    documents = [item for item in items if not isinstance(item, SkippedDocument)]
    for item in items:
        if isinstance(item, SkippedDocument):
            err.print(f"[yellow]ignoré[/yellow] {safe(item.source_path)} : {safe(item.reason)}")
    if not documents:
        raise ConfigurationError(f"{file} : aucun document lisible.")
    with err.status("Chargement du garde (Presidio, spaCy)…"):
        redactor = factory.make_redactor(settings)
    for original in documents:
        redaction = redactor.redact_document(original)
        document = redaction.document
        out.print(f"[bold]{safe(document.title)}[/bold]", highlight=False)
        for section in document.sections:
            where = " · ".join(
                part for part in (section.heading, section.page and f"page {section.page}") if part
            )
            if where:
                out.print(f"\n[italic]{safe(where)}[/italic]", highlight=False)
            out.print(section.text, highlight=False, markup=False)
        counts = ", ".join(f"{kind} : {n}" for kind, n in redaction.counts.most_common())
        err.print(f"\n[bold]Remplacements[/bold] : {safe(counts or 'aucun')}\n")


@pii_app.command("eval")
def pii_eval(
    cases: Annotated[Path, typer.Option("--cases", help="Cas étiquetés (JSONL)")] = Path(
        "tests/data/pii_fr.jsonl"
    ),
    report_file: Annotated[
        Path | None, typer.Option("--report", help="Écrire le rapport JSON ici")
    ] = None,
) -> None:
    """Mesurer rappel et précision du garde, par type, sur des cas étiquetés."""
    from eval.pii import load_cases, score

    items = load_cases(cases)
    settings = current_settings()
    with err.status("Chargement du garde (Presidio, spaCy)…"):
        redactor = factory.make_redactor(settings)

    def find(texts: Any) -> list[list[tuple[str, int, int]]]:
        return [[(f.entity, f.start, f.end) for f in found] for found in redactor.find(texts)]

    report = score(items, find)
    rows = [
        [kind, str(v["n"]), fmt(v["recall"]), fmt(v["typed_recall"]), str(v["predicted"]),
         fmt(v["precision"])]
        for kind, v in report["by_type"].items()
    ]  # fmt: skip
    overall = report["overall"]
    rows.append(
        ["global", str(report["entities"]), fmt(overall["recall"]),
         fmt(overall["typed_recall"]), "", fmt(overall["precision"])]
    )  # fmt: skip
    out.print(
        titled_table(
            f"{cases.name} — {report['cases']} textes, {report['entities']} entités",
            ("type", "n", "rappel", "rappel (bon type)", "détectés", "précision"),
            rows,
        )
    )
    out.print(
        f"Textes sans donnée personnelle laissés intacts : {fmt(overall['clean_texts_untouched'])}"
    )
    if report_file is not None:
        write_json(report_file, report)
        err.print(f"Rapport : {safe(report_file)}")
