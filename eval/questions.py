"""Question files (JSON Lines, EVAL_FORMAT.md): loading with line-precise errors."""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from connectors.errors import BoussoleError
from eval.jsonl import numbered_lines

KINDS = ("procedure", "dataset", "convention", "unanswerable")
SPLITS = ("tune", "heldout")


class QuestionFileError(BoussoleError):
    """A question file that does not follow EVAL_FORMAT.md."""

    code = "fichier_questions_invalide"


@dataclass(frozen=True)
class Question:
    """One evaluation question."""

    id: str
    question: str
    kind: str
    relevant: tuple[str, ...]
    answer_contains: tuple[str, ...]
    note: str = ""
    split: str | None = None  # "tune" or "heldout" (EVAL_FORMAT.md), None when unsplit

    @property
    def answerable(self) -> bool:
        """True when some document holds the answer."""
        return self.kind != "unanswerable" and bool(self.relevant)


def normalise_path(path: str) -> str:
    """Compare paths the same way whatever the file system's Unicode form."""
    return unicodedata.normalize("NFC", path.strip().lstrip("./"))


def _strings(value: Any, where: str, name: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise QuestionFileError(f"{where} : « {name} » doit être une liste de chaînes.")
    return tuple(value)


def parse_question(raw: Any, where: str) -> Question:
    """Validate one decoded line."""
    if not isinstance(raw, dict):
        raise QuestionFileError(f"{where} : chaque ligne doit être un objet JSON.")
    for name in ("id", "question", "kind"):
        if not isinstance(raw.get(name), str) or not raw[name].strip():
            raise QuestionFileError(f"{where} : champ « {name} » manquant ou vide.")
    if raw["kind"] not in KINDS:
        raise QuestionFileError(
            f"{where} : kind « {raw['kind']} » inconnu (attendu : {', '.join(KINDS)})."
        )
    relevant = tuple(normalise_path(p) for p in _strings(raw.get("relevant"), where, "relevant"))
    if raw["kind"] != "unanswerable" and not relevant:
        raise QuestionFileError(f"{where} : « relevant » est vide pour une question {raw['kind']}.")
    split = raw.get("split")
    if split is not None and split not in SPLITS:
        raise QuestionFileError(
            f"{where} : split « {split} » inconnu (attendu : {', '.join(SPLITS)})."
        )
    return Question(
        split=split,
        id=raw["id"],
        question=raw["question"],
        kind=raw["kind"],
        relevant=relevant,
        answer_contains=_strings(raw.get("answer_contains"), where, "answer_contains"),
        note=str(raw.get("note", "")),
    )


def load_questions(path: Path) -> list[Question]:
    """Read a question file; the error names the file, the line and the field."""
    questions: list[Question] = []
    seen: set[str] = set()
    for _, where, line in numbered_lines(path, QuestionFileError, "de questions"):
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise QuestionFileError(f"{where} : JSON invalide ({exc.msg}).") from exc
        question = parse_question(raw, where)
        if question.id in seen:
            raise QuestionFileError(f"{where} : identifiant « {question.id} » en double.")
        seen.add(question.id)
        questions.append(question)
    if not questions:
        raise QuestionFileError(f"{path} ne contient aucune question.")
    return questions
