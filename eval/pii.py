"""Recall and precision of the personal-data guard on a labelled case file.

A case file is JSON Lines: ``{"id", "text", "entities": [{"type", "text"}], "keep": [...]}``
where each entity's text occurs verbatim in ``text`` (repeated values are listed as many
times as they occur) and ``keep`` lists strings that must survive redaction.

Scoring favours what matters for privacy:
- an entity is *found* when every character of it is covered by findings of any type
  (it no longer appears in the redacted text); it is *typed* when a finding of its own
  type overlaps it;
- a finding is *correct* when it overlaps a labelled entity; otherwise it is a false
  positive, and a finding that touches a ``keep`` string is also reported by name.
The guard is handed in as a plain callable, so this module imports nothing to its right.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from connectors.errors import BoussoleError
from eval.jsonl import numbered_lines

Span = tuple[str, int, int]  # (entity type, start, end)
FindSpans = Callable[[Sequence[str]], Sequence[Sequence[Span]]]


class PiiCaseFileError(BoussoleError):
    """A labelled case file that cannot be read as documented above."""

    code = "fichier_cas_invalide"


@dataclass(frozen=True)
class PiiCase:
    """One labelled text."""

    id: str
    text: str
    entities: tuple[Span, ...]
    keep: tuple[tuple[int, int], ...]


def _occurrences(text: str, value: str) -> list[int]:
    starts, position = [], text.find(value)
    while position >= 0:
        starts.append(position)
        position = text.find(value, position + 1)
    return starts


def _locate(text: str, values: Sequence[tuple[str, str]], where: str) -> list[Span]:
    """Spans of labelled values, longest first.

    So that a SIREN inside its SIRET is not taken for the SIREN written elsewhere.
    """
    taken: list[Span] = []
    for kind, value in sorted(values, key=lambda item: -len(item[1])):
        for start in _occurrences(text, value):
            end = start + len(value)
            if all(end <= s or start >= e for _, s, e in taken):
                taken.append((kind, start, end))
                break
        else:
            raise PiiCaseFileError(f"{where} : « {value} » introuvable dans le texte.")
    return sorted(taken, key=lambda span: span[1])


def load_cases(path: Path) -> list[PiiCase]:
    """Read and check a case file; errors name the line."""
    cases: list[PiiCase] = []
    for number, where, line in numbered_lines(path, PiiCaseFileError, "de cas"):
        try:
            raw = json.loads(line)
            text = raw["text"]
            labelled = [(item["type"], item["text"]) for item in raw.get("entities", [])]
            keep_values = list(raw.get("keep", []))
            case_id = str(raw.get("id", number))
        except (json.JSONDecodeError, KeyError, TypeError) as error:
            raise PiiCaseFileError(f"{where} : ligne invalide ({error}).") from error
        keep = []
        for value in keep_values:
            for start in _occurrences(text, value) or [-1]:
                if start < 0:
                    raise PiiCaseFileError(f"{where} : « {value} » (keep) introuvable.")
                keep.append((start, start + len(value)))
        cases.append(PiiCase(case_id, text, tuple(_locate(text, labelled, where)), tuple(keep)))
    return cases


def _covered(start: int, end: int, findings: Sequence[Span]) -> bool:
    covered = [False] * (end - start)
    for _, s, e in findings:
        for i in range(max(s, start), min(e, end)):
            covered[i - start] = True
    return all(covered) if covered else False


def _overlaps(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    return a_start < b_end and b_start < a_end


def score(cases: Sequence[PiiCase], find: FindSpans) -> dict[str, Any]:
    """Per-type and overall recall and precision, plus the misses and false alarms."""
    found: Counter[str] = Counter()
    typed: Counter[str] = Counter()
    total: Counter[str] = Counter()
    correct: Counter[str] = Counter()
    predicted: Counter[str] = Counter()
    misses: list[dict[str, str]] = []
    false_alarms: list[dict[str, Any]] = []
    untouched = 0
    clean_cases = [case for case in cases if not case.entities]
    all_findings = find([case.text for case in cases])
    for case, findings in zip(cases, all_findings, strict=True):
        for kind, start, end in case.entities:
            total[kind] += 1
            if _covered(start, end, findings):
                found[kind] += 1
            else:
                misses.append({"id": case.id, "type": kind, "text": case.text[start:end]})
            if any(f[0] == kind and _overlaps(start, end, f[1], f[2]) for f in findings):
                typed[kind] += 1
        for kind, start, end in findings:
            predicted[kind] += 1
            if any(_overlaps(start, end, s, e) for _, s, e in case.entities):
                correct[kind] += 1
            else:
                kept = any(_overlaps(start, end, s, e) for s, e in case.keep)
                false_alarms.append(
                    {"id": case.id, "type": kind, "text": case.text[start:end], "keep": kept}
                )
        if not case.entities and not findings:
            untouched += 1

    def ratio(numerator: int, denominator: int) -> float | None:
        return round(numerator / denominator, 4) if denominator else None

    kinds = sorted(set(total) | set(predicted))
    return {
        "cases": len(cases),
        "entities": sum(total.values()),
        "overall": {
            "recall": ratio(sum(found.values()), sum(total.values())),
            "typed_recall": ratio(sum(typed.values()), sum(total.values())),
            "precision": ratio(sum(correct.values()), sum(predicted.values())),
            "clean_texts_untouched": ratio(untouched, len(clean_cases)),
        },
        "by_type": {
            kind: {
                "n": total[kind],
                "recall": ratio(found[kind], total[kind]),
                "typed_recall": ratio(typed[kind], total[kind]),
                "predicted": predicted[kind],
                "precision": ratio(correct[kind], predicted[kind]),
            }
            for kind in kinds
        },
        "misses": misses,
        "false_alarms": false_alarms,
    }
