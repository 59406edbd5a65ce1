"""Answer metrics of EVAL_FORMAT.md: abstention, false abstention, answer match, citations.

The assistant is reached through a plain callable (question -> ``AnswerOutcome``), so
this package never imports it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from connectors.text import fold
from eval.questions import Question, normalise_path


@dataclass(frozen=True)
class AnswerOutcome:
    """What the assistant answered to one question."""

    text: str
    abstained: bool
    cited_paths: tuple[str, ...]
    evidence: float | None = None
    question_type: str = "autre"  # the fact the assistant took the question to ask for
    missing_terms: tuple[str, ...] = ()
    answerability: float | None = None


Answerer = Callable[[Question], AnswerOutcome]


def matches(text: str, expected: Sequence[str]) -> bool:
    """Every expected string in the answer, case and accents aside."""
    folded = " ".join(fold(text).split())
    return all(" ".join(fold(item).split()) in folded for item in expected)


def answer_metrics(
    questions: Sequence[Question], outcomes: Sequence[AnswerOutcome]
) -> dict[str, Any]:
    """The four answer metrics; None where no question measures one.

    - abstention: unanswerable questions answered "nothing found";
    - false abstention: answerable questions answered "nothing found";
    - answer match: questions with ``answer_contains`` whose answer holds every string
      (an abstention holds none);
    - citation precision: cited sources that are among the question's ``relevant``, over
      all citations given (a citation on an unanswerable question is never relevant).
    """
    unanswerable = [o for q, o in zip(questions, outcomes, strict=True) if not q.answerable]
    answerable = [o for q, o in zip(questions, outcomes, strict=True) if q.answerable]
    with_strings = [
        (q, o)
        for q, o in zip(questions, outcomes, strict=True)
        if q.answerable and q.answer_contains
    ]
    cited = correct = 0
    for question, outcome in zip(questions, outcomes, strict=True):
        relevant = {normalise_path(path) for path in question.relevant}
        for path in outcome.cited_paths:
            cited += 1
            correct += normalise_path(path) in relevant

    def share(count: int, total: int) -> float | None:
        return round(count / total, 4) if total else None

    by_type: dict[str, dict[str, Any]] = {}
    for kind in sorted({o.question_type for _, o in with_strings}):
        pairs = [(q, o) for q, o in with_strings if o.question_type == kind]
        by_type[kind] = {
            "answer_match": share(
                sum(not o.abstained and matches(o.text, q.answer_contains) for q, o in pairs),
                len(pairs),
            ),
            "n": len(pairs),
        }
    return {
        "abstention": share(sum(o.abstained for o in unanswerable), len(unanswerable)),
        "false_abstention": share(sum(o.abstained for o in answerable), len(answerable)),
        "answer_match": share(
            sum(not o.abstained and matches(o.text, q.answer_contains) for q, o in with_strings),
            len(with_strings),
        ),
        "citation_precision": share(correct, cited),
        "n_unanswerable": len(unanswerable),
        "n_answerable": len(answerable),
        "n_answer_contains": len(with_strings),
        "n_citations": cited,
        "by_type": by_type,
    }
