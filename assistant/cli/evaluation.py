"""`boussole eval`: retrieval and answer quality on a question file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from assistant import factory
from assistant.answerability import GATE_FEATURES, GateModel
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
    questions: Annotated[
        list[Path],
        typer.Option(
            "--questions",
            help="Fichier JSONL de questions (répétable : les fichiers sont mesurés ensemble)",
        ),
    ],
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
    fit_gate: Annotated[
        Path | None,
        typer.Option(
            "--fit-gate",
            help="Ajuster le modèle d'abstention sur la moitié « tune » du fichier (toutes "
            "les questions s'il n'est pas partagé) et l'écrire dans ce fichier YAML",
        ),
    ] = None,
    fit_ranker: Annotated[
        Path | None,
        typer.Option(
            "--fit-ranker",
            help="Ajuster le modèle de classement des documents sur les moitiés « tune » des "
            "fichiers et l'écrire dans ce fichier JSON",
        ),
    ] = None,
    as_user: AsUserOption = None,
) -> None:
    """Mesurer la qualité de recherche (Recall@5, MRR@10) sur un fichier de questions."""
    from datetime import date as date_type

    from assistant.conventions import ConventionSearch
    from assistant.datasets import DatasetSearch
    from eval.answers import AnswerOutcome, answer_metrics
    from eval.metrics import build_report, evaluate
    from eval.questions import Question

    settings = current_settings()
    items = _load_all(questions)
    source = "+".join(path.name for path in questions)
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

        if fit_ranker is not None:
            _fit_ranker(fit_ranker, items, service, source)
        task = progress.add_task("Évaluation", total=len(items), current="")
        results = evaluate(items, retrieve, progress=lambda n: progress.update(task, completed=n))
        outcomes = []
        signals: list[dict[str, float | None]] = []
        if answers or fit_gate is not None:
            answerer = factory.make_answer_service(settings, service)
            task = progress.add_task("Réponses", total=len(items), current="")
            for number, item in enumerate(items, start=1):
                given = answerer.answer(item.question, mode=chosen)
                outcomes.append(
                    AnswerOutcome(
                        given.text,
                        given.abstained,
                        tuple(given.cited_paths),
                        given.evidence,
                        given.question_type,
                        tuple(given.missing_terms),
                        given.answerability,
                    )
                )
                verdict = answerer.judge(item.question, mode=chosen)
                signals.append(verdict.features if verdict is not None else {})
                progress.update(task, completed=number)
    label = f"{chosen.value}+profils" if scoped else chosen.value
    report = build_report(results, questions_file=source, mode=label)
    if outcomes:
        report["answers"] = answer_metrics(items, outcomes) | {
            "backend": settings.answer.backend.value,
            "gate": str(settings.answer.gate_file or "assistant/answerability.yaml"),
        }
        for name, part in report.get("splits", {}).items():
            chosen_items = [(q, o) for q, o in zip(items, outcomes, strict=True) if q.split == name]
            part["answers"] = answer_metrics(*zip(*chosen_items, strict=True))
        for row, outcome, signal in zip(report["per_question"], outcomes, signals, strict=True):
            row.update(
                answer=outcome.text,
                abstained=outcome.abstained,
                cited=list(outcome.cited_paths),
                evidence=outcome.evidence,
                question_type=outcome.question_type,
                missing_terms=list(outcome.missing_terms),
                answerability=outcome.answerability,
                signals=signal,
            )
    if fit_gate is not None:
        _fit_gate(fit_gate, items, signals, source, GateModel.load(settings.answer.gate_file))
    _print_eval_table(report)
    if report_file is not None:
        write_json(report_file, report)
        err.print(f"Rapport : {safe(report_file)}")


def _load_all(paths: list[Path]) -> list[Any]:
    """The questions of every file, in order; an id may appear only once across them."""
    from eval.questions import QuestionFileError, load_questions

    items: list[Any] = []
    seen: dict[str, Path] = {}
    for path in paths:
        for item in load_questions(path):
            if item.id in seen:
                raise QuestionFileError(
                    f"{path} : identifiant « {item.id} » déjà présent dans {seen[item.id]}."
                )
            seen[item.id] = path
            items.append(item)
    return items


def _fit_ranker(target: Path, items: list[Any], service: Any, source: str) -> None:
    """Fit the document ranker on the answerable tuning questions and write it as JSON.

    The features come from the fused order, the ranker itself left out, exactly as
    ``DocumentRanker.order`` will see them.
    """
    import copy
    import json

    import numpy as np

    from assistant.ranking import FEATURES, KEEP, document_features, missing_rank
    from assistant.search import document_score
    from eval.questions import normalise_path
    from eval.ranker import fit_ranker

    fused = copy.copy(service)
    fused.ranker = None
    tuned = [q for q in items if q.answerable and q.split == "tune"]
    if not tuned:
        err.print("[yellow]Fichiers non partagés : le modèle est ajusté sur toutes les questions.")
        tuned = [q for q in items if q.answerable]
    evidence = service.settings.doc_evidence
    samples = []
    for item in tuned:
        result, groups = fused.search_documents(item.question, depth=KEEP)
        if not groups:
            continue
        wanted = {normalise_path(path) for path in item.relevant}
        rows = document_features(
            result.query,
            groups,
            [document_score(g, evidence) for g in groups],
            absent=missing_rank(service.settings),
            stems=service.sparse.stems,
        )
        labels = np.array([normalise_path(g[0].source_path) in wanted for g in groups])
        samples.append((rows, labels))
    try:
        fitted = fit_ranker(samples, FEATURES, keep=KEEP)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--fit-ranker") from exc
    fitted["fitted_on"]["files"] = source
    target.write_text(json.dumps(fitted, ensure_ascii=False) + "\n", encoding="utf-8")
    out.print(
        f"Modèle de classement écrit dans {safe(target)} : {fitted['fitted_on']['questions']} "
        f"questions « tune » utiles sur {len(tuned)} (relancez l'évaluation pour le mesurer)."
    )


def _fit_gate(
    target: Path,
    items: list[Any],
    signals: list[dict[str, float | None]],
    source: str,
    model: GateModel,
) -> None:
    """Fit the answerability model on the tuning half and write it as YAML."""
    import yaml

    from eval.gate import fit_gate

    tuned = [(s, q.answerable) for q, s in zip(items, signals, strict=True) if q.split == "tune"]
    if not tuned:
        err.print("[yellow]Fichier non partagé : le modèle est ajusté sur toutes ses questions.")
        tuned = [(s, q.answerable) for q, s in zip(items, signals, strict=True)]
    try:
        fitted = fit_gate(tuned, GATE_FEATURES, forced=[bool(s.get("absent")) for s, _ in tuned])
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--fit-gate") from exc
    # The signals were measured with these word thresholds: the model keeps them.
    fitted |= {"rare_chunks": model.rare_chunks, "common_zipf": model.common_zipf}
    header = (
        "# Modèle d'abstention de Boussole (assistant/answerability.py), écrit par\n"
        f"# `boussole eval --questions {source} --fit-gate` sur la moitié « tune ».\n"
        "# P(réponse) = sigmoïde(intercept + somme des poids × signaux) ; Boussole répond\n"
        "# quand elle atteint le seuil. Ne pas retoucher à la main : réajuster.\n"
    )
    target.write_text(header + yaml.safe_dump(fitted, sort_keys=False), encoding="utf-8")
    tuning = fitted["tuning"]
    out.print(
        f"Modèle d'abstention écrit dans {safe(target)} : sur la moitié d'ajustement, "
        f"abstention {fmt(tuning['abstention'])}, fausse abstention "
        f"{fmt(tuning['false_abstention'])} (relancez l'évaluation pour le mesurer)."
    )


def _print_eval_table(report: dict[str, Any]) -> None:
    parts = [("", report)] + [
        (f" — {name}", part) for name, part in report.get("splits", {}).items()
    ]
    for suffix, part in parts:
        scopes = [("global", part["overall"]), *part["by_kind"].items()]
        rows = [
            [name, str(v["n"]), fmt(v["recall@5"]), fmt(v["recall@1"]), fmt(v["mrr@10"])]
            for name, v in scopes
        ]
        columns = ("périmètre", "n", "Recall@5", "R@1", "MRR@10")
        title = f"{report['questions']}{suffix} — mode {report['mode']}"
        out.print(titled_table(title, columns, rows))
        if "answers" in part:
            _print_answers(part["answers"], f"Réponses{suffix}")
    misses = [
        q for q in report["per_question"] if q["hit_rank"] is None and q["kind"] != "unanswerable"
    ]
    for miss in misses:
        out.print(f"  [yellow]non trouvé dans le top 10[/yellow] : {safe(miss['id'])}")


def _print_answers(given: dict[str, Any], title: str) -> None:
    rows = [
        ["abstention (sans réponse)", str(given["n_unanswerable"]), fmt(given["abstention"])],
        ["fausse abstention", str(given["n_answerable"]), fmt(given["false_abstention"])],
        ["réponse attendue", str(given["n_answer_contains"]), fmt(given["answer_match"])],
        ["précision des citations", str(given["n_citations"]), fmt(given["citation_precision"])],
    ]
    rows += [
        [f"  réponse attendue, type {kind}", str(v["n"]), fmt(v["answer_match"])]
        for kind, v in given["by_type"].items()
    ]
    out.print(titled_table(title, ("mesure", "n", "valeur"), rows))
