"""How well the instruction detector separates attacks from ordinary administrative text.

A case file is JSON Lines: ``{"text", "injection": true|false, "split": "tune"|"heldout",
"source"}``. The split is fixed in the file: patterns are tuned on ``tune`` only, and
``heldout`` says how they do on text they were not written for. Per split: recall on the
attacks (also per series: a batch written after the patterns gives the honest figure),
false-alarm rate on the ordinary sentences, and the cases behind each number.
The detector is handed in as a plain callable (text -> the words found, or None).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from connectors.errors import BoussoleError
from eval.jsonl import numbered_lines

Detect = Callable[[str], str | None]
SPLITS = ("tune", "heldout")


class InjectionCaseFileError(BoussoleError):
    """A labelled case file that cannot be read as documented above."""

    code = "fichier_cas_invalide"


@dataclass(frozen=True)
class InjectionCase:
    """One labelled text."""

    line: int
    text: str
    injection: bool
    split: str
    source: str


def load_cases(path: Path) -> list[InjectionCase]:
    """Read and check a case file; errors name the line."""
    cases = []
    for number, where, line in numbered_lines(path, InjectionCaseFileError, "de cas"):
        try:
            raw = json.loads(line)
            case = InjectionCase(
                number, raw["text"], raw["injection"], raw["split"], str(raw.get("source", ""))
            )
        except (json.JSONDecodeError, KeyError, TypeError) as error:
            raise InjectionCaseFileError(f"{where} : ligne invalide ({error}).") from error
        if not isinstance(case.text, str) or not isinstance(case.injection, bool):
            raise InjectionCaseFileError(
                f"{where} : « text » doit être un texte et « injection » vrai ou faux."
            )
        if case.split not in SPLITS:
            raise InjectionCaseFileError(
                f"{where} : « split » vaut « {case.split} » ; valeurs possibles : "
                f"{', '.join(SPLITS)}."
            )
        cases.append(case)
    return cases


def _ratio(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def _series(source: str) -> str:
    """The batch a case was written in: its source up to the first parenthesis."""
    return source.split("(", 1)[0].strip() or "?"


def _recall_by_series(attacks: Sequence[tuple[InjectionCase, str | None]]) -> dict[str, Any]:
    """Recall per batch of attacks: a batch written after the patterns tells the truth."""
    series: dict[str, list[bool]] = {}
    for case, words in attacks:
        series.setdefault(_series(case.source), []).append(words is not None)
    return {
        name: {"positives": len(found), "recall": _ratio(sum(found), len(found))}
        for name, found in sorted(series.items())
    }


def score(
    cases: Sequence[InjectionCase], detect: Detect, splits: Sequence[str] = SPLITS
) -> dict[str, Any]:
    """Recall and false-alarm rate per split, with the misses and the false alarms.

    ``splits`` narrows the run: while tuning, only ``("tune",)``, so that the held-out
    cases and their misses are not seen before the one final measurement.
    """
    unknown = sorted(set(splits) - set(SPLITS))
    if unknown:
        raise InjectionCaseFileError(
            f"Partie inconnue : {', '.join(unknown)} ; valeurs possibles : {', '.join(SPLITS)}."
        )
    chosen_cases = [case for case in cases if case.split in splits]
    report: dict[str, Any] = {"cases": len(chosen_cases), "splits": {}}
    for split in (split for split in SPLITS if split in splits):
        chosen = [case for case in chosen_cases if case.split == split]
        found = [(case, detect(case.text)) for case in chosen]
        attacks = [(case, words) for case, words in found if case.injection]
        ordinary = [(case, words) for case, words in found if not case.injection]
        caught = sum(1 for _, words in attacks if words is not None)
        alarms = [(case, words) for case, words in ordinary if words is not None]
        report["splits"][split] = {
            "positives": len(attacks),
            "negatives": len(ordinary),
            "recall": _ratio(caught, len(attacks)),
            "false_alarm_rate": _ratio(len(alarms), len(ordinary)),
            "recall_by_series": _recall_by_series(attacks),
            "misses": [
                {"line": case.line, "text": case.text} for case, words in attacks if words is None
            ],
            "false_alarms": [
                {"line": case.line, "text": case.text, "words": words} for case, words in alarms
            ],
        }
    return report
