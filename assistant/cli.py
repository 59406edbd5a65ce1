"""The ``boussole`` command line."""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from assistant import factory
from assistant.search import SearchService
from assistant.settings import SearchMode, Settings, load_settings
from connectors.base import SkippedDocument, SourceDocument
from connectors.conventions.register import Register, convention_row
from connectors.errors import BoussoleError, ConfigurationError
from indexing.pipeline import IndexReport, RunStatus
from indexing.store import SearchFilters

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


def _settings() -> Settings:
    return load_settings()


def _fmt(value: float | None, digits: int = 3) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _table(title: str, columns: tuple[str, ...], rows: list[list[str]]) -> Table:
    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*row)
    return table


@contextmanager
def _search_service(settings: Settings) -> Iterator[SearchService]:
    """The search service over the index, which is closed afterwards (it locks in local mode)."""
    store = factory.open_store(settings)
    try:
        yield factory.make_search_service(settings, factory.load_embedder(settings), store)
    finally:
        store.close()


def _progress() -> Progress:
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


@models_app.command("prepare")
def models_prepare() -> None:
    """Construire le modèle multilingual-e5-small local (ONNX int8), sans téléchargement."""
    from indexing.embedding import BUNDLED_MODEL, prepare_bundled_model

    settings = _settings()
    if settings.embedding.model != BUNDLED_MODEL:
        err.print(
            f"Le modèle configuré est « {settings.embedding.model} » : rien à préparer "
            f"(seul {BUNDLED_MODEL} se construit localement)."
        )
        return
    with err.status("Préparation du modèle multilingual-e5-small…"):
        folder = prepare_bundled_model(settings.models_dir)
    out.print(f"Modèle prêt : {folder}")


def _print_index_summary(report: IndexReport, report_path: Path) -> None:
    out.print(
        f"[bold]Indexation {report.status.value}[/bold] : {report.documents_seen} documents lus, "
        f"{report.documents_indexed} indexés, {report.documents_unchanged} inchangés, "
        f"{len(report.skipped)} ignorés, {report.chunks_written} passages écrits "
        f"en {report.duration_s:.1f} s."
    )
    for skipped in report.skipped:
        out.print(f"  [yellow]ignoré[/yellow] {skipped.path} : {skipped.reason}")
    for error in report.errors:
        out.print(f"  [red]erreur[/red] {error}")
    for notice in report.notices[:10]:
        out.print(f"  [cyan]à vérifier[/cyan] {notice}")
    if len(report.notices) > 10:
        out.print(
            f"  … et {len(report.notices) - 10} autre(s) point(s) à vérifier (voir le rapport)"
        )
    out.print(f"Rapport : {report_path}")


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
    settings = _settings()
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
        with _progress() as progress:
            task = progress.add_task("Indexation", total=len(paths), current="")

            def documents() -> Iterator[SourceDocument | SkippedDocument]:
                for done, file in enumerate(paths, start=1):
                    progress.update(task, current=str(file.relative_to(path))[-60:])
                    yield from connector.read(file)
                    progress.update(task, completed=done)

            report = pipeline.run(enricher.documents(documents()), root=str(path))
        report.notices.extend(enricher.notices())
    finally:
        store.close()
    if report_file is not None:
        report_file.parent.mkdir(parents=True, exist_ok=True)
        report_file.write_text(json.dumps(report.to_json(), ensure_ascii=False, indent=2), "utf-8")
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
    timeout: Annotated[float, typer.Option("--timeout", min=1, help="Secondes par requête")] = 30,
    report_file: Annotated[
        Path | None, typer.Option("--report", help="Chemin du rapport JSON")
    ] = None,
) -> None:
    """Moissonner un catalogue CSW (fiches ISO 19139) et l'indexer, par incréments."""
    from datetime import UTC, datetime

    from connectors.catalogue.csw import CswHarvester, CswSource, HarvestState

    settings = _settings()
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
            f"Moissonnage de {url} "
            + (f"(fiches modifiées depuis le {since:%d/%m/%Y})" if since else "(complet)")
        )
        report = pipeline.run(harvester.harvest(since), root=url)
    finally:
        store.close()
    if harvester.result.complete and report.status != RunStatus.FAILURE:
        state.mark_complete(source, started)
    written = report_file or settings.reports_dir / f"harvest-{started:%Y%m%dT%H%M%S}.json"
    written.parent.mkdir(parents=True, exist_ok=True)
    data = report.to_json() | {
        "harvest": {
            "matched": harvester.result.matched,
            "pages": harvester.result.pages,
            "failed_pages": harvester.result.failed_pages,
            "since": since.isoformat() if since else None,
        }
    }
    written.write_text(json.dumps(data, ensure_ascii=False, indent=2), "utf-8")
    _print_index_summary(report, written)
    raise typer.Exit(EXIT_CODES[report.status])


@app.command("search")
def search(
    query: Annotated[str, typer.Argument(help="La question")],
    k: Annotated[int | None, typer.Option("-k", help="Nombre de résultats")] = None,
    kind: KindOption = None,
    mode: ModeOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Sortie JSON")] = False,
) -> None:
    """Chercher les passages qui répondent à une question."""
    settings = _settings()
    with _search_service(settings) as service:
        filters = SearchFilters(kinds=(kind,)) if kind else None
        result = service.search(query, k=k, mode=mode, filters=filters)
    if as_json:
        payload: dict[str, Any] = {
            "query": result.query,
            "mode": result.mode.value,
            "took_ms": result.took_ms,
            "hits": [
                {key: value for key, value in hit.__dict__.items() if key != "payload"}
                for hit in result.hits
            ],
        }
        out.print_json(json.dumps(payload, ensure_ascii=False))
        return
    if not result.hits:
        out.print("Aucun résultat.")
        return
    for hit in result.hits:
        where = hit.source_path + (f", page {hit.page}" if hit.page else "")
        out.print(f"[bold]{hit.rank}.[/bold] [cyan]{where}[/cyan]  (score {hit.score:.4f})")
        if hit.heading:
            out.print(f"   [italic]{hit.heading}[/italic]")
        out.print(f"   {hit.snippet()}", highlight=False)
    err.print(f"[dim]{len(result.hits)} résultats en {result.took_ms:.0f} ms ({result.mode})[/dim]")


@app.command("datasets")
def datasets(
    description: Annotated[str, typer.Argument(help="Le besoin, en mots simples")],
    theme: Annotated[
        str | None, typer.Option("--theme", help="Thème ou catégorie (ex. Hydrographie)")
    ] = None,
    bbox: Annotated[
        str | None, typer.Option("--bbox", help="Emprise ouest,sud,est,nord (degrés)")
    ] = None,
    updated_after: Annotated[
        datetime | None,
        typer.Option(
            "--updated-after", formats=["%Y-%m-%d"], help="Mis à jour depuis (AAAA-MM-JJ)"
        ),
    ] = None,
    k: Annotated[int, typer.Option("-k", min=1, max=50, help="Nombre de fiches")] = 5,
    mode: ModeOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Sortie JSON")] = False,
) -> None:
    """Trouver les fiches du catalogue qui répondent à un besoin de données."""
    from dataclasses import asdict

    from assistant.datasets import DatasetSearch, parse_bbox

    settings = _settings()
    with _search_service(settings) as service:
        links = factory.catalogue_links(settings, service.store)
        cards = DatasetSearch(service, links=links).search(
            description,
            k=k,
            theme=theme,
            bbox=parse_bbox(bbox) if bbox else None,
            updated_after=updated_after.date() if updated_after else None,
            mode=mode,
        )
    if as_json:
        out.print_json(json.dumps([asdict(card) for card in cards], ensure_ascii=False))
        return
    if not cards:
        out.print("Aucune fiche ne correspond ; élargissez la description ou retirez un filtre.")
    for card in cards:
        out.print(f"[bold]{card.rank}. {card.title}[/bold]", highlight=False)
        details = [
            ", ".join(card.organisations[:2]),
            ", ".join(card.themes[:3]),
            card.updated and f"mis à jour le {card.updated}",
        ]
        out.print("   " + " · ".join(part for part in details if part), highlight=False)
        out.print(f"   {card.snippet}", highlight=False)
        for convention in card.conventions:
            out.print(
                f"   ↳ convention {convention.id} ({convention.status}) : {convention.title}",
                highlight=False,
            )
        for link in card.links[:3]:
            label = link.get("protocol") or link.get("name") or "lien"
            out.print(f"   [dim]{label}[/dim] {link.get('url')}", highlight=False)
        out.print(f"   [dim]fiche :[/dim] {card.record_url or card.source_path}", highlight=False)


@app.command("ask")
def ask(
    question: Annotated[str, typer.Argument(help="La question, en français")],
    kind: KindOption = None,
    mode: ModeOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Sortie JSON")] = False,
) -> None:
    """Répondre à une question, avec les citations de chaque affirmation."""
    from dataclasses import asdict

    settings = _settings()
    filters = SearchFilters(kinds=(kind,)) if kind else None
    with _search_service(settings) as service:
        answerer = factory.make_answer_service(settings, service)
        final = None
        for event in answerer.stream(question, filters=filters, mode=mode):
            if event.kind == "text" and not as_json:
                out.print(event.text, end="", highlight=False, markup=False)
            final = event.answer or final
    assert final is not None
    if as_json:
        out.print_json(json.dumps(asdict(final), ensure_ascii=False))
        return
    out.print()
    shown = final.sources if final.abstained else final.citations
    title = "Sources les plus proches" if final.abstained else "Sources"
    out.print(f"[bold]{title}[/bold]")
    for citation in shown:
        where = citation.source_path + (f", page {citation.page}" if citation.page else "")
        heading = f" — {citation.heading}" if citation.heading else ""
        out.print(f"  [{citation.number}] {where}{heading}", highlight=False, markup=False)
    err.print(f"[dim]{final.backend}, {final.took_ms:.0f} ms[/dim]")


@app.command("eval")
def evaluate(
    questions: Annotated[Path, typer.Option("--questions", help="Fichier JSONL de questions")],
    mode: ModeOption = None,
    scoped: Annotated[
        bool,
        typer.Option(
            "--scoped",
            help="Chercher chaque question comme son profil de chat : conventions avec les "
            "filtres lus dans la question, jeux de données dans le catalogue",
        ),
    ] = False,
    answers: Annotated[
        bool,
        typer.Option(
            "--answers",
            help="Mesurer aussi les réponses : abstention, fausse abstention, réponse "
            "attendue, précision des citations",
        ),
    ] = False,
    report_file: Annotated[
        Path | None, typer.Option("--report", help="Écrire le rapport JSON ici")
    ] = None,
) -> None:
    """Mesurer la qualité de recherche (Recall@5, MRR@10) sur un fichier de questions."""
    from datetime import date as date_type

    from assistant.conventions import ConventionSearch
    from assistant.datasets import DatasetSearch
    from eval.answers import AnswerOutcome, answer_metrics, calibrate
    from eval.metrics import build_report, evaluate
    from eval.questions import Question, load_questions

    settings = _settings()
    items = load_questions(questions)
    chosen = mode or settings.search.mode
    with _search_service(settings) as service, _progress() as progress:
        conventions = ConventionSearch(service, own_names=settings.conventions.own_names)
        catalogue = DatasetSearch(service)
        today = date_type.today()

        def retrieve(question: Question) -> list[str]:
            if scoped and question.kind == "convention":
                found = conventions.search(question.question, today=today, k=10, mode=chosen)
                return [card.source_path for card in found.cards]
            if scoped and question.kind == "dataset":
                cards = catalogue.search(question.question, k=10, mode=chosen)
                return [card.source_path for card in cards]
            return service.ranked_paths(question.question, depth=10, mode=chosen)

        task = progress.add_task("Évaluation", total=len(items), current="")
        results = evaluate(items, retrieve, progress=lambda n: progress.update(task, completed=n))
        outcomes = []
        if answers:
            answerer = factory.make_answer_service(settings, service)
            task = progress.add_task("Réponses", total=len(items), current="")
            for number, item in enumerate(items, start=1):
                given = answerer.answer(item.question, mode=chosen)
                outcomes.append(
                    AnswerOutcome(
                        given.text, given.abstained, tuple(given.cited_paths), given.evidence
                    )
                )
                progress.update(task, completed=number)
    label = f"{chosen.value}+profils" if scoped else chosen.value
    report = build_report(results, questions_file=questions.name, mode=label)
    if answers:
        report["answers"] = answer_metrics(items, outcomes) | {
            "calibration": calibrate(items, [o.evidence for o in outcomes]),
            "min_similarity": settings.answer.min_similarity,
            "backend": settings.answer.backend.value,
        }
        for row, outcome in zip(report["per_question"], outcomes, strict=True):
            row.update(
                answer=outcome.text,
                abstained=outcome.abstained,
                cited=list(outcome.cited_paths),
                evidence=outcome.evidence,
            )
    _print_eval_table(report)
    if report_file is not None:
        report_file.parent.mkdir(parents=True, exist_ok=True)
        report_file.write_text(json.dumps(report, ensure_ascii=False, indent=2), "utf-8")
        err.print(f"Rapport : {report_file}")


def _print_eval_table(report: dict[str, Any]) -> None:
    scopes = [("global", report["overall"]), *report["by_kind"].items()]
    rows = [[name, str(v["n"]), _fmt(v["recall@5"]), _fmt(v["mrr@10"])] for name, v in scopes]
    columns = ("périmètre", "n", "Recall@5", "MRR@10")
    out.print(_table(f"{report['questions']} — mode {report['mode']}", columns, rows))
    if "answers" in report:
        given = report["answers"]
        rows = [
            ["abstention (sans réponse)", str(given["n_unanswerable"]), _fmt(given["abstention"])],
            ["fausse abstention", str(given["n_answerable"]), _fmt(given["false_abstention"])],
            ["réponse attendue", str(given["n_answer_contains"]), _fmt(given["answer_match"])],
            ["précision des citations", str(given["n_citations"]),
             _fmt(given["citation_precision"])],
        ]  # fmt: skip
        title = f"Réponses ({given['backend']}, seuil {given['min_similarity']})"
        out.print(_table(title, ("mesure", "n", "valeur"), rows))
        calibration = given["calibration"]
        if calibration.get("threshold") is not None:
            out.print(
                f"Seuil d'abstention conseillé (≤ 10 % de fausses abstentions) : "
                f"{calibration['threshold']} → abstention {_fmt(calibration['abstention'])}, "
                f"fausse abstention {_fmt(calibration['false_abstention'])}"
            )
    misses = [
        q for q in report["per_question"] if q["hit_rank"] is None and q["kind"] != "unanswerable"
    ]
    for miss in misses:
        out.print(f"  [yellow]non trouvé dans le top 10[/yellow] : {miss['id']}")


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
    settings = _settings()
    items = FilesConnector(file.parent).read(file)
    documents = [item for item in items if not isinstance(item, SkippedDocument)]
    for item in items:
        if isinstance(item, SkippedDocument):
            err.print(f"[yellow]ignoré[/yellow] {item.source_path} : {item.reason}")
    if not documents:
        raise ConfigurationError(f"{file} : aucun document lisible.")
    with err.status("Chargement du garde (Presidio, spaCy)…"):
        redactor = factory.make_redactor(settings)
    for original in documents:
        redaction = redactor.redact_document(original)
        document = redaction.document
        out.print(f"[bold]{document.title}[/bold]", highlight=False)
        for section in document.sections:
            where = " · ".join(
                part for part in (section.heading, section.page and f"page {section.page}") if part
            )
            if where:
                out.print(f"\n[italic]{where}[/italic]", highlight=False)
            out.print(section.text, highlight=False, markup=False)
        counts = ", ".join(f"{kind} : {n}" for kind, n in redaction.counts.most_common())
        err.print(f"\n[bold]Remplacements[/bold] : {counts or 'aucun'}\n")


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
    settings = _settings()
    with err.status("Chargement du garde (Presidio, spaCy)…"):
        redactor = factory.make_redactor(settings)

    def find(texts: Any) -> list[list[tuple[str, int, int]]]:
        return [[(f.entity, f.start, f.end) for f in found] for found in redactor.find(texts)]

    report = score(items, find)
    rows = [
        [kind, str(v["n"]), _fmt(v["recall"]), _fmt(v["typed_recall"]), str(v["predicted"]),
         _fmt(v["precision"])]
        for kind, v in report["by_type"].items()
    ]  # fmt: skip
    overall = report["overall"]
    rows.append(
        ["global", str(report["entities"]), _fmt(overall["recall"]),
         _fmt(overall["typed_recall"]), "", _fmt(overall["precision"])]
    )  # fmt: skip
    out.print(
        _table(
            f"{cases.name} — {report['cases']} textes, {report['entities']} entités",
            ("type", "n", "rappel", "rappel (bon type)", "détectés", "précision"),
            rows,
        )
    )
    out.print(
        f"Textes sans donnée personnelle laissés intacts : {_fmt(overall['clean_texts_untouched'])}"
    )
    if report_file is not None:
        report_file.parent.mkdir(parents=True, exist_ok=True)
        report_file.write_text(json.dumps(report, ensure_ascii=False, indent=2), "utf-8")
        err.print(f"Rapport : {report_file}")


def _days(text: str) -> int:
    """Days in "90d", "90j", "90" or "3m" (months of 30 days)."""
    match = re.fullmatch(r"\s*(\d+)\s*([djm]?)\s*", text.lower())
    if not match:
        raise ConfigurationError(f"Durée « {text} » invalide : écrivez par exemple 90d ou 3m.")
    number, unit = int(match.group(1)), match.group(2)
    return number * 30 if unit == "m" else number


def _register(settings: Settings, register: Path | None, root: Path | None) -> Register:
    loaded, _ = factory.load_conventions_register(settings, register, root)
    if loaded is None:
        raise ConfigurationError(
            "Aucun registre des conventions : donnez --register FICHIER ou le réglage "
            "conventions.register_file."
        )
    for problem in loaded.problems:
        err.print(f"[yellow]registre[/yellow] {problem.where} : {problem.reason}")
    return loaded


RegisterOption = Annotated[
    Path | None, typer.Option("--register", help="Registre YAML ou CSV des conventions")
]
RootOption = Annotated[
    Path | None, typer.Option("--root", help="Dossier des fichiers cités par le registre")
]
TodayOption = Annotated[
    datetime | None, typer.Option("--today", formats=["%Y-%m-%d"], help="Date de référence")
]


@conventions_app.command("list")
def conventions_list(
    register: RegisterOption = None,
    root: RootOption = None,
    expiring_within: Annotated[
        str | None, typer.Option("--expiring-within", help="Échéance dans ce délai (90d, 3m)")
    ] = None,
    party: Annotated[str | None, typer.Option("--party", help="Partie (ex. CAFAT)")] = None,
    dataset: Annotated[str | None, typer.Option("--dataset", help="Jeu de données")] = None,
    status: Annotated[
        str | None, typer.Option("--status", help="en vigueur, expirée, résiliée, en projet")
    ] = None,
    today: TodayOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Sortie JSON")] = False,
) -> None:
    """Lister les conventions du registre, filtrées."""
    from datetime import date as date_type

    settings = _settings()
    loaded = _register(settings, register, root)
    day = today.date() if today else date_type.today()
    chosen = loaded.select(
        today=day,
        expiring_within=_days(expiring_within) if expiring_within else None,
        party=party,
        dataset=dataset,
        status=status,
    )
    rows = [convention_row(convention, day) for convention in chosen]
    if as_json:
        out.print_json(json.dumps(rows, ensure_ascii=False))
        return
    table = Table(title=f"{len(rows)} convention(s) au {day:%d/%m/%Y}")
    for column in ("id", "titre", "parties", "fin", "statut", "fichier"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            row["id"],
            row["titre"],
            ", ".join(row["parties"]),
            row["fin"] or "—",
            row["statut"],
            row["fichier"] or "—",
        )
    out.print(table)


@conventions_app.command("search")
def conventions_search(
    question: Annotated[str, typer.Argument(help="La question, en français")],
    k: Annotated[int, typer.Option("-k", min=1, max=20, help="Nombre de conventions")] = 5,
    today: TodayOption = None,
    mode: ModeOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Sortie JSON")] = False,
) -> None:
    """Chercher dans les conventions : parties, jeux et échéances nommés filtrent."""
    from dataclasses import asdict
    from datetime import date as date_type

    from assistant.conventions import ConventionSearch

    settings = _settings()
    day = today.date() if today else date_type.today()
    with _search_service(settings) as service:
        finder = ConventionSearch(
            service,
            own_names=settings.conventions.own_names,
            links=factory.catalogue_links(settings, service.store),
        )
        result = finder.search(question, today=day, k=k, mode=mode)
    if as_json:
        data = {
            "query": result.query,
            "filtres_appliques": result.understood,
            "filtres_relaches": result.relaxed,
            "cards": [asdict(card) for card in result.cards],
        }
        out.print_json(json.dumps(data, ensure_ascii=False))
        return
    if result.understood:
        err.print("[dim]Filtres lus dans la question : " + " ; ".join(result.understood) + "[/dim]")
    if result.relaxed:
        err.print(
            "[yellow]Aucune convention ne répond à ces filtres ("
            + " ; ".join(result.scope.describe())
            + ") : résultats sans filtre.[/yellow]"
        )
    if not result.cards:
        out.print("Aucune convention indexée ne correspond.")
    for card in result.cards:
        name = f"{card.convention_id} — {card.title}" if card.convention_id else card.title
        out.print(f"[bold]{card.rank}. {name}[/bold]", highlight=False)
        details = [
            ", ".join(card.parties),
            card.end and f"fin le {card.end}",
            card.status,
        ]
        out.print("   " + " · ".join(p for p in details if p), highlight=False)
        out.print(f"   [cyan]{card.source_path}[/cyan]", highlight=False)
        for passage in card.passages[:2]:
            where = f"p. {passage.page} : " if passage.page else ""
            out.print(f"   {where}{passage.snippet}", highlight=False)
        for record in card.records:
            out.print(f"   ↳ fiche du catalogue : {record.title}", highlight=False)


@conventions_app.command("expiring")
def conventions_expiring(
    output: Annotated[Path, typer.Option("--output", help="Rapport .csv ou .json")],
    within: Annotated[str | None, typer.Option("--within", help="Délai (90d, 3m)")] = None,
    register: RegisterOption = None,
    root: RootOption = None,
    today: TodayOption = None,
) -> None:
    """Écrire le rapport des conventions qui arrivent à échéance (pour l'envoi hebdomadaire)."""
    import csv
    from datetime import date as date_type

    settings = _settings()
    loaded = _register(settings, register, root)
    day = today.date() if today else date_type.today()
    days = _days(within) if within else settings.conventions.expiring_days
    rows = [convention_row(c, day) for c in loaded.select(today=day, expiring_within=days)]
    output.parent.mkdir(parents=True, exist_ok=True)
    if output.suffix.lower() == ".json":
        report = {"date": day.isoformat(), "horizon_jours": days, "conventions": rows}
        output.write_text(json.dumps(report, ensure_ascii=False, indent=2), "utf-8")
    else:
        columns = ["id", "titre", "parties", "jeux_de_donnees", "fin", "jours_restants"]
        columns += ["renouvellement", "statut", "fichier"]
        with output.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(
                handle, fieldnames=columns, extrasaction="ignore", delimiter=";"
            )
            writer.writeheader()
            for row in rows:
                lists = {key: " ; ".join(row[key]) for key in ("parties", "jeux_de_donnees")}
                writer.writerow(row | lists)
    out.print(f"{len(rows)} convention(s) à échéance dans les {days} jours : {output}")


@conventions_app.command("check")
def conventions_check(
    register: RegisterOption = None,
    root: RootOption = None,
    report_file: Annotated[
        Path | None, typer.Option("--report", help="Écrire le rapport JSON ici")
    ] = None,
) -> None:
    """Comparer les champs lus dans le texte des conventions avec ceux du registre."""
    from connectors.base import SourceDocument as Document
    from connectors.conventions.extract import extract_fields
    from connectors.files import FilesConnector
    from eval.extraction import Expected, Found, score

    settings = _settings()
    loaded = _register(settings, register, root)
    base = root or settings.conventions.root or (register or Path(".")).parent
    connector = FilesConnector(base)
    expected, found = [], {}
    for convention in loaded.conventions:
        if not convention.file or not (base / convention.file).is_file():
            continue
        documents = [d for d in connector.read(base / convention.file) if isinstance(d, Document)]
        if not documents:
            continue
        values = {
            "finalite": convention.purpose or "",
            "base_legale": convention.legal_basis or "",
            "duree_conservation": convention.retention or "",
            "parties": " ; ".join(convention.parties),
            "signature": convention.signed.isoformat() if convention.signed else "",
            "categories_de_donnees": " ; ".join(convention.data_categories),
            "destinataires": " ; ".join(convention.recipients),
        }
        expected.append(Expected(convention.id, values, convention.evidence))
        fields = extract_fields(documents[0].sections)
        found[convention.id] = {
            name: Found(field.value, field.page) for name, field in fields.items()
        }
    report = score(expected, found)
    rows = [
        [name, str(v["stated"]), str(v["extracted"]), str(v["correct"]),
         _fmt(v["precision"], 2), _fmt(v["recall"], 2)]
        for name, v in report["by_field"].items()
    ]  # fmt: skip
    out.print(
        _table(
            f"Champs extraits de {len(expected)} conventions",
            ("champ", "énoncés", "extraits", "justes", "précision", "rappel"),
            rows,
        )
    )
    if report_file is not None:
        report_file.parent.mkdir(parents=True, exist_ok=True)
        report_file.write_text(json.dumps(report, ensure_ascii=False, indent=2), "utf-8")


@app.command("serve")
def serve(
    host: Annotated[str | None, typer.Option(help="Adresse d'écoute")] = None,
    port: Annotated[int | None, typer.Option(help="Port")] = None,
) -> None:
    """Servir l'API (et sa documentation sur /docs)."""
    import uvicorn

    from assistant.api import create_app

    settings = _settings()
    uvicorn.run(
        create_app(settings),
        host=host or settings.api.host,
        port=port or settings.api.port,
        log_level="info",
    )


def main() -> None:
    """Console-script entry point: domain errors become a French message and exit code 1."""
    try:
        app()
    except BoussoleError as exc:
        err.print(f"[red]Erreur[/red] : {exc.message}")
        sys.exit(1)
