"""The reindex's quality guard: a question file scored after each run.

Compared with the last run's figures, so that a reindex that made retrieval worse says so
(report, exit code, metrics).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from eval.metrics import evaluate, summarise
from eval.questions import Question, load_questions
from indexing.reindex import runs_newest_first

Retrieve = Callable[[Question], Sequence[str]]
METRICS = ("recall@5", "mrr@10")


def quality(
    questions: Path, retrieve: Retrieve, previous: dict[str, Any] | None, max_drop: float
) -> dict[str, Any]:
    """Recall@5 and MRR@10 now, the previous run's, and whether either fell too far."""
    items = load_questions(questions)
    now = summarise(evaluate(items, retrieve))
    result: dict[str, Any] = {
        "questions": str(questions),
        "n": now["n"],
        "recall@5": now["recall@5"],
        "mrr@10": now["mrr@10"],
        "previous": None,
        "degraded": False,
    }
    if previous and all(previous.get(name) is not None for name in METRICS):
        result["previous"] = {name: previous[name] for name in METRICS}
        result["degraded"] = any(
            now[name] is not None and previous[name] - now[name] > max_drop for name in METRICS
        )
    return result


def previous_quality(state_dir: Path) -> dict[str, Any] | None:
    """The quality figures of the last run that measured them."""
    for run in runs_newest_first(state_dir):
        if isinstance(run.get("quality"), dict):
            return dict(run["quality"])
    return None
