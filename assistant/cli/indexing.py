"""Commands that fill the index: prepare the model, index a folder, harvest a catalogue."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from assistant import factory
from assistant.cli.common import (
    EXIT_CODES,
    KindOption,
    app,
    current_settings,
    err,
    models_app,
    out,
    plain_progress,
    progress_bar,
    safe,
    titled_table,
    write_json,
)
from connectors.base import SkippedDocument, SourceDocument
from connectors.errors import ConfigurationError
from indexing.model_import import ModelKind
from indexing.pipeline import IndexReport, RunStatus


@models_app.command("prepare")
def models_prepare() -> None:
    """Construire le modèle multilingual-e5-small local (ONNX int8), sans téléchargement."""
    from indexing.embedding import BUNDLED_MODEL, prepare_bundled_model

    settings = current_settings()
    if settings.embedding.model != BUNDLED_MODEL:
        err.print(
            f"Le modèle configuré est « {safe(settings.embedding.model)} » : rien à préparer "
            f"(seul {BUNDLED_MODEL} se construit localement)."
        )
        return
    with err.status("Préparation du modèle multilingual-e5-small…"):
        folder = prepare_bundled_model(settings.models_dir)
    out.print(f"Modèle prêt : {safe(folder)}")


@models_app.command("import")
def models_import(
    folder: Annotated[Path, typer.Argument(help="Dossier du modèle (model.onnx, tokenizer…)")],
    kind: Annotated[
        ModelKind, typer.Option("--kind", help="embedding (vecteurs) ou reranker (cross-encoder)")
    ] = ModelKind.EMBEDDING,
    name: Annotated[
        str | None, typer.Option("--name", help="Nom à donner au modèle (défaut : le dossier)")
    ] = None,
) -> None:
    """Vérifier un dossier de modèle copié (fichiers, dimension, encodage d'essai) et l'inscrire."""
    from indexing.embedding import DenseModelSpec
    from indexing.model_import import REQUIRED_FILES, import_model

    settings = current_settings()
    with err.status("Vérification et essai du modèle…"):
        model = import_model(
            folder,
            settings.models_dir,
            kind=kind,
            name=name,
            threads=settings.embedding.threads,
        )
    size_mb = model.size_bytes / 1_000_000
    out.print(
        f"Modèle importé : {safe(model.name)} ({model.kind.value}) — {safe(model.path)}",
        highlight=False,
    )
    out.print(
        f"  fichiers vérifiés : {', '.join(REQUIRED_FILES)} ; model.onnx {size_mb:.1f} Mo, "
        f"sha256 {model.sha256[:16]}…",
        highlight=False,
    )
    if model.kind == ModelKind.EMBEDDING:
        query, passage = DenseModelSpec(model.name, settings.models_dir).prefixes()
        out.print(
            f"  essai : deux phrases, vecteurs finis et distincts de {model.dim} dimensions ; "
            f"préfixes « {safe(query)} » / « {safe(passage)} » (sinon : embedding.query_prefix "
            "et embedding.passage_prefix)",
            highlight=False,
        )
        out.print(
            f"Pour l'utiliser : embedding.model: {safe(model.name)} dans settings.yaml, puis "
            "`boussole index CHEMIN --rebuild` (l'index doit être reconstruit).",
            highlight=False,
        )
    else:
        out.print("  essai : une question et deux passages, scores finis.", highlight=False)
        out.print(
            f"Pour l'utiliser : search.reranker: {safe(model.name)} dans settings.yaml "
            f"(search.rerank_passages : passages rescorés, {settings.search.rerank_passages} "
            "aujourd'hui).",
            highlight=False,
        )


@models_app.command("list")
def models_list() -> None:
    """Lister les modèles importés (boussole models import)."""
    from indexing.model_import import imported_models

    models = imported_models(current_settings().models_dir)
    if not models:
        out.print("Aucun modèle importé (`boussole models import DOSSIER`).")
        return
    rows = [
        [
            model.name,
            model.kind.value,
            str(model.dim or "—"),
            f"{model.size_bytes / 1_000_000:.1f} Mo",
            model.sha256[:12],
            model.imported_at,
            str(model.path),
        ]
        for model in models.values()
    ]
    columns = ("Nom", "Type", "Dim.", "model.onnx", "sha256", "Importé le", "Dossier")
    out.print(titled_table("Modèles importés", columns, rows))


def _print_index_summary(report: IndexReport, report_path: Path) -> None:
    out.print(
        f"[bold]Indexation : {report.status.label}[/bold] — {report.documents_seen} documents lus, "
        f"{report.documents_indexed} indexés, {report.documents_unchanged} inchangés, "
        f"{len(report.skipped)} ignorés, {report.chunks_written} passages écrits "
        f"en {report.duration_s:.1f} s."
    )
    for skipped in report.skipped:
        out.print(f"  [yellow]ignoré[/yellow] {safe(skipped.path)} : {safe(skipped.reason)}")
    for error in report.errors:
        out.print(f"  [red]erreur[/red] {safe(error)}")
    for notice in report.notices[:10]:
        out.print(f"  [cyan]à vérifier[/cyan] {safe(notice)}")
    if len(report.notices) > 10:
        out.print(
            f"  … et {len(report.notices) - 10} autre(s) point(s) à vérifier (voir le rapport)"
        )
    out.print(f"Rapport : {safe(report_path)}")


@app.command("index")
def index(
    path: Annotated[Path, typer.Argument(help="Dossier à indexer")],
    kind: KindOption = None,
    rebuild: Annotated[
        bool, typer.Option("--rebuild", help="Vider l'index avant (changement de modèle)")
    ] = False,
    report_file: Annotated[
        Path | None, typer.Option("--report", help="Chemin du rapport JSON")
    ] = None,
) -> None:
    """Indexer un dossier (.md .txt .html .pdf .docx)."""
    settings = current_settings()
    if kind is not None and kind not in ("procedure", "catalogue", "convention"):
        raise ConfigurationError(f"--kind « {kind} » inconnu : procedure, catalogue ou convention.")
    connector = factory.files_connector(settings, path, kind)
    paths = connector.paths()
    enricher = factory.convention_enricher(settings, path)
    with err.status("Chargement du garde des données personnelles…"):
        redactor = factory.make_redactor(settings)  # fails closed before the index is opened
    embedder = factory.load_embedder(settings)
    store = factory.open_store(settings)
    try:
        if rebuild:
            store.drop()
        pipeline = factory.make_pipeline(settings, embedder, store, redactor)
        with progress_bar() as progress, plain_progress(progress):
            task = progress.add_task("Indexation", total=len(paths), current="")

            def documents() -> Iterator[SourceDocument | SkippedDocument]:
                for done, file in enumerate(paths, start=1):
                    progress.update(task, current=safe(str(file.relative_to(path))[-60:]))
                    yield from connector.read(file)
                    progress.update(task, completed=done)

            report = pipeline.run(enricher.documents(documents()), root=str(path))
        report.notices.extend(enricher.notices())
    finally:
        store.close()
    if report_file is not None:
        write_json(report_file, report.to_json())
        written = report_file
    else:
        written = report.write(settings.reports_dir)
    _print_index_summary(report, written)
    raise typer.Exit(EXIT_CODES[report.status])


@app.command("harvest")
def harvest(
    url: Annotated[str, typer.Argument(help="Adresse du service CSW (GeoNetwork, GeoCat, pycsw)")],
    name: Annotated[
        str | None, typer.Option("--name", help="Nom court de la source (défaut : l'hôte)")
    ] = None,
    full: Annotated[
        bool, typer.Option("--full", help="Tout moissonner, pas seulement les fiches modifiées")
    ] = False,
    page_size: Annotated[int, typer.Option("--page-size", min=1, max=500)] = 50,
    timeout: Annotated[
        float,
        typer.Option("--timeout", min=1, help="Secondes par requête, réponse complète comprise"),
    ] = 30,
    report_file: Annotated[
        Path | None, typer.Option("--report", help="Chemin du rapport JSON")
    ] = None,
) -> None:
    """Moissonner un catalogue CSW (fiches ISO 19139) et l'indexer, par incréments."""
    from datetime import UTC

    from connectors.catalogue.csw import CswHarvester, CswSource, HarvestState

    settings = current_settings()
    source = CswSource(url=url, name=name or "", timeout_s=timeout, page_size=page_size)
    state = HarvestState(settings.data_dir / "state" / "harvests.json")
    since = None if full else state.since(source)
    with err.status("Chargement du garde des données personnelles…"):
        redactor = factory.make_redactor(settings)  # fails closed before the index is opened
    embedder = factory.load_embedder(settings)
    store = factory.open_store(settings)
    started = datetime.now(UTC)
    harvester = CswHarvester(source)
    try:
        pipeline = factory.make_pipeline(settings, embedder, store, redactor)
        err.print(
            f"Moissonnage de {safe(url)} "
            + (f"(fiches modifiées depuis le {since:%d/%m/%Y})" if since else "(complet)")
        )
        report = pipeline.run(harvester.harvest(since), root=url)
    finally:
        store.close()
    if harvester.result.complete and report.status != RunStatus.FAILURE:
        state.mark_complete(source, started)
    written = report_file or settings.reports_dir / f"harvest-{started:%Y%m%dT%H%M%S}.json"
    data = report.to_json() | {
        "harvest": {
            "matched": harvester.result.matched,
            "pages": harvester.result.pages,
            "failed_pages": harvester.result.failed_pages,
            "since": since.isoformat() if since else None,
        }
    }
    write_json(written, data)
    _print_index_summary(report, written)
    raise typer.Exit(EXIT_CODES[report.status])
