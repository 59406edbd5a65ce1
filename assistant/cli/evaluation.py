"""`boussole eval`: retrieval and answer quality on a question file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from assistant import factory
from assistant.cli.common import (
    AsUserOption,
    ModeOption,
    app,
    current_settings,
    err,
    fmt,
    out,
    progress_bar,
    reader_for,
    safe,
    search_service,
    titled_table,
    write_json,
)


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
    as_user: AsUserOption = None,
) -> None:
    """Mesurer la qualité de recherche (Recall@5, MRR@10) sur un fichier de questions."""
    from datetime import date as date_type

    from assistant.conventions import ConventionSearch
    from assistant.datasets import DatasetSearch
    from eval.answers import AnswerOutcome, answer_metrics, calibrate
    from eval.metrics import build_report, evaluate
    from eval.questions import Question, load_questions

    settings = current_settings()
    items = load_questions(questions)
    chosen = mode or settings.search.mode
    with (
        search_service(settings, reader_for(settings, as_user)) as service,
        progress_bar() as progress,
    ):
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
        write_json(report_file, report)
        err.print(f"Rapport : {safe(report_file)}")


def _print_eval_table(report: dict[str, Any]) -> None:
    scopes = [("global", report["overall"]), *report["by_kind"].items()]
    rows = [[name, str(v["n"]), fmt(v["recall@5"]), fmt(v["mrr@10"])] for name, v in scopes]
    columns = ("périmètre", "n", "Recall@5", "MRR@10")
    out.print(titled_table(f"{report['questions']} — mode {report['mode']}", columns, rows))
    if "answers" in report:
        given = report["answers"]
        rows = [
            ["abstention (sans réponse)", str(given["n_unanswerable"]), fmt(given["abstention"])],
            ["fausse abstention", str(given["n_answerable"]), fmt(given["false_abstention"])],
            ["réponse attendue", str(given["n_answer_contains"]), fmt(given["answer_match"])],
            ["précision des citations", str(given["n_citations"]),
             fmt(given["citation_precision"])],
        ]  # fmt: skip
        title = f"Réponses ({given['backend']}, seuil {given['min_similarity']})"
        out.print(titled_table(title, ("mesure", "n", "valeur"), rows))
        calibration = given["calibration"]
        if calibration.get("threshold") is not None:
            out.print(
                f"Seuil d'abstention conseillé (≤ 10 % de fausses abstentions) : "
                f"{calibration['threshold']} → abstention {fmt(calibration['abstention'])}, "
                f"fausse abstention {fmt(calibration['false_abstention'])}"
            )
    misses = [
        q for q in report["per_question"] if q["hit_rank"] is None and q["kind"] != "unanswerable"
    ]
    for miss in misses:
        out.print(f"  [yellow]non trouvé dans le top 10[/yellow] : {safe(miss['id'])}")
