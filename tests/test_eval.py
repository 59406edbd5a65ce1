"""Question files and retrieval metrics (EVAL_FORMAT.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.metrics import build_report, evaluate, hit_rank
from eval.questions import Question, QuestionFileError, load_questions

DEV = Path(__file__).resolve().parents[1] / "eval" / "questions" / "dev.jsonl"


def q(id_: str, kind: str, relevant: tuple[str, ...]) -> Question:
    return Question(
        id=id_, question=f"question {id_}", kind=kind, relevant=relevant, answer_contains=()
    )


def test_hit_rank_counts_distinct_paths() -> None:
    ranked = ["a.md", "a.md", "b.md", "c.md"]
    assert hit_rank(ranked, ["c.md"]) == 3
    assert hit_rank(ranked, ["x.md", "b.md"]) == 2
    assert hit_rank(ranked, ["z.md"]) is None


def test_report_has_the_stable_keys_and_right_numbers() -> None:
    questions = [
        q("q1", "procedure", ("a.md",)),
        q("q2", "procedure", ("b.md",)),
        q("q3", "convention", ("c.md",)),
        q("q4", "unanswerable", ()),
    ]
    answers = {
        "question q1": ["a.md"],
        "question q2": ["x", "y", "z", "w", "v", "b.md"],
        "question q3": ["x"],
        "question q4": ["a.md"],
    }
    results = evaluate(questions, lambda question: answers[question.question])
    report = build_report(results, questions_file="t.jsonl", mode="hybrid")
    assert report["overall"] == {
        "recall@5": pytest.approx(1 / 3, abs=1e-3),
        "mrr@10": pytest.approx((1 + 1 / 6) / 3, abs=1e-3),
        "recall@1": pytest.approx(1 / 3, abs=1e-3),
        "n": 3,
    }
    assert report["by_kind"]["convention"] == {
        "recall@5": 0.0,
        "mrr@10": 0.0,
        "recall@1": 0.0,
        "n": 1,
    }
    assert set(report) == {"questions", "mode", "n", "overall", "by_kind", "per_question"}
    assert report["per_question"][1]["hit_rank"] == 6


def test_each_half_of_a_split_file_is_reported_apart() -> None:
    questions = [
        Question("t1", "question t1", "procedure", ("a.md",), (), split="tune"),
        Question("h1", "question h1", "procedure", ("b.md",), (), split="heldout"),
        Question("h2", "question h2", "unanswerable", (), (), split="heldout"),
    ]
    results = evaluate(questions, lambda question: ["a.md"])
    report = build_report(results, questions_file="t.jsonl", mode="hybrid")
    assert report["overall"]["n"] == 2 and report["overall"]["recall@5"] == 0.5
    assert report["splits"]["tune"]["overall"]["recall@1"] == 1.0
    assert report["splits"]["heldout"]["overall"] == {
        "recall@5": 0.0,
        "mrr@10": 0.0,
        "recall@1": 0.0,
        "n": 1,
    }
    assert [row.get("split") for row in report["per_question"]] == ["tune", "heldout", "heldout"]


def test_the_dev_set_is_split_once_in_two_halves_of_each_kind() -> None:
    questions = load_questions(DEV)
    assert {question.split for question in questions} == {"tune", "heldout"}
    for kind in ("procedure", "dataset", "convention", "unanswerable"):
        halves = [q.split for q in questions if q.kind == kind]
        assert abs(halves.count("tune") - halves.count("heldout")) <= 1, kind
    unanswerable = [q for q in questions if q.kind == "unanswerable"]
    assert len(unanswerable) >= 58 and len(questions) - len(unanswerable) >= 160


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("not json", "ligne 1 : JSON invalide"),
        ('{"id": "a", "question": "q", "kind": "autre", "relevant": ["x"]}', "kind « autre »"),
        ('{"id": "a", "question": "", "kind": "procedure", "relevant": ["x"]}', "question"),
        ('{"id": "a", "question": "q", "kind": "procedure", "relevant": []}', "relevant"),
        ('{"id": "a", "question": "q", "kind": "procedure", "relevant": "x"}', "relevant"),
        ('{"id": "a", "question": "q", "kind": "unanswerable", "split": "test"}', "split « test »"),
    ],
)
def test_bad_question_files_name_line_and_field(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text(line + "\n", "utf-8")
    with pytest.raises(QuestionFileError, match=message):
        load_questions(path)


def test_dev_set_is_valid_and_points_at_real_files() -> None:
    from tests.conftest import CORPUS

    questions = load_questions(DEV)
    assert len(questions) >= 40
    kinds = {question.kind for question in questions}
    assert {"procedure", "convention", "unanswerable"} <= kinds
    if CORPUS.exists():
        missing = [
            p for question in questions for p in question.relevant if not (CORPUS / p).exists()
        ]
        assert missing == []
    raw = [json.loads(line) for line in DEV.read_text("utf-8").splitlines() if line.strip()]
    assert all(
        set(item) >= {"id", "question", "kind", "relevant", "answer_contains"} for item in raw
    )


def test_the_paraphrase_set_is_split_per_kind_and_points_at_real_files() -> None:
    from tests.conftest import CORPUS

    paraphrase = DEV.with_name("paraphrase.jsonl")
    questions = load_questions(paraphrase)
    assert len(questions) >= 80 and all(q.answerable for q in questions)
    for kind in ("procedure", "dataset", "convention"):
        halves = [q.split for q in questions if q.kind == kind]
        assert len(halves) >= 20 and abs(halves.count("tune") - halves.count("heldout")) <= 1
    if CORPUS.exists():
        missing = [p for q in questions for p in q.relevant if not (CORPUS / p).exists()]
        assert missing == []
    dev_ids = {q.id for q in load_questions(DEV)}
    assert dev_ids.isdisjoint(q.id for q in questions)  # both can be scored together
