"""Retrieval metrics of EVAL_FORMAT.md, computed over distinct source paths in rank order."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from eval.questions import Question, normalise_path

# A question -> ranked source paths. It gets the whole question, kind included, so that a
# scoped run can search each kind as its chat profile does.
Retrieve = Callable[[Question], Sequence[str]]


@dataclass(frozen=True)
class QuestionResult:
    """What retrieval returned for one question."""

    question: Question
    ranked_paths: list[str]
    hit_rank: int | None


def hit_rank(ranked_paths: Sequence[str], relevant: Sequence[str], depth: int = 10) -> int | None:
    """1-based rank of the first relevant path within ``depth``, or None."""
    wanted = {normalise_path(path) for path in relevant}
    distinct: list[str] = []
    for path in ranked_paths:
        path = normalise_path(path)
        if path not in distinct:
            distinct.append(path)
    for rank, path in enumerate(distinct[:depth], start=1):
        if path in wanted:
            return rank
    return None


def summarise(results: Sequence[QuestionResult]) -> dict[str, Any]:
    """Recall@5 and MRR@10 over answerable questions."""
    answerable = [result for result in results if result.question.answerable]
    n = len(answerable)
    if n == 0:
        return {"recall@5": None, "mrr@10": None, "recall@1": None, "n": 0}
    recall = sum(1 for r in answerable if r.hit_rank is not None and r.hit_rank <= 5) / n
    first = sum(1 for r in answerable if r.hit_rank == 1) / n
    mrr = sum(1.0 / r.hit_rank for r in answerable if r.hit_rank is not None) / n
    return {
        "recall@5": round(recall, 4),
        "mrr@10": round(mrr, 4),
        "recall@1": round(first, 4),
        "n": n,
    }


def evaluate(
    questions: Sequence[Question],
    retrieve: Retrieve,
    *,
    progress: Callable[[int], None] | None = None,
) -> list[QuestionResult]:
    """Run every question through ``retrieve`` (question -> ranked source paths)."""
    results: list[QuestionResult] = []
    for number, question in enumerate(questions, start=1):
        ranked = [normalise_path(path) for path in retrieve(question)][:10]
        results.append(QuestionResult(question, ranked, hit_rank(ranked, question.relevant)))
        if progress:
            progress(number)
    return results


def build_report(
    results: Sequence[QuestionResult], *, questions_file: str, mode: str
) -> dict[str, Any]:
    """The JSON report whose keys EVAL_FORMAT.md fixes."""
    report: dict[str, Any] = {
        "questions": questions_file,
        "mode": mode,
        "n": len(results),
        **scores(results),
    }
    splits = sorted({r.question.split for r in results if r.question.split is not None})
    if splits:
        report["splits"] = {
            name: scores([r for r in results if r.question.split == name]) for name in splits
        }
    report["per_question"] = [
        {
            "id": r.question.id,
            "kind": r.question.kind,
            "ranked_paths": r.ranked_paths,
            "hit_rank": r.hit_rank,
            **({"split": r.question.split} if r.question.split else {}),
        }
        for r in results
    ]
    return report


def scores(results: Sequence[QuestionResult]) -> dict[str, Any]:
    """``overall`` and ``by_kind`` of a set of results."""
    kinds = sorted({result.question.kind for result in results if result.question.answerable})
    return {
        "overall": summarise(results),
        "by_kind": {
            kind: summarise([r for r in results if r.question.kind == kind]) for kind in kinds
        },
    }
