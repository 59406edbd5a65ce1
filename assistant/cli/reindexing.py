"""``boussole reindex``: the declared sources brought up to date, beside a running server.

On the embedded index, while ``boussole serve`` holds it, the run works on a new generation
(``indexing/generations.py``) and publishes it; the server switches to it without a restart.
With no server running, or on a Qdrant server, the run writes in place.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Annotated

import typer

from assistant import factory
from assistant.cli.common import EXIT_CODES, app, current_settings, err, fmt, out, safe
from assistant.settings import Settings
from connectors.errors import ConfigurationError
from guardrails.access import Reader
from indexing.generations import Generation, IndexGenerations, ServingRecord
from indexing.pipeline import RunStatus
from indexing.reindex import ReindexReport
from indexing.store import QdrantStore

DEGRADED_EXIT_CODE = 4
SWITCH_POLL_S = 0.5


@dataclass
class Target:
    """Where the run writes: the index in use, or a new generation beside the server's."""

    store: QdrantStore
    generation: Generation | None = None
    generations: IndexGenerations | None = None
    serving: ServingRecord | None = None


def open_target(settings: Settings) -> Target:
    """The index to write: a new generation when a server holds the embedded one."""
    if settings.qdrant.url is not None:
        return Target(factory.open_store(settings))
    serving = ServingRecord(settings.data_dir / "state" / "serving.json")
    server = serving.current()
    if server is None:
        return Target(factory.open_store(settings))
    generations = IndexGenerations(settings.qdrant_path)
    # Copies left by a killed run go; the folder the server has open stays.
    generations.collect(keep=[settings.qdrant_path.with_name(server.generation)])
    err.print(
        f"Le service tourne (processus {server.pid}) : la réindexation travaille sur une "
        "copie de l'index, qu'il continue de servir jusqu'à la bascule."
    )
    with err.status("Copie de l'index en service…"):
        generation = generations.prepare()
    return Target(
        factory.open_store(settings, folder=generation.path), generation, generations, serving
    )


def publish(target: Target, report: ReindexReport, timeout_s: float) -> bool:
    """Hand a new generation to the server; False when it has not switched in time.

    A failed run's copy is thrown away: the index in use is as it was.
    """
    generation, generations, serving = target.generation, target.generations, target.serving
    if generation is None or generations is None or serving is None:
        return True
    if report.status == RunStatus.FAILURE:
        generations.discard(generation)
        err.print("Réindexation en échec : sa copie est abandonnée, l'index en service est intact.")
        return True
    generations.publish(generation)
    deadline = time.monotonic() + timeout_s
    with err.status("Bascule du service sur le nouvel index…"):
        while True:
            server = serving.current()
            if server is None or server.generation == generation.path.name:
                break
            if time.monotonic() > deadline:
                err.print(
                    f"[yellow]Le service (processus {server.pid}) n'a pas basculé en "
                    f"{timeout_s:.0f} s[/yellow] : voyez son journal. Le nouvel index est publié "
                    "et sera servi au plus tard au prochain démarrage ; l'ancien est gardé."
                )
                return False
            time.sleep(SWITCH_POLL_S)
    removed = generations.collect()
    who = f"Le service (processus {server.pid})" if server else "Le prochain démarrage"
    err.print(
        f"{who} sert le nouvel index ({generation.path.name}) ; "
        f"{len(removed)} ancienne(s) génération(s) supprimée(s)."
    )
    return True


@app.command("reindex")
def reindex(
    source: Annotated[
        str | None, typer.Option("--source", help="Seulement cette source (nom déclaré)")
    ] = None,
    full: Annotated[
        bool, typer.Option("--full", help="Tout relire et tout recalculer, même l'inchangé")
    ] = False,
    allow_empty: Annotated[
        bool,
        typer.Option(
            "--allow-empty", help="Accepter qu'une source ne rende plus rien (et la vider)"
        ),
    ] = False,
) -> None:
    """Remettre l'index à jour depuis les sources déclarées (réglage « sources »).

    Fonctionne pendant que « boussole serve » tourne : le service bascule sur le nouvel
    index sans redémarrer. Codes de sortie : 0 succès, 3 partiel (ou service pas encore
    basculé), 1 échec, 4 qualité dégradée (garde d'évaluation).
    """
    from indexing.reindex import Reindexer, RunLock, write_history

    settings = current_settings()
    if not settings.sources:
        raise ConfigurationError(
            "Aucune source déclarée : ajoutez-en sous « sources: » dans settings.yaml."
        )
    state_dir = settings.data_dir / "state"
    with RunLock(state_dir / "reindex.lock") as lock:
        if lock.recovered is not None:
            err.print(
                "[yellow]Verrou d'une réindexation interrompue repris[/yellow] "
                f"(processus {safe(lock.recovered.get('pid'))}, "
                f"depuis {safe(lock.recovered.get('since'))})."
            )
        sources, after = factory.declared_sources(settings, only=source, full=full)
        with err.status("Chargement du garde des données personnelles…"):
            redactor = factory.make_redactor(settings)  # fails closed before the index opens
        embedder = factory.load_embedder(settings)
        target = open_target(settings)
        store = target.store
        try:
            pipeline = factory.make_pipeline(settings, embedder, store, redactor)
            report = Reindexer(pipeline, store).run(sources, full=full, allow_empty=allow_empty)
            questions = settings.reindex.questions
            if questions is not None:
                from assistant.quality import previous_quality, quality

                service = factory.make_search_service(settings, embedder, store, Reader.operator())
                report.quality = quality(
                    questions,
                    lambda question: service.ranked_paths(question.question, depth=10),
                    previous_quality(state_dir),
                    settings.reindex.max_drop,
                )
        except BaseException:
            store.close()
            if target.generation is not None and target.generations is not None:
                target.generations.discard(target.generation)
            raise
        store.close()
        switched = publish(target, report, settings.reindex.switch_timeout_s)
        after(report)
        written = write_history(report, settings.reports_dir, state_dir)
    _print_report(report, written)
    if report.degraded and report.status != RunStatus.FAILURE:
        raise typer.Exit(DEGRADED_EXIT_CODE)
    if not switched and report.status == RunStatus.SUCCESS:
        raise typer.Exit(EXIT_CODES[RunStatus.PARTIAL])
    raise typer.Exit(EXIT_CODES[report.status])


def _print_report(report: ReindexReport, written: object) -> None:
    for result in report.sources:
        colour = {"succes": "green", "partiel": "yellow", "echec": "red"}[result.status.value]
        out.print(
            f"[{colour}]{safe(result.name)}[/{colour}] {result.status.label} : "
            f"{result.added} ajoutés, {result.updated} modifiés, {result.deleted} supprimés, "
            f"{result.unchanged} inchangés, {len(result.skipped)} ignorés "
            f"({result.duration_s:.1f} s)",
            highlight=False,
        )
        if result.error:
            out.print(f"  [red]{safe(result.error)}[/red]", highlight=False)
        for skipped in result.skipped[:5]:
            out.print(
                f"  ignoré {safe(skipped['path'])} : {safe(skipped['reason'])}", highlight=False
            )
        for notice in result.notices[:5]:
            out.print(f"  à vérifier : {safe(notice)}", highlight=False)
    out.print(f"[bold]Réindexation : {report.status.label}[/bold] en {report.duration_s:.1f} s.")
    if report.quality is not None:
        figures = report.quality
        before = figures["previous"]
        trend = f" (avant : {fmt(before['recall@5'])} / {fmt(before['mrr@10'])})" if before else ""
        out.print(
            f"Qualité : Recall@5 {fmt(figures['recall@5'])}, MRR@10 {fmt(figures['mrr@10'])}"
            f"{trend}" + (" — [red]DÉGRADÉE[/red]" if report.degraded else ""),
            highlight=False,
        )
    out.print(f"Rapport : {safe(written)}")
